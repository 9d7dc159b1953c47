"""Helpers of one type each: f64's `pow` through a double-double logarithm and `erf`, f32's `erf`,
and the integer helpers (`floordiv`, `ceildiv`, `wrap8`, `wrap4`).

`pow(x, y) = exp(y log x)` loses |y log x| ulp when the logarithm is a plain double, so
`logdd_f64` keeps it as a double-double (hi + lo, about 2^-70 relative), the product `y * log x`
is exact (Dekker's algorithm: no helper relies on `fma` being fused, which Vulkan does not
promise and llvmpipe does not do), and the exponential takes the low part into its reduced
argument. Relative errors stay below 3e-15 for results up to 2^1023 (`test/unit/test_wgsl_math.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from charlc.wgsl_lib_math import horner, lit
from passes._llvm_math import ERF_P, ERF_Q

Helper = tuple[tuple[str, ...], str]

INF = "bitcast<f64>(0x7ff0000000000000lu)"
LN2_HI = lit("f64", 6.93147180369123816490e-01)
LN2_LO = lit("f64", 1.90821492927058770002e-10)
INV_LN2 = lit("f64", 1.4426950408889634)


def _d(value: float) -> str:
    return lit("f64", value)


def _two_prod() -> Helper:
    # p + e = a * b exactly (Dekker), splitting by masking the low 27 mantissa bits, which no
    # contraction into fma can disturb (fma itself may be unfused on Vulkan).
    text = """fn split_f64(a: f64) -> vec2<f64> {
  let hi = bitcast<f64>(bitcast<u64>(a) & 0xfffffffff8000000lu);
  return vec2<f64>(hi, a - hi);
}
fn two_prod_f64(a: f64, b: f64) -> vec2<f64> {
  let p = a * b;
  let x = split_f64(a);
  let y = split_f64(b);
  return vec2<f64>(p, (((x.x * y.x - p) + x.x * y.y) + x.y * y.x) + x.y * y.y);
}
"""
    return (), text


def _powabs() -> Helper:
    # |x|^y = exp(y log|x|) with log|x| as a double-double (hi + lo), for finite x > 0, y != 0.
    text = f"""fn logdd_f64(x: f64) -> vec2<f64> {{
  let l = logm_f64(x);
  let de = l.f - (hide_f64(l.d) - 2.0lf);
  let sd = two_prod_f64(l.s, l.d);
  let slo = (((l.f - sd.x) - sd.y) - l.s * de) / l.d;
  let a = l.e * {LN2_HI};
  let b = 2.0lf * l.s;
  let hi = a + b;
  let h = hide_f64(hi);
  let err = select((a - h) + b, (b - h) + a, abs(b) > abs(a));
  let lo = err + ((2.0lf * slo + l.c) + l.e * {LN2_LO});
  let h2 = hi + lo;
  return vec2<f64>(h2, (hi - hide_f64(h2)) + lo);
}}
fn powabs_f64(x: f64, y: f64) -> f64 {{
  let l = logdd_f64(x);
  let z = two_prod_f64(y, l.x);
  let zh = z.x;
  if (zh > 709.79lf) {{ return {INF}; }}
  if (zh < -745.2lf) {{ return 0.0lf; }}
  let zl = z.y + y * l.y;
  let k = round(zh * {INV_LN2});
  let r = ((zh - k * {LN2_HI}) - k * {LN2_LO}) + zl;
  return scale_f64(exp_poly_f64(r), i32(k));
}}
"""
    return ("logm_f64", "exp_core_f64", "two_prod_f64", "hide_f64"), text


def _erf() -> Helper:
    # |x| < 2.5: erf = 2/sqrt(pi) e^-x^2 sum 2^n x^(2n+1) / (2n+1)!! (positive terms);
    # else erf = 1 - erfc with erfc's continued fraction (30 levels).
    text = f"""fn erf_f64(x: f64) -> f64 {{
  if (isnan_f64(x)) {{ return x; }}
  let a = abs(x);
  if (a >= 6.0lf) {{ return copysign_f64(1.0lf, x); }}
  let sq = two_prod_f64(a, a);
  let xx = sq.x;
  let g = exp_f64(-xx) * (1.0lf - sq.y);
  if (a < 2.5lf) {{
    var term = a;
    var sum = a;
    for (var n = 1; n < 60; n = n + 1) {{
      term = term * (2.0lf * xx) / f64(2 * n + 1);
      sum = sum + term;
      if (term < 1e-17lf * sum) {{ break; }}
    }}
    return copysign_f64({_d(2 / math.sqrt(math.pi))} * g * sum, x);
  }}
  var f = a;
  for (var n = 30; n > 0; n = n - 1) {{ f = a + (0.5lf * f64(n)) / f; }}
  return copysign_f64(1.0lf - {_d(1 / math.sqrt(math.pi))} * g / f, x);
}}
"""
    return ("isnan_f64", "copysign_f64", "exp_f64", "two_prod_f64"), text


def _erf_f32(t: str) -> Helper:
    # XLA's rational approximation of erf on [-4, 4] (erf(+-4) rounds to +-1 in f32).
    p = horner("x2", [lit("f32", c) for c in ERF_P])
    q = horner("x2", [lit("f32", c) for c in ERF_Q])
    text = f"""fn erf_f32(x0: f32) -> f32 {{
  if (isnan_f32(x0)) {{ return x0; }}
  let x = clamp(x0, -4.0f, 4.0f);
  let x2 = x * x;
  return clamp(x * ({p}) / ({q}), -1.0f, 1.0f);
}}
"""
    return ("isnan_f32",), text


def _floordiv(t: str) -> Helper:
    zero = "0li" if t == "i64" else "0i"
    text = f"""fn floordiv_{t}(a: {t}, b: {t}) -> {t} {{
  let q = a / b;
  let r = a - q * b;
  return select(q, q - {zero.replace("0", "1")}, r != {zero} && ((r < {zero}) != (b < {zero})));
}}
"""
    return (), text


def _ceildiv(t: str) -> Helper:
    zero = "0li" if t == "i64" else "0i"
    text = f"""fn ceildiv_{t}(a: {t}, b: {t}) -> {t} {{
  let q = a / b;
  let r = a - q * b;
  return select(q, q + {zero.replace("0", "1")}, r != {zero} && ((r < {zero}) == (b < {zero})));
}}
"""
    return (), text


def _wrap(bits: int) -> Helper:
    shift = 32 - bits
    return (), f"fn wrap{bits}(x: i32) -> i32 {{ return (x << {shift}u) >> {shift}u; }}\n"


SPECIAL_HELPERS: dict[str, Callable[[], Helper]] = {
    "two_prod_f64": _two_prod,
    "powabs_f64": _powabs,
    "erf_f64": _erf,
    "erf_f32": lambda: _erf_f32("f32"),
    "floordiv_i32": lambda: _floordiv("i32"),
    "floordiv_i64": lambda: _floordiv("i64"),
    "ceildiv_i32": lambda: _ceildiv("i32"),
    "ceildiv_i64": lambda: _ceildiv("i64"),
    "wrap8": lambda: _wrap(8),
    "wrap4": lambda: _wrap(4),
}
"""The helpers of this module by name; each returns the helpers it calls and its WGSL text."""
