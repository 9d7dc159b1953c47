"""The reduction template of `convert-linalg-to-gpu` (`passes/_gpu_reduce.py`,
`charlc/wgsl_reduce.py`), kernel by kernel on the GPU runtime against NumPy: every combiner with
its identity, reductions along every axis and axis set, ragged and dynamic sizes, a 2-D grid of
workgroups, and f32 sums in the fixed order of the lanes and the tree. Small ranges and bodies that
are not `combine(f(x), acc)` keep the serial form, and still compute the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import form, lowered
from gpu_util import gpu_context, run

from runtime.gpu import GpuRuntime

LANES = 256


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def reduction(shape: list[int | None], axes: list[int], element: str, body: str, dynamic: bool = False) -> str:
    """A function reducing `%x` (of `shape`, `?` where `dynamic`) over `axes` into `%y`; `body`
    defines `%s` from `%a` (the element) and `%acc`."""
    rank = len(shape)
    kept = [d for d in range(rank) if d not in axes]

    def t(dims: list[int | None]) -> str:
        sizes = "x".join("?" if dynamic else str(n) for n in dims)
        return f"memref<{sizes}x{element}>" if dims else f"memref<{element}>"

    x_t, y_t = t(shape), t([shape[d] for d in kept])
    dims = ", ".join(f"d{d}" for d in range(rank))
    iterators = ", ".join('"reduction"' if d in axes else '"parallel"' for d in range(rank))
    out_map = ", ".join(f"d{d}" for d in kept)
    return f"""func.func @f(%x: {x_t}, %y: {y_t}) {{
  linalg.generic {{indexing_maps = [affine_map<({dims}) -> ({dims})>, affine_map<({dims}) -> ({out_map})>],
      iterator_types = [{iterators}]}}
      ins(%x : {x_t})
      outs(%y : {y_t}) {{
  ^bb0(%a: {element}, %acc: {element}):
    {body}
    linalg.yield %s : {element}
  }}
  func.return
}}
"""


def launch(ctx: Any, mlir: str, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], per_output: int) -> str:
    """Run the one kernel of `mlir` on `x` and `y` (in place) with `per_output` invocations per
    element of `y`; its form."""
    (spec,) = lowered(mlir)
    run(GpuRuntime([spec], ctx), spec, [x, y, max(y.size, 1) * per_output])
    return form(spec)


F32 = [
    ("arith.addf", lambda x, y: y + x.astype(np.float64).sum(1)),
    ("arith.mulf", lambda x, y: y * x.astype(np.float64).prod(1)),
    ("arith.maximumf", lambda x, y: np.maximum(y, x.max(1))),
    ("arith.minimumf", lambda x, y: np.minimum(y, x.min(1))),
    ("arith.maxnumf", lambda x, y: np.fmax(y, np.fmax.reduce(x, 1))),
    ("arith.minnumf", lambda x, y: np.fmin(y, np.fmin.reduce(x, 1))),
]


@pytest.mark.parametrize(("op", "want"), F32, ids=[op for op, _ in F32])
def test_float_combiners_match_numpy(ctx: Any, op: str, want: Any) -> None:
    rng = np.random.default_rng(1)
    x = (1 + rng.standard_normal((5, 700)) * 1e-3).astype(np.float32)
    if "num" in op:
        x[1, ::7] = np.nan  # ignored by maxnum/minnum
        x[2, :] = np.nan  # a row of NaN gives the initial value
    y = rng.standard_normal(5).astype(np.float32)
    expected = want(x, y)
    assert launch(ctx, reduction([5, 700], [1], "f32", f"%s = {op} %a, %acc : f32"), x, y, LANES) == "reduce"
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_maximumf_propagates_nan_and_orders_zeros(ctx: Any) -> None:
    x = np.full((3, 600), -1.0, np.float32)
    x[0, 599] = np.nan
    x[1, 300], x[2, 300] = 0.0, -0.0  # +0.0 wins over -0.0 from the element or from the start
    y = np.array([0.0, -0.0, 0.0], np.float32)
    launch(ctx, reduction([3, 600], [1], "f32", "%s = arith.maximumf %acc, %a : f32"), x, y, LANES)
    assert np.isnan(y[0]) and not np.signbit(y[1]) and not np.signbit(y[2])


I32 = [
    ("arith.addi", lambda x, y: (y + x.sum(1)).astype(np.int32)),
    ("arith.muli", lambda x, y: (y * np.multiply.reduce(x, 1)).astype(np.int32)),
    ("arith.maxsi", lambda x, y: np.maximum(y, x.max(1))),
    ("arith.minsi", lambda x, y: np.minimum(y, x.min(1))),
    ("arith.maxui", lambda x, y: np.maximum(y.view(np.uint32), x.view(np.uint32).max(1)).view(np.int32)),
    ("arith.minui", lambda x, y: np.minimum(y.view(np.uint32), x.view(np.uint32).min(1)).view(np.int32)),
    ("arith.andi", lambda x, y: y & np.bitwise_and.reduce(x, 1)),
    ("arith.ori", lambda x, y: y | np.bitwise_or.reduce(x, 1)),
    ("arith.xori", lambda x, y: y ^ np.bitwise_xor.reduce(x, 1)),
]


@pytest.mark.parametrize(("op", "want"), I32, ids=[op for op, _ in I32])
def test_integer_combiners_match_numpy(ctx: Any, op: str, want: Any) -> None:
    rng = np.random.default_rng(2)
    if op in ("arith.andi", "arith.ori"):
        x = (rng.integers(0, 2, (4, 513)) * rng.integers(0, 2**31, (4, 513)) | 0x0F0F).astype(np.int32)
        x[:, ::3] |= ~0xFF  # some high bits in every row, for and
    else:
        x = rng.integers(-(2**31), 2**31, (4, 513), dtype=np.int64).astype(np.int32)
    y = rng.integers(-(2**31), 2**31, 4, dtype=np.int64).astype(np.int32)
    with np.errstate(over="ignore"):
        expected = want(x, y)
    assert launch(ctx, reduction([4, 513], [1], "i32", f"%s = {op} %a, %acc : i32"), x, y, LANES) == "reduce"
    np.testing.assert_array_equal(y, expected)


def test_wide_types(ctx: Any) -> None:
    rng = np.random.default_rng(3)
    x64 = rng.integers(-(2**62), 2**62, (2, 900), dtype=np.int64)
    y64 = np.array([5, -7], np.int64)
    assert launch(ctx, reduction([2, 900], [1], "i64", "%s = arith.maxsi %a, %acc : i64"), x64, y64, LANES) == "reduce"
    np.testing.assert_array_equal(y64, np.maximum([5, -7], x64.max(1)))
    xd = rng.standard_normal((2, 900))
    yd = np.array([1.0, 2.0])
    assert launch(ctx, reduction([2, 900], [1], "f64", "%s = arith.addf %a, %acc : f64"), xd, yd, LANES) == "reduce"
    np.testing.assert_allclose(yd, [1.0, 2.0] + xd.sum(1), rtol=1e-12)


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
@pytest.mark.parametrize("axes", [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]], ids=str)
def test_every_axis_set(ctx: Any, axes: list[int], dynamic: bool) -> None:
    shape = [37, 29, 41]  # ragged: no range is a multiple of 256
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    y = np.ones([shape[d] for d in range(3) if d not in axes], np.float32)
    mlir = reduction(list(shape), axes, "f32", "%s = arith.addf %a, %acc : f32", dynamic)
    size = int(np.prod([shape[d] for d in axes]))
    per_output = LANES if dynamic or size >= 512 else 1
    kind = launch(ctx, mlir, x, y, per_output)
    assert kind == ("reduce" if per_output == LANES else "plain")
    np.testing.assert_allclose(y, 1 + x.astype(np.float64).sum(tuple(axes)), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("columns", [0, 1, 255, 256, 257, 5000])
def test_dynamic_ranges_short_and_long(ctx: Any, columns: int) -> None:
    x = np.random.default_rng(5).standard_normal((3, columns)).astype(np.float32)
    y = np.array([1.0, 2.0, 3.0], np.float32)
    mlir = reduction([3, columns], [1], "f32", "%s = arith.maximumf %a, %acc : f32", dynamic=True)
    assert launch(ctx, mlir, x, y, LANES) == "reduce"
    np.testing.assert_array_equal(y, np.maximum([1.0, 2.0, 3.0], x.max(1, initial=-np.inf)).astype(np.float32))


def test_more_workgroups_than_one_grid_dimension(ctx: Any) -> None:
    rows = 65_600  # > 65535 workgroups: the runtime dispatches a 2-D grid
    x = np.arange(rows * 2, dtype=np.float32).reshape(rows, 2)
    y = np.zeros(rows, np.float32)
    assert (
        launch(ctx, reduction([rows, 2], [1], "f32", "%s = arith.addf %a, %acc : f32", True), x, y, LANES) == "reduce"
    )
    np.testing.assert_array_equal(y, x.sum(1))


def tree_sum(x: np.ndarray[Any, Any], start: np.float32) -> np.float32:
    """The template's order in float32: lane l sums elements l, l + 256, ... from -0.0, then
    p[l] += p[l + s] for s = 128, ..., 1, then the initial value is added."""
    padded = np.concatenate([x, np.full(-len(x) % LANES, -0.0, np.float32)]).reshape(-1, LANES)
    partial = np.full(LANES, -0.0, np.float32)
    for block in padded:
        partial = partial + block
    step = LANES // 2
    while step:
        partial[:step] = partial[:step] + partial[step : 2 * step]
        step //= 2
    return np.float32(start + partial[0])


def test_f32_sums_follow_the_fixed_tree(ctx: Any) -> None:
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((3, 4099)) * np.exp(rng.standard_normal((3, 4099)) * 4)).astype(np.float32)
    starts = np.array([0.0, 1.5, -3.0], np.float32)
    mlir = reduction([3, 4099], [1], "f32", "%s = arith.addf %acc, %a : f32")
    results = []
    for _ in range(2):
        y = starts.copy()
        launch(ctx, mlir, x, y, LANES)
        results.append(y)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], [tree_sum(x[k], starts[k]) for k in range(3)])


def test_short_ranges_and_other_bodies_stay_serial(ctx: Any) -> None:
    x = np.random.default_rng(7).standard_normal((32, 10)).astype(np.float32)
    y = np.zeros(32, np.float32)
    assert launch(ctx, reduction([32, 10], [1], "f32", "%s = arith.addf %a, %acc : f32"), x, y, 1) == "plain"
    np.testing.assert_allclose(y, x.sum(1), rtol=1e-5, atol=1e-6)
    decay = "%h = arith.mulf %acc, %a : f32\n    %s = arith.addf %h, %a : f32"  # acc used twice over
    x = np.random.default_rng(8).uniform(0.0, 1.0, (2, 600)).astype(np.float32)
    y = np.ones(2, np.float32)
    assert launch(ctx, reduction([2, 600], [1], "f32", decay), x, y, 1) == "plain"
    want = np.ones(2, np.float32)
    for k in range(600):
        want = want * x[:, k] + x[:, k]
    np.testing.assert_allclose(y, want, rtol=1e-4)


def test_inputs_other_than_the_reduced_one(ctx: Any) -> None:
    """A variance: f reads the reduced input and a per-row mean (loaded once per lane), and uses a
    reduction index through `linalg.index`."""
    mlir = """func.func @f(%x: memref<4x1000xf32>, %m: memref<4xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [
        affine_map<(d0, d1) -> (d0, d1)>,
        affine_map<(d0, d1) -> (d0)>,
        affine_map<(d0, d1) -> (d0)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x, %m : memref<4x1000xf32>, memref<4xf32>)
      outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %mean: f32, %acc: f32):
    %i = linalg.index 1 : index
    %k = arith.index_cast %i : index to i32
    %w = arith.sitofp %k : i32 to f32
    %d = arith.subf %a, %mean : f32
    %d2 = arith.mulf %d, %d : f32
    %t = arith.mulf %d2, %w : f32
    %s = arith.addf %acc, %t : f32
    linalg.yield %s : f32
  }
  func.return
}
"""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 1000)).astype(np.float32)
    m = x.mean(1).astype(np.float32)
    y = np.zeros(4, np.float32)
    (spec,) = lowered(mlir)
    assert form(spec) == "reduce"
    run(GpuRuntime([spec], ctx), spec, [x, m, y, 4 * LANES])
    want = (((x - m[:, None]).astype(np.float64) ** 2) * np.arange(1000)).sum(1)
    np.testing.assert_allclose(y, want, rtol=1e-5)
