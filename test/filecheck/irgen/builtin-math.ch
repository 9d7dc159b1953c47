// RUN: charlc %s --emit=mlir | filecheck %s

// One charl op per elementwise built-in, on the operand's type.
// CHECK-LABEL: func.func @unary(
// CHECK-SAME:      %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[A:.*]] = charl.abs %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[E:.*]] = charl.exp %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = charl.rsqrt %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[G:.*]] = charl.gelu %[[X]] : tensor<4xf32>
// CHECK-NEXT:    func.return %[[A]], %[[E]], %[[R]], %[[G]]
fn unary(x: tensor<float32, [4]>) -> (tensor<float32, [4]>, tensor<float32, [4]>, tensor<float32, [4]>, tensor<float32, [4]>) {
    return (abs(x), exp(x), rsqrt(x), gelu(x))
}

// CHECK-LABEL: func.func @more_unary(
// CHECK-NEXT:    charl.log
// CHECK-NEXT:    charl.silu
// CHECK-NEXT:    charl.sqrt
// CHECK-NEXT:    charl.sign
// CHECK-NEXT:    charl.ceil
// CHECK-NEXT:    charl.floor
// CHECK-NEXT:    charl.round
// CHECK-NEXT:    charl.cos
// CHECK-NEXT:    charl.sin
// CHECK-NEXT:    charl.tanh
// CHECK-NEXT:    charl.sigmoid
// CHECK-NEXT:    charl.relu
// CHECK-NEXT:    func.return
fn more_unary(x: tensor<float32, [4]>) -> (tensor<float32, [4]>, tensor<float32, [4]>, tensor<float32, [4]>, tensor<float32, [4]>) {
    return (silu(log(x)), sign(sqrt(x)), round(floor(ceil(x))), relu(sigmoid(tanh(sin(cos(x))))))
}

// CHECK-LABEL: func.func @int_unary(
// CHECK-NEXT:    %[[A:.*]] = charl.abs %{{.*}} : tensor<4xi32>
// CHECK-NEXT:    charl.relu %[[A]] : tensor<4xi32>
fn int_unary(i: tensor<int32, [4]>) -> tensor<int32, [4]> {
    return relu(abs(i))
}

// clip(x, lo, hi) = minimum(maximum(x, lo), hi), the scalar bounds broadcast to x's type.
// CHECK-LABEL: func.func @clip_(
// CHECK-SAME:      %[[X:.*]]: tensor<3x4xf32>)
// CHECK-NEXT:    %[[LO:.*]] = charl.constant -1.000000e+00 : f32
// CHECK-NEXT:    %[[LOB:.*]] = charl.broadcast_to %[[LO]] : f32 -> tensor<3x4xf32>
// CHECK-NEXT:    %[[MAX:.*]] = charl.maximum %[[X]], %[[LOB]] : tensor<3x4xf32>
// CHECK-NEXT:    %[[HI:.*]] = charl.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[HIB:.*]] = charl.broadcast_to %[[HI]] : f32 -> tensor<3x4xf32>
// CHECK-NEXT:    %[[MIN:.*]] = charl.minimum %[[MAX]], %[[HIB]] : tensor<3x4xf32>
// CHECK-NEXT:    func.return %[[MIN]]
fn clip_(x: tensor<float32, [3, 4]>) -> tensor<float32, [3, 4]> {
    return clip(x, -1.0, 1.0)
}

// CHECK-LABEL: func.func @binary(
// CHECK-SAME:      %[[X:.*]]: tensor<3x4xf32>, %[[Y:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[YB:.*]] = charl.broadcast_to %[[Y]] : tensor<4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    charl.maximum %[[X]], %[[YB]] : tensor<3x4xf32>
// CHECK-NEXT:    %[[Z:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[ZB:.*]] = charl.broadcast_to %[[Z]] : f32 -> tensor<3x4xf32>
// CHECK-NEXT:    charl.minimum %[[X]], %[[ZB]] : tensor<3x4xf32>
// CHECK-NEXT:    %[[TWO:.*]] = charl.constant 2.000000e+00 : f32
// CHECK-NEXT:    %[[TWOB:.*]] = charl.broadcast_to %[[TWO]] : f32 -> tensor<3x4xf32>
// CHECK-NEXT:    charl.pow %[[X]], %[[TWOB]] : tensor<3x4xf32>
fn binary(x: tensor<float32, [3, 4]>, y: tensor<float32, [4]>) -> (tensor<float32, [3, 4]>, tensor<float32, [3, 4]>, tensor<float32, [3, 4]>) {
    return (maximum(x, y), minimum(x, 0.0), pow(x, 2.0))
}

// where -> charl.select with the branches broadcast to the result's shape.
// CHECK-LABEL: func.func @where_(
// CHECK-SAME:      %[[X:.*]]: tensor<3x4xf32>, %[[Y:.*]]: tensor<4xf32>)
// CHECK:         %[[C:.*]] = charl.compare gt %[[X]], %{{.*}} : tensor<3x4xf32> -> tensor<3x4xi1>
// CHECK-NEXT:    %[[YB:.*]] = charl.broadcast_to %[[Y]] : tensor<4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    %[[S:.*]] = charl.select %[[C]], %[[X]], %[[YB]] : tensor<3x4xi1>, tensor<3x4xf32>
// CHECK-NEXT:    func.return %[[S]]
fn where_(x: tensor<float32, [3, 4]>, y: tensor<float32, [4]>) -> tensor<float32, [3, 4]> {
    return where(x > 0.0, x, y)
}

// CHECK-LABEL: func.func @casts(
// CHECK-SAME:      %[[X:.*]]: tensor<3xf32>)
// CHECK-NEXT:    charl.cast %[[X]] : tensor<3xf32> to tensor<3xi32>
// CHECK:         %[[C:.*]] = charl.compare gt
// CHECK-NEXT:    charl.cast %[[C]] : tensor<3xi1> to tensor<3xf64>
fn casts(x: tensor<float32, [3]>) -> (tensor<int32, [3]>, tensor<float64, [3]>) {
    return (cast(x, int32), cast(x > 0.0, float64))
}

// Dynamic sizes of a broadcast are read from the operand with charl.dim.
// CHECK-LABEL: func.func @dyn_clip(
// CHECK-SAME:      %[[X:.*]]: tensor<?x4xf32>)
// CHECK-NEXT:    %[[LO:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[N:.*]] = charl.dim %[[X]] {axis = 0 : i64} : tensor<?x4xf32>
// CHECK-NEXT:    %[[LOB:.*]] = charl.broadcast_to %[[LO]] dims(%[[N]]) : f32 -> tensor<?x4xf32>
// CHECK-NEXT:    %[[MAX:.*]] = charl.maximum %[[X]], %[[LOB]] : tensor<?x4xf32>
// CHECK:         charl.minimum %[[MAX]], %{{.*}} : tensor<?x4xf32>
fn dyn_clip(x: tensor<float32, [?, 4]>) -> tensor<float32, [?, 4]> {
    return clip(x, 0.0, 6.0)
}

let v = [1.0, 2.0, 3.0, 4.0]
let m = random_normal([3, 4], seed: 1)
print(unary(v), more_unary(v), int_unary(arange(4)), clip_(m), binary(m, v), where_(m, v), casts([1.0, -2.0, 3.5]))
let d: tensor<float32, [?, 4]> = load_npy("d.npy")
print(dyn_clip(d))
