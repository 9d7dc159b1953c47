"""f64 transcendental functions in WGSL (Vulkan's GLSL.std.450 has `exp`, `log`, `sin`, ... for
32-bit floats only).

Each reduces its argument with exact or extra-precise steps and evaluates a polynomial whose
truncation error is below 2^-56; measured against mpmath, relative errors stay below 1e-15 (see
`test/unit/test_wgsl_f64.py`). They take bits apart with `bitcast<u64>`, so f64 kernels need
`shader-int64` as well as `shader-f64`. `pow` and `erf` rely on `fma` being fused (it is on
llvmpipe and GPUs with native f64); without it they lose a few bits, not more. `sin`, `cos` and
`tan` reduce with a three-part pi/2 (exact for |x| < 2^20 * pi/2); beyond that their absolute
error grows with |x|.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from charlc.wgsl_types import float_literal


def lit(t: str, value: float) -> str:
    """The literal of `value` in float type `t`."""
    return float_literal(t, value)


def horner(var: str, coeffs: Sequence[str]) -> str:
    """The polynomial `coeffs[0] * var^n + ... + coeffs[n]` in Horner form."""
    expr = coeffs[0]
    for c in coeffs[1:]:
        expr = f"({expr}) * {var} + {c}"
    return expr


def _d(value: float) -> str:
    return lit("f64", value)


def _inv_fact(n: int) -> float:
    return 1.0 / math.factorial(n)


INF = "bitcast<f64>(0x7ff0000000000000lu)"
NEG_INF = "bitcast<f64>(0xfff0000000000000lu)"
LN2_HI = _d(6.93147180369123816490e-01)  # 32 significant bits: k * LN2_HI is exact
LN2_LO = _d(1.90821492927058770002e-10)
INV_LN2 = _d(1.4426950408889634)
PI, PI_LO = _d(3.141592653589793), _d(1.2246467991473532e-16)
PIO2, PIO2_LO = _d(1.5707963267948966), _d(6.123233995736766e-17)
PIO4, PIO6, PIO6_LO = _d(0.7853981633974483), _d(0.5235987755982989), _d(-5.360408832255455e-17)
THREE_PIO4 = _d(2.356194490192345)
SQRT3 = _d(1.7320508075688772)

Helper = tuple[tuple[str, ...], str]


def _exp_core() -> Helper:
    poly = horner("r", [_d(_inv_fact(n)) for n in range(13, 1, -1)] + ["1.0lf", "1.0lf"])
    text = f"""fn pow2i_f64(k: i32) -> f64 {{ return bitcast<f64>(u64(k + 1023) << 52u); }}
fn scale_f64(p: f64, k: i32) -> f64 {{
  let k1 = k / 2;
  return p * pow2i_f64(k1) * pow2i_f64(k - k1);
}}
fn exp_poly_f64(r: f64) -> f64 {{ return {poly}; }}
"""
    return (), text


def _exp() -> Helper:
    text = f"""fn exp_f64(x: f64) -> f64 {{
  if (isnan_f64(x)) {{ return x; }}
  if (x > 709.782712893384lf) {{ return {INF}; }}
  if (x < -745.1332191019412lf) {{ return 0.0lf; }}
  let k = round(x * {INV_LN2});
  let r = (x - k * {LN2_HI}) - k * {LN2_LO};
  return scale_f64(exp_poly_f64(r), i32(k));
}}
"""
    return ("isnan_f64", "exp_core_f64"), text


def _exp2() -> Helper:
    text = f"""fn exp2_f64(x: f64) -> f64 {{
  if (isnan_f64(x)) {{ return x; }}
  if (x >= 1024.0lf) {{ return {INF}; }}
  if (x < -1075.0lf) {{ return 0.0lf; }}
  let k = round(x);
  return scale_f64(exp_poly_f64((x - k) * {_d(math.log(2))}), i32(k));
}}
"""
    return ("isnan_f64", "exp_core_f64"), text


def _expm1() -> Helper:
    poly = horner("x", [_d(_inv_fact(n)) for n in range(17, 1, -1)])
    text = f"""fn expm1_f64(x: f64) -> f64 {{
  if (isnan_f64(x)) {{ return x; }}
  if (x > 709.782712893384lf) {{ return {INF}; }}
  if (x < -38.0lf) {{ return -1.0lf; }}
  if (abs(x) < 0.5lf) {{ return x + x * x * ({poly}); }}
  return exp_f64(x) - 1.0lf;
}}
"""
    return ("isnan_f64", "exp_f64"), text


def _logm() -> Helper:
    # log(x) = e * ln2 + 2 atanh(s), s = f / (2 + f), f = m - 1, m in [sqrt(1/2), sqrt(2)).
    poly = horner("t", [_d(2.0 / (2 * k + 3)) for k in range(9, -1, -1)])
    text = f"""struct LogM64 {{ e: f64, s: f64, c: f64, f: f64, d: f64 }}
