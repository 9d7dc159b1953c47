// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-missing-newline.ch:3:11: error: expected a newline or ';' after the statement, found keyword 'let'
let a = 1 let b = 2
