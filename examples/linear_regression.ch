// Fits y = 3 x0 - 2 x1 + 0.5 with plain gradient descent on a weight vector and a bias.

fn predict(w: tensor<float32, [2]>, b: float32, x: tensor<float32, [N, 2]>) -> tensor<float32, [N]> {
    return x @ w + b
}

fn loss(w: tensor<float32, [2]>, b: float32, x: tensor<float32, [N, 2]>, y: tensor<float32, [N]>) -> float32 {
    return mse_loss(predict(w, b, x), y)
}

let x = random_uniform([256, 2], seed: 7, low: -1.0, high: 1.0)
let noise = random_normal([256], seed: 8, std: 0.01)
let y = x @ [3.0, -2.0] + 0.5 + noise

let mut w = zeros([2])
let mut b = 0.0
let lr = 0.1
for step in 0..300 {
    let (gw, gb) = grad(loss, wrt: [0, 1])(w, b, x, y)
    w = w - lr * gw
    b = b - lr * gb
    if step % 50 == 0 { print("step", step, "loss", loss(w, b, x, y)) }
}
print("w", w, "b", b)
