// Inference of a 256-128-64-10 MLP written as a sequential model: seeded weights, a batch of 128
// inputs, logits, predictions and their softmax confidence. Run it as it is, quantized
// (`charlc run --quantize=int8 examples/mlp_classifier.ch`, or int4), or measure what quantizing
// costs per layer: `charlc quant-report examples/mlp_classifier.ch`.

model Mlp {
    layers {
        dense(256, 128, activation: relu)
        dense(128, 64, activation: relu)
        dense(64, 10)
    }
}

let m = Mlp(seed: 0)
let x = random_normal([128, 256], seed: 1)
let logits = m(x)
let probs = softmax(logits, axis: 1)
print("first logits", logits[0])
print("first predictions", argmax(probs, axis: 1)[0:8])
print("mean confidence", mean(max(probs, axis: 1)))
