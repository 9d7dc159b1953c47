// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}mut-assign.ch:4:1: error: cannot assign to `x`: it is declared without `mut`; write `let mut x`
let x = 1.0
x = 2.0
