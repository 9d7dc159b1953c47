// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-unclosed-paren.ch:4:21: error: expected ')' to close '(' at 4:16, found newline
let x = 1
let y = maximum(x, 2
let z = 3
