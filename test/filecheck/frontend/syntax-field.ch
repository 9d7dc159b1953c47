// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-field.ch:4:11: error: expected a field name or a tuple index after '.', found newline
let t = (1, 2)
let a = t.
