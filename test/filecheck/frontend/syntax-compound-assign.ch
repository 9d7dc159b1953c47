// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-compound-assign.ch:4:3: error: compound assignment '+=' is not supported; write 'x = x + ...'
let mut x = 1
x += 1
