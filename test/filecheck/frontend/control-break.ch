// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}control-break.ch:5:5: error: `break` outside a loop
let x = 1
if x > 0 {
    break
}
