"""WGSL float ops (arith and the exact math ops) on f32 and f64, with special values, checked
against NumPy (LLVM/C semantics: NaN-propagating `maximumf`, `fmod`, `pow`, round half away)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_util import gpu_context, kernel, rows_kernel, run, run_rows

from runtime.gpu import GpuRuntime

DT = {"f32": np.float32, "f64": np.float64}
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 3.0, np.inf, -np.inf, np.nan, 1e-30, -7.25, 1e30, 0.1]


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def pairs(t: str, n: int = 256) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Operands: every pair of special values, then random values of varied magnitude."""
    rng = np.random.default_rng(5)
    a = [x for x in SPECIAL for _ in SPECIAL]
    b = [y for _ in SPECIAL for y in SPECIAL]
    rest = n - len(a)
    a += list(rng.standard_normal(rest) * 10.0 ** rng.integers(-3, 4, rest))
    b += list(rng.standard_normal(rest) * 10.0 ** rng.integers(-3, 4, rest))
    return np.array(a, DT[t]), np.array(b, DT[t])


def same(got: np.ndarray[Any, Any], want: np.ndarray[Any, Any], what: str) -> None:
    """Bitwise equal up to NaN payloads (and NaN where NaN is wanted)."""
    want = np.asarray(want, got.dtype)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(np.signbit(got[~nan]), np.signbit(want[~nan]), err_msg=f"{what}: signs")
    np.testing.assert_array_equal(got[~nan], want[~nan], err_msg=what)


def close(got: np.ndarray[Any, Any], want: np.ndarray[Any, Any], rtol: float, what: str) -> None:
    want = np.asarray(want, np.float64)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)], err_msg=what)
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=0, err_msg=what)


def maximum(a: Any, b: Any) -> Any:
    m = np.maximum(a, b)
    zeros = (a == 0) & (b == 0)
    return np.where(zeros, np.where(np.signbit(a), b, a), m)


def minimum(a: Any, b: Any) -> Any:
    m = np.minimum(a, b)
    zeros = (a == 0) & (b == 0)
    return np.where(zeros, np.where(np.signbit(a), a, b), m)


BINARY = {
    "arith.addf": np.add,
    "arith.subf": np.subtract,
    "arith.mulf": np.multiply,
    "arith.divf": np.divide,
    "arith.remf": np.fmod,
    "arith.maximumf": maximum,
    "arith.minimumf": minimum,
    "arith.maxnumf": lambda a, b: np.where(np.isnan(a), b, np.where(np.isnan(b), a, maximum(a, b))),
    "arith.minnumf": lambda a, b: np.where(np.isnan(a), b, np.where(np.isnan(b), a, minimum(a, b))),
    "math.copysign": np.copysign,
}


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_exact_binary_ops(ctx: Any, t: str) -> None:
    spec = rows_kernel([t, t], t, [f"%r = {op} %a, %b : {t}" for op in BINARY])
    a, b = pairs(t)
    out = run_rows(GpuRuntime([spec], ctx), spec, [a, b], DT[t], len(BINARY))
    with np.errstate(all="ignore"):
        for k, (op, ref) in enumerate(BINARY.items()):
            same(out[k], ref(a, b), f"{op} on {t}")


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_pow_and_atan2(ctx: Any, t: str) -> None:
    """C's pow (negative bases with integer exponents, zeros, infinities) and atan2's quadrants."""
    spec = rows_kernel([t, t], t, [f"%r = math.powf %a, %b : {t}", f"%r = math.atan2 %a, %b : {t}"])
    a, b = pairs(t)
    small = np.abs(b) < 40
    a, b = a[small], b[small]
    b[:40:3] = np.round(b[:40:3])
    out = run_rows(GpuRuntime([spec], ctx), spec, [a, b], DT[t], 2)
    rtol = 2e-6 if t == "f32" else 1e-14
    with np.errstate(all="ignore"):
        want = np.power(a.astype(np.float64), b.astype(np.float64)).astype(DT[t])
        keep = np.abs(np.log(np.abs(want))) < 80 if t == "f32" else np.ones(a.size, bool)
        close(out[0][keep], want[keep], rtol * 4, f"math.powf on {t}")
        close(out[1], np.arctan2(a.astype(np.float64), b.astype(np.float64)), rtol, f"math.atan2 on {t}")


