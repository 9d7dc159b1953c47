"""convert-charl-to-linalg, `charl.random`: the rounds use only 32-bit add, xor and rotate, and the
numbers drawn through the whole CPU pipeline match a NumPy implementation of Threefry-2x32-20
(itself checked against Random123's known answers): integers bit for bit, floats to 1e-6.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from charl_to_linalg_extra_util import Jit, lower, ops_of
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import i32
from xdsl.dialects.linalg.ops import GenericOp

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
