"""irgen's lowering of the neural-network built-ins, losses, input/output, models (construction,
sequential and params-form forward passes, nesting), gradients, optimizers and quantization. The IR
is run with the NumPy model of the charl ops in `test_irgen_builtins` and compared with NumPy
references (PyTorch's update rules for the optimizers); every ```charl block of LANGUAGE.md must
produce a verified module, and the irgen lit files are checked here as well."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import test_irgen_builtins as tb

Program, f32 = tb.Program, tb.f32


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


def log_softmax(x: Any, axis: int = -1) -> Any:
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


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


# ---------------------------------------------------------------------------------------------
# Models

MODELS = """
model Mlp {
    layers {
        dense(6, 8, activation: relu)
        dropout(0.5)
        dense(8, 3, activation: softmax)
    }
}
model Tok {
    layers {
        embedding(10, 4)
        layer_norm(4)
        flatten()
        dense(12, 2, activation: tanh)
    }
}
model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = ones()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> { return x @ self.w + self.b }
}
model Two {
    params {
        l1: Linear(6, 5)
        l2: Linear(5, 1)
        big: tensor<float32, [400, 300]> = he_normal()
        n: tensor<float32, [1000]> = normal(0.1)
    }
    fn forward(self, x: tensor<float32, [B, 6]>) { return sigmoid(self.l2(relu(self.l1(x)))) }
}
fn make_mlp(s: int32) { return Mlp(seed: s) }
fn mlp(m: Mlp, x: tensor<float32, [B, 6]>, t: bool) { return (m(x), m(x, training: t, seed: 4)) }
fn make_tok() { return Tok(seed: 1) }
fn tok(m: Tok, ids: tensor<int32, [2, 3]>) { return m(ids) }
fn make_two() { return Two(seed: 2) }
fn two(m: Two, x: tensor<float32, [4, 6]>) { return m(x) }
let x: tensor<float32, [?, 6]> = load_npy("x.npy")
print(mlp(make_mlp(3), x, true), tok(make_tok(), [[1, 2, 3], [4, 5, 6]]), two(make_two(), zeros([4, 6])))
"""


def dense(x: Any, w: Any, b: Any) -> Any:
    return x @ w + b


def test_sequential_forward() -> None:
    p = Program(MODELS)
    w0, b0, w1, b1 = p("make_mlp", np.int32(3))
    x = f32(5, 6)
    y, y_train = p("mlp", w0, b0, w1, b1, x, np.bool_(True))
    h = np.maximum(dense(x, w0, b0), 0)
    assert np.allclose(y, np.exp(log_softmax(dense(h, w1, b1))), atol=1e-6)
    assert y_train.shape == (5, 3) and not np.allclose(y_train, y)  # dropout was active
    _, y_eval = p("mlp", w0, b0, w1, b1, x, np.bool_(False))
    assert np.allclose(y_eval, y, atol=1e-6)


def test_embedding_layer_norm_flatten() -> None:
    p = Program(MODELS)
    table, g, beta, w, b = p("make_tok")
    ids = np.array([[1, 2, 3], [9, 0, 9]], np.int32)
    e = table[ids]
    n = (e - e.mean(-1, keepdims=True)) / np.sqrt(e.var(-1, keepdims=True) + 1e-5) * g + beta
    assert np.allclose(p("tok", table, g, beta, w, b, ids), np.tanh(dense(n.reshape(2, 12), w, b)), atol=1e-5)


def test_params_form_nested_forward_and_initializers() -> None:
    p = Program(MODELS)
    w1, b1, w2, b2, big, n = p("make_two")
    assert np.abs(w1).max() <= np.sqrt(6 / 11) and (b1 == 1).all() and (b2 == 1).all()
    assert abs(big.std() - np.sqrt(2 / 400)) < 0.003 and abs(n.std() - 0.1) < 0.01
    x = f32(4, 6)
    ref = 1 / (1 + np.exp(-dense(np.maximum(dense(x, w1, b1), 0), w2, b2)))
    assert np.allclose(p("two", w1, b1, w2, b2, big, n, x), ref, atol=1e-6)
    seeds = [op.seed.owner.value.value.data for op in p.ops("make_two", "charl.random")]
    assert seeds == [2 * 1000003 + i for i in (0, 2, 4, 5)]  # parameter index in path order


def test_run_time_seed_is_mixed_with_charl_ops() -> None:
    p = Program(MODELS)
    assert len(p.ops("make_mlp", "charl.mul")) == 1 and len(p.ops("make_mlp", "charl.add")) == 1
    a, b = p("make_mlp", np.int32(3)), p("make_mlp", np.int32(4))
    assert not np.allclose(a[0], b[0]) and np.allclose(a[0], p("make_mlp", np.int32(3))[0])


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


# ---------------------------------------------------------------------------------------------
# Quantization

QUANT = """
model Mlp {
    layers {
        dense(64, 32, activation: relu)
        dense(32, 4)
    }
}
model Lin {
    params {
        w: tensor<float32, [64, 4]> = xavier_uniform()
        b: tensor<float32, [4]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, 64]>) -> tensor<float32, [B, 4]> { return x @ self.w + self.b }
}
fn mlp(m: Mlp, x: tensor<float32, [2, 64]>) {
    let q8 = quantize(m, int8)
    let q4 = quantize(m, int4)
    return (m(x), q8(x), q4(x))
}
fn lin(m: Lin, x: tensor<float32, [2, 64]>) {
    let q = quantize(m, int8, group: 16)
    return (m(x), q(x))
}
fn qt(w: tensor<float32, [64, 8]>) {
    let (q, s) = quantize_tensor(w, int4, axis: 1, group: 16)
    return (q, s, dequantize(q, s, axis: 1, group: 16))
}
print(mlp(Mlp(seed: 0), zeros([2, 64])), lin(Lin(seed: 1), zeros([2, 64])))
let (q, s, w) = qt(zeros([64, 8]))
"""


def dequantized(w: Any, qtype: str, group: int) -> Any:
    q, scale = tb.quantize(w, qtype, 1, group)
    return q * tb.scale_layout(scale, w.shape, 1, group)


def test_quantized_models_match_float_models() -> None:
    p = Program(QUANT)
    x, w0, w1 = f32(2, 64), f32(64, 32, seed=1) / 8, f32(32, 4, seed=2) / 6
    b0, b1 = f32(32, seed=3), f32(4, seed=4)
    y, y8, y4 = p("mlp", w0, b0, w1, b1, x)
    for got, qtype, group in ((y8, "int8", 0), (y4, "int4", 32)):
        h = np.maximum(dense(x, dequantized(w0, qtype, group), b0), 0)
        assert np.allclose(got, dense(h, dequantized(w1, qtype, group), b1), atol=1e-5)
    assert np.abs(y8 - y).max() < 0.02 * np.abs(y).max()
    assert [op.group.value.data for op in p.ops("mlp", "charl.qmatmul")] == [0, 0, 32, 32]
    z, z8 = p("lin", w0[:, :4], b1, x)
    assert np.allclose(z8, dense(x, dequantized(w0[:, :4], "int8", 16), b1), atol=1e-5)
    assert np.abs(z8 - z).max() < 0.02 * np.abs(z).max() and len(p.ops("lin", "charl.dequantize")) == 1


def test_quantize_tensor_round_trip() -> None:
    p = Program(QUANT)
    w = f32(64, 8)
    q, s, back = p("qt", w)
    assert s.shape == (4, 8) and q.min() >= -8 and q.max() <= 7
    assert (np.abs(back - w) <= np.repeat(s, 16, axis=0) / 2 + 1e-6).all()


# ---------------------------------------------------------------------------------------------
# Model utilities: summary, parameters, save, load

UTIL = """
model Mlp {
    layers {
        dense(4, 8, activation: relu)
        dropout(0.1)
        dense(8, 2)
    }
}
fn io(m: Mlp) {
    save(m, "m.npz")
    return load(Mlp, "m.npz")
}
let m = Mlp(seed: 0)
summary(m)
print(parameters(m))
let m2 = io(m)
"""


def test_summary_parameters_save_load(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    p = Program(UTIL)
    p("main")
    assert p.charl.out == [
        "Mlp",
        "  layer     type                           output shape  params",
        "  layers.0  dense(4, 8, activation: relu)  [?, 8]        40",
        "  layers.1  dropout(0.1)                   [?, 8]        0",
        "  layers.2  dense(8, 2)                    [?, 2]        18",
        "total parameters: 58",
        "58",
    ]
    params = [f32(4, 8), f32(8, seed=1), f32(8, 2, seed=2), f32(2, seed=3)]
    assert all((a == b).all() for a, b in zip(p("io", *params), params, strict=True))
    names = ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert sorted(np.load(tmp_path / "m.npz").files) == sorted(names)
    (save,) = p.ops("io", "charl.save_npz")
    (load,) = p.ops("io", "charl.load_npz")
    assert [n.data for n in save.names.data] == names and [n.data for n in load.names.data] == names
    assert [str(r.type) for r in load.results] == [
        "tensor<4x8xf32>",
        "tensor<8xf32>",
        "tensor<8x2xf32>",
        "tensor<2xf32>",
    ]


# ---------------------------------------------------------------------------------------------
# LANGUAGE.md examples and the lit files of this component

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = Path("/work/shared/LANGUAGE.md") if Path("/work/shared/LANGUAGE.md").exists() else ROOT / "docs/language.md"
BLOCKS = re.findall(r"^```charl[ \t]*\n(.*?)^```", LANGUAGE.read_text(), re.MULTILINE | re.DOTALL)
LIT_PATTERNS = ("builtin-*.ch", "model-*.ch", "grad-*.ch", "optim-*.ch", "quant-*.ch")
LIT_FILES = sorted(f for pattern in LIT_PATTERNS for f in (ROOT / "test/filecheck/irgen").glob(pattern))


@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_language_examples_give_verified_modules(block: int) -> None:
    module = tb.compile_module(BLOCKS[block])  # generate() verifies the module
    assert any(getattr(op, "sym_name", None) and op.sym_name.data == "main" for op in module.ops)


def test_lit_files_exist() -> None:
    assert len(LIT_FILES) >= 14


@pytest.mark.parametrize("path", LIT_FILES, ids=lambda p: p.name)
def test_lit_file(path: Path) -> None:
    text = path.read_text()
    assert "// RUN: charlc %s --emit=mlir | filecheck %s" in text and "CHECK-LABEL:" in text
    assert not re.search(r"//\s*CHECK(-[A-Z]+)?(?!:)\s", text), "a CHECK directive without its colon is ignored"
    ir = subprocess.run(
        [sys.executable, "-m", "charlc", str(path), "--emit=mlir"], capture_output=True, text=True, check=True
    ).stdout
    filecheck = Path(sys.executable).parent / "filecheck"
    done = subprocess.run([str(filecheck), "--enable-var-scope", str(path)], input=ir, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
