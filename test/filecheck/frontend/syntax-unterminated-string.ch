// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-unterminated-string.ch:4:7: error: unterminated string literal: '"' has no closing '"' on its line
let n = 1
print("hello)
