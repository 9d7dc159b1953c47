// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-unclosed-bracket.ch:3:18: error: expected ']' to close '[' at 3:9, found newline
let w = [1.0, 2.0
print(w)
