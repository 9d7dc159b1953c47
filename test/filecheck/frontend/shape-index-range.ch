// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-index-range.ch:4:14: error: index 4 is out of range for dimension 1 of size 4
let x = zeros([3, 4])
let y = x[1, 4]
