"""irgen's lowering of the neural-network built-ins (softmax, layer norm, convolution, pooling,
dropout), the losses and input/output: the IR is run with the NumPy model of the charl ops in
`charl_oracle` and compared with NumPy references."""

from __future__ import annotations

import numpy as np
from charl_oracle import Program, f32, log_softmax

# ---------------------------------------------------------------------------------------------
# Neural-network functions and losses

NN = """
fn nn(x: tensor<float32, [2, 5]>, g: tensor<float32, [5]>, b: tensor<float32, [5]>) {
    return (softmax(x, axis: 0), log_softmax(x), layer_norm(x, g, b))
}
fn conv(x: tensor<float32, [1, 2, 6, 6]>, w: tensor<float32, [3, 2, 3, 3]>, b: tensor<float32, [3]>) {
    return (conv2d(x, w, b, stride: 2, padding: 1), max_pool2d(x, 2), avg_pool2d(x, 3))
}
fn drop(x: tensor<float32, [400]>, p: float32) {
    return (dropout(x, 0.25, seed: 3), dropout(x, 0.0), dropout(x, p))
}
fn losses(p: tensor<float32, [4, 3]>, t: tensor<float32, [4, 3]>, y: tensor<int32, [4]>) {
    return (mse_loss(p, t), cross_entropy(p, y), cross_entropy(p, t), binary_cross_entropy(sigmoid(p), t),
        bce_with_logits(p, t))
}
print(nn(zeros([2, 5]), ones([5]), zeros([5])), drop(ones([400]), 0.5))
print(losses(zeros([4, 3]), zeros([4, 3]), [0, 1, 2, 0]))
"""


def test_nn_values() -> None:
    p = Program(NN)
    x, g, b = f32(2, 5), f32(5, seed=1), f32(5, seed=2)
    sm, lsm, ln = p("nn", x, g, b)
    assert np.allclose(sm, np.exp(log_softmax(x, 0)), atol=1e-6) and np.allclose(lsm, log_softmax(x), atol=1e-6)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * g + b
    assert np.allclose(ln, ref, atol=1e-5)
    assert len(p.ops("conv", "charl.conv2d")) == 1 and len(p.ops("conv", "charl.pool2d")) == 2


def test_dropout_is_inverted_and_identity_at_zero() -> None:
    p = Program(NN)
    x = np.ones(400, np.float32)
    d25, d0, drt = p("drop", x, np.float32(0.5))
    assert np.allclose(d25[d25 != 0], 1 / 0.75) and 0.15 < (d25 == 0).mean() < 0.35
    assert (d0 == x).all() and np.allclose(drt[drt != 0], 2.0) and 0.35 < (drt == 0).mean() < 0.65
    assert len(p.ops("drop", "charl.random")) == 2  # none for p = 0.0


def test_loss_values() -> None:
    p = Program(NN)
    logits, t = f32(4, 3), np.abs(f32(4, 3, seed=1)) / 3
    y = np.array([2, 0, 1, 2], np.int32)
    mse, ce, ce_p, bce, bcel = p("losses", logits, t, y)
    assert np.isclose(mse, ((logits - t) ** 2).mean(), rtol=1e-5)
    assert np.isclose(ce, -log_softmax(logits)[np.arange(4), y].mean(), rtol=1e-5)
    assert np.isclose(ce_p, -(t * log_softmax(logits)).sum(-1).mean(), rtol=1e-5)
    s = 1 / (1 + np.exp(-logits))
    ref = -(t * np.log(s) + (1 - t) * np.log(1 - s)).mean()
    assert np.isclose(bce, ref, rtol=1e-4) and np.isclose(bcel, ref, rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# Input and output

IO = """
fn io(x: tensor<float32, [3]>) {
    save_npy("out.npy", x)
    let y: tensor<float32, [?, 3]> = load_npy("in.npy")
    return (clock(), stop_gradient(x))
}
print(io([1.0, 2.0, 3.0]))
"""


def test_io_ops() -> None:
    p = Program(IO)
    (save,) = p.ops("io", "charl.save_npy")
    (load,) = p.ops("io", "charl.load_npy")
    assert save.path.data == "out.npy" and load.path.data == "in.npy" and str(load.results[0].type) == "tensor<?x3xf32>"
    assert len(p.ops("io", "charl.clock")) == 1 and len(p.ops("io", "charl.stop_gradient")) == 1
