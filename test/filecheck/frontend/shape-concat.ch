// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-concat.ch:4:20: error: `concat` along axis 0 of tensor<float32, [3, 4]> and tensor<float32, [3, 5]>: dimension 1 differs (4 and 5)
let a = zeros([3, 4])
let c = concat([a, zeros([3, 5])], axis: 0)
