// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}control-missing-return.ch:3:4: error: `sign_of` may reach the end of its body without returning a value of type float32
fn sign_of(x: float32) -> float32 {
    if x > 0.0 { return 1.0 }
}
