"""Row kernels of `convert-linalg-to-gpu` (`passes/_gpu_rows.py`, `passes/_gpu_rows_kernel.py`):
layer_norm, softmax, the activations' quantization before an integer matmul and a user's
`x - mean(x, axis: 1, keepdims: true)` are each one launch of a workgroup per row, on static and
dynamic shapes, rows shorter than, longer than and not a multiple of the lanes; they compute what
the CPU and NumPy do (the int8 values of the quantization exactly); chains that are not row-local
keep their separate kernels and still compute the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import both_targets, launches

SOURCE = """
fn norm(x: tensor<float32, [5, 700]>, g: tensor<float32, [700]>,
        b: tensor<float32, [700]>) -> tensor<float32, [5, 700]> {
    return layer_norm(x, g, b)
}
fn norm_small(x: tensor<float32, [3, 70]>, g: tensor<float32, [70]>,
              b: tensor<float32, [70]>) -> tensor<float32, [3, 70]> {
    return layer_norm(x, g, b)
}
fn norm_vec(x: tensor<float32, [64]>, g: tensor<float32, [64]>, b: tensor<float32, [64]>) -> tensor<float32, [64]> {
    return layer_norm(x, g, b)
}
fn norm_dyn(x: tensor<float32, [?, ?]>, g: tensor<float32, [?]>, b: tensor<float32, [?]>) -> tensor<float32, [?, ?]> {
    return layer_norm(x, g, b)
}
fn soft(x: tensor<float32, [8, 1000]>) -> tensor<float32, [8, 1000]> { return softmax(x, axis: -1) }
fn soft_small(x: tensor<float32, [5, 10]>) -> tensor<float32, [5, 10]> { return softmax(x, axis: -1) }
fn soft3(x: tensor<float32, [4, 3, 50]>) -> tensor<float32, [4, 3, 50]> { return softmax(x, axis: -1) }
fn soft_dyn(x: tensor<float32, [?, ?]>) -> tensor<float32, [?, ?]> { return softmax(x, axis: -1) }
fn quant(x: tensor<float32, [5, 300]>) -> tensor<int8, [5, 300]> {
    let (q, s) = quantize_tensor(x, int8, axis: 0)
    return q
}
fn quant_dyn(x: tensor<float32, [?, ?]>) -> tensor<int8, [?, ?]> {
    let (q, s) = quantize_tensor(x, int8, axis: 0)
    return q
}
fn prod(x: tensor<float32, [3, 64]>, q: tensor<int8, [64, 40]>, s: tensor<float32, [40]>) -> tensor<float32, [3, 40]> {
    return qmatmul(x, q, s)
}
fn centered(x: tensor<float32, [4, 300]>) -> tensor<float32, [4, 300]> { return x - mean(x, axis: 1, keepdims: true) }
fn both(x: tensor<float32, [4, 300]>) -> (tensor<float32, [4, 300]>, tensor<float32, [4]>) {
    let s = sum(x, axis: 1)
    return (x / reshape(s, [4, 1]), s)
}
fn first_row(x: tensor<float32, [4, 300]>) -> tensor<float32, [4, 300]> {
    let s = sum(x, axis: 1, keepdims: true)
    return x / s[0:1, :]
}
fn total(x: tensor<float32, [4, 300]>) -> tensor<float32, [4, 300]> { return x / sum(x) }
"""

ROW_KERNELS = {
    "norm": "1280",  # 5 rows of 256 lanes (700 columns: 3 a lane, the last lanes 2)
    "norm_small": "384",  # 3 rows of 128 lanes for 70 columns
    "norm_vec": "64",  # one row of 64
    "norm_dyn": "?",
    "soft": "2048",
    "soft_small": "160",  # 32 lanes for 10 columns
    "soft3": "768",  # 12 rows of 64 lanes
    "soft_dyn": "?",
    "quant": "1280",
    "quant_dyn": "?",
    "prod": "192",  # the activations' quantization (3 rows of 64), then the integer matmul
    "centered": "1024",  # the mean read through keepdims' view
    "both": "1024",  # the sum is returned too: lane 0 stores it
}


@pytest.fixture(scope="module")
def programs() -> tuple[Any, Any]:
    return both_targets(SOURCE)


def test_each_chain_is_one_launch() -> None:
    plans = launches(SOURCE)
    for name, invocations in ROW_KERNELS.items():
        rows = [count for kind, count in plans[name] if kind == "rows"]
        assert rows == [invocations], (name, plans[name])
    assert [kind for kind, _ in plans["prod"]] == ["rows", "qgemm"]
    assert all(len(plans[name]) == 1 for name in ROW_KERNELS if name != "prod"), plans
    # Refused: the sum of row 0 divides every row; a total over all rows.
    for name in ("first_row", "total"):
        assert "rows" not in [kind for kind, _ in plans[name]] and len(plans[name]) >= 2, plans[name]


def layer_norm(x: np.ndarray[Any, Any], g: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    x = x.astype(np.float64)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * g + b


def softmax(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    e = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True, initial=-np.inf))
    return e / e.sum(-1, keepdims=True)


def quantized(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The int8 values of each row: x / (absmax / 127) rounded half to even, in float32."""
    scale = np.abs(x).max(-1, keepdims=True, initial=0) / np.float32(127)
    scale = np.where(scale == 0, np.float32(1), scale).astype(np.float32)
    return np.clip(np.rint(x / scale), -127, 127).astype(np.int8)


