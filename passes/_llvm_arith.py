"""convert-to-llvm rules for the arith dialect: one LLVM instruction per op where LLVM has one.

`index` is `i64`. Float arithmetic carries the pass's fast-math flags (default `contract`) joined
with the op's own. Predicates of `cmpi`/`cmpf` share their numbering with `llvm.icmp`/`llvm.fcmp`.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, IntegerType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from passes._llvm_builder import FuncBuilder, Rule, RuleKey
from passes._llvm_emit import FPToSIOp, FPToUIOp, UIToFPOp
from passes._llvm_types import I64, scalar_type, unflatten

I1 = IntegerType(1)

_INT_BINARY: dict[type[Operation], Callable[[SSAValue, SSAValue], Operation]] = {
    arith.AddiOp: llvm.AddOp,
    arith.SubiOp: llvm.SubOp,
    arith.MuliOp: llvm.MulOp,
    arith.DivSIOp: llvm.SDivOp,
    arith.DivUIOp: llvm.UDivOp,
    arith.RemSIOp: llvm.SRemOp,
    arith.RemUIOp: llvm.URemOp,
    arith.AndIOp: llvm.AndOp,
    arith.OrIOp: llvm.OrOp,
    arith.XOrIOp: llvm.XOrOp,
    arith.ShLIOp: llvm.ShlOp,
    arith.ShRSIOp: llvm.AShrOp,
    arith.ShRUIOp: llvm.LShrOp,
}

_FLOAT_BINARY: dict[type[Operation], type[llvm.AbstractFloatArithOp]] = {
    arith.AddfOp: llvm.FAddOp,
    arith.SubfOp: llvm.FSubOp,
    arith.MulfOp: llvm.FMulOp,
    arith.DivfOp: llvm.FDivOp,
}

_CASTS: dict[type[Operation], Callable[[SSAValue, Attribute], Operation]] = {
    arith.ExtSIOp: llvm.SExtOp,
    arith.ExtUIOp: llvm.ZExtOp,
    arith.TruncIOp: llvm.TruncOp,
    arith.SIToFPOp: llvm.SIToFPOp,
    arith.UIToFPOp: UIToFPOp,
    arith.FPToSIOp: FPToSIOp,
    arith.FPToUIOp: FPToUIOp,
    arith.ExtFOp: llvm.FPExtOp,
    arith.TruncFOp: llvm.FPTruncOp,
    arith.BitcastOp: llvm.BitcastOp,
}

# (predicate, take lhs when it holds)
_INT_MIN_MAX: dict[type[Operation], str] = {
    arith.MaxSIOp: "sgt",
    arith.MinSIOp: "slt",
    arith.MaxUIOp: "ugt",
    arith.MinUIOp: "ult",
}

_FLOAT_MIN_MAX: dict[type[Operation], str] = {
    arith.MaximumfOp: "maximum",
    arith.MinimumfOp: "minimum",
    arith.MaxnumfOp: "maxnum",
    arith.MinnumfOp: "minnum",
}


def intrinsic_suffix(t: Attribute) -> str:
    """The type suffix of an overloaded LLVM intrinsic: `f32`, `f64`, `i32`..."""
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    return {"f16": "f16", "f32": "f32", "f64": "f64"}[str(t)]


def call_intrinsic(fb: FuncBuilder, name: str, args: list[SSAValue], result: Attribute) -> SSAValue:
    """Calls `llvm.<name>.<suffix of result>`."""
    full = f"llvm.{name}.{intrinsic_suffix(result)}"
    return fb.value(llvm.CallIntrinsicOp(full, args, [result]))


def fastmath(fb: FuncBuilder, op: Operation) -> llvm.FastMathAttr:
    """The pass's fast-math flags joined with those on `op`; none for an op marked `charl.exact`
    (random-number arithmetic, which must give the same bits at every optimization level)."""
    if "charl.exact" in op.attributes:
        return llvm.FastMathAttr(())
    own = op.properties.get("fastmath")
    flags = set(fb.module.fastmath.data)
    if own is not None:
        flags |= set(getattr(own, "data", ()))
    return llvm.FastMathAttr(flags)


def icmp(fb: FuncBuilder, pred: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
    """`llvm.icmp pred lhs, rhs`."""
    attr = IntegerAttr(llvm.ICmpPredicateFlag(pred).to_int(), I64)
    return fb.value(llvm.ICmpOp(lhs, rhs, attr))


def _unary(fb: FuncBuilder, op: Operation) -> tuple[SSAValue, Attribute]:
    return fb.get(op.operands[0]), scalar_type(op.results[0].type)


def _binary(fb: FuncBuilder, op: Operation) -> tuple[SSAValue, SSAValue]:
    return fb.get(op.operands[0]), fb.get(op.operands[1])


def _int_binary(fb: FuncBuilder, op: Operation) -> None:
    fb.put(op.results[0], fb.value(_INT_BINARY[type(op)](*_binary(fb, op))))


def _float_binary(fb: FuncBuilder, op: Operation) -> None:
    lhs, rhs = _binary(fb, op)
    fb.put(op.results[0], fb.value(_FLOAT_BINARY[type(op)](lhs, rhs, fastmath(fb, op))))


def _negf(fb: FuncBuilder, op: Operation) -> None:
    fb.put(op.results[0], fb.value(llvm.FNegOp(fb.get(op.operands[0]), fastmath(fb, op))))


def _constant(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, arith.ConstantOp)
    t = scalar_type(op.result.type)
    value = op.value
    if isinstance(value, IntegerAttr):
        fb.put(op.result, fb.const(value.value.data, t))
    elif isinstance(value, FloatAttr):
        fb.put(op.result, fb.const(value.value.data, t))
    else:
        raise PassFailedException(f"convert-to-llvm: arith.constant {value} is not a scalar")


def _cast(fb: FuncBuilder, op: Operation) -> None:
    x, t = _unary(fb, op)
    fb.put(op.results[0], fb.value(_CASTS[type(op)](x, t)))


def _index_cast(fb: FuncBuilder, op: Operation) -> None:
    x, t = _unary(fb, op)
    src, dst = x.type, t
    assert isinstance(src, IntegerType) and isinstance(dst, IntegerType)
    if src.width.data == dst.width.data:
        fb.put(op.results[0], x)
    elif src.width.data > dst.width.data:
        fb.put(op.results[0], fb.value(llvm.TruncOp(x, dst)))
    else:
        fb.put(op.results[0], fb.value(llvm.SExtOp(x, dst)))


def _cmpi(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, arith.CmpiOp)
    pred = IntegerAttr(op.predicate.value.data, I64)
    fb.put(op.result, fb.value(llvm.ICmpOp(fb.get(op.lhs), fb.get(op.rhs), pred)))


def _cmpf(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, arith.CmpfOp)
    pred = op.predicate.value.data
    if pred in (0, 15):  # false, true
        fb.put(op.result, fb.const(pred // 15, I1))
        return
    fb.put(op.result, fb.value(llvm.FCmpOp(fb.get(op.lhs), fb.get(op.rhs), IntegerAttr(pred, I64))))


def _select(fb: FuncBuilder, op: Operation) -> None:
    """A scalar `select`; for memrefs, one `select` per flattened field."""
    assert isinstance(op, arith.SelectOp)
    cond = fb.get(op.cond)
    lhs, rhs = fb.flatten([fb.lowered(op.lhs)]), fb.flatten([fb.lowered(op.rhs)])
    picked = [fb.value(llvm.SelectOp(cond, a, b)) for a, b in zip(lhs, rhs, strict=True)]
    fb.put(op.result, unflatten([op.result.type], picked)[0])


def _int_min_max(fb: FuncBuilder, op: Operation) -> None:
    lhs, rhs = _binary(fb, op)
    cond = icmp(fb, _INT_MIN_MAX[type(op)], lhs, rhs)
    fb.put(op.results[0], fb.value(llvm.SelectOp(cond, lhs, rhs)))


def _float_min_max(fb: FuncBuilder, op: Operation) -> None:
    lhs, rhs = _binary(fb, op)
    fb.put(op.results[0], call_intrinsic(fb, _FLOAT_MIN_MAX[type(op)], [lhs, rhs], lhs.type))


def _floordivsi(fb: FuncBuilder, op: Operation) -> None:
    """q = a / b (truncated); q - 1 when the remainder is nonzero and its sign differs from b's."""
    a, b = _binary(fb, op)
    zero = fb.const(0, a.type)
    q, r = fb.value(llvm.SDivOp(a, b)), fb.value(llvm.SRemOp(a, b))
    signs_differ = fb.value(llvm.XOrOp(icmp(fb, "slt", r, zero), icmp(fb, "slt", b, zero)))
    adjust = fb.value(llvm.AndOp(icmp(fb, "ne", r, zero), signs_differ))
    fb.put(op.results[0], fb.value(llvm.SubOp(q, fb.value(llvm.ZExtOp(adjust, a.type)))))


