// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-duplicate-keyword.ch:4:25: error: keyword argument 'axis' is given twice
let x = ones([2, 3])
let s = sum(x, axis: 0, axis: 1)
