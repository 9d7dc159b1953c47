// RUN: charlc %s -p charl-autodiff,canonicalize,cse,dce | filecheck %s

// transpose: the adjoint is the transpose by the inverse permutation ([1, 2, 0] -> [2, 0, 1]).
func.func @tr(%x: tensor<2x3x4xf64>, %c: tensor<3x4x2xf64>) -> f64 {
  %t = charl.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf64> -> tensor<3x4x2xf64>
  %m = charl.mul %t, %c : tensor<3x4x2xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1, 2>} : tensor<3x4x2xf64> -> f64
  func.return %r : f64
}
func.func @gtr(%x: tensor<2x3x4xf64>, %c: tensor<3x4x2xf64>) -> tensor<2x3x4xf64> {
  %g = charl.grad @tr(%x, %c) {wrt = array<i64: 0>} : (tensor<2x3x4xf64>, tensor<3x4x2xf64>) -> tensor<2x3x4xf64>
  func.return %g : tensor<2x3x4xf64>
}
// CHECK-LABEL: func.func @tr_grad_0(
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<3x4x2xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.transpose %[[G]] {perm = array<i64: 2, 0, 1>} : tensor<3x4x2xf64> -> tensor<2x3x4xf64>
// CHECK-NEXT:    func.return %[[DX]] : tensor<2x3x4xf64>

// reshape: the adjoint reshapes the result's adjoint back to the operand's shape.
func.func @rs(%x: tensor<2x3xf64>, %c: tensor<3x2xf64>) -> f64 {
  %t = charl.reshape %x : tensor<2x3xf64> -> tensor<3x2xf64>
  %m = charl.mul %t, %c : tensor<3x2xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1>} : tensor<3x2xf64> -> f64
  func.return %r : f64
}
func.func @grs(%x: tensor<2x3xf64>, %c: tensor<3x2xf64>) -> tensor<2x3xf64> {
  %g = charl.grad @rs(%x, %c) {wrt = array<i64: 0>} : (tensor<2x3xf64>, tensor<3x2xf64>) -> tensor<2x3xf64>
  func.return %g : tensor<2x3xf64>
}
// CHECK-LABEL: func.func @rs_grad_0(
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<3x2xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.reshape %[[G]] : tensor<3x2xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    func.return %[[DX]] : tensor<2x3xf64>

// slice: the adjoint writes the slice's adjoint into zeros of the input's shape at the same offsets.
func.func @sl(%x: tensor<4x3xf64>, %c: tensor<2x3xf64>) -> f64 {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %s = charl.slice %x[%c1, %c0] [2, 3] : tensor<4x3xf64> -> tensor<2x3xf64>
  %m = charl.mul %s, %c : tensor<2x3xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1>} : tensor<2x3xf64> -> f64
  func.return %r : f64
}
func.func @gsl(%x: tensor<4x3xf64>, %c: tensor<2x3xf64>) -> tensor<4x3xf64> {
  %g = charl.grad @sl(%x, %c) {wrt = array<i64: 0>} : (tensor<4x3xf64>, tensor<2x3xf64>) -> tensor<4x3xf64>
  func.return %g : tensor<4x3xf64>
}
// CHECK-LABEL: func.func @sl_grad_0(
// CHECK:         %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NOT:     charl.slice
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<2x3xf64>
// CHECK-NEXT:    %[[Z:.*]] = charl.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[ZS:.*]] = charl.broadcast_to %[[Z]] : f64 -> tensor<4x3xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.update_slice %[[G]] into %[[ZS]][%[[C1]], %[[C0]]] : tensor<2x3xf64> into tensor<4x3xf64>
// CHECK-NEXT:    func.return %[[DX]] : tensor<4x3xf64>

// update_slice: the destination's adjoint is the result's with the overwritten region zeroed (an
// update_slice of zeros into it); the source's adjoint is that region, sliced out.
func.func @up(%x: tensor<4x3xf64>, %y: tensor<1x3xf64>, %c: tensor<4x3xf64>) -> f64 {
  %c2 = arith.constant 2 : index
  %c0 = arith.constant 0 : index
  %z = charl.update_slice %y into %x[%c2, %c0] : tensor<1x3xf64> into tensor<4x3xf64>
  %m = charl.mul %z, %c : tensor<4x3xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1>} : tensor<4x3xf64> -> f64
  func.return %r : f64
}
func.func @gup(%x: tensor<4x3xf64>, %y: tensor<1x3xf64>, %c: tensor<4x3xf64>) -> (tensor<4x3xf64>, tensor<1x3xf64>) {
  %gx, %gy = charl.grad @up(%x, %y, %c) {wrt = array<i64: 0, 1>} : (tensor<4x3xf64>, tensor<1x3xf64>, tensor<4x3xf64>) -> (tensor<4x3xf64>, tensor<1x3xf64>)
  func.return %gx, %gy : tensor<4x3xf64>, tensor<1x3xf64>
}
// CHECK-LABEL: func.func @up_grad_0_1(
// CHECK:         %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<4x3xf64>
// CHECK-NEXT:    %[[Z:.*]] = charl.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[ZS:.*]] = charl.broadcast_to %[[Z]] : f64 -> tensor<1x3xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.update_slice %[[ZS]] into %[[G]][%[[C2]], %[[C0]]] : tensor<1x3xf64> into tensor<4x3xf64>
// CHECK-NEXT:    %[[DY:.*]] = charl.slice %[[G]][%[[C2]], %[[C0]]] [1, 3] : tensor<4x3xf64> -> tensor<1x3xf64>
// CHECK-NEXT:    func.return %[[DX]], %[[DY]] : tensor<4x3xf64>, tensor<1x3xf64>

// concat along axis 1: each input's adjoint is the slice of the result's adjoint at that input's
// offset along the axis (0 for %x, 3 = the width of %x for %y) with that input's sizes.
func.func @cc(%x: tensor<2x3xf64>, %y: tensor<2x2xf64>, %c: tensor<2x5xf64>) -> f64 {
  %j = charl.concat %x, %y {axis = 1 : i64} : tensor<2x3xf64>, tensor<2x2xf64> -> tensor<2x5xf64>
  %m = charl.mul %j, %c : tensor<2x5xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1>} : tensor<2x5xf64> -> f64
  func.return %r : f64
}
func.func @gcc(%x: tensor<2x3xf64>, %y: tensor<2x2xf64>, %c: tensor<2x5xf64>) -> (tensor<2x3xf64>, tensor<2x2xf64>) {
  %gx, %gy = charl.grad @cc(%x, %y, %c) {wrt = array<i64: 0, 1>} : (tensor<2x3xf64>, tensor<2x2xf64>, tensor<2x5xf64>) -> (tensor<2x3xf64>, tensor<2x2xf64>)
  func.return %gx, %gy : tensor<2x3xf64>, tensor<2x2xf64>
}
// CHECK-LABEL: func.func @cc_grad_0_1(
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<2x5xf64>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[DX:.*]] = charl.slice %[[G]][%[[C0]], %[[C0]]] [2, 3] : tensor<2x5xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:    %[[DY:.*]] = charl.slice %[[G]][%[[C0]], %[[C3]]] [2, 2] : tensor<2x5xf64> -> tensor<2x2xf64>
// CHECK-NEXT:    func.return %[[DX]], %[[DY]] : tensor<2x3xf64>, tensor<2x2xf64>
