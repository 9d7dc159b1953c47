"""Inline ops of GPU row chains (`passes/_gpu_rows_inline.py`): an elementwise op before a row chain
(the scale of attention scores before softmax) and layer_norm before the quantization of its output
(GPT-2's layer_norm then qmatmul, 1-D through the quantization's [1, D] view) are computed inside
the chain's kernel, one launch fewer each; the results equal the CPU's (the int8 values exactly);
when the elementwise op's output is used elsewhere, the ops keep their launches and still compute
the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import both_targets, launches
from test_gpu_rows import check, layer_norm, quantized, softmax

SOURCE = """
fn scaled(x: tensor<float32, [4, 3, 50]>) -> tensor<float32, [4, 3, 50]> {
    return softmax(x * 0.25, axis: -1)
}
fn scaled_by(x: tensor<float32, [?, ?]>, s: float32) -> tensor<float32, [?, ?]> {
    return softmax(x * s, axis: -1)
}
fn scaled_kept(x: tensor<float32, [4, 300]>) -> (tensor<float32, [4, 300]>, tensor<float32, [4, 300]>) {
    let y = x * 0.25
    return (softmax(y, axis: -1), y)
}
fn norm_quant(x: tensor<float32, [3, 300]>, g: tensor<float32, [300]>,
              b: tensor<float32, [300]>) -> tensor<int8, [3, 300]> {
    let (q, s) = quantize_tensor(layer_norm(x, g, b), int8, axis: 0)
    return q
}
fn norm_prod(x: tensor<float32, [64]>, g: tensor<float32, [64]>, b: tensor<float32, [64]>,
             q: tensor<int8, [64, 40]>, s: tensor<float32, [40]>) -> tensor<float32, [40]> {
    return qmatmul(layer_norm(x, g, b), q, s)
}
fn norm_prod_kept(x: tensor<float32, [64]>, g: tensor<float32, [64]>, b: tensor<float32, [64]>,
                  q: tensor<int8, [64, 40]>,
                  s: tensor<float32, [40]>) -> (tensor<float32, [40]>, tensor<float32, [64]>) {
    let n = layer_norm(x, g, b)
    return (qmatmul(n, q, s), n)
}
"""


@pytest.fixture(scope="module")
def programs() -> tuple[Any, Any]:
    return both_targets(SOURCE)


def test_launches() -> None:
    plans = launches(SOURCE)
    forms = {name: [kind for kind, _ in plan] for name, plan in plans.items()}
    assert plans["scaled"] == [("rows", "768")], plans["scaled"]  # 12 rows of 64 lanes, no scale kernel
    assert forms["scaled_by"] == ["rows"], plans["scaled_by"]  # the dead fill of `s` broadcast is dropped
    assert forms["norm_quant"] == ["rows"], plans["norm_quant"]  # layer_norm and the quantization
    assert forms["norm_prod"] == ["rows", "qgemm"], plans["norm_prod"]
    # Refused: the scaled scores and the normalized activations are returned too.
    assert len(forms["scaled_kept"]) == 2 and forms["scaled_kept"][-1] == "rows", plans["scaled_kept"]
    assert forms["norm_prod_kept"] == ["rows", "rows", "qgemm"], plans["norm_prod_kept"]


def test_prologue(programs: tuple[Any, Any]) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 3, 50)) * 4).astype(np.float32)
    check(gpu.fn("scaled")(x), cpu.fn("scaled")(x), softmax(x * np.float32(0.25)))
    for shape in [(5, 300), (2, 7), (3, 0)]:
        y = (rng.standard_normal(shape) * 4).astype(np.float32)
        s = np.float32(0.125)
        check(gpu.fn("scaled_by")(y, s), cpu.fn("scaled_by")(y, s), softmax(y * s))
    z = rng.standard_normal((4, 300)).astype(np.float32)
    (got, kept), (want, kept_cpu) = gpu.fn("scaled_kept")(z), cpu.fn("scaled_kept")(z)
    check(got, want, softmax(z * np.float32(0.25)))
    np.testing.assert_array_equal(kept, kept_cpu)


def test_layer_norm_then_quantization(programs: tuple[Any, Any]) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((3, 300)) * 3 + 1).astype(np.float32)
    g, b = rng.standard_normal(300).astype(np.float32), rng.standard_normal(300).astype(np.float32)
    got = gpu.fn("norm_quant")(x, g, b)
    np.testing.assert_array_equal(got, cpu.fn("norm_quant")(x, g, b))
    assert np.mean(got == quantized(layer_norm(x, g, b).astype(np.float32))) > 0.99


@pytest.mark.parametrize("name", ["norm_prod", "norm_prod_kept"])
def test_layer_norm_then_integer_matmul(programs: tuple[Any, Any], name: str) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(64) * 2).astype(np.float32)
    g, b = rng.standard_normal(64).astype(np.float32), rng.standard_normal(64).astype(np.float32)
    q = rng.integers(-127, 128, (64, 40)).astype(np.int8)
    s = (rng.random(40) * 0.01 + 1e-3).astype(np.float32)
    got, want = gpu.fn(name)(x, g, b, q, s), cpu.fn(name)(x, g, b, q, s)
    if name == "norm_prod_kept":
        (got, n), (want, n_cpu) = got, want
        check(n, n_cpu, layer_norm(x, g, b))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
