"""convert-to-llvm rules for the math dialect.

LLVM intrinsics where LLVM has one (exp, log, sqrt, sin, pow, ...; the vectorizer knows them);
`tanh` and `erf` on f32 as rational polynomials (Eigen's, accurate to a few ulp, so loops over them
vectorize); the rest through libm (`tanhf`, `atan2`, ...), which the JIT resolves in the process.
`fpowi` and `ipowi` are loops of squarings (`llvm.powi` would call libgcc's `__powidf2`, which the
JIT does not find).
f16 goes through f32 where LLVM has no f16 form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from xdsl.dialects import llvm, math
from xdsl.dialects.builtin import Float16Type, Float32Type, IntegerType
from xdsl.ir import Attribute, Operation, SSAValue

from passes._llvm_arith import call_intrinsic, fastmath, icmp
from passes._llvm_builder import FuncBuilder, Rule, RuleKey
from passes._llvm_types import I64, Lowered

F32 = Float32Type()
I1 = IntegerType(1)

_INTRINSIC_UNARY: dict[type[Operation], str] = {
    math.ExpOp: "exp",
    math.Exp2Op: "exp2",
    math.LogOp: "log",
    math.Log2Op: "log2",
    math.Log10Op: "log10",
    math.SqrtOp: "sqrt",
    math.AbsFOp: "fabs",
    math.CeilOp: "ceil",
    math.FloorOp: "floor",
    math.RoundOp: "round",
    math.RoundEvenOp: "roundeven",
    math.TruncOp: "trunc",
    math.SinOp: "sin",
    math.CosOp: "cos",
}

_INTRINSIC_BINARY: dict[type[Operation], str] = {math.PowFOp: "pow", math.CopySignOp: "copysign"}

_LIBM: dict[type[Operation], str] = {
    math.TanOp: "tan",
    math.TanhOp: "tanh",
    math.ErfOp: "erf",
    math.AcosOp: "acos",
    math.AcoshOp: "acosh",
    math.AsinOp: "asin",
    math.AsinhOp: "asinh",
    math.AtanOp: "atan",
    math.AtanhOp: "atanh",
    math.CbrtOp: "cbrt",
    math.CoshOp: "cosh",
    math.SinhOp: "sinh",
    math.ExpM1Op: "expm1",
    math.Log1pOp: "log1p",
    math.Atan2Op: "atan2",
}

_INT_BITS: dict[type[Operation], str] = {
    math.CountLeadingZerosOp: "ctlz",
    math.CountTrailingZerosOp: "cttz",
}

# tanh(x) = x * P(x^2) / Q(x^2) on [-c, c], x itself where |x| < 4e-4 (Eigen's float tanh).
_TANH_CLAMP = 7.90531110763549805
_TANH_ONE = 9.02
"""Beyond this, tanh rounds to +-1 in f32 (the rational stays 2 ulp short of it at the clamp)."""
_TANH_P = (
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
)
_TANH_Q = (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03)

# erf(x) = x * P(x^2) / Q(x^2) on [-4, 4] (Eigen's float erf); +-1 beyond in f32. The GPU's f32 erf
# (charlc/wgsl_lib_special.py) uses the same table.
ERF_CLAMP = 4.0
ERF_P = (
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
)
ERF_Q = (
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
)


def _in_f32(fb: FuncBuilder, x: SSAValue, compute: Callable[[SSAValue], SSAValue]) -> SSAValue:
    """`compute` on f32, extending an f16 operand and truncating the result back."""
    if not isinstance(x.type, Float16Type):
        return compute(x)
    wide = compute(fb.value(llvm.FPExtOp(x, F32)))
    return fb.value(llvm.FPTruncOp(wide, x.type))


def _horner(fb: FuncBuilder, x2: SSAValue, coeffs: tuple[float, ...], fm: llvm.FastMathAttr) -> SSAValue:
    acc = fb.const(coeffs[0], x2.type)
    for c in coeffs[1:]:
        acc = fb.value(llvm.FAddOp(fb.value(llvm.FMulOp(acc, x2, fm)), fb.const(c, x2.type), fm))
    return acc


def _clamp(fb: FuncBuilder, x: SSAValue, bound: float) -> SSAValue:
    lo, hi = fb.const(-bound, x.type), fb.const(bound, x.type)
    below = fb.value(llvm.FCmpOp(x, lo, "olt"))
    x = fb.value(llvm.SelectOp(below, lo, x))
    above = fb.value(llvm.FCmpOp(x, hi, "ogt"))
    return fb.value(llvm.SelectOp(above, hi, x))


def _rational(fb: FuncBuilder, a: SSAValue, clamp: float, p: tuple[float, ...], q: tuple[float, ...]) -> SSAValue:
    """x * P(x^2) / Q(x^2) with x = clamp(a)."""
    fm = fb.module.fastmath
    x = _clamp(fb, a, clamp)
    x2 = fb.value(llvm.FMulOp(x, x, fm))
    num = fb.value(llvm.FMulOp(x, _horner(fb, x2, p, fm), fm))
    return fb.value(llvm.FDivOp(num, _horner(fb, x2, q, fm), fm))


def _tanh_f32(fb: FuncBuilder, a: SSAValue) -> SSAValue:
    r = _rational(fb, a, _TANH_CLAMP, _TANH_P, _TANH_Q)
    magnitude = call_intrinsic(fb, "fabs", [a], a.type)
    tiny = fb.value(llvm.FCmpOp(magnitude, fb.const(0.0004, a.type), "olt"))
    r = fb.value(llvm.SelectOp(tiny, a, r))
    saturated = fb.value(llvm.FCmpOp(magnitude, fb.const(_TANH_ONE, a.type), "ogt"))
    return fb.value(llvm.SelectOp(saturated, call_intrinsic(fb, "copysign", [fb.const(1.0, a.type), a], a.type), r))


def _erf_f32(fb: FuncBuilder, a: SSAValue) -> SSAValue:
    return _rational(fb, a, ERF_CLAMP, ERF_P, ERF_Q)


_POLYNOMIALS: dict[str, Callable[[FuncBuilder, SSAValue], SSAValue]] = {"tanh": _tanh_f32, "erf": _erf_f32}


def _intrinsic_unary(fb: FuncBuilder, op: Operation) -> None:
    x = fb.get(op.operands[0])
    fb.put(op.results[0], call_intrinsic(fb, _INTRINSIC_UNARY[type(op)], [x], x.type))


def _intrinsic_binary(fb: FuncBuilder, op: Operation) -> None:
    x, y = fb.get(op.operands[0]), fb.get(op.operands[1])
    fb.put(op.results[0], call_intrinsic(fb, _INTRINSIC_BINARY[type(op)], [x, y], x.type))


def _libm(fb: FuncBuilder, op: Operation) -> None:
    args = [fb.get(v) for v in op.operands]
    base = _LIBM[type(op)]
    polynomial = _POLYNOMIALS.get(base)
    if polynomial is not None and not _is_f64(args[0].type):
        fb.put(op.results[0], _in_f32(fb, args[0], lambda x: polynomial(fb, x)))
        return

    def libm(x: SSAValue) -> SSAValue:
        rest = [fb.value(llvm.FPExtOp(a, F32)) if isinstance(a.type, Float16Type) else a for a in args[1:]]
        name = base if _is_f64(x.type) else base + "f"
        result = fb.call(name, [x, *rest], x.type)
        assert result is not None
        return result

    fb.put(op.results[0], _in_f32(fb, args[0], libm))


def _is_f64(t: Attribute) -> bool:
    return str(t) == "f64"


def _fma(fb: FuncBuilder, op: Operation) -> None:
    args = [fb.get(v) for v in op.operands]
    fb.put(op.results[0], call_intrinsic(fb, "fma", args, args[0].type))


def _rsqrt(fb: FuncBuilder, op: Operation) -> None:
    x = fb.get(op.operands[0])
    root = call_intrinsic(fb, "sqrt", [x], x.type)
    fb.put(op.results[0], fb.value(llvm.FDivOp(fb.const(1.0, x.type), root, fastmath(fb, op))))


def _absi(fb: FuncBuilder, op: Operation) -> None:
    x = fb.get(op.operands[0])
    fb.put(op.results[0], call_intrinsic(fb, "abs", [x, fb.const(0, I1)], x.type))


def _by_squaring(
    fb: FuncBuilder, base: SSAValue, exponent: SSAValue, mul: Callable[[SSAValue, SSAValue], SSAValue]
) -> SSAValue:
    """`base ** exponent` for `exponent` read as unsigned: one squaring per bit of its type (a loop
    of fixed trip count, as compiler-rt's `__powidf2` computes it)."""
    t = exponent.type
    assert isinstance(t, IntegerType)
    zero, one = fb.const(0, t), fb.const(1, t)

    def step(_: SSAValue, state: list[Lowered]) -> list[Lowered]:
        result, power, rest = (cast(SSAValue, v) for v in state)
        odd = icmp(fb, "ne", fb.value(llvm.AndOp(rest, one)), zero)
        result = fb.value(llvm.SelectOp(odd, mul(result, power), result))
        return [result, mul(power, power), fb.value(llvm.LShrOp(rest, one))]

    unit = fb.const(1, base.type) if isinstance(base.type, IntegerType) else fb.const(1.0, base.type)
    bounds = (fb.const(0, I64), fb.const(t.width.data, I64), fb.const(1, I64))
    return cast(SSAValue, fb.loop(bounds, [unit, base, exponent], step)[0])


def _fpowi(fb: FuncBuilder, op: Operation) -> None:
    """`x ** n` by squaring with `|n|`; `1 / x ** |n|` for a negative `n` (no libgcc call)."""
    x, n = fb.get(op.operands[0]), fb.get(op.operands[1])
    fm = fastmath(fb, op)
    negative = icmp(fb, "slt", n, fb.const(0, n.type))
    magnitude = fb.value(llvm.SelectOp(negative, fb.value(llvm.SubOp(fb.const(0, n.type), n)), n))
    power = _by_squaring(fb, x, magnitude, lambda a, b: fb.value(llvm.FMulOp(a, b, fm)))
    inverse = fb.value(llvm.FDivOp(fb.const(1.0, x.type), power, fm))
    fb.put(op.results[0], fb.value(llvm.SelectOp(negative, inverse, power)))


def _ipowi(fb: FuncBuilder, op: Operation) -> None:
    """`a ** b` on integers by squaring. A negative `b` gives `1` for `a == 1`, `+-1` for `a == -1`
    (by the parity of `b`), else `0` (where MLIR leaves `0 ** -n` undefined)."""
    a, b = fb.get(op.operands[0]), fb.get(op.operands[1])
    zero, one, minus_one = fb.const(0, a.type), fb.const(1, a.type), fb.const(-1, a.type)
    positive = _by_squaring(fb, a, b, lambda x, y: fb.value(llvm.MulOp(x, y)))
    odd_b = icmp(fb, "ne", fb.value(llvm.AndOp(b, one)), zero)
    of_minus_one = fb.value(llvm.SelectOp(odd_b, minus_one, one))
    negative = fb.value(llvm.SelectOp(icmp(fb, "eq", a, minus_one), of_minus_one, zero))
    negative = fb.value(llvm.SelectOp(icmp(fb, "eq", a, one), one, negative))
    fb.put(op.results[0], fb.value(llvm.SelectOp(icmp(fb, "slt", b, zero), negative, positive)))


def _count_bits(fb: FuncBuilder, op: Operation) -> None:
    x = fb.get(op.operands[0])
    fb.put(op.results[0], call_intrinsic(fb, _INT_BITS[type(op)], [x, fb.const(0, I1)], x.type))


def _ctpop(fb: FuncBuilder, op: Operation) -> None:
    x = fb.get(op.operands[0])
    fb.put(op.results[0], call_intrinsic(fb, "ctpop", [x], x.type))


def math_rules() -> dict[RuleKey, Rule]:
    """The rule of every supported math op."""
    rules: dict[RuleKey, Rule] = {
        math.FmaOp: _fma,
        math.RsqrtOp: _rsqrt,
        math.FPowIOp: _fpowi,
        math.AbsIOp: _absi,
        math.IPowIOp: _ipowi,
        math.CtPopOp: _ctpop,
    }
    rules.update(dict.fromkeys(_INTRINSIC_UNARY, _intrinsic_unary))
    rules.update(dict.fromkeys(_INTRINSIC_BINARY, _intrinsic_binary))
    rules.update(dict.fromkeys(_LIBM, _libm))
    rules.update(dict.fromkeys(_INT_BITS, _count_bits))
    return rules
