// RUN: charlc %s -p charl-autodiff,dce | filecheck %s

// matmul, tanh, reduce max/mean and a value used twice (`%r * %r`: two adjoints summed with
// charl.add); with_value returns the value first. Repeated grads share one adjoint function.
func.func @f(%a: tensor<2x3xf64>, %b: tensor<3x4xf64>) -> f64 {
  %m = charl.matmul %a, %b : tensor<2x3xf64>, tensor<3x4xf64> -> tensor<2x4xf64>
  %t = charl.tanh %m : tensor<2x4xf64>
  %s = charl.reduce max %t {axes = array<i64: 1>} : tensor<2x4xf64> -> tensor<2xf64>
  %r = charl.reduce mean %s {axes = array<i64: 0>} : tensor<2xf64> -> f64
  %q = charl.mul %r, %r : f64
  func.return %q : f64
}
func.func @main(%a: tensor<2x3xf64>, %b: tensor<3x4xf64>) -> (f64, tensor<2x3xf64>, tensor<2x3xf64>) {
  %v, %ga, %gb = charl.grad @f(%a, %b) {wrt = array<i64: 0, 1>, with_value} : (tensor<2x3xf64>, tensor<3x4xf64>) -> (f64, tensor<2x3xf64>, tensor<3x4xf64>)
  %w, %ga2, %gb2 = charl.grad @f(%a, %b) {wrt = array<i64: 0, 1>, with_value} : (tensor<2x3xf64>, tensor<3x4xf64>) -> (f64, tensor<2x3xf64>, tensor<3x4xf64>)
  func.return %v, %ga, %ga2 : f64, tensor<2x3xf64>, tensor<2x3xf64>
}
// CHECK:      func.func @f_grad_0_1_value(%a: tensor<2x3xf64>, %b: tensor<3x4xf64>) -> (f64, tensor<2x3xf64>, tensor<3x4xf64>) {
// CHECK:        %q = charl.mul %r, %r : f64
// CHECK-NEXT:   %0 = charl.constant 1.000000e+00 : f64
// CHECK-NEXT:   %1 = charl.mul %0, %r : f64
// CHECK-NEXT:   %2 = charl.mul %0, %r : f64
// CHECK-NEXT:   %3 = charl.add %1, %2 : f64
// CHECK:        %{{.*}} = charl.div %{{.*}}, %{{.*}} : tensor<2xf64>
// CHECK:        %[[EQ:.*]] = charl.compare eq %t, %{{.*}} : tensor<2x4xf64> -> tensor<2x4xi1>
// CHECK:        %{{.*}} = charl.select %[[EQ]], %{{.*}}, %{{.*}} : tensor<2x4xi1>, tensor<2x4xf64>
// CHECK:        %[[T2:.*]] = charl.mul %t, %t : tensor<2x4xf64>
// CHECK-NEXT:   %{{.*}} = charl.sub %{{.*}}, %[[T2]] : tensor<2x4xf64>
// CHECK-NEXT:   %[[G:.*]] = charl.mul %{{.*}}, %{{.*}} : tensor<2x4xf64>
// CHECK-NEXT:   %[[BT:.*]] = charl.transpose %b {perm = array<i64: 1, 0>} : tensor<3x4xf64> -> tensor<4x3xf64>
// CHECK-NEXT:   %[[GA:.*]] = charl.matmul %[[G]], %[[BT]] : tensor<2x4xf64>, tensor<4x3xf64> -> tensor<2x3xf64>
// CHECK-NEXT:   %[[AT:.*]] = charl.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf64> -> tensor<3x2xf64>
// CHECK-NEXT:   %[[GB:.*]] = charl.matmul %[[AT]], %[[G]] : tensor<3x2xf64>, tensor<2x4xf64> -> tensor<3x4xf64>
// CHECK-NEXT:   func.return %q, %[[GA]], %[[GB]] : f64, tensor<2x3xf64>, tensor<3x4xf64>
// CHECK-NOT:  func.func @f_grad
// CHECK:      func.call @f_grad_0_1_value(%a, %b)
// CHECK-NEXT: func.call @f_grad_0_1_value(%a, %b)
