// RUN: charlc %s --emit=mlir 2>&1 >/dev/null | filecheck %s
// CHECK: {{.*}}warn-grad-zero.ch:15:9: warning: the gradient of `pick` with respect to argument 1 (`w`) is always zero: `w` reaches the result only through argmax (line 7)
// CHECK-NEXT: let g = grad(pick)(w, x)
// CHECK-NEXT: {{^        \^$}}
// CHECK-NOT: warning
fn pick(w: tensor<float32, [4]>, x: tensor<float32, [4]>) -> float32 {
    let i = argmax(w, axis: 0)
    return cast(i, float32) * sum(x)
}
fn mixed(w: tensor<float32, [4]>) -> float32 {
    return cast(argmax(w, axis: 0), float32) + sum(w)
}
let w = [1.0, 3.0, 2.0, 0.5]
let x = [0.5, 1.0, 2.0, 4.0]
let g = grad(pick)(w, x)
let h = grad(mixed)(w)
print(g)
print(h)