UNARY_EXACT = {
    "arith.negf": np.negative,
    "math.absf": np.abs,
    "math.floor": np.floor,
    "math.ceil": np.ceil,
    "math.trunc": np.trunc,
    "math.round": lambda x: np.where(np.abs(x - np.trunc(x)) >= 0.5, np.trunc(x) + np.sign(x), np.trunc(x)),
    "math.roundeven": np.rint,
    "math.sqrt": np.sqrt,
}


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_exact_unary_ops(ctx: Any, t: str) -> None:
    spec = rows_kernel([t], t, [f"%r = {op} %a : {t}" for op in UNARY_EXACT])
    a = np.concatenate([pairs(t)[0], np.arange(-6, 6, 0.25, dtype=DT[t])])
    out = run_rows(GpuRuntime([spec], ctx), spec, [a], DT[t], len(UNARY_EXACT))
    with np.errstate(all="ignore"):
        for k, (op, ref) in enumerate(UNARY_EXACT.items()):
            same(out[k], ref(a), f"{op} on {t}")


CMPF = ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord"]
CMPF += ["ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"]


def cmpf_ref(p: str, a: Any, b: Any) -> Any:
    unordered = np.isnan(a) | np.isnan(b)
    ordered = {
        "eq": a == b,
        "gt": a > b,
        "ge": a >= b,
        "lt": a < b,
        "le": a <= b,
        "ne": (a < b) | (a > b),
        "rd": ~unordered,
        "no": np.zeros_like(unordered),
    }
    if p in ("false", "true"):
        return np.full(a.shape, p == "true")
    if p[0] == "o":
        return ordered[p[1:]]
    return unordered | ordered[p[1:]]


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_cmpf(ctx: Any, t: str) -> None:
    spec = rows_kernel([t, t], "i1", [f"%r = arith.cmpf {p}, %a, %b : {t}" for p in CMPF])
    a, b = pairs(t)
    out = run_rows(GpuRuntime([spec], ctx), spec, [a, b], bool, len(CMPF))
    for k, p in enumerate(CMPF):
        np.testing.assert_array_equal(out[k], cmpf_ref(p, a, b), err_msg=f"arith.cmpf {p} on {t}")


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_constants(ctx: Any, t: str) -> None:
    tiny = 1e-45 if t == "f32" else 5e-324
    big = float(np.finfo(DT[t]).max)
    values = [0.1, -0.0, np.inf, -np.inf, np.nan, tiny, big, -big, 1.0 / 3.0]
    texts = ["0.1", "-0.0", "0x7F800000", "0xFF800000", "0x7FC00000", f"{tiny:.17e}", f"{big:.17e}", f"{-big:.17e}"]
    texts.append("0.3333333333")
    if t == "f64":
        texts[2:5] = ["0x7FF0000000000000", "0xFFF0000000000000", "0x7FF8000000000000"]
        texts[-1] = repr(1.0 / 3.0)
    spec = rows_kernel([t], t, [f"%r = arith.constant {x} : {t}" for x in texts])
    out = run_rows(GpuRuntime([spec], ctx), spec, [np.zeros(1, DT[t])], DT[t], len(texts))
    same(out[:, 0], np.array(values, DT[t]), f"{t} constants")


FROM_INT = [("i8", "f32"), ("i32", "f32"), ("i64", "f32"), ("i1", "f32"), ("i8", "f64"), ("i32", "f64"), ("i64", "f64")]


@pytest.mark.parametrize(("src", "dst"), FROM_INT)
def test_int_to_float(ctx: Any, src: str, dst: str) -> None:
    spec = rows_kernel([src], dst, [f"%r = arith.sitofp %a : {src} to {dst}", f"%r = arith.uitofp %a : {src} to {dst}"])
    if src == "i1":
        a = np.array([0, 1, 1, 0], bool)
        signed, unsigned = -a.astype(np.float64), a.astype(np.float64)
    else:
        info = np.iinfo(np.dtype(src.replace("i", "int")))
        a = np.array([0, 1, -1, info.min, info.max, 100, -100, 12345 % info.max], np.dtype(src.replace("i", "int")))
        signed = a.astype(np.float64)
        unsigned = a.view(np.dtype(src.replace("i", "uint"))).astype(np.float64)
    out = run_rows(GpuRuntime([spec], ctx), spec, [a], DT[dst], 2)
    np.testing.assert_array_equal(out[0], signed.astype(DT[dst]))
    np.testing.assert_array_equal(out[1], unsigned.astype(DT[dst]))


