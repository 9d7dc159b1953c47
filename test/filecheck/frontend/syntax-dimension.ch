// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-dimension.ch:3:29: error: expected a dimension (an integer, a size variable or '?'), found '-'
fn f(x: tensor<float32, [N, -1]>) -> float32 {
    return sum(x)
}
