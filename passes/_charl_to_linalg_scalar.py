"""The scalar arithmetic of `convert-charl-to-linalg`: what one element of each elementwise charl
op computes, as arith/math ops.

The same functions build the body of a tensor op's `linalg.generic` and the straight-line code of
a scalar op. Each table maps a charl op class to a function `(emitter, operands...) -> value`.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, math, scf
from xdsl.dialects.builtin import Float32Type, Float64Type, IntegerType, i1
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import irdl_op_definition

from dialects import charl
from passes._charl_to_linalg_core import Emitter, int_width, is_float_type

Binary = Callable[[Emitter, SSAValue, SSAValue], SSAValue]
Unary = Callable[[Emitter, SSAValue], SSAValue]

GELU_C = 0.7978845608028654
"""sqrt(2 / pi), the scale inside GPT-2's tanh approximation of GELU."""

GELU_CUBIC = 0.044715


@irdl_op_definition
class RemfOp(arith.FloatingPointLikeBinaryOperation):
    """`fmod(lhs, rhs)`: the remainder with the sign of `lhs` (upstream MLIR's `arith.remf`,
    which xDSL 0.74 lacks).

    %r = arith.remf %a, %b : f32
    """

    name = "arith.remf"


def _op(cls: Callable[[SSAValue, SSAValue], Operation]) -> Binary:
    """A binary op whose result has the type of its operands."""

    def build(e: Emitter, a: SSAValue, b: SSAValue) -> SSAValue:
        return e.value(cls(a, b))

    return build


def _unary(cls: Callable[[SSAValue], Operation]) -> Unary:
    def build(e: Emitter, x: SSAValue) -> SSAValue:
        return e.value(cls(x))

    return build


# --- integer power --------------------------------------------------------------------------


def ipow(e: Emitter, base: SSAValue, exp: SSAValue) -> SSAValue:
    """`base ** exp` on integers by squaring (wrapping on overflow). A negative exponent gives
    the real power truncated toward zero: 1 for base 1, +-1 for base -1, else 0."""
    t = base.type
    zero, one = e.const(0, t), e.const(1, t)
    before, after = Block(arg_types=[t, t, t]), Block(arg_types=[t, t, t])
    cond = Emitter(e.op)
    positive = cond.value(arith.CmpiOp(before.args[2], zero, "sgt"))
    cond.add(scf.ConditionOp(positive, *before.args))
    before.add_ops(cond.ops)
    step = Emitter(e.op)
    acc, b, n = after.args
    odd = step.value(arith.CmpiOp(step.value(arith.AndIOp(n, one)), zero, "ne"))
    next_acc = step.value(arith.SelectOp(odd, step.value(arith.MuliOp(acc, b)), acc))
    square = step.value(arith.MuliOp(b, b))
    half = step.value(arith.ShRSIOp(n, one))
    step.add(scf.YieldOp(next_acc, square, half))
    after.add_ops(step.ops)
    loop = e.add(scf.WhileOp([one, base, exp], [t, t, t], Region(before), Region(after)))
    return _negative_power(e, base, exp, loop.results[0])


def _negative_power(e: Emitter, base: SSAValue, exp: SSAValue, power: SSAValue) -> SSAValue:
    t = base.type
    zero, one, minus_one = e.const(0, t), e.const(1, t), e.const(-1, t)
    odd = e.value(arith.CmpiOp(e.value(arith.AndIOp(exp, one)), zero, "ne"))
    unit = e.value(arith.SelectOp(odd, minus_one, one))
    is_minus_one = e.value(arith.CmpiOp(base, minus_one, "eq"))
    is_one = e.value(arith.CmpiOp(base, one, "eq"))
    tiny = e.value(arith.SelectOp(is_minus_one, unit, zero))
    negative_result = e.value(arith.SelectOp(is_one, one, tiny))
    negative = e.value(arith.CmpiOp(exp, zero, "slt"))
    return e.value(arith.SelectOp(negative, negative_result, power))


# --- tables ---------------------------------------------------------------------------------

