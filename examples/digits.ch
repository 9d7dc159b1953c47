// Trains a 64-128-64-10 MLP with `adam` on minibatches of scikit-learn's 8x8 handwritten digits.
// Prints the loss per epoch, the training and test accuracy, and the training throughput.
//
// Run from the repository root:
//     python examples/prepare_digits.py && charlc run examples/digits.ch
// prepare_digits.py writes examples/data/{train,test}_{x,y}.npy (1437 training and 360 test
// images, pixels scaled to [0, 1]). `load_npy` opens its path as written, so a relative path is
// relative to the working directory of the running program, not to this file.

model Mlp {
    layers {
        dense(64, 128, activation: relu)
        dense(128, 64, activation: relu)
        dense(64, 10)
    }
}

fn loss(m: Mlp, x: tensor<float32, [B, 64]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(x), y)
}

fn accuracy(m: Mlp, x: tensor<float32, [B, 64]>, y: tensor<int32, [B]>) -> float32 {
    return mean(cast(argmax(m(x), axis: 1) == y, float32))
}

let train_x: tensor<float32, [?, 64]> = load_npy("examples/data/train_x.npy")
let train_y: tensor<int32, [?]> = load_npy("examples/data/train_y.npy")
let test_x: tensor<float32, [?, 64]> = load_npy("examples/data/test_x.npy")
let test_y: tensor<int32, [?]> = load_npy("examples/data/test_y.npy")

// Minibatches of 32 in file order (the split is already shuffled); the last partial batch is left
// out. `batch` is an immutable constant, so `b * batch : b * batch + batch` slices [32, 64].
let batch = 32
let batches = cast(shape(train_x)[0], int32) / batch
let mut m = Mlp(seed: 0)
let mut opt = adam_init(m)
let epochs = 20
let start = clock()
for epoch in 0..epochs {
    let mut total = 0.0
    for b in 0..batches {
        let xb = train_x[b * batch : b * batch + batch, :]
        let yb = train_y[b * batch : b * batch + batch]
        let (l, g) = value_and_grad(loss)(m, xb, yb)
        (m, opt) = adam(m, g, opt, lr: 0.001)
        total = total + l
    }
    print("epoch", epoch, "loss", total / cast(batches, float32))
}
let seconds = clock() - start
print("train accuracy", accuracy(m, train_x, train_y))
print("test accuracy", accuracy(m, test_x, test_y))
print("samples/s", cast(epochs * batches * batch, float64) / seconds)