fn logm_f64(x: f64) -> LogM64 {{
  var b = bitcast<u64>(x);
  var e = i32(u32(b >> 52u)) - 1023;
  if (e == -1023) {{
    b = bitcast<u64>(x * 18014398509481984.0lf);
    e = i32(u32(b >> 52u)) - 1077;
  }}
  var m = bitcast<f64>((b & 0x000ffffffffffffflu) | 0x3ff0000000000000lu);
  if (m > 1.4142135623730951lf) {{ m = m * 0.5lf; e = e + 1; }}
  let f = m - 1.0lf;
  let d = 2.0lf + f;
  let s = f / d;
  let t = s * s;
  return LogM64(f64(e), s, s * t * ({poly}), f, d);
}}
"""
    return (), text


def _log_special(name: str, body: str) -> str:
    return f"""fn {name}(x: f64) -> f64 {{
  if (isnan_f64(x) || x < 0.0lf) {{ return nan_f64(); }}
  if (x == 0.0lf) {{ return {NEG_INF}; }}
  if (isinf_f64(x)) {{ return x; }}
  let l = logm_f64(x);
  {body}
}}
"""


_LOG_DEPS = ("isnan_f64", "isinf_f64", "nan_f64", "logm_f64")


def _log() -> Helper:
    return _LOG_DEPS, _log_special("log_f64", f"return l.e * {LN2_HI} + ((l.c + l.e * {LN2_LO}) + 2.0lf * l.s);")


def _log2() -> Helper:
    return _LOG_DEPS, _log_special("log2_f64", f"return l.e + (2.0lf * l.s + l.c) * {INV_LN2};")


def _log10() -> Helper:
    hi, lo = _d(3.01029995663611771306e-01), _d(3.69423907715893078616e-13)
    inv_ln10 = _d(0.4342944819032518)
    return _LOG_DEPS, _log_special("log10_f64", f"return l.e * {hi} + ((2.0lf * l.s + l.c) * {inv_ln10} + l.e * {lo});")


def _log1p() -> Helper:
    text = f"""fn log1p_f64(x: f64) -> f64 {{
  if (isnan_f64(x) || x < -1.0lf) {{ return nan_f64(); }}
  if (x == -1.0lf) {{ return {NEG_INF}; }}
  if (isinf_f64(x)) {{ return x; }}
  let u = 1.0lf + x;
  if (u == 1.0lf) {{ return x; }}
  return log_f64(u) * (x / (u - 1.0lf));
}}
"""
    return ("isnan_f64", "isinf_f64", "nan_f64", "log_f64"), text


def _powabs() -> Helper:
    # |x|^y = exp(y log|x|) with log|x| as a double-double (hi + lo), for finite x > 0, y != 0.
    text = f"""fn logdd_f64(x: f64) -> vec2<f64> {{
  let l = logm_f64(x);
  let de = l.f - (l.d - 2.0lf);
  let p = l.s * l.d;
  let pe = fma(l.s, l.d, -p);
  let slo = (((l.f - p) - pe) - l.s * de) / l.d;
  let a = l.e * {LN2_HI};
  let b = 2.0lf * l.s;
  let hi = a + b;
  let err = select((a - hi) + b, (b - hi) + a, abs(b) > abs(a));
  let lo = err + ((2.0lf * slo + l.c) + l.e * {LN2_LO});
  let h2 = hi + lo;
  return vec2<f64>(h2, (hi - h2) + lo);
}}
fn powabs_f64(x: f64, y: f64) -> f64 {{
  let l = logdd_f64(x);
  let zh = y * l.x;
  if (zh > 709.79lf) {{ return {INF}; }}
  if (zh < -745.2lf) {{ return 0.0lf; }}
  let zl = fma(y, l.x, -zh) + y * l.y;
  let k = round(zh * {INV_LN2});
  let r = ((zh - k * {LN2_HI}) - k * {LN2_LO}) + zl;
  return scale_f64(exp_poly_f64(r), i32(k));
}}
"""
    return ("logm_f64", "exp_core_f64"), text


def _trig_core() -> Helper:
    sin_p = horner("t", [_d((-1) ** n / math.factorial(2 * n + 1)) for n in range(8, 0, -1)])
    cos_p = horner("t", [_d((-1) ** n / math.factorial(2 * n)) for n in range(9, 0, -1)])
    p1, p2, p2t = _d(1.57079632673412561417e00), _d(6.07710050630396597660e-11), _d(2.02226624879595063154e-21)
    text = f"""struct Red64 {{ r: f64, q: i32 }}
