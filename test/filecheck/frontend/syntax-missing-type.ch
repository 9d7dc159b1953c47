// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-missing-type.ch:3:12: error: expected ':' and a type after parameter 'x', found ')'
fn square(x) {
    return x * x
}
