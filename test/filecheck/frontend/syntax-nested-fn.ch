// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-nested-fn.ch:4:5: error: 'fn' declarations are only allowed at the top level
fn outer(x: float32) -> float32 {
    fn inner(y: float32) -> float32 { return y }
    return x
}
