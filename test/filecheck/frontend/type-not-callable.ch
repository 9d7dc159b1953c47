// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-not-callable.ch:4:9: error: `x` is not a function: it is a value of type int32
let x = 3
let y = x(2)