@pytest.mark.parametrize("src", ["f32", "f64"])
@pytest.mark.parametrize("dst", ["i8", "i32", "i64"])
def test_float_to_int(ctx: Any, src: str, dst: str) -> None:
    spec = rows_kernel([src], dst, [f"%r = arith.fptosi %a : {src} to {dst}", f"%r = arith.fptoui %a : {src} to {dst}"])
    a = np.array([0.0, 0.9, -0.9, 1.5, -1.5, 100.7, -100.7, 127.0, -128.0], DT[src])
    out = run_rows(GpuRuntime([spec], ctx), spec, [a], np.dtype(dst.replace("i", "int")), 2)
    np.testing.assert_array_equal(out[0], np.trunc(a).astype(np.int64))
    positive = a >= 0
    np.testing.assert_array_equal(out[1][positive], np.trunc(a[positive]).astype(np.int64))


def test_float_width_casts_and_bitcasts(ctx: Any) -> None:
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %a = memref.load %x[%t] : memref<?xf32>
      %d = arith.extf %a : f32 to f64
      memref.store %d, %wide[%t] : memref<?xf64>
      %b = memref.load %y[%t] : memref<?xf64>
      %s = arith.truncf %b : f64 to f32
      memref.store %s, %narrow[%t] : memref<?xf32>
      %i = arith.bitcast %a : f32 to i32
      memref.store %i, %bits32[%t] : memref<?xi32>
      %j = arith.bitcast %b : f64 to i64
      %back = arith.bitcast %j : i64 to f64
      %k = arith.bitcast %back : f64 to i64
      memref.store %k, %bits64[%t] : memref<?xi64>
    }"""
    args = "%x: memref<?xf32>, %y: memref<?xf64>, %wide: memref<?xf64>, %narrow: memref<?xf32>, "
    args += "%bits32: memref<?xi32>, %bits64: memref<?xi64>, %n: index"
    spec = kernel(args, body)
    x = np.array([0.1, -0.0, np.inf, np.nan, 3e38, 1e-40], np.float32)
    y = np.array([0.1, -0.0, -np.inf, 1e300, 1e-300, 1.0 + 2**-30], np.float64)
    wide, narrow = np.zeros(6, np.float64), np.zeros(6, np.float32)
    b32, b64 = np.zeros(6, np.int32), np.zeros(6, np.int64)
    run(GpuRuntime([spec], ctx), spec, [x, y, wide, narrow, b32, b64, 6])
    same(wide, x.astype(np.float64), "extf")
    with np.errstate(all="ignore"):
        same(narrow, y.astype(np.float32), "truncf")
    np.testing.assert_array_equal(b32, x.view(np.int32))
    np.testing.assert_array_equal(b64, y.view(np.int64))


def powi_ref(x: Any, n: int) -> Any:
    """compiler-rt's __powidf2 in the same precision as x."""
    r, a, b = x.dtype.type(1), x, n
    while True:
        if b & 1:
            r = r * a
        b = int(b / 2)
        if b == 0:
            break
        a = a * a
    return x.dtype.type(1) / r if n < 0 else r


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_fma_and_fpowi(ctx: Any, t: str) -> None:
    rows = [f"%r = math.fma %a, %b, %a : {t}", f"%r = math.fpowi %a, %c : {t}, i32"]
    spec = rows_kernel([t, t, "i32"], t, rows)
    a = np.array([1.5, -2.0, 0.75, 3.0, -1.1, 0.0, 10.0, 1.0001], DT[t])
    b = np.array([2.0, 0.5, -4.0, 1.0 / 3.0, 7.0, 1.0, 0.1, 3.0], DT[t])
    c = np.array([0, 1, -1, 5, 7, 3, -3, 1000], np.int32)
    out = run_rows(GpuRuntime([spec], ctx), spec, [a, b, c], DT[t], 2)
    want = np.array([float(x) * float(y) + float(x) for x, y in zip(a, b, strict=True)]).astype(DT[t])
    np.testing.assert_allclose(out[0], want, rtol=np.finfo(DT[t]).eps)
    same(out[1], np.array([powi_ref(x, int(n)) for x, n in zip(a, c, strict=True)], DT[t]), "fpowi")
