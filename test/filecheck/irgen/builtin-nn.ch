// RUN: charlc %s --emit=mlir | filecheck %s

// CHECK-LABEL: func.func @softmaxes(
// CHECK-SAME:      %[[X:.*]]: tensor<2x5xf32>)
// CHECK-NEXT:    charl.softmax %[[X]] {axis = 1 : i64} : tensor<2x5xf32>
// CHECK-NEXT:    charl.softmax %[[X]] {axis = 0 : i64, log} : tensor<2x5xf32>
fn softmaxes(x: tensor<float32, [2, 5]>) -> (tensor<float32, [2, 5]>, tensor<float32, [2, 5]>) {
    return (softmax(x), log_softmax(x, axis: 0))
}

// CHECK-LABEL: func.func @norm(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT:    charl.layer_norm %[[X]], %[[G]], %[[B]] {eps = 1.000000e-03 : f64} : tensor<2x8xf32>, tensor<8xf32>
fn norm(x: tensor<float32, [2, 8]>, g: tensor<float32, [8]>, b: tensor<float32, [8]>) -> tensor<float32, [2, 8]> {
    return layer_norm(x, g, b, eps: 0.001)
}

// CHECK-LABEL: func.func @conv(
// CHECK-SAME:      %[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[Y:.*]] = charl.conv2d %[[X]], %[[W]], %[[B]] {stride = 2 : i64, padding = 1 : i64} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32> -> tensor<1x4x4x4xf32>
// CHECK-NEXT:    %[[M:.*]] = charl.pool2d max %[[Y]] {kernel = 2 : i64, stride = 1 : i64} : tensor<1x4x4x4xf32> -> tensor<1x4x3x3xf32>
// CHECK-NEXT:    charl.pool2d avg %[[M]] {kernel = 2 : i64, stride = 2 : i64} : tensor<1x4x3x3xf32> -> tensor<1x4x1x1xf32>
fn conv(x: tensor<float32, [1, 3, 8, 8]>, w: tensor<float32, [4, 3, 3, 3]>, b: tensor<float32, [4]>) -> tensor<float32, [1, 4, 1, 1]> {
    let y = conv2d(x, w, b, stride: 2, padding: 1)
    return avg_pool2d(max_pool2d(y, 2, stride: 1), 2)
}

// Inverted dropout: keep where uniform >= p, scale the kept values by 1 / (1 - p); p = 0.0 is the
// identity.
// CHECK-LABEL: func.func @drop(
// CHECK-SAME:      %[[X:.*]]: tensor<4x6xf32>, %[[S:.*]]: i32)
// CHECK-NEXT:    %[[SEED:.*]] = charl.cast %[[S]] : i32 to i64
// CHECK-NEXT:    %[[P:.*]] = charl.constant 2.500000e-01 : f32
// CHECK-NEXT:    %[[LO:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[HI:.*]] = charl.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[U:.*]] = charl.random uniform %[[SEED]], %[[LO]], %[[HI]] : f32 -> tensor<4x6xf32>
// CHECK-NEXT:    %[[PB:.*]] = charl.broadcast_to %[[P]] : f32 -> tensor<4x6xf32>
// CHECK-NEXT:    %[[KEEP:.*]] = charl.compare ge %[[U]], %[[PB]] : tensor<4x6xf32> -> tensor<4x6xi1>
// CHECK-NEXT:    %[[MASK:.*]] = charl.cast %[[KEEP]] : tensor<4x6xi1> to tensor<4x6xf32>
// CHECK-NEXT:    %[[Q:.*]] = charl.constant 7.500000e-01 : f32
// CHECK-NEXT:    %[[XM:.*]] = charl.mul %[[X]], %[[MASK]] : tensor<4x6xf32>
// CHECK-NEXT:    %[[QB:.*]] = charl.broadcast_to %[[Q]] : f32 -> tensor<4x6xf32>
// CHECK-NEXT:    %[[D:.*]] = charl.div %[[XM]], %[[QB]] : tensor<4x6xf32>
// CHECK-NEXT:    func.return %[[D]], %[[X]]
fn drop(x: tensor<float32, [4, 6]>, s: int32) -> (tensor<float32, [4, 6]>, tensor<float32, [4, 6]>) {
    return (dropout(x, 0.25, seed: s), dropout(x, 0.0))
}

// A run-time rate: 1 - p is computed at run time; the seed defaults to 0.
// CHECK-LABEL: func.func @drop_rate(
// CHECK-SAME:      %[[X:.*]]: tensor<?x6xf32>, %[[P:.*]]: f32)
// CHECK-NEXT:    %[[SEED:.*]] = charl.constant 0 : i64
// CHECK:         %[[N:.*]] = charl.dim %[[X]] {axis = 0 : i64} : tensor<?x6xf32>
// CHECK-NEXT:    %[[U:.*]] = charl.random uniform %[[SEED]], %{{.*}}, %{{.*}} dims(%[[N]]) : f32 -> tensor<?x6xf32>
// CHECK:         charl.compare ge %[[U]], %{{.*}} : tensor<?x6xf32> -> tensor<?x6xi1>
// CHECK:         %[[KEEP:.*]] = charl.sub %{{.*}}, %[[P]] : f32
// CHECK:         %[[KB:.*]] = charl.broadcast_to %[[KEEP]] dims(%{{.*}}) : f32 -> tensor<?x6xf32>
// CHECK-NEXT:    charl.div %{{.*}}, %[[KB]] : tensor<?x6xf32>
fn drop_rate(x: tensor<float32, [?, 6]>, p: float32) -> tensor<float32, [?, 6]> {
    return dropout(x, p)
}

let x = random_normal([2, 5], seed: 1)
print(softmaxes(x), norm(random_normal([2, 8], seed: 2), ones([8]), zeros([8])))
print(conv(random_normal([1, 3, 8, 8], seed: 3), random_normal([4, 3, 3, 3], seed: 4), zeros([4])))
print(drop(ones([4, 6]), 5))
let d: tensor<float32, [?, 6]> = load_npy("d.npy")
print(drop_rate(d, 0.5))
