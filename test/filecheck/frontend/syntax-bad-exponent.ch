// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-bad-exponent.ch:3:11: error: invalid number literal '1e-': the exponent has no digits
let eps = 1e-
