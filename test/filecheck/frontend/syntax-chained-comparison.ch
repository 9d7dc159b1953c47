// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-chained-comparison.ch:4:10: error: '0 < x < 10': comparisons do not chain; use 'and'
let x = 5
if 0 < x < 10 { print(x) }
