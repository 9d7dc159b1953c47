"""`charl-split-argmax` (GPU): an argmax over a long range is a max reduction and a min-index
reduction, each a workgroup tree, instead of one invocation looping over the whole range; it gives
the CPU's (and NumPy's) index: the first maximum, the first NaN, 0 for an all `-inf` range, on
static and dynamic shapes, floats and integers. A short range keeps the one-pass kernel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import both_targets, launches

SOURCE = """
fn long(x: tensor<float32, [5000]>) -> int32 { return argmax(x) }
fn rows(x: tensor<float32, [3, 700]>) -> tensor<int32, [3]> { return argmax(x, axis: 1) }
fn columns(x: tensor<float32, [700, 3]>) -> tensor<int32, [3]> { return argmax(x, axis: 0) }
fn dyn(x: tensor<float32, [?, ?]>) -> tensor<int32, [?]> { return argmax(x, axis: 1) }
fn ints(x: tensor<int32, [900]>) -> int32 { return argmax(x) }
fn short(x: tensor<float32, [40]>) -> int32 { return argmax(x) }
"""


@pytest.fixture(scope="module")
def programs() -> tuple[Any, Any]:
    return both_targets(SOURCE)


def test_long_ranges_are_two_trees_and_short_ones_one_pass() -> None:
    plans = launches(SOURCE)
    for name in ("long", "rows", "columns", "ints"):
        assert [kind for kind, _ in plans[name]] == ["reduce", "reduce"], (name, plans[name])
    assert plans["rows"] == [("reduce", "768"), ("reduce", "768")]  # 3 rows of 256 lanes
    assert [kind for kind, _ in plans["short"]] != ["reduce", "reduce"], plans["short"]


def cases(n: int) -> list[np.ndarray[Any, Any]]:
    rng = np.random.default_rng(n)
    ties = np.zeros(n, np.float32)
    ties[[n // 3, n // 2, n - 1]] = 7.0  # the first of equal maxima
    nans = rng.standard_normal(n).astype(np.float32)
    nans[[n // 4, n // 2]] = np.nan  # the first NaN
    return [rng.standard_normal(n).astype(np.float32), ties, nans, np.full(n, -np.inf, np.float32)]


def reference(x: np.ndarray[Any, Any], axis: int | None = None) -> Any:
    """NumPy's argmax: the first maximum, or the first NaN."""
    return np.argmax(x, axis=axis)


@pytest.mark.parametrize("case", range(4))
def test_long(programs: tuple[Any, Any], case: int) -> None:
    cpu, gpu = programs
    x = cases(5000)[case]
    assert gpu.fn("long")(x) == cpu.fn("long")(x) == reference(x)


def test_rows_columns_and_integers(programs: tuple[Any, Any]) -> None:
    cpu, gpu = programs
    rows = np.stack(cases(700)[:3])
    np.testing.assert_array_equal(gpu.fn("rows")(rows), cpu.fn("rows")(rows))
    np.testing.assert_array_equal(gpu.fn("rows")(rows), reference(rows, 1))
    columns = np.ascontiguousarray(rows.T)
    np.testing.assert_array_equal(gpu.fn("columns")(columns), reference(columns, 0))
    ints = np.random.default_rng(1).integers(-50, 50, 900).astype(np.int32)
    assert gpu.fn("ints")(ints) == cpu.fn("ints")(ints) == reference(ints)
    short = cases(40)[1]
    assert gpu.fn("short")(short) == cpu.fn("short")(short) == reference(short)


@pytest.mark.parametrize("shape", [(2, 1000), (3, 5), (1, 1), (4, 0), (0, 6)], ids=str)
def test_sizes_known_at_run_time(programs: tuple[Any, Any], shape: tuple[int, int]) -> None:
    cpu, gpu = programs
    x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    want = cpu.fn("dyn")(x)
    np.testing.assert_array_equal(gpu.fn("dyn")(x), want)
    if shape[1]:
        np.testing.assert_array_equal(want, reference(x, 1))
    else:  # an empty range: index 0
        np.testing.assert_array_equal(want, np.zeros(shape[0], np.int32))
