"""WGSL helper functions the kernels call, emitted only when used.

A helper is named `<base>_<type>` (`maximum_f32`, `floordiv_i64`, `exp_f64`). `helper_text(name)`
returns its WGSL and the helpers it calls; `library(names)` returns the WGSL of a set of helpers
and everything they need, callees first. Float helpers that match MLIR/LLVM semantics where WGSL
builtins differ or are undefined (NaN-aware min/max, `round` half away from zero, exact `fmod`,
C's `pow` and `atan2`, `tanh` of large arguments, `expm1`/`log1p` of small ones, `erf`, `powi`)
live here for both widths; exp, log and the trigonometric functions in `wgsl_lib_math.py` (both
widths: GLSL.std.450 has them for 32-bit floats only, and loosely specified); the f64 `pow` and
`erf`, f32's `erf` and the integer helpers in `wgsl_lib_special.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from charlc.wgsl_lib_math import MATH_HELPERS, horner, lit
from charlc.wgsl_lib_special import SPECIAL_HELPERS

Helper = tuple[tuple[str, ...], str]
"""The helpers a helper calls, and its WGSL text."""


def _float_consts(t: str) -> dict[str, str]:
    if t == "f32":
        return {"T": "f32", "U": "u32", "L": "f", "Z": "0u", "ABS": "0x7fffffffu", "SIGN": "0x80000000u",
                "INF": "0x7f800000u"}  # fmt: skip
    return {
        "T": "f64",
        "U": "u64",
        "L": "lf",
        "Z": "0lu",
        "ABS": "0x7ffffffffffffffflu",
        "SIGN": "0x8000000000000000lu",
        "INF": "0x7ff0000000000000lu",
    }


def _fill(text: str, t: str) -> str:
    for key, value in sorted(_float_consts(t).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(f"${key}", value)
    return text


def _isnan(t: str) -> Helper:
    return (), _fill("fn isnan_$T(x: $T) -> bool { return (bitcast<$U>(x) & $ABS) > $INF; }\n", t)


def _isinf(t: str) -> Helper:
    return (), _fill("fn isinf_$T(x: $T) -> bool { return (bitcast<$U>(x) & $ABS) == $INF; }\n", t)


def _signbit(t: str) -> Helper:
    return (), _fill("fn signbit_$T(x: $T) -> bool { return (bitcast<$U>(x) & $SIGN) != $Z; }\n", t)


def _copysign(t: str) -> Helper:
    text = """fn copysign_$T(a: $T, b: $T) -> $T {
  return bitcast<$T>((bitcast<$U>(a) & $ABS) | (bitcast<$U>(b) & $SIGN));
}
"""
    return (), _fill(text, t)


def _nan(t: str) -> Helper:
    bits = "0x7fc00000u" if t == "f32" else "0x7ff8000000000000lu"
    return (), f"fn nan_{t}() -> {t} {{ return bitcast<{t}>({bits}); }}\n"


def _maximum(t: str) -> Helper:
    text = """fn maximum_$T(a: $T, b: $T) -> $T {
  if (isnan_$T(a) || isnan_$T(b)) { return a + b; }
  if (a > b) { return a; }
  if (b > a) { return b; }
  return select(a, b, signbit_$T(a));
}
"""
    return (f"isnan_{t}", f"signbit_{t}"), _fill(text, t)


def _minimum(t: str) -> Helper:
    text = """fn minimum_$T(a: $T, b: $T) -> $T {
  if (isnan_$T(a) || isnan_$T(b)) { return a + b; }
  if (a < b) { return a; }
  if (b < a) { return b; }
  return select(b, a, signbit_$T(a));
}
"""
    return (f"isnan_{t}", f"signbit_{t}"), _fill(text, t)


def _maxnum(t: str) -> Helper:
    text = """fn maxnum_$T(a: $T, b: $T) -> $T {
  if (isnan_$T(a)) { return b; }
  if (isnan_$T(b)) { return a; }
  return maximum_$T(a, b);
}
"""
    return (f"isnan_{t}", f"maximum_{t}"), _fill(text, t)


def _minnum(t: str) -> Helper:
    text = """fn minnum_$T(a: $T, b: $T) -> $T {
  if (isnan_$T(a)) { return b; }
  if (isnan_$T(b)) { return a; }
  return minimum_$T(a, b);
}
"""
    return (f"isnan_{t}", f"minimum_{t}"), _fill(text, t)


def _round(t: str) -> Helper:
    text = """fn round_$T(x: $T) -> $T {
  let r = trunc(x);
  if (abs(x - r) >= 0.5$L) { return r + copysign_$T(1.0$L, x); }
  return r;
}
"""
    return (f"copysign_{t}",), _fill(text, t)


def _fmod(t: str) -> Helper:
    # Exact: subtract b * 2^k (exact, as b * 2^k <= r < b * 2^(k+1)) for decreasing k. No fma:
    # Vulkan drivers may evaluate it unfused.
    text = """fn fmod_$T(a: $T, b: $T) -> $T {
  if (isnan_$T(a) || isnan_$T(b) || isinf_$T(a) || b == 0.0$L) { return nan_$T(); }
  let y = abs(b);
  var r = abs(a);
  if (isinf_$T(b) || r < y) { return a; }
  let ey = i32(frexp(y).exp);
  loop {
    if (r < y) { break; }
    var s = ldexp(y, i32(frexp(r).exp) - ey);
    if (s > r) { s = s * 0.5$L; }
    r = r - s;
  }
  return copysign_$T(r, a);
}
"""
    return (f"isnan_{t}", f"isinf_{t}", f"nan_{t}", f"copysign_{t}"), _fill(text, t)


def _atan(t: str) -> Helper:
    # |x| > 1: pi/2 - atan(1/|x|); then above tan(pi/12): pi/6 + atan((a sqrt3 - 1) / (a + sqrt3));
    # then a Taylor polynomial on |a| <= tan(pi/12) (GLSL's atan may be off by 4096 ulp).
    terms = 7 if t == "f32" else 15
    poly = horner("t", [lit(t, (-1) ** n / (2 * n + 1)) for n in range(terms, 0, -1)])
    sqrt3 = lit(t, math.sqrt(3))
    pio6_lo, pio2_lo = (lit(t, -5.360408832255455e-17), lit(t, 6.123233995736766e-17)) if t == "f64" else ("0.0f",) * 2
    text = f"""fn atan_$T(x: $T) -> $T {{
  if (isnan_$T(x)) {{ return x; }}
  var a = abs(x);
  let inv = a > 1.0$L;
  if (inv) {{ a = 1.0$L / a; }}
  var base = 0.0$L;
  var base_lo = 0.0$L;
  if (a > {lit(t, 0.2679491924311227)}) {{
    a = (a * {sqrt3} - 1.0$L) / (a + {sqrt3});
    base = {lit(t, math.pi / 6)};
    base_lo = {pio6_lo};
  }}
  let t = a * a;
  var r = base + (a + (a * t * ({poly}) + base_lo));
  if (inv) {{ r = ({lit(t, math.pi / 2)} - r) + {pio2_lo}; }}
  return copysign_$T(r, x);
}}
"""
    return (f"isnan_{t}", f"copysign_{t}"), _fill(text, t)


def _atan2(t: str) -> Helper:
    # C's atan2, special cases first (GLSL's atan2 leaves zeros and infinities undefined).
    pi, pio2, pio4 = lit(t, math.pi), lit(t, math.pi / 2), lit(t, math.pi / 4)
    pi_lo = lit(t, 1.2246467991473532e-16 if t == "f64" else 0.0)
    text = f"""fn atan2_$T(y: $T, x: $T) -> $T {{
  if (isnan_$T(x) || isnan_$T(y)) {{ return x + y; }}
  if (y == 0.0$L) {{
    if (x > 0.0$L || (x == 0.0$L && !signbit_$T(x))) {{ return y; }}
    return copysign_$T({pi}, y);
  }}
  if (x == 0.0$L) {{ return copysign_$T({pio2}, y); }}
  if (isinf_$T(x)) {{
    if (isinf_$T(y)) {{ return copysign_$T(select({lit(t, 3 * math.pi / 4)}, {pio4}, x > 0.0$L), y); }}
    return copysign_$T(select({pi}, 0.0$L, x > 0.0$L), y);
  }}
  if (isinf_$T(y)) {{ return copysign_$T({pio2}, y); }}
  let a = atan_$T(abs(y / x));
  if (x > 0.0$L) {{ return copysign_$T(a, y); }}
  return copysign_$T(({pi} - a) + {pi_lo}, y);
}}
"""
    return (f"isnan_{t}", f"isinf_{t}", f"signbit_{t}", f"copysign_{t}", f"atan_{t}"), _fill(text, t)


def _powi(t: str) -> Helper:
    # compiler-rt's __powisf2/__powidf2: the CPU's llvm.powi, bit for bit.
    text = """fn powi_$T(x: $T, n: i32) -> $T {
  var a = x;
  var b = n;
  var r = 1.0$L;
  loop {
    if ((b & 1) != 0) { r = r * a; }
    b = b / 2;
    if (b == 0) { break; }
    a = a * a;
  }
  return select(r, 1.0$L / r, n < 0);
}
"""
    return (), _fill(text, t)


def _pow(t: str) -> Helper:
    # C's pow: special cases first, then |x|^y (exp2(y log2 |x|) for f32, double-double for f64)
    # with the sign of x for odd integer y.
    core = "exp2_f32(y * log2_f32(ax))" if t == "f32" else "powabs_f64(ax, y)"
    text = f"""fn pow_$T(x: $T, y: $T) -> $T {{
  if (y == 0.0$L || x == 1.0$L) {{ return 1.0$L; }}
  if (isnan_$T(x) || isnan_$T(y)) {{ return x + y; }}
  let ax = abs(x);
  if (isinf_$T(y)) {{
    if (ax == 1.0$L) {{ return 1.0$L; }}
    return select(0.0$L, bitcast<$T>($INF), (ax > 1.0$L) == (y > 0.0$L));
  }}
  let yint = floor(y) == y;
  let yodd = yint && floor(y * 0.5$L) != y * 0.5$L;
  var r: $T;
  if (ax == 0.0$L) {{
    r = select(0.0$L, bitcast<$T>($INF), y < 0.0$L);
  }} else if (isinf_$T(x)) {{
    r = select(bitcast<$T>($INF), 0.0$L, y < 0.0$L);
  }} else if (x < 0.0$L && !yint) {{
    return nan_$T();
  }} else {{
    r = {core};
  }}
  return select(r, -r, yodd && signbit_$T(x));
}}
"""
    core_deps = ("exp2_f32", "log2_f32") if t == "f32" else ("powabs_f64",)
    return (f"isnan_{t}", f"isinf_{t}", f"nan_{t}", f"signbit_{t}", *core_deps), _fill(text, t)


def _inv_fact(n: int) -> float:
    return 1.0 / math.factorial(n)


def _expm1(t: str) -> Helper:
    # Small |x|: a Taylor polynomial (exp(x) - 1 would cancel, and Kahan's trick does not survive
    # the algebraic simplifications Vulkan compilers may apply); else exp(x) - 1.
    last = 9 if t == "f32" else 17
    poly = horner("x", [lit(t, _inv_fact(n)) for n in range(last, 1, -1)])
    exp = f"exp_{t}(x)"
    big, small = ("88.72283f", "-17.0f") if t == "f32" else ("709.782712893384lf", "-38.0lf")
    text = f"""fn expm1_$T(x: $T) -> $T {{
  if (isnan_$T(x) || x == 0.0$L) {{ return x; }}
  if (x > {big}) {{ return bitcast<$T>($INF); }}
  if (x < {small}) {{ return -1.0$L; }}
  if (abs(x) < 0.5$L) {{ return x + x * x * ({poly}); }}
  return {exp} - 1.0$L;
}}
"""
    return (f"isnan_{t}", f"exp_{t}"), _fill(text, t)


def _log1p(t: str) -> Helper:
    # log(1 + x) = 2 atanh(x / (2 + x)) near 0, from x itself (1 + x would round); else log(1 + x).
    terms = 5 if t == "f32" else 10
    poly = horner("t", [lit(t, 2.0 / (2 * k + 3)) for k in range(terms - 1, -1, -1)])
    log = f"log_{t}(1.0$L + x)"
    text = f"""fn log1p_$T(x: $T) -> $T {{
  if (isnan_$T(x) || x < -1.0$L) {{ return nan_$T(); }}
  if (x == -1.0$L) {{ return -bitcast<$T>($INF); }}
  if (isinf_$T(x)) {{ return x; }}
  if (x > -0.29$L && x < 0.41$L) {{
    let s = x / (2.0$L + x);
    let t = s * s;
    return 2.0$L * s + s * t * ({poly});
  }}
  return {log};
}}
"""
    return (f"isnan_{t}", f"isinf_{t}", f"nan_{t}", f"log_{t}"), _fill(text, t)


def _tanh(t: str) -> Helper:
    # copysign(e / (e + 2), x) with e = expm1(2|x|); GLSL's tanh overflows to NaN for large |x|.
    big = "10.0f" if t == "f32" else "22.0lf"
    text = f"""fn tanh_$T(x: $T) -> $T {{
  if (isnan_$T(x)) {{ return x; }}
  let a = abs(x);
  if (a > {big}) {{ return copysign_$T(1.0$L, x); }}
  let e = expm1_$T(2.0$L * a);
  return copysign_$T(e / (e + 2.0$L), x);
}}
"""
    return (f"isnan_{t}", f"copysign_{t}", f"expm1_{t}"), _fill(text, t)


_GENERIC: dict[str, Callable[[str], Helper]] = {
    "isnan": _isnan,
    "isinf": _isinf,
    "signbit": _signbit,
    "copysign": _copysign,
    "nan": _nan,
    "maximum": _maximum,
    "minimum": _minimum,
    "maxnum": _maxnum,
    "minnum": _minnum,
    "round": _round,
    "fmod": _fmod,
    "atan2": _atan2,
    "atan": _atan,
    "expm1": _expm1,
    "log1p": _log1p,
    "tanh": _tanh,
    "powi": _powi,
    "pow": _pow,
}


def helper_text(name: str) -> Helper:
    """The helpers `name` calls and its WGSL text; a `KeyError` for unknown names."""
    if name in SPECIAL_HELPERS:
        return SPECIAL_HELPERS[name]()
    base, _, t = name.rpartition("_")
    if base in MATH_HELPERS:
        return MATH_HELPERS[base](t)
    return _GENERIC[base](t)


def closure(names: Iterable[str]) -> list[str]:
    """The helpers `names` and every helper they call, callees first."""
    order: list[str] = []
    texts: dict[str, str] = {}

    def visit(name: str) -> None:
        if name in texts:
            return
        deps, text = helper_text(name)
        texts[name] = text
        for dep in deps:
            visit(dep)
        order.append(name)

    for name in sorted(names):
        visit(name)
    return order


def library(names: Iterable[str]) -> str:
    """The WGSL of the helpers `names` and of every helper they call, callees first."""
    return "".join(helper_text(n)[1] for n in closure(names))
