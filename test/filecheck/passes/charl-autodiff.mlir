// RUN: charlc %s -p charl-autodiff,dce | filecheck %s

// Broadcast + elementwise + full sum: the adjoint function replays the forward sweep, seeds 1,
// spreads it over the summed tensor, applies exp and mul, and unbroadcasts the bias adjoint.
func.func @f(%x: tensor<2x3xf64>, %b: tensor<3xf64>) -> f64 {
  %bb = charl.broadcast_to %b : tensor<3xf64> -> tensor<2x3xf64>
  %m = charl.mul %x, %bb : tensor<2x3xf64>
  %e = charl.exp %m : tensor<2x3xf64>
  %s = charl.reduce sum %e {axes = array<i64: 0, 1>} : tensor<2x3xf64> -> f64
  func.return %s : f64
}
func.func @main(%x: tensor<2x3xf64>, %b: tensor<3xf64>) -> tensor<3xf64> {
  %g = charl.grad @f(%x, %b) {wrt = array<i64: 1>} : (tensor<2x3xf64>, tensor<3xf64>) -> tensor<3xf64>
  func.return %g : tensor<3xf64>
}
// CHECK:      func.func @f_grad_1(%x: tensor<2x3xf64>, %b: tensor<3xf64>) -> tensor<3xf64> {
// CHECK-NEXT:   %bb = charl.broadcast_to %b : tensor<3xf64> -> tensor<2x3xf64>
// CHECK-NEXT:   %m = charl.mul %x, %bb : tensor<2x3xf64>
// CHECK-NEXT:   %e = charl.exp %m : tensor<2x3xf64>
// CHECK-NEXT:   %0 = charl.constant 1.000000e+00 : f64
// CHECK-NEXT:   %1 = charl.reshape %0 : f64 -> tensor<1x1xf64>
// CHECK-NEXT:   %2 = charl.broadcast_to %1 : tensor<1x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:   %3 = charl.mul %2, %e : tensor<2x3xf64>
// CHECK-NEXT:   %4 = charl.mul %3, %x : tensor<2x3xf64>
// CHECK-NEXT:   %5 = charl.reduce sum %4 {axes = array<i64: 0>, keepdims} : tensor<2x3xf64> -> tensor<1x3xf64>
// CHECK-NEXT:   %6 = charl.reshape %5 : tensor<1x3xf64> -> tensor<3xf64>
// CHECK-NEXT:   func.return %6 : tensor<3xf64>
// CHECK:      func.func @main(%x: tensor<2x3xf64>, %b: tensor<3xf64>) -> tensor<3xf64> {
// CHECK-NEXT:   %g = func.call @f_grad_1(%x, %b) : (tensor<2x3xf64>, tensor<3xf64>) -> tensor<3xf64>
