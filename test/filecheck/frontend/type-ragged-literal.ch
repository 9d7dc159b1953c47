// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-ragged-literal.ch:3:9: error: ragged tensor literal: row 1 has 3 elements where row 0 has 2
let a = [[1, 2], [3, 4, 5]]
