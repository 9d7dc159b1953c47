// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-one-tuple.ch:4:11: error: a tuple needs at least two elements; remove the ','
let x = 1.0
let t = (x,)
