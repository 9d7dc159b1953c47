"""The vec4 template of `convert-linalg-to-gpu` (`passes/_gpu_vector.py`, `charlc/wgsl_vector.py`):
kernels on the GPU runtime against NumPy and against the one-element-per-invocation form of the
same body (bit for bit), views that start anywhere in their buffer, in-place updates, biases and
per-row values; Charl elementwise chains on both targets; and the ops that keep the plain form.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import both_targets, form, launches, lowered
from gpu_util import gpu_context, run

from runtime.gpu import GpuRuntime


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


CHAIN_BODY = """    %m = arith.mulf %a, %s : f32
    %t = arith.subf %m, %c : f32
    %e = math.exp %t : f32
    %l = math.log1p %e : f32
    %h = math.tanh %a : f32
    %r = arith.maximumf %l, %h : f32
    %q = math.sqrt %e : f32
    %f = math.fma %q, %a, %r : f32
    %n = arith.negf %f : f32
    %gt = arith.cmpf ogt, %a, %c : f32
    %un = arith.cmpf uno, %a, %a : f32
    %either = arith.ori %gt, %un : i1
    %w = arith.uitofp %gt : i1 to f32
    %v = arith.select %either, %n, %w : f32
    %k = arith.fptosi %v : f32 to i32
    %z = arith.sitofp %k : i32 to f32
    %y = arith.addf %v, %z : f32"""


def chain(n: int) -> str:
    """`y = body(x, c, s)` over `n` elements: `c` a broadcast element, `s` a scalar argument."""
    return f"""func.func @f(%x: memref<{n}xf32>, %cm: memref<f32>, %out: memref<{n}xf32>, %s: f32) {{
  linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]}}
      ins(%x, %cm : memref<{n}xf32>, memref<f32>)
      outs(%out : memref<{n}xf32>) {{
  ^bb0(%a: f32, %c: f32, %o: f32):
{CHAIN_BODY}
    linalg.yield %y : f32
  }}
  func.return
}}
"""


def chain_numpy(x: np.ndarray[Any, Any], c: float, s: float) -> np.ndarray[Any, Any]:
    x = x.astype(np.float64)
    e = np.exp(x * s - c)
    r = np.maximum(np.log1p(e), np.tanh(x))
    n = -(np.sqrt(e) * x + r)
    v = np.where((x > c) | np.isnan(x), n, (x > c).astype(np.float64))
    return v + np.trunc(v)


def launch(ctx: Any, mlir: str, *calls: list[Any], invocations: int) -> str:
    """Run the one kernel of `mlir` on each argument list of `calls` in turn, on one runtime (a
    view of a NumPy array that a former call used whole starts at its offset in that buffer)."""
    (spec,) = lowered(mlir)
    rt = GpuRuntime([spec], ctx)
    for args in calls:
        run(rt, spec, [*args, invocations])
    return form(spec)


def test_chain_matches_numpy_and_the_plain_form_bit_for_bit(ctx: Any) -> None:
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(4001) * 3).astype(np.float32)
    x[7] = np.nan
    c = np.array(0.25, np.float32)
    wide, plain = np.zeros(4000, np.float32), np.zeros(4001, np.float32)
    assert launch(ctx, chain(4000), [x[:4000].copy(), c, wide, 0.5], invocations=1000) == "vec4"
    assert launch(ctx, chain(4001), [x, c, plain, 0.5], invocations=4001) == "plain"  # 4001 is not a multiple of 4
    np.testing.assert_array_equal(wide, plain[:4000])
    np.testing.assert_allclose(wide, chain_numpy(x[:4000], 0.25, 0.5), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shifts", [(1, 0), (0, 3), (2, 2), (3, 1)], ids=str)
def test_views_that_start_anywhere(ctx: Any, shifts: tuple[int, int]) -> None:
    """Element offsets that are not multiples of 4 take the component-by-component path."""
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(64) * 3).astype(np.float32)
    c = np.array(-0.5, np.float32)
    aligned = np.zeros(64, np.float32)
    launch(ctx, chain(64), [x, c, aligned, 2.0], invocations=16)
    sx, so = shifts
    base_x, base_o = np.zeros(64 + sx + 5, np.float32), np.full(64 + so + 5, 7.0, np.float32)
    base_x[sx : sx + 64] = x
    view_x, view_o = base_x[sx : sx + 64], base_o[so : so + 64]
    scratch = np.zeros(64, np.float32)
    first_x, first_o = (base_x[:64], base_x), (base_o[:64], base_o)  # register both buffers from 0
    launch(
        ctx,
        chain(64),
        [first_x, c, scratch, 2.0],
        [first_o, c, scratch, 2.0],
        [(view_x, base_x), c, (view_o, base_o), 2.0],
        invocations=16,
    )
    np.testing.assert_array_equal(view_o, aligned)
    assert (base_o[:so] == 7.0).all() and (base_o[so + 64 :] == 7.0).all()  # nothing else written


def test_in_place_update_reads_the_output(ctx: Any) -> None:
    mlir = """func.func @f(%x: memref<8x16xf32>, %y: memref<8x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x16xf32>)
      outs(%y : memref<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %two = arith.constant 2.0 : f32
    %m = arith.mulf %o, %two : f32
    %s = arith.addf %m, %a : f32
    linalg.yield %s : f32
  }
  func.return
}
"""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 16)).astype(np.float32), rng.standard_normal((8, 16)).astype(np.float32)
    want = y * 2 + x
    assert launch(ctx, mlir, [x, y], invocations=32) == "vec4"
    np.testing.assert_array_equal(y, want)


BIAS = """func.func @f(%x: memref<6x12xf32>, %b: memref<12xf32>, %m: memref<6x1xf32>, %y: memref<6x12xf32>) {
  linalg.generic {indexing_maps = [
        affine_map<(d0, d1) -> (d0, d1)>,
        affine_map<(d0, d1) -> (d1)>,
        affine_map<(d0, d1) -> (d0, 0)>,
        affine_map<(d0, d1) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %b, %m : memref<6x12xf32>, memref<12xf32>, memref<6x1xf32>)
      outs(%y : memref<6x12xf32>) {
  ^bb0(%a: f32, %c: f32, %r: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %t = arith.subf %s, %r : f32
    %e = math.exp %t : f32
    linalg.yield %e : f32
  }
  func.return
}
"""


def test_bias_along_rows_and_per_row_values(ctx: Any) -> None:
    rng = np.random.default_rng(4)
    x, b = rng.standard_normal((6, 12)).astype(np.float32), rng.standard_normal(12).astype(np.float32)
    m, y = rng.standard_normal((6, 1)).astype(np.float32), np.zeros((6, 12), np.float32)
    assert launch(ctx, BIAS, [x, b, m, y], invocations=18) == "vec4"
    np.testing.assert_allclose(y, np.exp(x.astype(np.float64) + b - m), rtol=2e-6)
    base = np.zeros(15, np.float32)  # the bias 3 elements into its buffer: component by component
    base[3:] = b
    y2 = np.zeros((6, 12), np.float32)
    launch(ctx, BIAS, [x, (base[:12], base), m, y2], [x, (base[3:], base), m, y2], invocations=18)
    np.testing.assert_array_equal(y2, y)


def test_what_keeps_the_plain_form(ctx: Any) -> None:
    generic = """func.func @f(%x: {x}, %m: {m}, %y: {y}) {{
  linalg.generic {{indexing_maps = [
        affine_map<(d0, d1) -> {xm}>,
        affine_map<(d0, d1) -> (d0)>,
        affine_map<(d0, d1) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel"]}}
      ins(%x, %m : {x}, {m})
      outs(%y : {y}) {{
  ^bb0(%a: {e}, %r: f32, %o: {e}):
    {body}
    linalg.yield %t : {e}
  }}
  func.return
}}
"""
    sub = "%t = arith.subf %a, %r : f32"
    rng = np.random.default_rng(5)
    x, m = rng.standard_normal((4, 6)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    y = np.zeros((4, 6), np.float32)
    straddle = generic.format(
        x="memref<4x6xf32>", m="memref<4xf32>", y="memref<4x6xf32>", xm="(d0, d1)", e="f32", body=sub
    )
    assert launch(ctx, straddle, [x, m, y], invocations=24) == "plain"  # rows of 6: 4 elements may span 2 rows
    np.testing.assert_array_equal(y, x - m[:, None])
    xt, y = rng.standard_normal((8, 4)).astype(np.float32), np.zeros((4, 8), np.float32)
    transposed = generic.format(
        x="memref<8x4xf32>", m="memref<4xf32>", y="memref<4x8xf32>", xm="(d1, d0)", e="f32", body=sub
    )
    assert launch(ctx, transposed, [xt, m, y], invocations=32) == "plain"  # not 4 consecutive elements of x
    np.testing.assert_array_equal(y, xt.T - m[:, None])
    xi, yi = rng.integers(-9, 9, (4, 8)).astype(np.int32), np.zeros((4, 8), np.int32)
    ints = "%f = arith.fptosi %r : f32 to i32\n    %t = arith.addi %a, %f : i32"
    integer = generic.format(
        x="memref<4x8xi32>", m="memref<4xf32>", y="memref<4x8xi32>", xm="(d0, d1)", e="i32", body=ints
    )
    assert launch(ctx, integer, [xi, m, yi], invocations=32) == "plain"  # vec4 kernels are f32
    np.testing.assert_array_equal(yi, xi + m.astype(np.int32)[:, None])


SOURCE = """
fn chain(x: tensor<float32, [64, 256]>, s: float32) -> tensor<float32, [64, 256]> {
    return relu(x * s + 1.0) - tanh(x) / 2.0 + where(x > 0.5, sigmoid(x), gelu(x))
}
fn bias(x: tensor<float32, [32, 128]>, b: tensor<float32, [128]>) -> tensor<float32, [32, 128]> { return silu(x + b) }
fn rows(x: tensor<float32, [32, 128]>, m: tensor<float32, [32, 1]>) -> tensor<float32, [32, 128]> { return exp(x - m) }
fn pair(x: tensor<float32, [40, 100]>, y: tensor<float32, [40, 100]>) -> tensor<float32, [40, 100]> {
    return maximum(x, y) * sqrt(abs(y)) + clip(x, -1.0, 1.0)
}
fn ragged(x: tensor<float32, [5, 7]>) -> tensor<float32, [5, 7]> { return relu(x) * 3.0 }
"""


def gelu(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def numpy_of(name: str, args: list[Any]) -> Any:
    x = args[0].astype(np.float64)
    sigmoid = 1 / (1 + np.exp(-x))
    if name == "chain":
        return np.maximum(x * args[1] + 1, 0) - np.tanh(x) / 2 + np.where(x > 0.5, sigmoid, gelu(x))
    if name == "bias":
        z = x + args[1]
        return z / (1 + np.exp(-z))
    if name == "rows":
        return np.exp(x - args[1])
    if name == "pair":
        y = args[1].astype(np.float64)
        return np.maximum(x, y) * np.sqrt(np.abs(y)) + np.clip(x, -1, 1)
    return np.maximum(x, 0) * 3


def program_args(name: str) -> list[Any]:
    rng = np.random.default_rng(len(name))
    shapes = {"chain": (64, 256), "bias": (32, 128), "rows": (32, 128), "pair": (40, 100), "ragged": (5, 7)}
    x = (rng.standard_normal(shapes[name]) * 2).astype(np.float32)
    extra = {
        "chain": [np.float32(0.75)],
        "bias": [rng.standard_normal(128).astype(np.float32)],
        "rows": [rng.standard_normal((32, 1)).astype(np.float32)],
        "pair": [rng.standard_normal((40, 100)).astype(np.float32)],
        "ragged": [],
    }
    return [x, *extra[name]]


@pytest.fixture(scope="module")
def programs() -> tuple[Any, Any]:
    return both_targets(SOURCE)


@pytest.mark.parametrize("name", ["chain", "bias", "rows", "pair", "ragged"])
def test_charl_elementwise_on_both_targets(programs: tuple[Any, Any], name: str) -> None:
    cpu, gpu = programs
    args = program_args(name)
    got, want = gpu.fn(name)(*args), cpu.fn(name)(*args)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, numpy_of(name, args), rtol=1e-5, atol=1e-5)


def test_charl_launches_use_vec4_where_they_qualify() -> None:
    """Every launch of an f32 result (with elementwise fusion: the one launch) is vec4, with one
    invocation per 4 elements; the 35 elements of `ragged` are not a multiple of 4."""
    plans = launches(SOURCE)
    for name, size in (("chain", 64 * 256), ("bias", 32 * 128), ("rows", 32 * 128), ("pair", 40 * 100)):
        assert plans[name][-1] == ("vec4", str(size // 4))
        assert all(kind == "vec4" for kind, count in plans[name] if count == str(size // 4))
    assert {kind for kind, _ in plans["ragged"]} == {"plain"}
