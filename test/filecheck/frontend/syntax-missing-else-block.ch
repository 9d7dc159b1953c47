// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-missing-else-block.ch:4:28: error: expected '{' after 'else', found 'print'
let x = 1
if x > 0 { print(x) } else print(0)
