"""convert-charl-to-linalg, the extra patterns (indexing, conv/pool, random, quantization, I/O):
the structure of the lowered IR, and numerics end to end (charl-bufferize, convert-linalg-to-loops,
convert-to-llvm, the JIT) against NumPy. Random numbers are checked against a NumPy implementation
of Threefry-2x32-20 (itself checked against Random123's known answers): integers bit for bit,
floats to 1e-6.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from xdsl.dialects import arith, func, memref, tensor
from xdsl.dialects.builtin import MemRefType, ModuleOp, TensorType, UnrankedMemRefType, f32, f64, i1, i32, i64
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Operation
from xdsl.parser import Parser

from charlc.api import make_context
from passes._charl_to_linalg_core import LoweringError
from passes._charl_to_linalg_io import segments
from passes._charl_to_linalg_runtime import i4, show
from passes._llvm_emit import signatures, to_llvm_ir
from passes.charl_bufferize import CharlBufferizePass
from passes.convert_charl_to_linalg import ConvertCharlToLinalgPass
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuModule
from runtime.native import NativeRuntime

# ---- helpers -------------------------------------------------------------------------------------


def parse(text: str) -> ModuleOp:
    ctx = make_context()  # loads bufferization too
    module = Parser(ctx, text).parse_module()
    module.verify()
    return module


def lower(text: str, bounds_checks: bool = True) -> ModuleOp:
    """`text` through convert-charl-to-linalg, verified."""
    module = parse(text)
    ConvertCharlToLinalgPass(bounds_checks=bounds_checks).apply(make_context(), module)
    module.verify()
    return module


def ops_of(module: Operation, kind: type[Operation]) -> list[Operation]:
    return [op for op in module.walk() if isinstance(op, kind)]


def callees(module: Operation) -> list[str]:
    return [op.callee.root_reference.data for op in ops_of(module, func.CallOp)]  # type: ignore[attr-defined]


class Jit:
    """A module through the whole CPU pipeline, its functions callable with NumPy arrays."""

    def __init__(self, text: str, bounds_checks: bool = False) -> None:
        module = lower(text, bounds_checks)
        ctx = make_context()
        for p in (CharlBufferizePass(), ConvertLinalgToLoopsPass(), ConvertToLlvmPass()):
            p.apply(ctx, module)
        self.signatures = signatures(module)
        self.module = CpuModule(to_llvm_ir(module))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return self.module.function(name, self.signatures[name])


@pytest.fixture(scope="module")
def runtime_library() -> Path:
    """The C runtime, built and loaded for the JIT (run-time checks and I/O call it)."""
    return NativeRuntime().load().shared


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


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


# ---- random numbers ------------------------------------------------------------------------------

ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)


def threefry(c0: np.ndarray, c1: np.ndarray, k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
    """Threefry-2x32 with 20 rounds (Random123), vectorized over the counters."""
    x0, x1 = c0.astype(np.uint32), c1.astype(np.uint32)
    ks = (np.uint32(k0), np.uint32(k1), np.uint32(0x1BD11BDA ^ k0 ^ k1))
    with np.errstate(over="ignore"):
        x0, x1 = x0 + ks[0], x1 + ks[1]
        for r in range(20):
            x0 = x0 + x1
            rot = ROTATIONS[r % 8]
            x1 = ((x1 << np.uint32(rot)) | (x1 >> np.uint32(32 - rot))) ^ x0
            if r % 4 == 3:
                s = r // 4 + 1
                x0 = x0 + ks[s % 3]
                x1 = x1 + ks[(s + 1) % 3] + np.uint32(s)
    return x0, x1


def random_reference(seed: int, shape: tuple[int, ...], dist: str, a: Any, b: Any, dtype: Any) -> np.ndarray:
    """What docs/runtime.md specifies for element i (row-major) of `charl.random`."""
    counter = np.arange(int(np.prod(shape)), dtype=np.uint64)
    key = seed & 0xFFFFFFFFFFFFFFFF
    x0, x1 = threefry(counter & 0xFFFFFFFF, counter >> np.uint64(32), key & 0xFFFFFFFF, key >> 32)
    if dist == "int":
        width = np.uint64(int(b) - int(a))
        return (int(a) + (x0.astype(np.uint64) % width).astype(np.int64)).astype(dtype).reshape(shape)
    t = np.dtype(dtype).type
    u0 = (x0 >> np.uint32(8)).astype(t) * t(2.0**-24)
    if dist == "uniform":
        return (t(a) + u0 * (t(b) - t(a))).reshape(shape)
    u2 = (x1 >> np.uint32(8)).astype(t) * t(2.0**-24)
    radius = np.sqrt(t(-2.0) * np.log(t(1.0) - u0))
    return (t(a) + t(b) * (radius * np.cos(t(2 * np.pi) * u2))).reshape(shape)


def test_threefry_reference_matches_random123_known_answers() -> None:
    cases = [
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
        ((0x243F6A88, 0x85A308D3), (0x13198A2E, 0x03707344), (0xC4923A9C, 0x483DF7A0)),
    ]
    for (c0, c1), (k0, k1), expected in cases:
        x0, x1 = threefry(np.array([c0], np.uint32), np.array([c1], np.uint32), k0, k1)
        assert (int(x0[0]), int(x1[0])) == expected


RANDOM = """
func.func @uniform(%s: i64, %a: f32, %b: f32) -> tensor<3x5xf32> {
  %r = charl.random uniform %s, %a, %b : f32 -> tensor<3x5xf32>
  func.return %r : tensor<3x5xf32>
}
func.func @normal(%s: i64, %a: f32, %b: f32, %n: index) -> tensor<?x4xf32> {
  %r = charl.random normal %s, %a, %b dims(%n) : f32 -> tensor<?x4xf32>
  func.return %r : tensor<?x4xf32>
}
func.func @normal64(%s: i64, %a: f64, %b: f64) -> tensor<2x2x3xf64> {
  %r = charl.random normal %s, %a, %b : f64 -> tensor<2x2x3xf64>
  func.return %r : tensor<2x2x3xf64>
}
func.func @ints(%s: i64, %a: i32, %b: i32) -> tensor<40xi32> {
  %r = charl.random int %s, %a, %b : i32 -> tensor<40xi32>
  func.return %r : tensor<40xi32>
}
func.func @longs(%s: i64, %a: i64, %b: i64) -> tensor<6x5xi64> {
  %r = charl.random int %s, %a, %b : i64 -> tensor<6x5xi64>
  func.return %r : tensor<6x5xi64>
}
func.func @one(%s: i64, %a: f32, %b: f32) -> f32 {
  %r = charl.random uniform %s, %a, %b : f32 -> f32
  func.return %r : f32
}
"""

SEEDS = (0, 1, 42, 0x123456789ABCDEF, -7)


@pytest.fixture(scope="module")
def random_jit() -> Jit:
    return Jit(RANDOM)


def test_random_rounds_use_only_32_bit_add_xor_rotate() -> None:
    module = lower(RANDOM)
    normal = next(f for f in ops_of(module, func.FuncOp) if f.sym_name.data == "normal")  # type: ignore[attr-defined]
    (generic,) = ops_of(normal, GenericOp)
    kinds = {type(op) for op in generic.body.walk() if op.results and op.results[0].type == i32}  # type: ignore[attr-defined]
    assert kinds <= {
        arith.AddiOp,
        arith.XOrIOp,
        arith.ShLIOp,
        arith.ShRUIOp,
        arith.OrIOp,
        arith.ConstantOp,
        arith.TruncIOp,
    }
    assert len([op for op in generic.body.walk() if isinstance(op, arith.XOrIOp)]) == 20  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_matches_the_numpy_threefry(random_jit: Jit, seed: int) -> None:
    jit = random_jit
    f32_, f64_ = np.float32, np.float64
    np.testing.assert_allclose(
        jit.uniform(seed, f32_(-2.0), f32_(3.0)),
        random_reference(seed, (3, 5), "uniform", -2.0, 3.0, f32_),
        rtol=1e-6,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        jit.normal(seed, f32_(1.0), f32_(0.5), 7),
        random_reference(seed, (7, 4), "normal", 1.0, 0.5, f32_),
        rtol=1e-6,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        jit.normal64(seed, 0.0, 2.0), random_reference(seed, (2, 2, 3), "normal", 0.0, 2.0, f64_), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_array_equal(
        jit.ints(seed, np.int32(-5), np.int32(7)), random_reference(seed, (40,), "int", -5, 7, np.int32)
    )
    np.testing.assert_array_equal(
        jit.longs(seed, -(10**12), 10**12), random_reference(seed, (6, 5), "int", -(10**12), 10**12, np.int64)
    )
    assert jit.one(seed, f32_(0.0), f32_(1.0)) == pytest.approx(
        random_reference(seed, (1,), "uniform", 0.0, 1.0, f32_)[0], abs=1e-7
    )


def test_random_values_depend_only_on_seed_and_position(random_jit: Jit) -> None:
    jit = random_jit
    short, long = jit.normal(3, np.float32(0.0), np.float32(1.0), 2), jit.normal(3, np.float32(0.0), np.float32(1.0), 5)
    np.testing.assert_array_equal(short, long[:2])
    assert not np.array_equal(jit.ints(1, np.int32(0), np.int32(1000)), jit.ints(2, np.int32(0), np.int32(1000)))
    draws = jit.ints(9, np.int32(-5), np.int32(7))
    assert draws.min() >= -5 and draws.max() < 7


# ---- quantization --------------------------------------------------------------------------------

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


def quantize_reference(w: np.ndarray, qtype: str, axis: int, group: int) -> tuple[np.ndarray, np.ndarray]:
    """LANGUAGE.md section 11: symmetric, round half to even, clamped; scales as float32."""
    low, high = (-127, 127) if qtype == "int8" else (-8, 7)
    t = w.dtype.type
    if group == 0:
        others = tuple(a for a in range(w.ndim) if a != axis)
        scale = (np.abs(w).max(axis=others) / t(high)).astype(np.float32)
        spread = np.expand_dims(scale, others).astype(w.dtype)
    else:
        split = (-1, group, w.shape[1]) if axis == 1 else (w.shape[0], -1, group)
        scale = (np.abs(w).reshape(split).max(axis=1 if axis == 1 else 2) / t(high)).astype(np.float32)
        spread = np.repeat(scale, group, axis=1 - axis).astype(w.dtype)
    q = np.clip(np.round(w / np.where(spread == 0, 1, spread)), low, high)
    return q.astype(np.int64), scale


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


# ---- I/O -----------------------------------------------------------------------------------------


def test_print_format_segments() -> None:
    assert segments("step {} loss {}") == ["step ", None, " loss ", None]
    assert segments("{}") == [None]
    assert segments("{{{}}} {{}}") == ["{", None, "} {}"]
    assert segments("") == []


def test_types_as_the_user_writes_them() -> None:
    assert show(TensorType(f32, [-(2**63), 64])) == "tensor<float32, [?, 64]>"
    assert show(TensorType(i4, [3])) == "tensor<int4, [3]>"
    assert show(f64) == "float64" and show(i1) == "bool"


IO = """
func.func @io(%x: tensor<2x3xi64>, %v: f32, %b: i1) -> f64 {
  charl.print "x = {} v = {} b = {}", %x, %v, %b : tensor<2x3xi64>, f32, i1 loc("t.ch":1:1)
  charl.print "x again {}", %x : tensor<2x3xi64> loc("t.ch":2:1)
  %t = charl.clock loc("t.ch":3:1)
  func.return %t : f64
}
"""


def test_print_calls_in_order_and_declarations_per_element_type() -> None:
    module = lower(IO)
    assert callees(module) == [
        "charl_rt_print_str",
        "charl_rt_print_tensor_i64",
        "charl_rt_print_str",
        "charl_rt_print_f32",
        "charl_rt_print_str",
        "charl_rt_print_i1",
        "charl_rt_print_newline",
        "charl_rt_print_str",
        "charl_rt_print_tensor_i64",
        "charl_rt_print_newline",
        "charl_rt_clock",
    ]
    declared = sorted(f.sym_name.data for f in ops_of(module, func.FuncOp) if not f.body.blocks)  # type: ignore[attr-defined]
    assert len(declared) == len(set(declared)) == 6


def test_tensors_reach_the_runtime_as_unranked_memrefs_of_their_element_type() -> None:
    module = lower(IO)
    name = "charl_rt_print_tensor_i64"
    calls = [op for op in ops_of(module, func.CallOp) if op.callee.root_reference.data == name]  # type: ignore[attr-defined]
    assert len(calls) == 2
    for c in calls:
        buf, code = c.operands
        assert buf.type == UnrankedMemRefType.from_type(i64) and code.type == i32
        cast = buf.owner
        assert isinstance(cast, memref.CastOp) and cast.source.type == MemRefType(i64, [2, 3])
        assert isinstance(code.owner, arith.ConstantOp) and code.owner.value.value.data == 3  # type: ignore[attr-defined]


def test_load_npz_of_a_dynamic_shape_is_a_located_error() -> None:
    text = """
    func.func @f() -> tensor<?xf32> {
      %a = charl.load_npz "m.npz" ["a"] : tensor<?xf32> loc("m.ch":4:9)
      func.return %a : tensor<?xf32>
    }
    """
    with pytest.raises(
        LoweringError, match=r"m\.ch:4:9: charl\.load_npz: array 'a' of type tensor<\?xf32> has a dynamic"
    ):
        lower(text)


def test_npy_and_npz_round_trip(tmp_path: Path, runtime_library: Path) -> None:
    d = tmp_path
    jit = Jit(f"""
    func.func @files(%x: tensor<3x4xf32>, %k: tensor<5xi64>)
        -> (tensor<?x4xf32>, tensor<3x4xi32>, tensor<3x4xf32>, tensor<5xi64>) {{
      charl.save_npy "{d}/x.npy", %x : tensor<3x4xf32>
      %y = charl.load_npy "{d}/x.npy" : tensor<?x4xf32>
      %q, %s = charl.quantize int4 %x {{axis = 0 : i64}} : tensor<3x4xf32> -> tensor<3x4xi4>, tensor<3xf32>
      charl.save_npy "{d}/q.npy", %q : tensor<3x4xi4>
      %q2 = charl.load_npy "{d}/q.npy" : tensor<3x4xi4>
      %c = charl.cast %q2 : tensor<3x4xi4> to tensor<3x4xi32>
      charl.save_npz "{d}/m.npz" ["w", "k"], %x, %k : tensor<3x4xf32>, tensor<5xi64>
      %w, %k2 = charl.load_npz "{d}/m.npz" ["w", "k"] : tensor<3x4xf32>, tensor<5xi64>
      func.return %y, %c, %w, %k2 : tensor<?x4xf32>, tensor<3x4xi32>, tensor<3x4xf32>, tensor<5xi64>
    }}""")
    x, k = rng(30).standard_normal((3, 4)).astype(np.float32), np.arange(5, dtype=np.int64) * 7
    y, c, w, k2 = jit.files(x, k)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(np.load(d / "x.npy"), x)
    expected_q, _ = quantize_reference(x, "int4", 0, 0)
    stored = np.load(d / "q.npy")
    assert stored.dtype == np.int8
    np.testing.assert_array_equal(stored, expected_q)
    np.testing.assert_array_equal(c, expected_q)
    np.testing.assert_array_equal(w, x)
    np.testing.assert_array_equal(k2, k)
    with np.load(d / "m.npz") as archive:
        assert sorted(archive.files) == ["k", "w"]


def test_print_writes_what_numpy_prints(capfd: pytest.CaptureFixture[str], runtime_library: Path) -> None:
    jit = Jit("""
    func.func @show(%x: tensor<2x2xf32>, %n: i8, %b: i1) {
      charl.print "x = {} n = {} b = {} {{}}", %x, %n, %b : tensor<2x2xf32>, i8, i1
      func.return
    }""")
    x = np.array([[1.0, 2.5], [-3.0, 0.125]], np.float32)
    jit.show(x, np.int8(-5), True)
    ctypes.CDLL(str(runtime_library)).charl_rt_flush()
    assert capfd.readouterr().out == f"x = {x} n = -5 b = true {{}}\n"


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (
            "let x = [1.0, 2.0, 3.0]\nfor i in 0..5 {\n    print(x[i])\n}\n",
            "3:11: runtime error: index 3 is out of range",
        ),
        (
            "let x = [1.0, 2.0, 3.0]\nfor i in 0..3 {\n    print(x[i:i + 2])\n}\n",
            "3:11: runtime error: slice stop 4 is out of range for axis 0 of size 3",
        ),
    ],
)
def test_out_of_range_indices_stop_the_program_at_their_location(tmp_path: Path, program: str, message: str) -> None:
    source = tmp_path / "oob.ch"
    source.write_text(program)
    done = subprocess.run(
        [sys.executable, "-m", "charlc", "run", str(source)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 1, done.stderr
    assert f"{source}:{message}" in done.stderr
