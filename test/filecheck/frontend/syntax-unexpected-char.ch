// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-unexpected-char.ch:3:15: error: unexpected character '$'
let price = 3 $ 4
