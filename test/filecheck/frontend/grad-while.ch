// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}grad-while.ch:8:9: error: `grad` of `f`: while loops cannot be differentiated in version 1 (the loop at 5:5); use a for loop
fn f(w: tensor<float32, [3]>) -> float32 {
    let mut s = 0.0
    while s < 1.0 { s = s + 0.5 }
    return sum(w) * s
}
let g = grad(f)([1.0, 2.0, 3.0])
