// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}control-while-condition.ch:4:7: error: the condition of `while` must be bool, got int32; compare explicitly (`x != 0`)
let mut n = 3
while n {
    n = n - 1
}
