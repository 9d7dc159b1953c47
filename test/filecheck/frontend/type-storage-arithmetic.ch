// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-storage-arithmetic.ch:5:9: error: `*` on tensor<int8, [4, 4]>: int8 is a storage type without arithmetic; use dequantize(q, scale) first
let w = random_normal([4, 4], seed: 0)
let (q, s) = quantize_tensor(w, int8, axis: 1)
let z = q * 2
