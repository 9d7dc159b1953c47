// RUN: charlc run %s | filecheck %s --match-full-lines

// Generic functions are compiled per shape; tuples are returned, destructured and indexed.

fn sum_sq(x: tensor<float32, [N]>) -> float32 { return sum(x * x) }

fn stats(x: tensor<float32, [B, N]>) -> (tensor<float32, [B]>, float32, int32) {
    return (mean(x, axis: 1), max(x), N)
}

fn swap(a: int32, b: float32) -> (float32, int32) { return (b, a) }

// CHECK:      14.0 30.0
print(sum_sq([1.0, 2.0, 3.0]), sum_sq([1.0, 2.0, 3.0, 4.0]))

// CHECK-NEXT: [2. 5.] 6.0 3
let (means, top, width) = stats([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(means, top, width)

// CHECK-NEXT: [1.5] 4.0 4
let t = stats([[1.0, 2.0, 0.0, 3.0]])
print(t.0, t.1 + 1.0, t.2)

// CHECK-NEXT: 2.5 7
let (p, q) = swap(7, 2.5)
print(p, q)

// CHECK-NEXT: 1 2.5
let mut a = 1
let mut b = 0.5
(b, a) = swap(a, 2.5)
print(a, b)
