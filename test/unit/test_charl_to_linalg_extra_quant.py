"""convert-charl-to-linalg, quantization: `charl.quantize` (int8 and grouped int4, round half to
even), `charl.dequantize` and `charl.qmatmul` through the whole CPU pipeline, against NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from charl_to_linalg_extra_util import Jit, quantize_reference, rng

QUANT = """
func.func @q8(%w: tensor<6x5xf32>) -> (tensor<6x5xi8>, tensor<5xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<6x5xf32> -> tensor<6x5xi8>, tensor<5xf32>
  func.return %q, %s : tensor<6x5xi8>, tensor<5xf32>
}
func.func @q8rows(%w: tensor<?x6xf64>) -> (tensor<?x6xi8>, tensor<?xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 0 : i64} : tensor<?x6xf64> -> tensor<?x6xi8>, tensor<?xf32>
  func.return %q, %s : tensor<?x6xi8>, tensor<?xf32>
}
func.func @q4(%w: tensor<8x3xf32>) -> (tensor<8x3xi32>, tensor<4x3xf32>) {
  %q, %s = charl.quantize int4 %w {axis = 1 : i64, group = 2 : i64} : tensor<8x3xf32> -> tensor<8x3xi4>, tensor<4x3xf32>
  %c = charl.cast %q : tensor<8x3xi4> to tensor<8x3xi32>
  func.return %c, %s : tensor<8x3xi32>, tensor<4x3xf32>
}
func.func @q4cols(%w: tensor<3x8xf32>) -> (tensor<3x8xi32>, tensor<3x2xf32>, tensor<3x8xf32>) {
  %q, %s = charl.quantize int4 %w {axis = 0 : i64, group = 4 : i64} : tensor<3x8xf32> -> tensor<3x8xi4>, tensor<3x2xf32>
  %c = charl.cast %q : tensor<3x8xi4> to tensor<3x8xi32>
  %d = charl.dequantize %q, %s {axis = 0 : i64, group = 4 : i64} : tensor<3x8xi4>, tensor<3x2xf32> -> tensor<3x8xf32>
  func.return %c, %s, %d : tensor<3x8xi32>, tensor<3x2xf32>, tensor<3x8xf32>
}
func.func @deq(%q: tensor<6x5xi8>, %s: tensor<5xf32>) -> tensor<6x5xf64> {
  %w = charl.dequantize %q, %s {axis = 1 : i64} : tensor<6x5xi8>, tensor<5xf32> -> tensor<6x5xf64>
  func.return %w : tensor<6x5xf64>
}
func.func @qmm(%x: tensor<3x6xf32>, %q: tensor<6x5xi8>, %s: tensor<5xf32>) -> tensor<3x5xf32> {
  %y = charl.qmatmul %x, %q, %s : tensor<3x6xf32>, tensor<6x5xi8>, tensor<5xf32> -> tensor<3x5xf32>
  func.return %y : tensor<3x5xf32>
}
func.func @qmm4(%x: tensor<2x2x8xf32>, %w: tensor<8x3xf32>) -> tensor<2x2x3xf32> {
  %q, %s = charl.quantize int4 %w {axis = 1 : i64, group = 4 : i64} : tensor<8x3xf32> -> tensor<8x3xi4>, tensor<2x3xf32>
  %y = charl.qmatmul %x, %q, %s {group = 4 : i64}
    : tensor<2x2x8xf32>, tensor<8x3xi4>, tensor<2x3xf32> -> tensor<2x2x3xf32>
  func.return %y : tensor<2x2x3xf32>
}
"""


@pytest.fixture(scope="module")
def quant_jit() -> Jit:
    return Jit(QUANT)


def test_quantize_numerics(quant_jit: Jit) -> None:
    w = rng(20).standard_normal((6, 5)).astype(np.float32)
    w[:, 2] = 0.0  # an all-zero channel: scale 0, values 0
    q, s = quant_jit.q8(w)
    eq, es = quantize_reference(w, "int8", 1, 0)
    assert q.dtype == np.int8
    np.testing.assert_array_equal(s, es)
    np.testing.assert_array_equal(q, eq)
    rows = rng(21).standard_normal((4, 6))
    q, s = quant_jit.q8rows(rows)
    eq, es = quantize_reference(rows, "int8", 0, 0)
    np.testing.assert_array_equal(s, es)
    np.testing.assert_array_equal(q, eq)
    w4 = rng(22).standard_normal((8, 3)).astype(np.float32)
    q, s = quant_jit.q4(w4)
    eq, es = quantize_reference(w4, "int4", 1, 2)
    np.testing.assert_array_equal(s, es)
    np.testing.assert_array_equal(q, eq)
    assert q.min() >= -8 and q.max() <= 7
    wc = rng(23).standard_normal((3, 8)).astype(np.float32)
    q, s, d = quant_jit.q4cols(wc)
    eq, es = quantize_reference(wc, "int4", 0, 4)
    np.testing.assert_array_equal(s, es)
    np.testing.assert_array_equal(q, eq)
    np.testing.assert_allclose(d, eq * np.repeat(es, 4, axis=1), rtol=1e-6)


def test_round_half_to_even() -> None:
    jit = Jit(QUANT.split("func.func @q8rows")[0])
    w = np.zeros((6, 5), np.float32)
    w[:, 0] = [127.0, 0.5, 1.5, 2.5, -0.5, -2.5]  # scale 1: quotients tie at .5
    q, s = jit.q8(w)
    assert s[0] == 1.0
    np.testing.assert_array_equal(q[:, 0], [127, 0, 2, 2, 0, -2])


def test_dequantize_and_qmatmul_numerics(quant_jit: Jit) -> None:
    q = rng(24).integers(-127, 128, (6, 5)).astype(np.int8)
    s = rng(25).uniform(0.01, 0.1, 5).astype(np.float32)
    np.testing.assert_allclose(quant_jit.deq(q, s), q * s.astype(np.float64), rtol=1e-15)
    x = rng(26).standard_normal((3, 6)).astype(np.float32)
    expected = x.astype(np.float64) @ (q * s.astype(np.float64))
    np.testing.assert_allclose(quant_jit.qmm(x, q, s), expected, rtol=1e-5, atol=1e-5)
    x3, w = rng(27).standard_normal((2, 2, 8)).astype(np.float32), rng(28).standard_normal((8, 3)).astype(np.float32)
    q4, s4 = quantize_reference(w, "int4", 1, 4)
    expected = x3.astype(np.float64) @ (q4 * np.repeat(s4, 4, axis=0).astype(np.float64))
    np.testing.assert_allclose(quant_jit.qmm4(x3, w), expected, rtol=1e-5, atol=1e-5)
