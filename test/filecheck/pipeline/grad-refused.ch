// RUN: not charlc run %s 2>&1 | filecheck %s --match-full-lines
// RUN: not charlc %s --stop-after=linalg 2>&1 | filecheck %s --match-full-lines

// Until charl-autodiff exists, convert-charl-to-linalg refuses `grad` with a located error.

// CHECK:      {{.*}}grad-refused.ch:10:9: error: charl.grad: cannot differentiate @f: gradients need the `charl-autodiff` pass, which this version of charlc does not have
// CHECK-NEXT: let g = grad(f)([1.0, 2.0])
// CHECK-NEXT: {{^ {8}\^$}}
fn f(w: tensor<float32, [2]>) -> float32 { return sum(w * w) }
let g = grad(f)([1.0, 2.0])
print(g)
