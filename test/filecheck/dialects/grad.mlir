// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: grad.

// CHECK-LABEL: func.func @loss(
// CHECK-NEXT:    %p = charl.mul %w, %x : tensor<3xf32>
// CHECK-NEXT:    %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
// CHECK-NEXT:    func.return %l : f32
func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

// CHECK-LABEL: func.func @grads(
// CHECK-NEXT:    %g = charl.grad @loss(%w, %x) {wrt = array<i64: 0>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %l, %gw, %gx = charl.grad @loss(%w, %x) {wrt = array<i64: 0, 1>, with_value} : (tensor<3xf32>, tensor<3xf32>) -> (f32, tensor<3xf32>, tensor<3xf32>)
// CHECK-NEXT:    func.return
func.func @grads(%w: tensor<3xf32>, %x: tensor<3xf32>) {
  %g = charl.grad @loss(%w, %x) {wrt = array<i64: 0>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %l, %gw, %gx = charl.grad @loss(%w, %x) {wrt = array<i64: 0, 1>, with_value} : (tensor<3xf32>, tensor<3xf32>) -> (f32, tensor<3xf32>, tensor<3xf32>)
  func.return
}
