// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}grad-int-argument.ch:14:34: error: cannot differentiate `loss` with respect to argument 3 of type tensor<int32, [2]>: gradients need float values
model Mlp {
    layers {
        dense(784, 64, activation: relu)
        dense(64, 10)
    }
}
fn loss(m: Mlp, x: tensor<float32, [B, 784]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(x), y)
}
let m = Mlp(seed: 0)
let x = zeros([2, 784])
let g = grad(loss, wrt: 2)(m, x, [1, 2])
