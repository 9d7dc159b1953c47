// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-argument-count.ch:4:9: error: `f` takes 1 argument, got 2
fn f(x: float32) -> float32 { return x * 2.0 }
let y = f(1.0, 2.0)
