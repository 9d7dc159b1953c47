// Learns XOR with a `params` model built from two nested `Linear` models, trained with `adam`.

model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> {
        return x @ self.w + self.b
    }
}

model Xor {
    params {
        hidden: Linear(2, 8)
        out: Linear(8, 1)
    }
    fn forward(self, x: tensor<float32, [B, 2]>) -> tensor<float32, [B, 1]> {
        return sigmoid(self.out(tanh(self.hidden(x))))
    }
}

fn loss(m: Xor, x: tensor<float32, [4, 2]>, y: tensor<float32, [4, 1]>) -> float32 {
    return binary_cross_entropy(m(x), y)
}

let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
let y = [[0.0], [1.0], [1.0], [0.0]]
let mut m = Xor(seed: 3)
let mut opt = adam_init(m)
for step in 0..500 {
    let (l, g) = value_and_grad(loss)(m, x, y)
    (m, opt) = adam(m, g, opt, lr: 0.05)
    if step % 100 == 0 { print("step", step, "loss", l) }
}
print("predictions", m(x))
print("parameters", parameters(m))
