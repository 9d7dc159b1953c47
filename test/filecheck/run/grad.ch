// RUN: charlc run %s | filecheck %s
// Gradients compiled by charl-autodiff run like any code: through a call, broadcasting, a matmul,
// an `if` taking either branch, a `for` loop, a second derivative.

fn square_sum(w: tensor<float32, [3]>) -> float32 { return sum(w * w) }
fn linear(w: tensor<float32, [2, 2]>, x: tensor<float32, [2]>) -> float32 { return sum(exp(w @ x)) }
fn piecewise(x: float32) -> float32 {
    if x > 0.0 { return x * x } else { return -3.0 * x }
}
fn power(x: float32) -> float32 {
    let mut y = 1.0
    for i in 0..4 { y = y * x }
    return y
}
fn cube(x: float32) -> float32 { return x * x * x }
fn dcube(x: float32) -> float32 { return grad(cube)(x) }

// CHECK: [2. 4. 6.]
print(grad(square_sum)([1.0, 2.0, 3.0]))
// CHECK-NEXT: (14.0, [2. 4. 6.])
print(value_and_grad(square_sum)([1.0, 2.0, 3.0]))
// CHECK-NEXT: ([[1. 2.]
// CHECK-NEXT:  [1. 2.]], [0. 0.])
print(grad(linear, wrt: [0, 1])(zeros([2, 2]), [1.0, 2.0]))
// CHECK-NEXT: 4.0 -3.0
print(grad(piecewise)(2.0), grad(piecewise)(-1.0))
// CHECK-NEXT: 32.0
print(grad(power)(2.0))
// CHECK-NEXT: 12.0
print(grad(dcube)(2.0))
