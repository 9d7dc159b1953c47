"""charl-fuse-loops end to end: softmax, layer_norm and cross-entropy's rows compile to one loop
nest over the rows (one chunk function when the rows take the parallel path), and the fused nests
agree with NumPy on static and dynamic shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from xdsl.dialects import func, scf

from charlc import api
from charlc.options import Options
from charlc.pipeline import Stage
from passes.charl_parallelize_loops import CHUNK_ATTR

PROGRAM = """\
fn soft(a: tensor<float32, [256, 200]>) -> tensor<float32, [256, 200]> {
    return softmax(a, axis: 1)
}
fn norm(a: tensor<float32, [?, 96]>, w: tensor<float32, [96]>, b: tensor<float32, [96]>) -> tensor<float32, [?, 96]> {
    return layer_norm(a, w, b)
}
fn xent(a: tensor<float32, [300, 130]>, y: tensor<int32, [300]>) -> float32 {
    return cross_entropy(a, y)
}
fn small_soft(a: tensor<float32, [5, 7]>) -> tensor<float32, [5, 7]> {
    return softmax(a, axis: 1)
}
"""


@pytest.fixture(scope="module")
def program() -> Any:
    return api.load(PROGRAM, path="fused.ch")


def rng_array(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def loops_of(name: str) -> tuple[int, int]:
    """The loops at the top of `@name` after the `loops` stage (scf.for, scf.parallel), and its
    chunk functions."""
    module = api.compile_source(PROGRAM, "fused.ch", Options(stop_after=Stage.LOOPS))
    fns = {f.sym_name.data: f for f in module.ops if isinstance(f, func.FuncOp)}
    body = fns[name].body.block.ops
    top = sum(isinstance(op, scf.ForOp | scf.ParallelOp) for op in body)
    chunks = sum(n.startswith(f"{name}_chunk") and CHUNK_ATTR in f.attributes for n, f in fns.items())
    return top, chunks


def test_softmax_layer_norm_and_cross_entropy_rows_are_one_nest() -> None:
    assert loops_of("soft") == (1, 1)
    assert loops_of("small_soft") == (1, 0)  # too small for the thread pool: one serial nest
    top, chunks = loops_of("norm")  # dynamic rows: the work is compared at run time
    assert chunks == 1
    assert loops_of("xent") == (2, 1)  # the rows, then the mean over the rows


def test_fused_softmax(program: Any) -> None:
    for name, a in (("soft", rng_array(256, 200) * 4), ("small_soft", rng_array(5, 7))):
        e = np.exp(a - a.max(axis=1, keepdims=True))
        np.testing.assert_allclose(program.fn(name)(a), e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("rows", [1, 3, 400])
def test_fused_layer_norm(program: Any, rows: int) -> None:
    a, w, b = rng_array(rows, 96) * 3 + 1, rng_array(96, seed=1), rng_array(96, seed=2)
    mean = a.mean(axis=1, keepdims=True)
    var = ((a - mean) ** 2).mean(axis=1, keepdims=True)
    want = (a - mean) / np.sqrt(var + 1e-5) * w + b
    np.testing.assert_allclose(program.fn("norm")(a, w, b), want, rtol=1e-4, atol=1e-5)


def test_fused_cross_entropy(program: Any) -> None:
    a = rng_array(300, 130) * 2
    y = np.random.default_rng(3).integers(0, 130, 300).astype(np.int32)
    shifted = a - a.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    want = -logp[np.arange(300), y].mean()
    np.testing.assert_allclose(program.fn("xent")(a, y), want, rtol=1e-5)
