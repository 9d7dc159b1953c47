// One pre-norm transformer block: causal multi-head self-attention and a gelu MLP.
// Sequence length 16, model width 64, 4 heads of 16.

model Block(d: int32, heads: int32, hidden: int32) {
    params {
        ln1_g: tensor<float32, [d]> = ones()
        ln1_b: tensor<float32, [d]> = zeros()
        wq: tensor<float32, [d, d]> = xavier_uniform()
        wk: tensor<float32, [d, d]> = xavier_uniform()
        wv: tensor<float32, [d, d]> = xavier_uniform()
        wo: tensor<float32, [d, d]> = xavier_uniform()
        ln2_g: tensor<float32, [d]> = ones()
        ln2_b: tensor<float32, [d]> = zeros()
        w1: tensor<float32, [d, hidden]> = he_normal()
        b1: tensor<float32, [hidden]> = zeros()
        w2: tensor<float32, [hidden, d]> = xavier_uniform()
        b2: tensor<float32, [d]> = zeros()
    }

    fn forward(self, x: tensor<float32, [T, d]>) -> tensor<float32, [T, d]> {
        // Causal self-attention: [T, d] -> [heads, T, d / heads] per projection.
        let n = layer_norm(x, self.ln1_g, self.ln1_b)
        let q = transpose(reshape(n @ self.wq, [T, heads, d / heads]), [1, 0, 2])
        let k = transpose(reshape(n @ self.wk, [T, heads, d / heads]), [1, 0, 2])
        let v = transpose(reshape(n @ self.wv, [T, heads, d / heads]), [1, 0, 2])
        let scores = q @ transpose(k, [0, 2, 1]) / sqrt(cast(d / heads, float32))
        let masked = where(causal_mask(T), scores, full([heads, T, T], -1e9))
        let attended = reshape(transpose(softmax(masked, axis: -1) @ v, [1, 0, 2]), [T, d])
        let h = x + attended @ self.wo
        // Position-wise MLP.
        let a = gelu(layer_norm(h, self.ln2_g, self.ln2_b) @ self.w1 + self.b1)
        return h + a @ self.w2 + self.b2
    }
}

let block = Block(64, 4, 256, seed: 0)
let x = random_normal([16, 64], seed: 1)
let y = block(x)
print("output shape", shape(y))
print("mean", mean(y), "std", sqrt(mean((y - mean(y)) ** 2)))
print("parameters", parameters(block))
