// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}name-duplicate.ch:4:4: error: duplicate definition of `f` (first defined at 3:4)
fn f(x: float32) -> float32 { return x }
fn f(y: float32) -> float32 { return y }
