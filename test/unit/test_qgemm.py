"""The quantized matmul micro-kernel (runtime/c/qgemm.c) against NumPy's version of the same math.

`charl_rt_qgemm(bits, M, N, K, x, ldx, q, qoff, ldq, s, lds, group, y, ldy, kernel)` computes
`y += x @ dequantize(q, s)` with the activations quantized per row to int8: each kernel (`vnni`,
`avx2`, `c`, selected by the last argument) must give the integer sums exactly and the float
epilogue to rounding. int4 weights are packed two per byte (element e: low nibble of byte e / 2 when
e is even), and rows may start at an odd nibble (odd N, or an odd element offset).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pytest

from runtime.native import NativeRuntime

F32P = ctypes.POINTER(ctypes.c_float)
Array = np.ndarray[Any, Any]


@pytest.fixture(scope="module")
def dll(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(NativeRuntime(tmp_path_factory.mktemp("rt")).build().shared))
    i64 = ctypes.c_int64
    lib.charl_rt_qgemm.argtypes = [
        ctypes.c_int, i64, i64, i64, F32P, i64, ctypes.c_void_p, i64, i64, F32P, i64, i64, F32P, i64, ctypes.c_char_p,
    ]  # fmt: skip
    lib.charl_rt_qgemm.restype = None
    lib.charl_rt_qgemm_kernel.argtypes = [ctypes.c_char_p]
    lib.charl_rt_qgemm_kernel.restype = ctypes.c_char_p
    return lib


def host_kernels(dll: ctypes.CDLL) -> list[str]:
    """The kernels this host runs (asking for one it lacks gives a narrower one)."""
    return sorted({dll.charl_rt_qgemm_kernel(k.encode()).decode() for k in ("vnni", "avx2", "c")})


def pack_int4(values: Array, offset: int = 0) -> Array:
    """int4 `values` (any shape, row-major) packed two per byte after `offset` leading nibbles."""
    flat = np.concatenate([np.zeros(offset, np.int64), values.ravel().astype(np.int64)])
    if flat.size % 2:
        flat = np.append(flat, 0)
    nibbles = (flat & 0xF).astype(np.uint8)
    return (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8)


def reference(x: Array, q: Array, s: Array, group: int) -> Array:
    """x @ dequantize(q, s), the activations quantized per row to int8, as the kernels compute it."""
    peak = np.abs(x).max(axis=1).astype(np.float32)
    xs = (peak / np.float32(127)).astype(np.float32)
    divisor = np.where(xs == 0, np.float32(1), xs)
    xq = np.clip(np.round(x / divisor[:, None]), -127, 127).astype(np.int64)
    K = x.shape[1]
    acc = np.zeros((x.shape[0], q.shape[1]), np.float64)
    for g in range(K // group):
        rows = slice(g * group, (g + 1) * group)
        isum = xq[:, rows] @ q[rows].astype(np.int64)
        acc += isum.astype(np.float64) * (s[g] if s.ndim == 2 else s)[None, :]
    return xs[:, None].astype(np.float64) * acc


def run(dll: ctypes.CDLL, kernel: str, bits: int, x: Array, q: Array, s: Array, group: int, offset: int = 0) -> Array:
    M, K = x.shape
    N = q.shape[1]
    data = pack_int4(q, offset) if bits == 4 else np.concatenate([np.zeros(offset, np.int8), q.ravel()])
    y = np.zeros((M, N), np.float32)
    s2 = np.ascontiguousarray(s.reshape(-1, N), np.float32)
    lds = N if s.ndim == 2 else 0
    dll.charl_rt_qgemm(
        bits, M, N, K, x.ctypes.data_as(F32P), K, data.ctypes.data, offset, N, s2.ctypes.data_as(F32P), lds,
        group, y.ctypes.data_as(F32P), N, kernel.encode(),
    )  # fmt: skip
    return y


def operands(bits: int, M: int, K: int, N: int, group: int, seed: int) -> tuple[Array, Array, Array]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((M, K)).astype(np.float32)
    low, high = (-127, 127) if bits == 8 else (-8, 7)
    q = rng.integers(low, high + 1, (K, N)).astype(np.int8)
    s = (rng.random((K // group, N) if group < K else (N,)) * 0.05 + 0.001).astype(np.float32)
    return x, q, s


SHAPES = [(1, 768, 64), (1, 96, 70), (3, 64, 33), (5, 128, 129), (1, 256, 1), (4, 64, 200), (7, 32, 65)]


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("group", [32, 64, 128, 0])
@pytest.mark.parametrize(("M", "K", "N"), SHAPES)
def test_kernels_match_numpy(dll: ctypes.CDLL, bits: int, group: int, M: int, K: int, N: int) -> None:
    g = group or K
    if K % g:
        pytest.skip("the group does not divide K")
    x, q, s = operands(bits, M, K, N, g, seed=M * K + N)
    want = reference(x, q, s, g)
    for kernel in host_kernels(dll):
        got = run(dll, kernel, bits, x, q, s, g)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5, err_msg=f"{kernel} int{bits}")


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("K", [5, 7, 30, 131])
def test_odd_k_per_channel_and_odd_offsets(dll: ctypes.CDLL, bits: int, K: int) -> None:
    x, q, s = operands(bits, 2, K, 67, K, seed=K)
    want = reference(x, q, s, K)
    for kernel in host_kernels(dll):
        for offset in (0, 1, 3):
            got = run(dll, kernel, bits, x, q, s, K, offset)
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5, err_msg=f"{kernel} offset {offset}")


def test_accumulates_into_y_and_zero_rows(dll: ctypes.CDLL) -> None:
    x, q, s = operands(8, 3, 64, 40, 32, seed=1)
    x[1] = 0
    N = 40
    y = np.full((3, N), 2.0, np.float32)
    for kernel in host_kernels(dll):
        out = y.copy()
        dll.charl_rt_qgemm(
            8, 3, N, 64, x.ctypes.data_as(F32P), 64, q.ctypes.data, 0, N, s.ctypes.data_as(F32P), N, 32,
            out.ctypes.data_as(F32P), N, kernel.encode(),
        )  # fmt: skip
        np.testing.assert_allclose(out, 2.0 + reference(x, q, s, 32), rtol=2e-5, atol=1e-5)
        np.testing.assert_array_equal(out[1], 2.0)


def test_the_host_kernel_is_the_widest(dll: ctypes.CDLL) -> None:
    flags = open("/proc/cpuinfo").read() if __import__("os").path.exists("/proc/cpuinfo") else ""
    default = dll.charl_rt_qgemm_kernel(b"").decode()
    if " avx512_vnni" in flags and " avx512bw" in flags:
        assert default == "vnni"
    assert dll.charl_rt_qgemm_kernel(b"c").decode() == "c"


def test_large_gemv_is_threaded_and_exact(dll: ctypes.CDLL) -> None:
    """A GEMV big enough for the thread pool (every share of columns must be computed)."""
    x, q, s = operands(4, 1, 768, 3001, 32, seed=7)
    want = reference(x, q, s, 32)
    for kernel in host_kernels(dll):
        np.testing.assert_allclose(run(dll, kernel, 4, x, q, s, 32), want, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("M", [1, 2, 3, 6])
@pytest.mark.parametrize("threads", ["1", "2"])
def test_wide_panels_and_long_sweeps(
    dll: ctypes.CDLL, bits: int, M: int, threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Products wider than a panel (2048 columns at batch 1) and deeper than a sweep, with a ragged
    last tile: per-channel (whole quads), a K that is no multiple of 4, and groups of 129 rows."""
    monkeypatch.setenv("CHARL_NUM_THREADS", threads)
    for K, group in ((516, 516), (203, 203), (387, 129)):
        x, q, s = operands(bits, M, K, 4500, group, seed=M * K)
        want = reference(x, q, s, group)
        for kernel in host_kernels(dll):
            got = run(dll, kernel, bits, x, q, s, group)
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5, err_msg=f"{kernel} K {K}")
