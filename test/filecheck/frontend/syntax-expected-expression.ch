// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-expected-expression.ch:3:14: error: expected an expression, found ')'
let y = (2 * )
