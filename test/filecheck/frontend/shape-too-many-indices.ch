// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-too-many-indices.ch:4:9: error: too many indices for tensor<float32, [3, 4]>: 3 given, rank is 2
let x = zeros([3, 4])
let y = x[0, 1, 2]
