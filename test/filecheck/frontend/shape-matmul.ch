// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-matmul.ch:4:9: error: matmul of tensor<float32, [2, 3]> and tensor<float32, [4, 5]>: inner dimensions 3 and 4 differ
let a = zeros([2, 3])
let b = a @ zeros([4, 5])
