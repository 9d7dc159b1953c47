// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `@`: 2-D @ 2-D directly; a 1-D operand is reshaped to 2-D and the result back (as in NumPy);
// leading (batch) dimensions are broadcast to a common shape first.

// CHECK-LABEL: func.func @mm(
// CHECK-SAME:      %[[A:a]]: tensor<2x3xf32>, %[[B:b]]: tensor<3x4xf32>, %[[V:v]]: tensor<3xf32>, %[[U:u]]: tensor<2xf32>, %[[T:t]]: tensor<5x2x3xf32>
fn mm(a: tensor<float32, [2, 3]>, b: tensor<float32, [3, 4]>, v: tensor<float32, [3]>, u: tensor<float32, [2]>,
      t: tensor<float32, [5, 2, 3]>) {
    // CHECK:      %{{.*}} = charl.matmul %[[A]], %[[B]] : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
    let m22 = a @ b
    // CHECK:      %[[VC:.*]] = charl.reshape %[[V]] : tensor<3xf32> -> tensor<3x1xf32>
    // CHECK-NEXT: %[[AV:.*]] = charl.matmul %[[A]], %[[VC]] : tensor<2x3xf32>, tensor<3x1xf32> -> tensor<2x1xf32>
    // CHECK-NEXT: %{{.*}} = charl.reshape %[[AV]] : tensor<2x1xf32> -> tensor<2xf32>
    let m21 = a @ v
    // CHECK:      %[[UR:.*]] = charl.reshape %[[U]] : tensor<2xf32> -> tensor<1x2xf32>
    // CHECK-NEXT: %[[UA:.*]] = charl.matmul %[[UR]], %[[A]] : tensor<1x2xf32>, tensor<2x3xf32> -> tensor<1x3xf32>
    // CHECK-NEXT: %{{.*}} = charl.reshape %[[UA]] : tensor<1x3xf32> -> tensor<3xf32>
    let m12 = u @ a
    // CHECK:      %[[VR:.*]] = charl.reshape %[[V]] : tensor<3xf32> -> tensor<1x3xf32>
    // CHECK-NEXT: %[[VC2:.*]] = charl.reshape %[[V]] : tensor<3xf32> -> tensor<3x1xf32>
    // CHECK-NEXT: %[[VV:.*]] = charl.matmul %[[VR]], %[[VC2]] : tensor<1x3xf32>, tensor<3x1xf32> -> tensor<1x1xf32>
    // CHECK-NEXT: %{{.*}} = charl.reshape %[[VV]] : tensor<1x1xf32> -> f32
    let dot = v @ v
    // CHECK:      %[[BB:.*]] = charl.broadcast_to %[[B]] : tensor<3x4xf32> -> tensor<5x3x4xf32>
    // CHECK-NEXT: %{{.*}} = charl.matmul %[[T]], %[[BB]] : tensor<5x2x3xf32>, tensor<5x3x4xf32> -> tensor<5x2x4xf32>
    let batched = t @ b
    // CHECK:      %[[VC3:.*]] = charl.reshape %[[V]] : tensor<3xf32> -> tensor<3x1xf32>
    // CHECK-NEXT: %[[VB:.*]] = charl.broadcast_to %[[VC3]] : tensor<3x1xf32> -> tensor<5x3x1xf32>
    // CHECK-NEXT: %[[TV:.*]] = charl.matmul %[[T]], %[[VB]] : tensor<5x2x3xf32>, tensor<5x3x1xf32> -> tensor<5x2x1xf32>
    // CHECK-NEXT: %{{.*}} = charl.reshape %[[TV]] : tensor<5x2x1xf32> -> tensor<5x2xf32>
    let batched_vec = t @ v
    print(m22, m21, m12, dot, batched, batched_vec)
}

// CHECK-LABEL: func.func @dyn(
// CHECK-SAME:      %[[X:x]]: tensor<?x2x3xf32>, %[[W:w]]: tensor<3xf32>) -> tensor<?x2xf32>
// CHECK:         %[[B:.*]] = charl.dim %[[X]] {axis = 0 : i64} : tensor<?x2x3xf32>
// CHECK:         %[[WC:.*]] = charl.reshape %[[W]] : tensor<3xf32> -> tensor<3x1xf32>
// CHECK-NEXT:    %[[WB:.*]] = charl.broadcast_to %[[WC]] dims(%[[B]]) : tensor<3x1xf32> -> tensor<?x3x1xf32>
// CHECK-NEXT:    %[[M:.*]] = charl.matmul %[[X]], %[[WB]] : tensor<?x2x3xf32>, tensor<?x3x1xf32> -> tensor<?x2x1xf32>
// CHECK-NEXT:    %[[R:.*]] = charl.reshape %[[M]] dims(%[[B]]) : tensor<?x2x1xf32> -> tensor<?x2xf32>
// CHECK-NEXT:    func.return %[[R]] : tensor<?x2xf32>
fn dyn(x: tensor<float32, [B, 2, 3]>, w: tensor<float32, [3]>) -> tensor<float32, [B, 2]> { return x @ w }

mm(ones([2, 3]), ones([3, 4]), [1.0, 2.0, 3.0], [1.0, 2.0], ones([5, 2, 3]))
let xs: tensor<float32, [?, 2, 3]> = ones([4, 2, 3])
print(dyn(xs, [1.0, 2.0, 3.0]))
