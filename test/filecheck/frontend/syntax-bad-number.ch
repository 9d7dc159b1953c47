// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-bad-number.ch:3:9: error: invalid number literal '1_000_': '_' must sit between two digits
let n = 1_000_
