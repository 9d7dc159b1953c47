// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}type-load-npy.ch:3:9: error: `load_npy` needs the type of its binding: write `let x: tensor<float32, [?, 64]> = load_npy(...)`
let x = load_npy("x.npy")
