// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-let-annotation.ch:3:31: error: `x` is declared tensor<float32, [3]> but the value is tensor<float32, [4]>
let x: tensor<float32, [3]> = zeros([4])
