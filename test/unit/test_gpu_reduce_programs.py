"""Charl reductions on `--target=gpu` against the CPU target and NumPy, at sizes that select the
reduction template (`passes/_gpu_reduce.py`): sum, mean, max, min along every axis and with
keepdims, softmax's max and sum, layer_norm's statistics, cross-entropy's log-sum-exp, and sizes
known only at run time; and that the launches use the template exactly where the range is large.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import both_targets, launches

SOURCE = """
fn total(x: tensor<float32, [6, 700]>) -> float32 { return sum(x) }
fn rows(x: tensor<float32, [6, 700]>) -> tensor<float32, [6]> { return sum(x, axis: 1) }
fn cols(x: tensor<float32, [600, 5]>) -> tensor<float32, [5]> { return mean(x, axis: 0) }
fn peaks(x: tensor<float32, [6, 700]>) -> tensor<float32, [6, 1]> { return max(x, axis: 1, keepdims: true) }
fn lows(x: tensor<float32, [3, 4, 300]>) -> tensor<float32, [4]> { return min(x, axis: [0, 2]) }
fn soft(x: tensor<float32, [8, 1000]>) -> tensor<float32, [8, 1000]> { return softmax(x, axis: -1) }
fn norm(x: tensor<float32, [8, 1024]>, g: tensor<float32, [1024]>,
        b: tensor<float32, [1024]>) -> tensor<float32, [8, 1024]> {
    return layer_norm(x, g, b)
}
fn loss(x: tensor<float32, [32, 1000]>, y: tensor<int32, [32]>) -> float32 { return cross_entropy(x, y) }
fn small_loss(x: tensor<float32, [32, 10]>, y: tensor<int32, [32]>) -> float32 { return cross_entropy(x, y) }
fn dyn_rows(x: tensor<float32, [?, ?]>) -> tensor<float32, [?]> { return sum(x, axis: 1) }
fn dyn_cols(x: tensor<float32, [?, ?]>) -> tensor<float32, [?]> { return max(x, axis: 0) }
"""


@pytest.fixture(scope="module")
def programs() -> tuple[Any, Any]:
    return both_targets(SOURCE)


def logsumexp(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    m = x.max(1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(1, keepdims=True)))[:, 0]


def reference(name: str, args: list[np.ndarray[Any, Any]]) -> Any:
    x = args[0].astype(np.float64)
    if name == "soft":
        e = np.exp(x - x.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)
    if name == "norm":
        mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-5) * args[1] + args[2]
    if name in ("loss", "small_loss"):
        return (logsumexp(x) - x[np.arange(len(x)), args[1]]).mean()
    return {
        "total": lambda: x.sum(),
        "rows": lambda: x.sum(1),
        "cols": lambda: x.mean(0),
        "peaks": lambda: x.max(1, keepdims=True),
        "lows": lambda: x.min((0, 2)),
    }[name]()


def arguments(name: str, rng: np.random.Generator) -> list[np.ndarray[Any, Any]]:
    shapes = {
        "total": (6, 700),
        "rows": (6, 700),
        "cols": (600, 5),
        "peaks": (6, 700),
        "lows": (3, 4, 300),
        "soft": (8, 1000),
        "norm": (8, 1024),
        "loss": (32, 1000),
        "small_loss": (32, 10),
    }
    x = (rng.standard_normal(shapes[name]) * 3).astype(np.float32)
    if name == "norm":
        return [x, rng.standard_normal(1024).astype(np.float32), rng.standard_normal(1024).astype(np.float32)]
    if name in ("loss", "small_loss"):
        return [x, rng.integers(0, x.shape[1], 32).astype(np.int32)]
    return [x]


NAMES = ["total", "rows", "cols", "peaks", "lows", "soft", "norm", "loss", "small_loss"]


@pytest.mark.parametrize("name", NAMES)
def test_gpu_matches_cpu_and_numpy(programs: tuple[Any, Any], name: str) -> None:
    cpu, gpu = programs
    args = arguments(name, np.random.default_rng(NAMES.index(name)))
    got, want = gpu.fn(name)(*args), cpu.fn(name)(*args)
    assert np.shape(got) == np.shape(want) and np.asarray(got).dtype == np.float32
    exact = name in ("peaks", "lows")
    if exact:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5 * float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, reference(name, args), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(3, 5), (2, 1000), (1000, 3), (1, 1), (4, 0), (0, 6)], ids=str)
def test_sizes_known_at_run_time(programs: tuple[Any, Any], shape: tuple[int, int]) -> None:
    cpu, gpu = programs
    x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    got, want = gpu.fn("dyn_rows")(x), cpu.fn("dyn_rows")(x)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5)
    np.testing.assert_allclose(got, x.astype(np.float64).sum(1), rtol=1e-4, atol=1e-5)
    got, want = gpu.fn("dyn_cols")(x), cpu.fn("dyn_cols")(x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, x.max(0, initial=-np.inf))


def test_gpu_sums_are_deterministic(programs: tuple[Any, Any]) -> None:
    _, gpu = programs
    x = (np.random.default_rng(20).standard_normal((6, 700)) * 1e3).astype(np.float32)
    first = gpu.fn("total")(x)
    assert all(gpu.fn("total")(x).tobytes() == first.tobytes() for _ in range(3))


def test_the_template_is_used_where_the_range_is_large() -> None:
    plans = launches(SOURCE)
    reduces = {name: [count for kind, count in plan if kind == "reduce"] for name, plan in plans.items()}
    # 256 invocations per output element: a total is one workgroup, `rows` one per row.
    assert reduces["total"] == ["256"] and reduces["rows"] == ["1536"] and reduces["peaks"] == ["1536"]
    assert reduces["cols"] == ["1280"] and reduces["lows"] == ["1024"]
    # softmax (max, sum, normalize) and layer_norm (mean, variance, normalize): one row kernel each
    assert plans["soft"] == [("rows", "2048")] and plans["norm"] == [("rows", "2048")]
    assert len(reduces["loss"]) >= 2  # max and log-sum-exp of rows of 1000 (the batch mean: 32, serial)
    assert reduces["small_loss"] == []  # rows of 10 and a batch of 32: serial
    assert "plain" in [kind for kind, _ in plans["small_loss"]]
    assert reduces["dyn_rows"] == ["?"] and reduces["dyn_cols"] == ["?"]
