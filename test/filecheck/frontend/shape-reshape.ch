// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-reshape.ch:4:9: error: cannot reshape tensor<float32, [3, 4]> into [5, -1]: sizes do not divide
let x = zeros([3, 4])
let y = reshape(x, [5, -1])
