// RUN: charlc %s -p charl-autodiff,canonicalize,cse,dce | filecheck %s

// func.call in the differentiated function: the adjoint's forward sweep inlines every call
// (transitively: @layer calls @act), so the backward sweep sees only charl ops. @f calls @layer
// twice; each call's ops get their own values, and the adjoint of %w sums both uses. The callees
// themselves are left as they are.
func.func @act(%v: tensor<3xf64>) -> tensor<3xf64> {
  %t = charl.tanh %v : tensor<3xf64>
  func.return %t : tensor<3xf64>
}
func.func @layer(%v: tensor<3xf64>, %w: tensor<3xf64>) -> tensor<3xf64> {
  %m = charl.mul %v, %w : tensor<3xf64>
  %a = func.call @act(%m) : (tensor<3xf64>) -> tensor<3xf64>
  func.return %a : tensor<3xf64>
}
func.func @f(%x: tensor<3xf64>, %w: tensor<3xf64>) -> f64 {
  %y = func.call @layer(%x, %w) : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>
  %z = func.call @layer(%y, %w) : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>
  %r = charl.reduce sum %z {axes = array<i64: 0>} : tensor<3xf64> -> f64
  func.return %r : f64
}
func.func @g(%x: tensor<3xf64>, %w: tensor<3xf64>) -> (tensor<3xf64>, tensor<3xf64>) {
  %gx, %gw = charl.grad @f(%x, %w) {wrt = array<i64: 0, 1>} : (tensor<3xf64>, tensor<3xf64>) -> (tensor<3xf64>, tensor<3xf64>)
  func.return %gx, %gw : tensor<3xf64>, tensor<3xf64>
}
// CHECK-LABEL: func.func @act(
// CHECK-LABEL: func.func @layer(
// CHECK:         func.call @act(%m)
// CHECK-LABEL: func.func @f(
// CHECK:         func.call @layer(%x, %w)
// CHECK:         func.call @layer(%y, %w)
//
// The adjoint: both calls of @layer and the call of @act in each, inlined, then the backward sweep.
// CHECK-LABEL: func.func @f_grad_0_1(%x: tensor<3xf64>, %w: tensor<3xf64>) -> (tensor<3xf64>, tensor<3xf64>) {
// CHECK-NOT:     func.call
// CHECK:         %[[M1:.*]] = charl.mul %x, %w : tensor<3xf64>
// CHECK-NEXT:    %[[Y:.*]] = charl.tanh %[[M1]] : tensor<3xf64>
// CHECK-NEXT:    %[[M2:.*]] = charl.mul %[[Y]], %w : tensor<3xf64>
// CHECK-NEXT:    %[[Z:.*]] = charl.tanh %[[M2]] : tensor<3xf64>
// CHECK-NOT:     func.call
// Second call, backward: tanh' = 1 - z^2, then the mul's two operands.
// CHECK:         %[[Z2:.*]] = charl.mul %[[Z]], %[[Z]] : tensor<3xf64>
// CHECK-NEXT:    %[[DZ:.*]] = charl.sub %{{.*}}, %[[Z2]] : tensor<3xf64>
// CHECK-NEXT:    %[[G2:.*]] = charl.mul %{{.*}}, %[[DZ]] : tensor<3xf64>
// CHECK-NEXT:    %[[GY:.*]] = charl.mul %[[G2]], %w : tensor<3xf64>
// CHECK-NEXT:    %[[GW2:.*]] = charl.mul %[[G2]], %[[Y]] : tensor<3xf64>
// First call, backward.
// CHECK-NEXT:    %[[Y2:.*]] = charl.mul %[[Y]], %[[Y]] : tensor<3xf64>
// CHECK-NEXT:    %[[DY:.*]] = charl.sub %{{.*}}, %[[Y2]] : tensor<3xf64>
// CHECK-NEXT:    %[[G1:.*]] = charl.mul %[[GY]], %[[DY]] : tensor<3xf64>
// CHECK-NEXT:    %[[GX:.*]] = charl.mul %[[G1]], %w : tensor<3xf64>
// CHECK-NEXT:    %[[GW1:.*]] = charl.mul %[[G1]], %x : tensor<3xf64>
// CHECK-NEXT:    %[[GW:.*]] = charl.add %[[GW2]], %[[GW1]] : tensor<3xf64>
// CHECK-NEXT:    func.return %[[GX]], %[[GW]] : tensor<3xf64>, tensor<3xf64>
// CHECK-LABEL: func.func @g(
// CHECK:         func.call @f_grad_0_1(%x, %w)