fn reduce_f64(x: f64) -> Red64 {{
  let k = round(x * {_d(2 / math.pi)});
  let r = ((x - k * {p1}) - k * {p2}) - k * {p2t};
  return Red64(r, i32(k - 4.0lf * floor(k * 0.25lf)));
}}
fn sin_poly_f64(r: f64) -> f64 {{ let t = r * r; return r + r * t * ({sin_p}); }}
fn cos_poly_f64(r: f64) -> f64 {{ let t = r * r; return 1.0lf + t * ({cos_p}); }}
"""
    return (), text


def _sin() -> Helper:
    text = """fn sin_f64(x: f64) -> f64 {
  if (abs(x) < 7.450580596923828e-09lf) { return x; }
  let red = reduce_f64(x);
  if (red.q == 0) { return sin_poly_f64(red.r); }
  if (red.q == 1) { return cos_poly_f64(red.r); }
  if (red.q == 2) { return -sin_poly_f64(red.r); }
  return -cos_poly_f64(red.r);
}
"""
    return ("trig_core_f64",), text


def _cos() -> Helper:
    text = """fn cos_f64(x: f64) -> f64 {
  let red = reduce_f64(x);
  if (red.q == 0) { return cos_poly_f64(red.r); }
  if (red.q == 1) { return -sin_poly_f64(red.r); }
  if (red.q == 2) { return -cos_poly_f64(red.r); }
  return sin_poly_f64(red.r);
}
"""
    return ("trig_core_f64",), text


def _tan() -> Helper:
    text = """fn tan_f64(x: f64) -> f64 {
  if (abs(x) < 7.450580596923828e-09lf) { return x; }
  let red = reduce_f64(x);
  let s = sin_poly_f64(red.r);
  let c = cos_poly_f64(red.r);
  return select(s / c, -c / s, (red.q & 1) == 1);
}
"""
    return ("trig_core_f64",), text


def _atan() -> Helper:
    poly = horner("t", [_d((-1) ** n / (2 * n + 1)) for n in range(15, 0, -1)])
    text = f"""fn atan_f64(x: f64) -> f64 {{
  if (isnan_f64(x)) {{ return x; }}
  var a = abs(x);
  let inv = a > 1.0lf;
  if (inv) {{ a = 1.0lf / a; }}
  var base = 0.0lf;
  var base_lo = 0.0lf;
  if (a > 0.2679491924311227lf) {{
    a = fma(a, {SQRT3}, -1.0lf) / (a + {SQRT3});
    base = {PIO6};
    base_lo = {PIO6_LO};
  }}
  let t = a * a;
  var r = base + (a + (a * t * ({poly}) + base_lo));
  if (inv) {{ r = ({PIO2} - r) + {PIO2_LO}; }}
  return copysign_f64(r, x);
}}
"""
    return ("isnan_f64", "copysign_f64"), text


def _atan2() -> Helper:
    text = f"""fn atan2_f64(y: f64, x: f64) -> f64 {{
  if (isnan_f64(x) || isnan_f64(y)) {{ return x + y; }}
  if (y == 0.0lf) {{
    if (x > 0.0lf || (x == 0.0lf && !signbit_f64(x))) {{ return y; }}
    return copysign_f64({PI}, y);
  }}
  if (x == 0.0lf) {{ return copysign_f64({PIO2}, y); }}
  if (isinf_f64(x)) {{
    if (isinf_f64(y)) {{ return copysign_f64(select({THREE_PIO4}, {PIO4}, x > 0.0lf), y); }}
    return copysign_f64(select({PI}, 0.0lf, x > 0.0lf), y);
  }}
  if (isinf_f64(y)) {{ return copysign_f64({PIO2}, y); }}
  let t = atan_f64(abs(y / x));
  if (x > 0.0lf) {{ return copysign_f64(t, y); }}
  return copysign_f64(({PI} - t) + {PI_LO}, y);
}}
"""
    return ("isnan_f64", "isinf_f64", "signbit_f64", "copysign_f64", "atan_f64"), text


def _tanh() -> Helper:
    text = """fn tanh_f64(x: f64) -> f64 {
  if (isnan_f64(x)) { return x; }
  let a = abs(x);
  if (a > 22.0lf) { return copysign_f64(1.0lf, x); }
  let e = expm1_f64(2.0lf * a);
  return copysign_f64(e / (e + 2.0lf), x);
}
"""
    return ("isnan_f64", "copysign_f64", "expm1_f64"), text


def _erf() -> Helper:
    # |x| < 2.5: erf = 2/sqrt(pi) e^-x^2 sum 2^n x^(2n+1) / (2n+1)!! (positive terms);
    # else erf = 1 - erfc with erfc's continued fraction (30 levels).
    text = f"""fn erf_f64(x: f64) -> f64 {{
  if (isnan_f64(x)) {{ return x; }}
  let a = abs(x);
  if (a >= 6.0lf) {{ return copysign_f64(1.0lf, x); }}
  let xx = a * a;
  let g = exp_f64(-xx) * (1.0lf - fma(a, a, -xx));
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
    return ("isnan_f64", "copysign_f64", "exp_f64"), text


F64_HELPERS: dict[str, Callable[[], Helper]] = {
    "exp_core_f64": _exp_core,
    "exp_f64": _exp,
    "exp2_f64": _exp2,
    "expm1_f64": _expm1,
    "logm_f64": _logm,
    "log_f64": _log,
    "log2_f64": _log2,
    "log10_f64": _log10,
    "log1p_f64": _log1p,
    "powabs_f64": _powabs,
    "trig_core_f64": _trig_core,
    "sin_f64": _sin,
    "cos_f64": _cos,
    "tan_f64": _tan,
    "atan_f64": _atan,
    "atan2_f64": _atan2,
    "tanh_f64": _tanh,
    "erf_f64": _erf,
}
"""The f64 helpers by name; each returns the helpers it calls and its WGSL text."""
