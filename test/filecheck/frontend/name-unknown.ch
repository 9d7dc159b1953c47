// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}name-unknown.ch:4:13: error: unknown name `z`
let x = 1.0
let y = x + z
