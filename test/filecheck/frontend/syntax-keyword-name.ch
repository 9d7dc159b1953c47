// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-keyword-name.ch:3:5: error: expected a name or '(' after 'let', found keyword 'params'
let params = 3
