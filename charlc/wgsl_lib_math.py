"""exp, log and trigonometric functions in WGSL for f32 and f64, written out rather than taken from
GLSL.std.450: its `exp`, `log`, `sin`, ... exist for 32-bit floats only, and Vulkan lets the
32-bit ones be off by many ulp (`sin` by 2^-11 absolute, `exp` by 3 + 2|x| ulp, `log` by 2^-21
absolute near 1). Each reduces its argument with exact steps (Cody-Waite constants whose products
with the reduction count are exact) and evaluates a Taylor polynomial whose truncation error is
below half an ulp. Measured against mpmath, relative errors stay within a few ulp
(`test/unit/test_wgsl_math.py`); `sin`, `cos` and `tan` keep that for |x| < 2^20 (f64) or 2^13
(f32), beyond which their absolute error grows with |x|.

Shader compilers may simplify float algebra in ways IEEE arithmetic forbids (Mesa folds
`(a + c) - c` to `a` for operations not marked NoContraction, and naga marks none); `hide_<T>(x)`
returns `x` through an integer XOR with a zero the compiler cannot know, which pins the
cancellations the reductions rely on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from charlc.wgsl_types import float_literal

Helper = tuple[tuple[str, ...], str]


def lit(t: str, value: float) -> str:
    """The literal of `value` in float type `t`."""
    return float_literal(t, value)


def horner(var: str, coeffs: Sequence[str]) -> str:
    """The polynomial `coeffs[0] * var^n + ... + coeffs[n]` in Horner form."""
    expr = coeffs[0]
    for c in coeffs[1:]:
        expr = f"({expr}) * {var} + {c}"
    return expr


def _inv_fact(n: int) -> float:
    return 1.0 / math.factorial(n)


_BITS: dict[str, dict[str, str]] = {
    "f32": {
        "U": "u32", "L": "f", "SHIFT": "23u", "BIAS": "127", "MANT": "0x007fffffu", "ONE": "0x3f800000u",
        "SUB": "33554432.0f", "SUBBIAS": "152", "INF": "0x7f800000u", "NINF": "0xff800000u",
    },
    "f64": {
        "U": "u64", "L": "lf", "SHIFT": "52u", "BIAS": "1023", "MANT": "0x000ffffffffffffflu",
        "ONE": "0x3ff0000000000000lu", "SUB": "18014398509481984.0lf", "SUBBIAS": "1077",
        "INF": "0x7ff0000000000000lu", "NINF": "0xfff0000000000000lu",
    },
}  # fmt: skip
"""Bit layout per float type: exponent shift and bias, mantissa mask, the scale (2^25 / 2^54) and
combined bias that normalize subnormals, infinities."""

# Cody-Waite splits: the first part has few significant bits, so k * part is exact.
_LN2 = {"f32": (0.693359375, -2.12194440e-4), "f64": (6.93147180369123816490e-01, 1.90821492927058770002e-10)}
_LOG10_2 = {"f32": (0.30078125, 2.48745663981195213739e-4), "f64": (3.01029995663611771306e-01, 3.69423907715893e-13)}
_PIO2 = {
    "f32": (1.5703125, 4.837512969970703125e-4, 7.54978995489188216e-8),
    "f64": (1.57079632673412561417e00, 6.07710050630396597660e-11, 2.02226624879595063154e-21),
}
_EXP_DEGREE = {"f32": 7, "f64": 13}
_LOG_TERMS = {"f32": 4, "f64": 10}
_SIN_TERMS = {"f32": 4, "f64": 8}
_COS_TERMS = {"f32": 5, "f64": 9}
_EXP_LIMITS = {"f32": ("88.72283f", "-103.97208f"), "f64": ("709.782712893384lf", "-745.1332191019412lf")}
_EXP2_LIMITS = {"f32": ("128.0f", "-150.0f"), "f64": ("1024.0lf", "-1075.0lf")}
_TINY = {"f32": 2.0**-12, "f64": 2.0**-27}


def _fill(text: str, t: str) -> str:
    for key, value in sorted({"T": t, **_BITS[t]}.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(f"${key}", value)
    return text


def _hide(t: str) -> Helper:
    text = """var<private> opq_$U: $U;
