// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s

// A user's error: file:line:col, the source line, and a caret under the column.

// CHECK:      {{.*}}errors.ch:9:9: error: unknown name `x`
// CHECK-NEXT: {{^}}let y = x + a
// CHECK-NEXT: {{^ {8}\^$}}
let a = 1.0
let y = x + a
