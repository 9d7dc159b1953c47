// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}control-return-outside.ch:4:1: error: `return` outside a function
let x = 1
return x
