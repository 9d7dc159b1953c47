// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-returns-disagree.ch:5:5: error: this `return` gives tensor<float32, [1]> but the `return` at 4:18 gives float32
fn f(x: float32) {
    if x > 0.0 { return x }
    return [x]
}
