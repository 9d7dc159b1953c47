// Trains a 784-128-64-10 MLP on generated data with `grad` and `sgd`.
// Prints the loss per epoch and the training throughput in samples per second.

model Mlp {
    layers {
        dense(784, 128, activation: relu)
        dense(128, 64, activation: relu)
        dense(64, 10)
    }
}

fn loss(m: Mlp, x: tensor<float32, [B, 784]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(x), y)
}

fn accuracy(m: Mlp, x: tensor<float32, [B, 784]>, y: tensor<int32, [B]>) -> float32 {
    let predicted = argmax(m(x), axis: 1)
    return mean(cast(predicted == y, float32))
}

// Synthetic data: the label is the index of the largest of ten fixed projections of x.
let n = 2048
let batch = 32
let x = random_normal([2048, 784], seed: 1)
let projection = random_normal([784, 10], seed: 2)
let y = argmax(x @ projection, axis: 1)

let mut m = Mlp(seed: 0)
let epochs = 5
let start = clock()
for epoch in 0..epochs {
    let mut total = 0.0
    for b in 0..n / batch {
        let xb = x[b * 32 : b * 32 + 32, :]
        let yb = y[b * 32 : b * 32 + 32]
        let (l, g) = value_and_grad(loss)(m, xb, yb)
        m = sgd(m, g, lr: 0.05)
        total = total + l
    }
    print("epoch", epoch, "loss", total / cast(n / batch, float32))
}
let seconds = clock() - start
print("accuracy", accuracy(m, x, y))
print("samples/s", cast(epochs * n, float64) / seconds)