fn hide_$T(x: $T) -> $T { return bitcast<$T>(bitcast<$U>(x) ^ opq_$U); }
"""
    return (), _fill(text, t)


def _exp_core(t: str) -> Helper:
    poly = horner("r", [lit(t, _inv_fact(n)) for n in range(_EXP_DEGREE[t], 1, -1)] + [lit(t, 1.0)] * 2)
    text = f"""fn pow2i_$T(k: i32) -> $T {{ return bitcast<$T>($U(k + $BIAS) << $SHIFT); }}
fn scale_$T(p: $T, k: i32) -> $T {{
  let k1 = k / 2;
  return p * pow2i_$T(k1) * pow2i_$T(k - k1);
}}
fn exp_poly_$T(r: $T) -> $T {{ return {poly}; }}
"""
    return (), _fill(text, t)


def _exp(t: str) -> Helper:
    big, small = _EXP_LIMITS[t]
    hi, lo = (lit(t, c) for c in _LN2[t])
    text = f"""fn exp_$T(x: $T) -> $T {{
  if (isnan_$T(x)) {{ return x; }}
  if (x > {big}) {{ return bitcast<$T>($INF); }}
  if (x < {small}) {{ return 0.0$L; }}
  let k = round(x * {lit(t, 1 / math.log(2))});
  let r = hide_$T(x - k * {hi}) - k * {lo};
  return scale_$T(exp_poly_$T(r), i32(k));
}}
"""
    return (f"isnan_{t}", f"exp_core_{t}", f"hide_{t}"), _fill(text, t)


def _exp2(t: str) -> Helper:
    big, small = _EXP2_LIMITS[t]
    text = f"""fn exp2_$T(x: $T) -> $T {{
  if (isnan_$T(x)) {{ return x; }}
  if (x >= {big}) {{ return bitcast<$T>($INF); }}
  if (x < {small}) {{ return 0.0$L; }}
  let k = round(x);
  return scale_$T(exp_poly_$T((x - k) * {lit(t, math.log(2))}), i32(k));
}}
"""
    return (f"isnan_{t}", f"exp_core_{t}"), _fill(text, t)


def _logm(t: str) -> Helper:
    # log(x) = e * ln2 + 2 atanh(s), s = f / (2 + f), f = m - 1, m in [sqrt(1/2), sqrt(2)).
    poly = horner("t", [lit(t, 2.0 / (2 * k + 3)) for k in range(_LOG_TERMS[t] - 1, -1, -1)])
    name = "LogM32" if t == "f32" else "LogM64"
    text = f"""struct {name} {{ e: $T, s: $T, c: $T, f: $T, d: $T }}
