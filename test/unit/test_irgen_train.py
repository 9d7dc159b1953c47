"""irgen's lowering of gradients and optimizers: the IR is run with the NumPy model of the charl ops
in `charl_oracle` (which evaluates `charl.grad` by central differences) and compared with NumPy
references (PyTorch's update rules for the optimizers)."""

from __future__ import annotations

from typing import Any

import numpy as np
from charl_oracle import Program, dense, f32

# ---------------------------------------------------------------------------------------------
# Gradients (the interpreter evaluates charl.grad by central differences of the callee)

GRADS = """
model Lin {
    params {
        w: tensor<float32, [3, 2]> = xavier_uniform()
        b: tensor<float32, [2]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, 3]>) -> tensor<float32, [B, 2]> { return x @ self.w + self.b }
}
fn loss(m: Lin, x: tensor<float32, [B, 3]>, y: tensor<float32, [B, 2]>) -> float32 { return mse_loss(m(x), y) }
fn f(w: tensor<float32, [3]>, s: float32) -> float32 { return sum(w * w) * s }
fn grads(m: Lin, x: tensor<float32, [4, 3]>, y: tensor<float32, [4, 2]>) {
    let (l, g) = value_and_grad(loss)(m, x, y)
    let (gm, gx) = grad(loss, wrt: [0, 1])(m, x, y)
    return (l, g, gx)
}
fn scalars(w: tensor<float32, [3]>) { return (grad(f, wrt: [1, 0])(w, 2.0), autograd(f, w, 3.0)) }
print(scalars([1.0, 2.0, 3.0]))
let (l, g, gx) = grads(Lin(seed: 0), zeros([4, 3]), zeros([4, 2]))
"""


def test_gradients_are_shaped_like_their_arguments() -> None:
    p = Program(GRADS)
    w, b, x, y = f32(3, 2), f32(2, seed=1), f32(4, 3, seed=2), f32(4, 2, seed=3)
    loss, gw, gb, gx = p("grads", w, b, x, y)
    r = dense(x, w, b) - y
    assert np.isclose(loss, (r**2).mean(), rtol=1e-5)
    assert np.allclose(gw, 2 * x.T @ r / r.size, atol=2e-3) and np.allclose(gb, 2 * r.sum(0) / r.size, atol=2e-3)
    assert np.allclose(gx, 2 * r @ w.T / r.size, atol=2e-3)
    (vg, g2) = p.ops("grads", "charl.grad")
    assert list(vg.wrt.get_values()) == [0, 1] and vg.with_value is not None
    assert list(g2.wrt.get_values()) == [0, 1, 2] and g2.with_value is None


def test_gradient_order_follows_wrt() -> None:
    p = Program(GRADS)
    w = np.array([1.0, 2.0, 3.0], np.float32)
    gs, gw, auto = p("scalars", w)
    assert np.isclose(gs, 14.0, rtol=1e-3) and np.allclose(gw, 4 * w, rtol=1e-3) and np.allclose(auto, 6 * w, rtol=1e-3)
    assert [list(op.wrt.get_values()) for op in p.ops("scalars", "charl.grad")] == [[1, 0], [0]]


# ---------------------------------------------------------------------------------------------
# Optimizers, against PyTorch's update rules

OPTIM = """
fn sgd3(w: tensor<float32, [4]>, g: tensor<float32, [4]>) {
    let mut p = w
    let mut s = sgd_init(p)
    for i in 0..3 { (p, s) = sgd(p, g * p, s, lr: 0.1, momentum: 0.9, weight_decay: 0.01) }
    return p
}
fn adam3(w: tensor<float32, [4]>, b: float32, g: tensor<float32, [4]>) {
    let mut p = (w, b)
    let mut o = adam_init(p)
    for i in 0..3 { (p, o) = adam(p, (g * p.0, p.1), o, lr: 0.05, beta1: 0.8) }
    let mut q = w
    let mut o2 = adamw_init(q)
    for i in 0..3 { (q, o2) = adamw(q, g * q, o2, lr: 0.05, weight_decay: 0.1) }
    return (p, q)
}
print(sgd3(ones([4]), ones([4])), adam3(ones([4]), 1.0, ones([4])))
"""


def adam_ref(p: Any, grad: Any, lr: float, b1: float, wd: float, decoupled: bool) -> Any:
    p, m, v = np.array(p, np.float64), 0.0, 0.0
    for t in range(1, 4):
        g = grad(p) + (0 if decoupled else wd * p)
        m, v = b1 * m + (1 - b1) * g, 0.999 * v + 0.001 * g * g
        p = p - lr * ((m / (1 - b1**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8) + (wd * p if decoupled else 0))
    return p


def test_sgd_with_momentum_and_weight_decay() -> None:
    p = Program(OPTIM)
    w, g = f32(4), f32(4, seed=1)
    ref, v = w.astype(np.float64), 0.0
    for _ in range(3):
        v = 0.9 * v + g * ref + 0.01 * ref
        ref = ref - 0.1 * v
    assert np.allclose(p("sgd3", w, g), ref, atol=1e-5)


def test_adam_and_adamw() -> None:
    p = Program(OPTIM)
    w, g = f32(4), f32(4, seed=1)
    pw, pb, q = p("adam3", w, np.float32(0.5), g)
    assert np.allclose(pw, adam_ref(w, lambda x: g * x, 0.05, 0.8, 0.0, False), atol=1e-5)
    assert np.isclose(pb, adam_ref(0.5, lambda x: x, 0.05, 0.8, 0.0, False), atol=1e-5)
    assert np.allclose(q, adam_ref(w, lambda x: g * x, 0.05, 0.9, 0.1, True), atol=1e-5)
