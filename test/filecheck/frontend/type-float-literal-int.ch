// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-float-literal-int.ch:4:12: error: no implicit conversion between tensor<int32, [3]> and float32; use cast(counts, float32)
let counts = [1, 2, 3]
let half = counts * 0.5
