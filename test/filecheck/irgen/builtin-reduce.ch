// RUN: charlc %s --emit=mlir | filecheck %s

// A reduction without `axis:` reduces every dimension to a scalar.
// CHECK-LABEL: func.func @full_(
// CHECK-SAME:      %[[X:.*]]: tensor<3x4xf32>)
// CHECK-NEXT:    charl.reduce sum %[[X]] {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> f32
// CHECK-NEXT:    charl.reduce mean %[[X]] {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> f32
// CHECK-NEXT:    charl.reduce max %[[X]] {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> f32
// CHECK-NEXT:    charl.reduce min %[[X]] {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> f32
fn full_(x: tensor<float32, [3, 4]>) -> (float32, float32, float32, float32) {
    return (sum(x), mean(x), max(x), min(x))
}

// Axes are normalized (non-negative, sorted); keepdims keeps them as 1.
// CHECK-LABEL: func.func @axes(
// CHECK-NEXT:    charl.reduce sum %{{.*}} {axes = array<i64: 1>} : tensor<2x3x4xf32> -> tensor<2x4xf32>
// CHECK-NEXT:    charl.reduce mean %{{.*}} {axes = array<i64: 1, 2>, keepdims} : tensor<2x3x4xf32> -> tensor<2x1x1xf32>
// CHECK-NEXT:    charl.reduce max %{{.*}} {axes = array<i64: 0>} : tensor<2x3x4xf32> -> tensor<3x4xf32>
fn axes(x: tensor<float32, [2, 3, 4]>) -> (tensor<float32, [2, 4]>, tensor<float32, [2, 1, 1]>, tensor<float32, [3, 4]>) {
    return (sum(x, axis: 1), mean(x, axis: [1, -1], keepdims: true), max(x, axis: -3))
}

// CHECK-LABEL: func.func @arg(
// CHECK-NEXT:    charl.argmax %{{.*}} {axis = 1 : i64} : tensor<3x4xf32> -> tensor<3xi32>
// CHECK-NEXT:    charl.argmax %{{.*}} {axis = 1 : i64, keepdims} : tensor<3x4xf32> -> tensor<3x1xi32>
// CHECK-NEXT:    charl.argmax %{{.*}} {axis = 0 : i64} : tensor<5xf32> -> i32
fn arg(x: tensor<float32, [3, 4]>, v: tensor<float32, [5]>) -> (tensor<int32, [3]>, tensor<int32, [3, 1]>, int32) {
    return (argmax(x, axis: 1), argmax(x, axis: -1, keepdims: true), argmax(v))
}

// CHECK-LABEL: func.func @ints(
// CHECK-NEXT:    charl.reduce sum %{{.*}} {axes = array<i64: 0>} : tensor<6xi32> -> i32
// CHECK-NEXT:    charl.reduce max %{{.*}} {axes = array<i64: 0>} : tensor<6xi32> -> i32
fn ints(i: tensor<int32, [6]>) -> int32 {
    return sum(i) + max(i)
}

// CHECK-LABEL: func.func @dyn(
// CHECK-NEXT:    charl.reduce mean %{{.*}} {axes = array<i64: 1>} : tensor<?x8xf32> -> tensor<?xf32>
fn dyn(x: tensor<float32, [?, 8]>) -> tensor<float32, [?]> {
    return mean(x, axis: 1)
}

let x = random_normal([3, 4], seed: 1)
print(full_(x), axes(random_normal([2, 3, 4], seed: 2)), arg(x, [1.0, 5.0, 2.0, 0.0, 1.0]), ints(arange(6)))
let d: tensor<float32, [?, 8]> = load_npy("d.npy")
print(dyn(d))
