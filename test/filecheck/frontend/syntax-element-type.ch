// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-element-type.ch:3:15: error: expected an element type (float32, float64, int32, int64, bool, int8 or int4), found 'float16'
let x: tensor<float16, [2]> = zeros([2])
