// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}name-function-value.ch:4:9: error: function `f` used as a value: functions are values only as arguments of grad, value_and_grad and autograd
fn f(x: float32) -> float32 { return x }
let g = f
