// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-implicit-conversion.ch:5:9: error: no implicit conversion between tensor<int32, [3]> and float32; use cast(a, float32)
let a = [1, 2, 3]
let b = 2.0
let c = a * b
