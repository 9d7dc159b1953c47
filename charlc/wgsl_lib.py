"""WGSL helper functions the kernels call, emitted only when used.

A helper is named `<base>_<type>` (`maximum_f32`, `floordiv_i64`, `exp_f64`). `helper_text(name)`
returns its WGSL and the helpers it calls; `library(names)` returns the WGSL of a set of helpers
and everything they need, callees first. Float helpers that match MLIR/LLVM semantics where WGSL
builtins differ or are undefined (NaN-aware min/max, `round` half away from zero, `fmod`, `pow` of
negative bases, `tanh` of large arguments, `erf`, `powi`) live here for both widths; the f64
transcendental functions (Vulkan's GLSL.std.450 has them for 32-bit floats only) live in
`wgsl_lib_f64.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from charlc.wgsl_lib_f64 import F64_HELPERS, horner, lit

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
    # Exact while |a / b| < 2^24 (f32) or 2^53 (f64): q is an integer, q * b + r is fused.
    text = """fn fmod_$T(a: $T, b: $T) -> $T {
  if (isnan_$T(a) || isnan_$T(b) || isinf_$T(a) || b == 0.0$L) { return nan_$T(); }
  if (isinf_$T(b)) { return a; }
  let ab = abs(b);
  let q = trunc(abs(a) / ab);
  var r = fma(-q, ab, abs(a));
  if (r < 0.0$L) { r = r + ab; }
  if (r >= ab) { r = r - ab; }
  return copysign_$T(r, a);
}
"""
    return (f"isnan_{t}", f"isinf_{t}", f"nan_{t}", f"copysign_{t}"), _fill(text, t)


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
    core = "exp2(y * log2(ax))" if t == "f32" else "powabs_f64(ax, y)"
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
  if (x < 0.0$L && !yint) {{ return nan_$T(); }}
  var r: $T;
  if (ax == 0.0$L) {{
    r = select(0.0$L, bitcast<$T>($INF), y < 0.0$L);
  }} else if (isinf_$T(x)) {{
    r = select(bitcast<$T>($INF), 0.0$L, y < 0.0$L);
  }} else {{
    r = {core};
  }}
  return select(r, -r, yodd && signbit_$T(x));
}}
"""
    deps = [f"isnan_{t}", f"isinf_{t}", f"nan_{t}", f"signbit_{t}"]
    if t == "f64":
        deps.append("powabs_f64")
    return tuple(deps), _fill(text, t)


def _expm1_f32(t: str) -> Helper:
    text = """fn expm1_f32(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0f) { return x; }
  let um = u - 1.0f;
  if (um == -1.0f) { return -1.0f; }
  if (isinf_f32(u)) { return u; }
  return um * x / log(u);
}
"""
    return ("isinf_f32",), text


def _log1p_f32(t: str) -> Helper:
    text = """fn log1p_f32(x: f32) -> f32 {
  let u = 1.0f + x;
  if (u == 1.0f) { return x; }
  if (isinf_f32(u)) { return u; }
  return log(u) * (x / (u - 1.0f));
}
"""
    return ("isinf_f32",), text


def _tanh_f32(t: str) -> Helper:
    text = """fn tanh_f32(x: f32) -> f32 {
  let a = abs(x);
  if (a > 10.0f) { return copysign_f32(1.0f, x); }
  let e = expm1_f32(2.0f * a);
  return copysign_f32(e / (e + 2.0f), x);
}
"""
    return ("copysign_f32", "expm1_f32"), text


_ERF_ALPHA = (
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
)
_ERF_BETA = (
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
)


def _erf_f32(t: str) -> Helper:
    # XLA's rational approximation of erf on [-4, 4] (erf(+-4) rounds to +-1 in f32).
    p = horner("x2", [lit("f32", c) for c in _ERF_ALPHA])
    q = horner("x2", [lit("f32", c) for c in _ERF_BETA])
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


def _wrap8(t: str) -> Helper:
    return (), "fn wrap8(x: i32) -> i32 { return (x << 24u) >> 24u; }\n"


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
    "powi": _powi,
    "pow": _pow,
    "floordiv": _floordiv,
    "ceildiv": _ceildiv,
}
_SPECIFIC: dict[str, Callable[[str], Helper]] = {
    "expm1_f32": _expm1_f32,
    "log1p_f32": _log1p_f32,
    "tanh_f32": _tanh_f32,
    "erf_f32": _erf_f32,
    "wrap8": _wrap8,
}


def helper_text(name: str) -> Helper:
    """The helpers `name` calls and its WGSL text; a `KeyError` for unknown names."""
    if name in _SPECIFIC:
        return _SPECIFIC[name](name)
    if name in F64_HELPERS:
        return F64_HELPERS[name]()
    base, _, t = name.rpartition("_")
    return _GENERIC[base](t)


def library(names: Iterable[str]) -> str:
    """The WGSL of the helpers `names` and of every helper they call, callees first."""
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
    return "".join(texts[n] for n in order)
