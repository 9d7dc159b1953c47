// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}model-layer-sizes.ch:6:9: error: dense(128, 64) expects 128 input features, but the previous layer produces 256
model Mlp {
    layers {
        dense(784, 256)
        dense(128, 64)
    }
}
