// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-unterminated-comment.ch:4:1: error: unterminated block comment: '/*' has no matching '*/'
let n = 1
/* this comment
   never ends