FLOAT_BINARY: dict[type[Operation], Binary] = {
    charl.AddOp: _op(arith.AddfOp),
    charl.SubOp: _op(arith.SubfOp),
    charl.MulOp: _op(arith.MulfOp),
    charl.DivOp: _op(arith.DivfOp),
    charl.RemOp: _op(RemfOp),
    charl.PowOp: _op(math.PowFOp),
    charl.MaximumOp: _op(arith.MaximumfOp),
    charl.MinimumOp: _op(arith.MinimumfOp),
}

INT_BINARY: dict[type[Operation], Binary] = {
    charl.AddOp: _op(arith.AddiOp),
    charl.SubOp: _op(arith.SubiOp),
    charl.MulOp: _op(arith.MuliOp),
    charl.DivOp: _op(arith.DivSIOp),
    charl.RemOp: _op(arith.RemSIOp),
    charl.PowOp: ipow,
    charl.MaximumOp: _op(arith.MaxSIOp),
    charl.MinimumOp: _op(arith.MinSIOp),
    charl.AndOp: _op(arith.AndIOp),
    charl.OrOp: _op(arith.OrIOp),
}


def _sigmoid(e: Emitter, x: SSAValue) -> SSAValue:
    one = e.const(1.0, x.type)
    denominator = e.value(arith.AddfOp(one, e.value(math.ExpOp(e.value(arith.NegfOp(x))))))
    return e.value(arith.DivfOp(one, denominator))


def _silu(e: Emitter, x: SSAValue) -> SSAValue:
    one = e.const(1.0, x.type)
    denominator = e.value(arith.AddfOp(one, e.value(math.ExpOp(e.value(arith.NegfOp(x))))))
    return e.value(arith.DivfOp(x, denominator))


def _gelu(e: Emitter, x: SSAValue) -> SSAValue:
    """0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), computed as the equal
    x / (1 + exp(-2u)): no cancellation in 1 + tanh(u) for large negative x (exactly -0.0 there)."""
    cube = e.value(arith.MulfOp(e.value(arith.MulfOp(x, x)), x))
    inner = e.value(arith.AddfOp(x, e.value(arith.MulfOp(e.const(GELU_CUBIC, x.type), cube))))
    minus_2u = e.value(arith.MulfOp(e.const(-2 * GELU_C, x.type), inner))
    denominator = e.value(arith.AddfOp(e.const(1.0, x.type), e.value(math.ExpOp(minus_2u))))
    return e.value(arith.DivfOp(x, denominator))


def _relu_f(e: Emitter, x: SSAValue) -> SSAValue:
    return e.value(arith.MaximumfOp(x, e.const(0.0, x.type)))


def _relu_i(e: Emitter, x: SSAValue) -> SSAValue:
    return e.value(arith.MaxSIOp(x, e.const(0, x.type)))


def _sign_f(e: Emitter, x: SSAValue) -> SSAValue:
    """1 above zero, -1 below, else `x` itself (keeps 0, -0 and NaN, as NumPy does)."""
    zero = e.const(0.0, x.type)
    below = e.value(arith.SelectOp(e.value(arith.CmpfOp(x, zero, "olt")), e.const(-1.0, x.type), x))
    return e.value(arith.SelectOp(e.value(arith.CmpfOp(x, zero, "ogt")), e.const(1.0, x.type), below))


def _sign_i(e: Emitter, x: SSAValue) -> SSAValue:
    zero = e.const(0, x.type)
    below = e.value(arith.SelectOp(e.value(arith.CmpiOp(x, zero, "slt")), e.const(-1, x.type), zero))
    return e.value(arith.SelectOp(e.value(arith.CmpiOp(x, zero, "sgt")), e.const(1, x.type), below))


def _neg_i(e: Emitter, x: SSAValue) -> SSAValue:
    return e.value(arith.SubiOp(e.const(0, x.type), x))


def _not(e: Emitter, x: SSAValue) -> SSAValue:
    return e.value(arith.XOrIOp(x, e.const(1, x.type)))


def _same(e: Emitter, x: SSAValue) -> SSAValue:
    return x


