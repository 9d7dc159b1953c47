// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-slice-range.ch:4:13: error: slice end 10 is out of range for dimension 0 of size 8
let x = zeros([8])
let y = x[2:10]
