// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-unclosed-brace.ch:5:1: error: expected '}' to close '{' at 3:29, found end of file
fn f(x: float32) -> float32 {
    return x * 2.0
