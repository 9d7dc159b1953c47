"""irgen's lowering of models: construction (initializers, seeds), sequential and params-form forward
passes, nesting, and the model utilities (summary, parameters, save, load). The IR is run with the
NumPy model of the charl ops in `charl_oracle` and compared with NumPy references."""

from __future__ import annotations

from typing import Any

import numpy as np
from charl_oracle import Program, dense, f32, log_softmax

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
