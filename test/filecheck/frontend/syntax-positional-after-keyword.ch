// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-positional-after-keyword.ch:3:32: error: positional argument after keyword argument 'seed'; put positional arguments first
let r = random_normal(seed: 1, [2, 3])
