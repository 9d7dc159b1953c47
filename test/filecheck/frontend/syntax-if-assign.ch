// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-if-assign.ch:4:6: error: expected '{' after the condition of 'if', found '='; use '==' to compare
let x = 1
if x = 1 { print(x) }
