// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-return-declared.ch:4:12: error: this function is declared to return tensor<float32, [2]> but this returns float32
fn f(x: float32) -> tensor<float32, [2]> {
    return x
}
