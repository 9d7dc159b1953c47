// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-condition.ch:4:4: error: the condition of `if` must be a bool scalar, got tensor<bool, [3]>; use where(cond, a, b) to select elementwise
let x = random_normal([3], seed: 0)
if x > 0.0 {
    print(x)
}
