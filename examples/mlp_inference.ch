// Inference of a 784-128-64-10 MLP written with plain functions and tensors (no model DSL):
// seeded random weights, a batch of 256 inputs, class predictions and their softmax confidence.

fn dense(x: tensor<float32, [B, I]>, w: tensor<float32, [I, O]>, b: tensor<float32, [O]>) -> tensor<float32, [B, O]> {
    return x @ w + b
}

fn mlp(x: tensor<float32, [B, 784]>,
       w1: tensor<float32, [784, 128]>, b1: tensor<float32, [128]>,
       w2: tensor<float32, [128, 64]>, b2: tensor<float32, [64]>,
       w3: tensor<float32, [64, 10]>, b3: tensor<float32, [10]>) -> tensor<float32, [B, 10]> {
    let h1 = relu(dense(x, w1, b1))
    let h2 = relu(dense(h1, w2, b2))
    return dense(h2, w3, b3)
}

let w1 = random_normal([784, 128], seed: 1, std: 0.05)
let b1 = zeros([128])
let w2 = random_normal([128, 64], seed: 2, std: 0.1)
let b2 = zeros([64])
let w3 = random_normal([64, 10], seed: 3, std: 0.1)
let b3 = zeros([10])
let x = random_uniform([256, 784], seed: 4)

let logits = mlp(x, w1, b1, w2, b2, w3, b3)
let probs = softmax(logits, axis: 1)
let predicted = argmax(probs, axis: 1)
print("first predictions", predicted[0:8])
print("mean confidence", mean(max(probs, axis: 1)))
print("class counts", sum(one_hot(predicted, 10), axis: 0))
