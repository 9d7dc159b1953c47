// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}model-forward-input.ch:10:9: error: layers.0: dense(784, 64) expects 784 input features, but the input tensor<float32, [32, 100]> has 100
model Mlp {
    layers {
        dense(784, 64, activation: relu)
        dense(64, 10)
    }
}
let m = Mlp(seed: 0)
let y = m(zeros([32, 100]))