def check(got: Any, want: Any, reference: Any) -> None:
    assert np.shape(got) == np.shape(want)
    scale = float(np.max(np.abs(want), initial=1.0))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6 * scale)
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize(("name", "shape"), [("norm", (5, 700)), ("norm_small", (3, 70)), ("norm_vec", (64,))])
def test_layer_norm(programs: tuple[Any, Any], name: str, shape: tuple[int, ...]) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    g, b = rng.standard_normal(shape[-1]).astype(np.float32), rng.standard_normal(shape[-1]).astype(np.float32)
    check(gpu.fn(name)(x, g, b), cpu.fn(name)(x, g, b), layer_norm(x, g, b))


@pytest.mark.parametrize(("name", "shape"), [("soft", (8, 1000)), ("soft_small", (5, 10)), ("soft3", (4, 3, 50))])
def test_softmax(programs: tuple[Any, Any], name: str, shape: tuple[int, ...]) -> None:
    cpu, gpu = programs
    x = (np.random.default_rng(shape[-1]).standard_normal(shape) * 4).astype(np.float32)
    check(gpu.fn(name)(x), cpu.fn(name)(x), softmax(x))


DYNAMIC = [(3, 5), (2, 1000), (7, 257), (1, 1), (4, 0), (0, 6)]


@pytest.mark.parametrize("shape", DYNAMIC, ids=str)
def test_sizes_known_at_run_time(programs: tuple[Any, Any], shape: tuple[int, int]) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    check(gpu.fn("soft_dyn")(x), cpu.fn("soft_dyn")(x), softmax(x))
    got, want = gpu.fn("quant_dyn")(x), cpu.fn("quant_dyn")(x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, quantized(x))
    if shape[1]:
        g, b = rng.standard_normal(shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
        check(gpu.fn("norm_dyn")(x, g, b), cpu.fn("norm_dyn")(x, g, b), layer_norm(x, g, b))


def test_quantized_values_equal_the_cpu(programs: tuple[Any, Any]) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((5, 300)) * 2).astype(np.float32)
    x[1] = 0.0  # a zero row: scale 1
    x[2, 7] = 127 * 0.5  # halves round to even
    got = gpu.fn("quant")(x)
    np.testing.assert_array_equal(got, cpu.fn("quant")(x))
    np.testing.assert_array_equal(got, quantized(x))


def test_integer_matmul_equals_the_cpu(programs: tuple[Any, Any]) -> None:
    cpu, gpu = programs
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 64)).astype(np.float32)
    q = rng.integers(-127, 128, (64, 40)).astype(np.int8)
    s = (rng.random(40) * 0.01 + 1e-3).astype(np.float32)
    got, want = gpu.fn("prod")(x, q, s), cpu.fn("prod")(x, q, s)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    xs = np.abs(x).max(1, keepdims=True) / np.float32(127)
    reference = (quantized(x).astype(np.int64) @ q.astype(np.int64)) * s * xs
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=1e-5)


def test_other_programs(programs: tuple[Any, Any]) -> None:
    cpu, gpu = programs
    x = (np.random.default_rng(10).standard_normal((4, 300)) + 2).astype(np.float32)
    x64 = x.astype(np.float64)
    check(gpu.fn("centered")(x), cpu.fn("centered")(x), x64 - x64.mean(1, keepdims=True))
    (y, s), (y_cpu, s_cpu) = gpu.fn("both")(x), cpu.fn("both")(x)
    check(y, y_cpu, x64 / x64.sum(1, keepdims=True))
    check(s, s_cpu, x64.sum(1))
    check(gpu.fn("first_row")(x), cpu.fn("first_row")(x), x64 / x64[0].sum())
    check(gpu.fn("total")(x), cpu.fn("total")(x), x64 / x64.sum())
