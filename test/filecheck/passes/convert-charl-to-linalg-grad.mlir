// RUN: not charlc %s -p convert-charl-to-linalg 2>&1 | filecheck %s

// `charl.grad` needs charl-autodiff: a located error naming the op and the function.
// CHECK: {{.*}}convert-charl-to-linalg-grad.mlir: error: convert-charl-to-linalg: model.ch:12:15: charl.grad: cannot differentiate @loss: gradients need the `charl-autodiff` pass, which this version of charlc does not have
func.func @loss(%w: tensor<3xf32>) -> f32 {
  %s = charl.reduce sum %w {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %s : f32
}

func.func @main(%w: tensor<3xf32>) -> tensor<3xf32> {
  %g = charl.grad @loss(%w) {wrt = array<i64: 0>} : (tensor<3xf32>) -> tensor<3xf32> loc("model.ch":12:15)
  func.return %g : tensor<3xf32>
}
