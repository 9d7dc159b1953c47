"""charl-parallelize-loops end to end: compiled programs whose loop nests take the parallel path
(static and dynamic shapes, row-wise reductions, a training-style loop, the memory plan's arena)
agree with NumPy, and give the same bits on 1 and 2 threads (`CHARL_NUM_THREADS`, read per call)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from xdsl.dialects import func, scf

from charlc import api
from charlc.options import Options
from charlc.pipeline import Stage
from passes.charl_parallelize_loops import CHUNK_ATTR

PROGRAM = """\
fn chain(a: tensor<float32, [384, 256]>, b: tensor<float32, [256]>) -> tensor<float32, [384, 256]> {
    return relu(a * 2.0 + b) * 0.5 - a
}
fn rows(a: tensor<float32, [?, 256]>, b: tensor<float32, [?, 256]>) -> tensor<float32, [?, 256]> {
    return exp(a) * b + 1.0
}
fn soft(a: tensor<float32, [256, 200]>) -> tensor<float32, [256, 200]> {
    return softmax(a, axis: 1)
}
fn row_sums(a: tensor<float32, [?, 300]>) -> tensor<float32, [?]> {
    return sum(a * a, axis: 1)
}
fn steps(x: tensor<float32, [200, 256]>, n: int64) -> tensor<float32, [200, 256]> {
    let mut y = x
    for i in 0..n {
        y = tanh(y * 0.75 + 0.1) - y * 0.25
    }
    return y
}
fn small(a: tensor<float32, [4, 8]>) -> tensor<float32, [4, 8]> {
    return a * 3.0 + 1.0
}
"""


@pytest.fixture(scope="module")
def program() -> Any:
    return api.load(PROGRAM, path="parallel.ch")


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    yield lambda n: monkeypatch.setenv("CHARL_NUM_THREADS", str(n))


def rng_array(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def on_threads(threads: Callable[[int], None], call: Callable[[], np.ndarray]) -> np.ndarray:
    """`call()` on 1 and on 2 threads; the results must be the same bits."""
    threads(1)
    serial = call()
    threads(2)
    parallel = call()
    np.testing.assert_array_equal(serial.view(np.uint32), parallel.view(np.uint32))
    return parallel


def test_every_large_nest_is_parallel() -> None:
    """The functions above take the parallel path, the small one does not."""
    module = api.compile_source(PROGRAM, "parallel.ch", Options(stop_after=Stage.LOOPS))
    chunks = {f.sym_name.data for f in module.ops if isinstance(f, func.FuncOp) and CHUNK_ATTR in f.attributes}
    for name in ("chain", "rows", "soft", "row_sums", "steps"):
        assert any(c.startswith(f"{name}_chunk") for c in chunks), name
    assert not any(c.startswith("small_chunk") for c in chunks)
    for chunk in (f for f in module.ops if isinstance(f, func.FuncOp) and CHUNK_ATTR in f.attributes):
        assert not any(isinstance(op, scf.ParallelOp) for op in chunk.walk())


def test_elementwise_static(program: Any, threads: Callable[[int], None]) -> None:
    a, b = rng_array(384, 256), rng_array(256, seed=1)
    got = on_threads(threads, lambda: program.fn("chain")(a, b))
    np.testing.assert_allclose(got, np.maximum(a * 2.0 + b, 0) * 0.5 - a, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [1, 3, 127, 300])
def test_elementwise_dynamic(program: Any, threads: Callable[[int], None], n: int) -> None:
    """Row counts below and above the run-time threshold, odd ones included (ragged chunks)."""
    a, b = rng_array(n, 256), rng_array(n, 256, seed=1)
    got = on_threads(threads, lambda: program.fn("rows")(a, b))
    np.testing.assert_allclose(got, np.exp(a) * b + 1.0, rtol=1e-5, atol=1e-6)


def test_row_wise_softmax(program: Any, threads: Callable[[int], None]) -> None:
    a = rng_array(256, 200) * 4
    got = on_threads(threads, lambda: program.fn("soft")(a))
    e = np.exp(a - a.max(axis=1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


def test_row_reduction_dynamic(program: Any, threads: Callable[[int], None]) -> None:
    a = rng_array(517, 300)
    got = on_threads(threads, lambda: program.fn("row_sums")(a))
    np.testing.assert_allclose(got, (a * a).sum(axis=1), rtol=1e-5)


def test_inside_a_loop(program: Any, threads: Callable[[int], None]) -> None:
    x = rng_array(200, 256)
    got = on_threads(threads, lambda: program.fn("steps")(x, 5))
    y = x.astype(np.float64)
    for _ in range(5):
        y = np.tanh(y * 0.75 + 0.1) - y * 0.25
    np.testing.assert_allclose(got, y, rtol=1e-5, atol=1e-5)


def test_small_stays_serial(program: Any, threads: Callable[[int], None]) -> None:
    a = rng_array(4, 8)
    np.testing.assert_allclose(on_threads(threads, lambda: program.fn("small")(a)), a * 3.0 + 1.0, rtol=1e-6, atol=1e-6)
