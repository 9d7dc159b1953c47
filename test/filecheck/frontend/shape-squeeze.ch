// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-squeeze.ch:4:9: error: cannot squeeze axis 0 of tensor<float32, [3, 4]>: its size is 3, not 1
let x = zeros([3, 4])
let y = squeeze(x, 0)
