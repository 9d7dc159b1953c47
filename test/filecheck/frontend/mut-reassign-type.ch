// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}mut-reassign-type.ch:4:5: error: `h` has type tensor<float32, [3]>; cannot assign tensor<float32, [4]>
let mut h = zeros([3])
h = zeros([4])