def _ceildivsi(fb: FuncBuilder, op: Operation) -> None:
    """q = a / b (truncated); q + 1 when the remainder is nonzero and has b's sign."""
    a, b = _binary(fb, op)
    zero = fb.const(0, a.type)
    q, r = fb.value(llvm.SDivOp(a, b)), fb.value(llvm.SRemOp(a, b))
    same_sign = fb.value(llvm.XOrOp(icmp(fb, "sgt", r, zero), icmp(fb, "slt", b, zero)))
    adjust = fb.value(llvm.AndOp(icmp(fb, "ne", r, zero), same_sign))
    fb.put(op.results[0], fb.value(llvm.AddOp(q, fb.value(llvm.ZExtOp(adjust, a.type)))))


def _ceildivui(fb: FuncBuilder, op: Operation) -> None:
    """q = a / b (unsigned); q + 1 when the remainder is nonzero."""
    a, b = _binary(fb, op)
    q, r = fb.value(llvm.UDivOp(a, b)), fb.value(llvm.URemOp(a, b))
    adjust = icmp(fb, "ne", r, fb.const(0, a.type))
    fb.put(op.results[0], fb.value(llvm.AddOp(q, fb.value(llvm.ZExtOp(adjust, a.type)))))


def _remf(fb: FuncBuilder, op: Operation) -> None:
    """`arith.remf` (C's `fmod`; an op xDSL 0.74 lacks, matched by name) is LLVM's `frem`."""
    lhs, rhs = _binary(fb, op)
    fb.put(op.results[0], fb.value(llvm.FRemOp(lhs, rhs, fastmath(fb, op))))


def arith_rules() -> dict[RuleKey, Rule]:
    """The rule of every supported arith op (by class; `arith.remf` by name)."""
    rules: dict[RuleKey, Rule] = {
        "arith.remf": _remf,
        arith.ConstantOp: _constant,
        arith.IndexCastOp: _index_cast,
        arith.CmpiOp: _cmpi,
        arith.CmpfOp: _cmpf,
        arith.SelectOp: _select,
        arith.NegfOp: _negf,
        arith.FloorDivSIOp: _floordivsi,
        arith.CeilDivSIOp: _ceildivsi,
        arith.CeilDivUIOp: _ceildivui,
    }
    rules.update(dict.fromkeys(_INT_BINARY, _int_binary))
    rules.update(dict.fromkeys(_FLOAT_BINARY, _float_binary))
    rules.update(dict.fromkeys(_CASTS, _cast))
    rules.update(dict.fromkeys(_INT_MIN_MAX, _int_min_max))
    rules.update(dict.fromkeys(_FLOAT_MIN_MAX, _float_min_max))
    return rules
