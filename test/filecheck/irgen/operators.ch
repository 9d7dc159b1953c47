// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// Elementwise operators take operands of one type: each operand is broadcast explicitly to the
// result's shape (NumPy rules) before the op; a scalar literal gets the tensor's element type.

// CHECK-LABEL: func.func @ops(
// CHECK-SAME:      %[[A:a]]: tensor<2x3xf32>, %[[B:b]]: tensor<3xf32>, %[[S:s]]: f32, %[[I:i]]: tensor<4xi32>, %[[J:j]]: i32)
fn ops(a: tensor<float32, [2, 3]>, b: tensor<float32, [3]>, s: float32, i: tensor<int32, [4]>, j: int32) {
    // CHECK:      %[[BB:.*]] = charl.broadcast_to %[[B]] : tensor<3xf32> -> tensor<2x3xf32>
    // CHECK-NEXT: %{{.*}} = charl.add %[[A]], %[[BB]] : tensor<2x3xf32>
    let add = a + b
    // CHECK:      %[[BA:.*]] = charl.broadcast_to %[[B]] : tensor<3xf32> -> tensor<2x3xf32>
    // CHECK-NEXT: %{{.*}} = charl.sub %[[BA]], %[[A]] : tensor<2x3xf32>
    let sub = b - a
    // CHECK:      %[[SB:.*]] = charl.broadcast_to %[[S]] : f32 -> tensor<2x3xf32>
    // CHECK-NEXT: %{{.*}} = charl.mul %[[A]], %[[SB]] : tensor<2x3xf32>
    let mul = a * s
    // CHECK:      %[[TWO:.*]] = charl.constant 2.000000e+00 : f32
    // CHECK-NEXT: %[[TB:.*]] = charl.broadcast_to %[[TWO]] : f32 -> tensor<3xf32>
    // CHECK-NEXT: %{{.*}} = charl.div %[[B]], %[[TB]] : tensor<3xf32>
    let div = b / 2
    // CHECK:      %[[JB:.*]] = charl.broadcast_to %[[J]] : i32 -> tensor<4xi32>
    // CHECK-NEXT: %{{.*}} = charl.rem %[[I]], %[[JB]] : tensor<4xi32>
    let rem = i % j
    // CHECK:      %[[E:.*]] = charl.constant 3 : i32
    // CHECK-NEXT: %{{.*}} = charl.pow %[[J]], %[[E]] : i32
    let pow = j ** 3
    // CHECK:      %{{.*}} = charl.neg %[[A]] : tensor<2x3xf32>
    let neg = -a
    // CHECK:      %[[SS:.*]] = charl.add %[[S]], %[[S]] : f32
    // CHECK-NEXT: %{{.*}} = charl.neg %[[SS]] : f32
    let nested = -(s + s)
    print(add, sub, mul, div, rem, pow, neg, nested)
}
ops(ones([2, 3]), [1.0, 2.0, 3.0], 2.0, [1, 2, 3, 4], 3)
