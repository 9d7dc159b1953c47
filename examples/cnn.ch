// Trains a small CNN (conv2d, max_pool2d, flatten, dense) with `adam` on the 8x8 digits, each
// 64-pixel row reshaped to a [1, 8, 8] image. Prints the layers, the loss per epoch, the test
// accuracy and the training throughput.
//
// Run from the repository root (relative `load_npy` paths are relative to the working directory):
//     python examples/prepare_digits.py && charlc run examples/cnn.ch

model Cnn {
    layers {
        conv2d(1, 8, 3, padding: 1, activation: relu)   // [B, 1, 8, 8] -> [B, 8, 8, 8]
        max_pool2d(2)                                   // -> [B, 8, 4, 4]
        flatten()                                       // -> [B, 128]
        dense(128, 10)                                  // logits
    }
}

fn images(x: tensor<float32, [B, 64]>) -> tensor<float32, [B, 1, 8, 8]> {
    return reshape(x, [B, 1, 8, 8])
}

fn loss(m: Cnn, x: tensor<float32, [B, 64]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(images(x)), y)
}

fn accuracy(m: Cnn, x: tensor<float32, [B, 64]>, y: tensor<int32, [B]>) -> float32 {
    return mean(cast(argmax(m(images(x)), axis: 1) == y, float32))
}

let train_x: tensor<float32, [?, 64]> = load_npy("examples/data/train_x.npy")
let train_y: tensor<int32, [?]> = load_npy("examples/data/train_y.npy")
let test_x: tensor<float32, [?, 64]> = load_npy("examples/data/test_x.npy")
let test_y: tensor<int32, [?]> = load_npy("examples/data/test_y.npy")

let batch = 32
let batches = cast(shape(train_x)[0], int32) / batch
let mut m = Cnn(seed: 0)
summary(m)
let mut opt = adam_init(m)
let epochs = 10
let start = clock()
for epoch in 0..epochs {
    let mut total = 0.0
    for b in 0..batches {
        let xb = train_x[b * batch : b * batch + batch, :]
        let yb = train_y[b * batch : b * batch + batch]
        let (l, g) = value_and_grad(loss)(m, xb, yb)
        (m, opt) = adam(m, g, opt, lr: 0.003)
        total = total + l
    }
    print("epoch", epoch, "loss", total / cast(batches, float32))
}
let seconds = clock() - start
print("test accuracy", accuracy(m, test_x, test_y))
print("samples/s", cast(epochs * batches * batch, float64) / seconds)