FLOAT_UNARY: dict[type[Operation], Unary] = {
    charl.NegOp: _unary(arith.NegfOp),
    charl.AbsOp: _unary(math.AbsFOp),
    charl.ExpOp: _unary(math.ExpOp),
    charl.LogOp: _unary(math.LogOp),
    charl.SqrtOp: _unary(math.SqrtOp),
    charl.RsqrtOp: _unary(math.RsqrtOp),
    charl.SinOp: _unary(math.SinOp),
    charl.CosOp: _unary(math.CosOp),
    charl.TanhOp: _unary(math.TanhOp),
    charl.SigmoidOp: _sigmoid,
    charl.ReluOp: _relu_f,
    charl.GeluOp: _gelu,
    charl.SiluOp: _silu,
    charl.SignOp: _sign_f,
    charl.FloorOp: _unary(math.FloorOp),
    charl.CeilOp: _unary(math.CeilOp),
    charl.RoundOp: _unary(math.RoundEvenOp),
    charl.StopGradientOp: _same,
}

INT_UNARY: dict[type[Operation], Unary] = {
    charl.NegOp: _neg_i,
    charl.AbsOp: _unary(math.AbsIOp),
    charl.ReluOp: _relu_i,
    charl.SignOp: _sign_i,
    charl.FloorOp: _same,
    charl.CeilOp: _same,
    charl.RoundOp: _same,
    charl.NotOp: _not,
    charl.StopGradientOp: _same,
}


def binary(e: Emitter, kind: type[Operation], a: SSAValue, b: SSAValue) -> SSAValue | None:
    """One element of the binary op `kind` on scalars `a`, `b`; None when it has no rule for
    their type."""
    rule = (FLOAT_BINARY if is_float_type(a.type) else INT_BINARY).get(kind)
    return rule(e, a, b) if rule is not None else None


def unary(e: Emitter, kind: type[Operation], x: SSAValue) -> SSAValue | None:
    """One element of the unary op `kind` on the scalar `x`; None when it has no rule for its
    type."""
    rule = (FLOAT_UNARY if is_float_type(x.type) else INT_UNARY).get(kind)
    return rule(e, x) if rule is not None else None


# --- compare and cast -----------------------------------------------------------------------

FLOAT_PREDICATES = {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge"}
"""Ordered comparisons (false on NaN), except `ne`, which is true on NaN as in IEEE and NumPy."""

INT_PREDICATES = {"eq": "eq", "ne": "ne", "lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge"}
BOOL_PREDICATES = {"eq": "eq", "ne": "ne", "lt": "ult", "le": "ule", "gt": "ugt", "ge": "uge"}
"""`i1` compares unsigned: false < true."""


def compare(e: Emitter, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
    """`a <predicate> b` on scalars, as `i1`."""
    if is_float_type(a.type):
        return e.value(arith.CmpfOp(a, b, FLOAT_PREDICATES[predicate]))
    table = BOOL_PREDICATES if int_width(a.type) == 1 else INT_PREDICATES
    return e.value(arith.CmpiOp(a, b, table[predicate]))


def convert(e: Emitter, x: SSAValue, dst: Attribute) -> SSAValue:
    """The scalar `x` converted to the element type `dst` (charl.cast's rules)."""
    src = x.type
    if src == dst:
        return x
    if dst == i1:
        zero = e.const(0, src)
        if is_float_type(src):
            return e.value(arith.CmpfOp(x, zero, "une"))
        return e.value(arith.CmpiOp(x, zero, "ne"))
    if isinstance(dst, Float32Type | Float64Type):
        if src == i1:
            return e.value(arith.UIToFPOp(x, dst))
        if not is_float_type(src):
            return e.value(arith.SIToFPOp(x, dst))
        wider = _float_width(dst) > _float_width(src)
        return e.value(arith.ExtFOp(x, dst) if wider else arith.TruncFOp(x, dst))
    assert isinstance(dst, IntegerType), f"charl.cast to {dst}"
    if src == i1:
        return e.value(arith.ExtUIOp(x, dst))
    if is_float_type(src):
        return e.value(arith.FPToSIOp(x, dst))
    wider = dst.width.data > int_width(src)
    return e.value(arith.ExtSIOp(x, dst) if wider else arith.TruncIOp(x, dst))


def _float_width(t: Attribute) -> int:
    return 64 if isinstance(t, Float64Type) else 32