fn logm_$T(x: $T) -> {name} {{
  var b = bitcast<$U>(x);
  var e = i32(u32(b >> $SHIFT)) - $BIAS;
  if (e == -$BIAS) {{
    b = bitcast<$U>(x * $SUB);
    e = i32(u32(b >> $SHIFT)) - $SUBBIAS;
  }}
  var m = bitcast<$T>((b & $MANT) | $ONE);
  if (m > {lit(t, math.sqrt(2))}) {{ m = m * 0.5$L; e = e + 1; }}
  let f = m - 1.0$L;
  let d = 2.0$L + f;
  let s = f / d;
  let t = s * s;
  return {name}($T(e), s, s * t * ({poly}), f, d);
}}
"""
    return (), _fill(text, t)


def _log_family(kind: str) -> Callable[[str], Helper]:
    def build(t: str) -> Helper:
        ln2_hi, ln2_lo = (lit(t, c) for c in _LN2[t])
        l10_hi, l10_lo = (lit(t, c) for c in _LOG10_2[t])
        body = {
            "log": f"return l.e * {ln2_hi} + ((l.c + l.e * {ln2_lo}) + 2.0$L * l.s);",
            "log2": f"return l.e + (2.0$L * l.s + l.c) * {lit(t, 1 / math.log(2))};",
            "log10": f"return l.e * {l10_hi} + ((2.0$L * l.s + l.c) * {lit(t, 1 / math.log(10))} + l.e * {l10_lo});",
        }[kind]
        text = f"""fn {kind}_$T(x: $T) -> $T {{
  if (isnan_$T(x) || x < 0.0$L) {{ return nan_$T(); }}
  if (x == 0.0$L) {{ return bitcast<$T>($NINF); }}
  if (isinf_$T(x)) {{ return x; }}
  let l = logm_$T(x);
  {body}
}}
"""
        return (f"isnan_{t}", f"isinf_{t}", f"nan_{t}", f"logm_{t}"), _fill(text, t)

    return build


def _trig_core(t: str) -> Helper:
    sin_p = horner("t", [lit(t, (-1) ** n / math.factorial(2 * n + 1)) for n in range(_SIN_TERMS[t], 0, -1)])
    cos_p = horner("t", [lit(t, (-1) ** n / math.factorial(2 * n)) for n in range(_COS_TERMS[t], 0, -1)])
    p1, p2, p3 = (lit(t, c) for c in _PIO2[t])
    name = "Red32" if t == "f32" else "Red64"
    text = f"""struct {name} {{ r: $T, q: i32 }}
fn reduce_$T(x: $T) -> {name} {{
  let k = round(x * {lit(t, 2 / math.pi)});
  let r = hide_$T(hide_$T(x - k * {p1}) - k * {p2}) - k * {p3};
  return {name}(r, i32(k - 4.0$L * floor(k * 0.25$L)));
}}
fn sin_poly_$T(r: $T) -> $T {{ let t = r * r; return r + r * t * ({sin_p}); }}
fn cos_poly_$T(r: $T) -> $T {{ let t = r * r; return 1.0$L + t * ({cos_p}); }}
"""
    return (f"hide_{t}",), _fill(text, t)


def _sin(t: str) -> Helper:
    text = f"""fn sin_$T(x: $T) -> $T {{
  if (abs(x) < {lit(t, _TINY[t])}) {{ return x; }}
  let red = reduce_$T(x);
  if (red.q == 0) {{ return sin_poly_$T(red.r); }}
  if (red.q == 1) {{ return cos_poly_$T(red.r); }}
  if (red.q == 2) {{ return -sin_poly_$T(red.r); }}
  return -cos_poly_$T(red.r);
}}
"""
    return (f"trig_core_{t}",), _fill(text, t)


def _cos(t: str) -> Helper:
    text = """fn cos_$T(x: $T) -> $T {
  let red = reduce_$T(x);
  if (red.q == 0) { return cos_poly_$T(red.r); }
  if (red.q == 1) { return -sin_poly_$T(red.r); }
  if (red.q == 2) { return -cos_poly_$T(red.r); }
  return sin_poly_$T(red.r);
}
"""
    return (f"trig_core_{t}",), _fill(text, t)


def _tan(t: str) -> Helper:
    text = f"""fn tan_$T(x: $T) -> $T {{
  if (abs(x) < {lit(t, _TINY[t])}) {{ return x; }}
  let red = reduce_$T(x);
  let s = sin_poly_$T(red.r);
  let c = cos_poly_$T(red.r);
  return select(s / c, -c / s, (red.q & 1) == 1);
}}
"""
    return (f"trig_core_{t}",), _fill(text, t)


MATH_HELPERS: dict[str, Callable[[str], Helper]] = {
    "hide": _hide,
    "exp_core": _exp_core,
    "exp": _exp,
    "exp2": _exp2,
    "logm": _logm,
    "log": _log_family("log"),
    "log2": _log_family("log2"),
    "log10": _log_family("log10"),
    "trig_core": _trig_core,
    "sin": _sin,
    "cos": _cos,
    "tan": _tan,
}
"""Helpers for both float types, by base name; each takes the type (`f32`, `f64`)."""
