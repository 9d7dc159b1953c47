// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-unknown-keyword.ch:4:16: error: unknown keyword argument `axes` for `sum` (it takes `x`, `axis`, `keepdims`)
let x = zeros([2, 3])
let s = sum(x, axes: 1)
