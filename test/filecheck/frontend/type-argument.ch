// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-argument.ch:4:14: error: argument 1 of `norm` must be tensor<float32, [N]>, got tensor<float32, [2, 2]>
fn norm(v: tensor<float32, [N]>) -> float32 { return sqrt(sum(v * v)) }
let n = norm(zeros([2, 2]))
