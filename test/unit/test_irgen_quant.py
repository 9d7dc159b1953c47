"""irgen's lowering of quantization (quantized models, `quantize_tensor`, `dequantize`): the IR is
run with the NumPy model of the charl ops in `charl_oracle` and compared with the float models."""

from __future__ import annotations

from typing import Any

import numpy as np
from charl_oracle import Program, dense, f32, quantize, scale_layout

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
    q, scale = quantize(w, qtype, 1, group)
    return q * scale_layout(scale, w.shape, 1, group)


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
