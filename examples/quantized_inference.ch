// Quantizes a trained-shape MLP to int8 and int4 and compares its logits with float32.

model Mlp {
    layers {
        dense(256, 128, activation: relu)
        dense(128, 10)
    }
}

fn relative_error(a: tensor<float32, [B, 10]>, b: tensor<float32, [B, 10]>) -> float32 {
    return sqrt(sum((a - b) ** 2)) / sqrt(sum(b ** 2))
}

let m = Mlp(seed: 0)
let x = random_normal([64, 256], seed: 1)
let reference = m(x)

let q8 = quantize(m, int8)
let q4 = quantize(m, int4, group: 32)
print("int8 relative error", relative_error(q8(x), reference))
print("int4 relative error", relative_error(q4(x), reference))
print("argmax agreement int8", mean(cast(argmax(q8(x), axis: 1) == argmax(reference, axis: 1), float32)))

let w = random_normal([256, 128], seed: 2)
let (q, scale) = quantize_tensor(w, int8, axis: 1)
let w2 = dequantize(q, scale, axis: 1)
print("max abs error of one weight", max(abs(w2 - w)))
