// A tour of the language without models or gradients: tensors and broadcasting, slicing and
// indexed assignment, control flow, generic functions, tuples, random numbers and .npy files.

fn normalize(x: tensor<float32, [N]>) -> tensor<float32, [N]> {
    let centered = x - mean(x)
    return centered / sqrt(mean(centered * centered) + 1e-5)
}

fn min_max(x: tensor<float32, [N]>) -> (float32, float32) {
    return (min(x), max(x))
}

let a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
let b = [10.0, 20.0, 30.0]
print("a + b =", a + b)
print("a @ a^T =", a @ transpose(a))
print("row sums", sum(a, axis: 1), "column means", mean(a, axis: 0, keepdims: true))

let mut grid = zeros([4, 4])
for i in 0..4 {
    grid[i, i] = cast(i + 1, float32)
}
grid[0:2, 2:4] = ones([2, 2]) * 7.0
print(grid)

let x = random_normal([8], seed: 42)
let n = normalize(x)
let (lo, hi) = min_max(n)
print("normalized mean", round(mean(n) * 1000.0) / 1000.0, "range", hi - lo > 0.0)

let mut count = 0
let mut total = 0
while count < 10 {
    count = count + 1
    if count % 2 == 0 { continue }
    total = total + count
}
print("sum of odd numbers below 11:", total)

let labels = random_int([6], 0, 3, seed: 7)
print("labels", labels, "one-hot", one_hot(labels, 3))
print("where", where(x > 0.0, x, zeros([8])) >= 0.0)

save_npy("basics_grid.npy", grid)
let back: tensor<float32, [?, 4]> = load_npy("basics_grid.npy")
print("round trip", sum(back) == sum(grid), shape(back))
