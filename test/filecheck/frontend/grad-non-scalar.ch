// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}grad-non-scalar.ch:4:9: error: `grad` needs `f` to return a float32 or float64 scalar, but it returns tensor<float32, [3]>
fn f(w: tensor<float32, [3]>) { return w * 2.0 }
let g = grad(f)([1.0, 2.0, 3.0])
