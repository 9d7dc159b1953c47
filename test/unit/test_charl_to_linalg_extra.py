"""convert-charl-to-linalg, the extra patterns for indexing (slices, updates, extracts, gathers with
their run-time checks) and convolution and pooling: the structure of the lowered IR, and numerics
end to end (charl-bufferize, convert-linalg-to-loops, convert-to-llvm, the JIT) against NumPy.
Random numbers, quantization and I/O are in test_charl_to_linalg_extra_{random,quant,io}.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from charl_to_linalg_extra_util import Jit, callees, lower, ops_of, rng
from xdsl.dialects import func, memref, tensor

from runtime.native import NativeRuntime


@pytest.fixture(scope="module")
def runtime_library() -> Path:
    """The C runtime, built and loaded for the JIT (run-time checks and I/O call it)."""
    return NativeRuntime().load().shared


# ---- indexing ------------------------------------------------------------------------------------

SLICE = """
func.func @slice(%x: tensor<8x?xf32>, %i: index, %n: index) -> tensor<4x?xf32> {
  %c2 = arith.constant 2 : index
  %s = charl.slice %x[%c2, %i] [4, %n] : tensor<8x?xf32> -> tensor<4x?xf32> loc("t.ch":1:1)
  func.return %s : tensor<4x?xf32>
}
func.func @fits(%x: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %c0 = arith.constant 0 : index
  %c6 = arith.constant 6 : index
  %s = charl.slice %x[%c6, %c0] [2, 4] : tensor<8x4xf32> -> tensor<2x4xf32> loc("t.ch":2:1)
  func.return %s : tensor<2x4xf32>
}
func.func @update(%d: tensor<8x4xf32>, %s: tensor<2x3xf32>, %i: index, %j: index) -> tensor<8x4xf32> {
  %u = charl.update_slice %s into %d[%i, %j] : tensor<2x3xf32> into tensor<8x4xf32> loc("t.ch":3:1)
  func.return %u : tensor<8x4xf32>
}
func.func @extract(%x: tensor<?x4xi64>, %i: index, %j: index) -> i64 {
  %e = charl.extract %x[%i, %j] : tensor<?x4xi64> -> i64 loc("t.ch":4:1)
  func.return %e : i64
}
"""


def test_slice_checks_only_the_dimensions_not_provably_in_range() -> None:
    module = lower(SLICE)
    by_name = {f.sym_name.data: f for f in ops_of(module, func.FuncOp)}
    assert callees(by_name["slice"]) == ["charl_rt_check_slice"]
    assert callees(by_name["fits"]) == []
    assert callees(by_name["update"]) == ["charl_rt_check_slice"] * 2
    assert callees(by_name["extract"]) == ["charl_rt_check_slice"] * 2
    extract = ops_of(by_name["slice"], tensor.ExtractSliceOp)[0]
    assert list(extract.static_offsets.get_values())[0] == 2  # type: ignore[attr-defined]
    assert list(extract.static_strides.get_values()) == [1, 1]  # type: ignore[attr-defined]


def test_without_bounds_checks_nothing_is_called_or_declared() -> None:
    module = lower(SLICE, bounds_checks=False)
    assert callees(module) == []
    assert not ops_of(module, memref.GlobalOp)
    assert not [f for f in ops_of(module, func.FuncOp) if f.sym_name.data.startswith("charl_rt")]  # type: ignore[attr-defined]


def test_run_time_functions_and_strings_are_declared_once() -> None:
    module = lower(SLICE)
    declared = [f.sym_name.data for f in ops_of(module, func.FuncOp) if not f.body.blocks]  # type: ignore[attr-defined]
    assert declared == ["charl_rt_check_slice"]
    strings: list[memref.GlobalOp] = ops_of(module, memref.GlobalOp)  # type: ignore[assignment]
    assert [g.sym_name.data for g in strings] == ["charl_str_0", "charl_str_1", "charl_str_2"]  # t.ch:1:1, 3:1, 4:1
    text = bytes(np.array(strings[1].initial_value.get_values(), np.int8))  # type: ignore[union-attr]
    assert text == b"t.ch:3:1"


def test_indexing_numerics(runtime_library: Path) -> None:
    jit = Jit(SLICE, bounds_checks=True)
    x = rng(0).standard_normal((8, 6)).astype(np.float32)
    np.testing.assert_array_equal(jit.slice(x, 1, 3), x[2:6, 1:4])
    d, s = rng(1).standard_normal((8, 4)).astype(np.float32), rng(2).standard_normal((2, 3)).astype(np.float32)
    expected = d.copy()
    expected[5:7, 1:4] = s
    np.testing.assert_array_equal(jit.update(d, s, 5, 1), expected)
    np.testing.assert_array_equal(d, rng(1).standard_normal((8, 4)).astype(np.float32))  # the argument is kept
    table = np.arange(20, dtype=np.int64).reshape(5, 4)
    assert jit.extract(table, 3, 2) == 14


GATHER = """
func.func @rows(%t: tensor<10x3xf32>, %ids: tensor<2x2xi32>) -> tensor<2x2x3xf32> {
  %g = charl.gather %t, %ids {axis = 0 : i64} : tensor<10x3xf32>, tensor<2x2xi32> -> tensor<2x2x3xf32> loc("t.ch":5:1)
  func.return %g : tensor<2x2x3xf32>
}
func.func @cols(%t: tensor<4x?xf64>, %ids: tensor<3xi64>) -> tensor<4x3xf64> {
  %g = charl.gather %t, %ids {axis = 1 : i64} : tensor<4x?xf64>, tensor<3xi64> -> tensor<4x3xf64> loc("t.ch":6:1)
  func.return %g : tensor<4x3xf64>
}
func.func @one(%t: tensor<3x5x2xi32>, %id: i32) -> tensor<3x2xi32> {
  %g = charl.gather %t, %id {axis = 1 : i64} : tensor<3x5x2xi32>, i32 -> tensor<3x2xi32> loc("t.ch":7:1)
  func.return %g : tensor<3x2xi32>
}
func.func @scalar(%t: tensor<5xf32>, %id: i64) -> f32 {
  %g = charl.gather %t, %id {axis = 0 : i64} : tensor<5xf32>, i64 -> f32 loc("t.ch":8:1)
  func.return %g : f32
}
"""


def test_gather_numerics(runtime_library: Path) -> None:
    jit = Jit(GATHER, bounds_checks=True)
    table = rng(3).standard_normal((10, 3)).astype(np.float32)
    ids = np.array([[9, 0], [4, 4]], np.int32)
    np.testing.assert_array_equal(jit.rows(table, ids), np.take(table, ids, axis=0))
    wide = rng(4).standard_normal((4, 7))
    cols = np.array([6, 0, 2], np.int64)
    np.testing.assert_array_equal(jit.cols(wide, cols), np.take(wide, cols, axis=1))
    cube = np.arange(30, dtype=np.int32).reshape(3, 5, 2)
    np.testing.assert_array_equal(jit.one(cube, 3), cube[:, 3, :])
    assert jit.scalar(np.arange(5, dtype=np.float32), 4) == 4.0


# ---- convolution and pooling ---------------------------------------------------------------------

CONV = """
func.func @conv(%x: tensor<2x3x7x6xf32>, %w: tensor<4x3x3x2xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %y = charl.conv2d %x, %w, %b {stride = 2 : i64, padding = 1 : i64}
    : tensor<2x3x7x6xf32>, tensor<4x3x3x2xf32>, tensor<4xf32> -> tensor<2x4x4x4xf32>
  func.return %y : tensor<2x4x4x4xf32>
}
func.func @conv_dyn(%x: tensor<?x2x?x?xf64>, %w: tensor<3x2x2x2xf64>, %b: tensor<3xf64>) -> tensor<?x3x?x?xf64> {
  %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 0 : i64}
    : tensor<?x2x?x?xf64>, tensor<3x2x2x2xf64>, tensor<3xf64> -> tensor<?x3x?x?xf64>
  func.return %y : tensor<?x3x?x?xf64>
}
func.func @max_pool(%x: tensor<2x3x5x5xf32>) -> tensor<2x3x2x2xf32> {
  %p = charl.pool2d max %x {kernel = 2 : i64, stride = 2 : i64} : tensor<2x3x5x5xf32> -> tensor<2x3x2x2xf32>
  func.return %p : tensor<2x3x2x2xf32>
}
func.func @avg_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  %p = charl.pool2d avg %x {kernel = 3 : i64, stride = 2 : i64} : tensor<1x2x5x5xf32> -> tensor<1x2x2x2xf32>
  func.return %p : tensor<1x2x2x2xf32>
}
func.func @max_pool_int(%x: tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32> {
  %p = charl.pool2d max %x {kernel = 2 : i64, stride = 1 : i64} : tensor<1x1x4x4xi32> -> tensor<1x1x3x3xi32>
  func.return %p : tensor<1x1x3x3xi32>
}
"""


def conv_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int) -> np.ndarray:
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    _, _, kh, kw = w.shape
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for y in range(oh):
        for z in range(ow):
            window = x[:, :, y * stride : y * stride + kh, z * stride : z * stride + kw]
            out[:, :, y, z] = np.einsum("nchw,ochw->no", window, w)
    return out + b[None, :, None, None]


def pool_reference(x: np.ndarray, k: int, stride: int, reduce: Callable[..., np.ndarray]) -> np.ndarray:
    oh, ow = (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1
    out = np.zeros((*x.shape[:2], oh, ow), x.dtype)
    for y in range(oh):
        for z in range(ow):
            out[:, :, y, z] = reduce(x[:, :, y * stride : y * stride + k, z * stride : z * stride + k], axis=(2, 3))
    return out


def test_conv_and_pool_numerics() -> None:
    jit = Jit(CONV)
    x, w, b = (
        rng(s).standard_normal(shape).astype(np.float32)
        for s, shape in ((5, (2, 3, 7, 6)), (6, (4, 3, 3, 2)), (7, (4,)))
    )
    np.testing.assert_allclose(jit.conv(x, w, b), conv_reference(x, w, b, 2, 1), rtol=1e-5, atol=1e-5)
    xd, wd, bd = rng(8).standard_normal((3, 2, 5, 4)), rng(9).standard_normal((3, 2, 2, 2)), rng(10).standard_normal(3)
    np.testing.assert_allclose(jit.conv_dyn(xd, wd, bd), conv_reference(xd, wd, bd, 1, 0), rtol=1e-12)
    p = rng(11).standard_normal((2, 3, 5, 5)).astype(np.float32)
    np.testing.assert_array_equal(jit.max_pool(p), pool_reference(p, 2, 2, np.max))
    a = rng(12).standard_normal((1, 2, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(jit.avg_pool(a), pool_reference(a, 3, 2, np.mean), rtol=1e-6, atol=1e-6)
    q = rng(13).integers(-50, 50, (1, 1, 4, 4)).astype(np.int32)
    np.testing.assert_array_equal(jit.max_pool_int(q), pool_reference(q, 2, 1, np.max))
