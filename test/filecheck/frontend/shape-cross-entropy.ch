// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-cross-entropy.ch:4:9: error: `cross_entropy` of logits tensor<float32, [8, 10]> needs int labels [8], got tensor<int32, [3]>
let logits = zeros([8, 10])
let l = cross_entropy(logits, [1, 2, 3])
