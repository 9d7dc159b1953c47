"""Accuracy of the transcendental math ops in WGSL: f64 against mpmath (relative error below
1e-14, the f64 helpers of `wgsl_lib_math`/`wgsl_lib_special`), f32 against float64 NumPy (a few ulp),
and their special values (NaN, infinities, zeros, domain edges)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from gpu_util import gpu_context, rows_kernel, run_rows

from runtime.gpu import GpuRuntime

mpmath = pytest.importorskip("mpmath")

Domain = tuple[float, float, bool]
"""Low and high end of the sampled inputs, and whether to sample them log-uniformly."""

FUNCTIONS: dict[str, tuple[Callable[[Any], Any], Domain]] = {
    "exp": (mpmath.exp, (-700.0, 700.0, False)),
    "exp2": (lambda x: mpmath.power(2, x), (-1000.0, 1000.0, False)),
    "expm1": (mpmath.expm1, (-30.0, 30.0, False)),
    "log": (mpmath.log, (1e-300, 1e300, True)),
    "log2": (lambda x: mpmath.log(x, 2), (1e-300, 1e300, True)),
    "log10": (mpmath.log10, (1e-300, 1e300, True)),
    "log1p": (mpmath.log1p, (-0.999, 1e6, False)),
    "sin": (mpmath.sin, (-1e5, 1e5, False)),
    "cos": (mpmath.cos, (-1e5, 1e5, False)),
    "tan": (mpmath.tan, (-20.0, 20.0, False)),
    "tanh": (mpmath.tanh, (-25.0, 25.0, False)),
    "atan": (mpmath.atan, (-1e4, 1e4, False)),
    "erf": (mpmath.erf, (-7.0, 7.0, False)),
    "rsqrt": (lambda x: 1 / mpmath.sqrt(x), (1e-300, 1e300, True)),
}
F32_LIMITS = {"exp": 88.0, "exp2": 127.0, "expm1": 88.0, "log": 1e38, "log2": 1e38, "log10": 1e38, "rsqrt": 1e38}
F32_RTOL = {"erf": 1e-6}


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def sample(domain: Domain, dtype: Any, n: int = 1500, limit: float | None = None) -> np.ndarray[Any, Any]:
    lo, hi, log = domain
    if limit is not None:
        lo, hi = (max(lo, -limit), min(hi, limit)) if not log else (max(lo, 1 / limit), min(hi, limit))
    rng = np.random.default_rng(7)
    if log:
        x = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    else:
        x = rng.uniform(lo, hi, n)
        x[: n // 3] *= 10.0 ** rng.uniform(-12, 0, n // 3)  # many small arguments
    return x.astype(dtype)


def reference(f: Callable[[Any], Any], x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    with mpmath.workdps(40):
        return np.array([float(f(mpmath.mpf(float(v)))) for v in x])


def relative_error(got: np.ndarray[Any, Any], want: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    scale = np.maximum(np.abs(want), np.finfo(got.dtype).tiny)
    return np.abs(got.astype(np.float64) - want) / scale


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_f64_accuracy(ctx: Any, name: str) -> None:
    f, domain = FUNCTIONS[name]
    spec = rows_kernel(["f64"], "f64", [f"%r = math.{name} %a : f64"])
    x = sample(domain, np.float64)
    out = run_rows(GpuRuntime([spec], ctx), spec, [x], np.float64, 1)[0]
    err = relative_error(out, reference(f, x))
    worst = int(np.argmax(err))
    assert err[worst] < 1e-14, f"math.{name} f64: relative error {err[worst]:.3g} at x = {x[worst]!r}"


def test_f64_pow_accuracy(ctx: Any) -> None:
    """pow keeps 1e-14 up to results near the overflow threshold (log is a double-double)."""
    spec = rows_kernel(["f64", "f64"], "f64", ["%r = math.powf %a, %b : f64"])
    rng = np.random.default_rng(8)
    x = np.exp(rng.uniform(-5, 5, 1500))
    z = rng.uniform(-700, 700, 1500)  # the log of the result
    y = z / np.where(np.abs(np.log(x)) < 1e-3, 1e-3, np.log(x))
    x[:3], y[:3] = [1.0001, 10.0, 0.5], [7e6, 300.0, 1000.0]
    out = run_rows(GpuRuntime([spec], ctx), spec, [x, y], np.float64, 1)[0]
    with mpmath.workdps(40):
        pairs = zip(x, y, strict=True)
        want = np.array([float(mpmath.power(mpmath.mpf(float(a)), mpmath.mpf(float(b)))) for a, b in pairs])
    keep = (want > 1e-300) & np.isfinite(want)
    err = relative_error(out[keep], want[keep])
    assert err.max() < 1e-14, f"math.powf f64: relative error {err.max():.3g}"


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_f32_accuracy(ctx: Any, name: str) -> None:
    f, domain = FUNCTIONS[name]
    spec = rows_kernel(["f32"], "f32", [f"%r = math.{name} %a : f32"])
    x = sample(domain, np.float32, limit=F32_LIMITS.get(name, 1e4))
    out = run_rows(GpuRuntime([spec], ctx), spec, [x], np.float32, 1)[0]
    want = reference(f, x)
    err = relative_error(out, want)
    worst = int(np.argmax(err))
    rtol = F32_RTOL.get(name, 4e-7)
    assert err[worst] < rtol, f"math.{name} f32: relative error {err[worst]:.3g} at x = {x[worst]!r}"


INF, NAN = math.inf, math.nan
SPECIAL: dict[str, list[tuple[float, float]]] = {
    "exp": [(NAN, NAN), (INF, INF), (-INF, 0.0), (0.0, 1.0), (1000.0, INF), (-1000.0, 0.0)],
    "exp2": [(NAN, NAN), (INF, INF), (-INF, 0.0), (0.0, 1.0), (10.0, 1024.0)],
    "expm1": [(NAN, NAN), (INF, INF), (-INF, -1.0), (-0.0, -0.0), (1e-30, 1e-30)],
    "log": [(NAN, NAN), (INF, INF), (0.0, -INF), (-1.0, NAN), (1.0, 0.0)],
    "log2": [(8.0, 3.0), (0.5, -1.0), (0.0, -INF), (-2.0, NAN)],
    "log10": [(1000.0, 3.0), (0.001, -3.0), (INF, INF)],
    "log1p": [(-1.0, -INF), (-2.0, NAN), (INF, INF), (-0.0, -0.0), (1e-30, 1e-30)],
    "sin": [(NAN, NAN), (INF, NAN), (-0.0, -0.0), (0.0, 0.0)],
    "cos": [(NAN, NAN), (-INF, NAN), (0.0, 1.0)],
    "tan": [(-0.0, -0.0), (INF, NAN)],
    "tanh": [(INF, 1.0), (-INF, -1.0), (1000.0, 1.0), (-0.0, -0.0), (NAN, NAN)],
    "atan": [(INF, math.pi / 2), (-INF, -math.pi / 2), (-0.0, -0.0), (NAN, NAN)],
    "erf": [(INF, 1.0), (-INF, -1.0), (-0.0, -0.0), (NAN, NAN), (10.0, 1.0)],
}


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_special_values(ctx: Any, t: str) -> None:
    dtype = np.float32 if t == "f32" else np.float64
    names = list(SPECIAL)
    width = max(len(v) for v in SPECIAL.values())
    spec = rows_kernel([t], t, [f"%r = math.{n} %a : {t}" for n in names])
    # one launch per function: every row reads the same inputs, so run each function's inputs
    for k, name in enumerate(names):
        cases = SPECIAL[name] + [SPECIAL[name][0]] * (width - len(SPECIAL[name]))
        x = np.array([c[0] for c in cases], dtype)
        out = run_rows(GpuRuntime([spec], ctx), spec, [x], dtype, len(names))[k]
        want = np.array([c[1] for c in cases], dtype)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(want), err_msg=f"math.{name} {t} on {x}")
        ok = ~np.isnan(want)
        np.testing.assert_allclose(out[ok], want[ok], rtol=4e-7 if t == "f32" else 1e-15, err_msg=f"math.{name} {t}")
        np.testing.assert_array_equal(np.signbit(out[ok & (want == 0)]), np.signbit(want[ok & (want == 0)]))
