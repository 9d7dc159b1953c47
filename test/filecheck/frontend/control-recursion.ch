// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}control-recursion.ch:5:16: error: recursive call of `fact`: recursion is not supported in version 1
fn fact(n: int32) -> int32 {
    if n <= 1 { return 1 }
    return n * fact(n - 1)
}
