// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}grad-quantized.ch:15:20: error: cannot take the gradient of a quantized model (quantized<Mlp, int8>): quantized models are inference only
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
let q = quantize(m, int8)
let x = zeros([2, 784])
let g = grad(loss)(q, x, [1, 2])
