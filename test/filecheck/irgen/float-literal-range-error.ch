// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}float-literal-range-error.ch:4:11: error: float literal 1e+39 is out of the float32 range (±3.40282e+38); declare it `float64`
let x: float64 = 1e40
print(x, [1e39, 1.0])
