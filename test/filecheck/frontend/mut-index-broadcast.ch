// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}mut-index-broadcast.ch:4:11: error: cannot broadcast tensor<float32, [3, 8]> to the indexed region tensor<float32, [2, 8]> of `kv`
let mut kv = zeros([4, 8])
kv[0:2] = ones([3, 8])
