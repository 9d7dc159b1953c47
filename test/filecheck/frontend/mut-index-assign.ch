// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}mut-index-assign.ch:4:1: error: cannot assign to `kv`: it is declared without `mut`; write `let mut kv`
let kv = zeros([4, 8])
kv[0] = ones([8])
