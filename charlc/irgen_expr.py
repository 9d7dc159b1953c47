"""irgen of expressions: literals, names, operators, tuples, model attributes, calls and `print`.

Elementwise operators take operands of identical type: each operand is broadcast explicitly
(`charl.broadcast_to`) to the result's shape first. Matrix products, indexing and slicing live in
`irgen_index`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from xdsl.dialects import arith
from xdsl.ir import Operation, SSAValue

from charlc import irgen_shape as shape
from charlc import syntax as ast
from charlc.checked import BuiltinTarget, FnTarget, ForwardTarget, GradTarget, ModelCtorTarget
from charlc.diagnostics import CharlError
from charlc.irgen_control import select_if
from charlc.irgen_index import gen_index, gen_matmul
from charlc.irgen_types import IRGenInternalError, PyTree, const_attr, sub_model
from charlc.types import TensorType
from dialects.charl import (
    AddOp,
    AndOp,
    CompareOp,
    ConstantOp,
    DivOp,
    FromElementsOp,
    MulOp,
    NegOp,
    NotOp,
    OrOp,
    PowOp,
    PrintOp,
    RemOp,
    SubOp,
)

if TYPE_CHECKING:
    from charlc.irgen import FnGen

ARITH: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "+": AddOp,
    "-": SubOp,
    "*": MulOp,
    "/": DivOp,
    "%": RemOp,
    "**": PowOp,
    "and": AndOp,
    "or": OrOp,
}
COMPARE = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def gen_expr(g: FnGen, e: ast.Expr) -> PyTree:
    """The value of expression `e`."""
    match e:
        case ast.IntLit() | ast.FloatLit() | ast.BoolLit():
            t = g.tensor_type_of(e)
            return g.constant(check_range(e.value, t.dtype, e.span), t, e.span)
        case ast.StrLit():
            return e.value
        case ast.TensorLit():
            return gen_tensor_lit(g, e)
        case ast.TupleLit():
            return [g.expr(x) for x in e.elems]
        case ast.Name():
            return gen_name(g, e)
        case ast.Unary():
            return gen_unary(g, e)
        case ast.Binary() if e.op == "@":
            return gen_matmul(g, e)
        case ast.Binary():
            return gen_binary(g, e)
        case ast.Call():
            return gen_call(g, e)
        case ast.Index():
            return gen_index(g, e)
        case ast.Attribute():
            return gen_attribute(g, e)
        case ast.TupleGet():
            base = g.expr(e.base)
            if not isinstance(base, list) or not 0 <= e.index < len(base):
                raise IRGenInternalError(f"irgen: .{e.index} of a non-tuple at {e.span.line}:{e.span.col}")
            return base[e.index]
    raise IRGenInternalError(f"irgen: unexpected expression {type(e).__name__}")


# ---- literals and names --------------------------------------------------------------------------


def literal_value(e: ast.Expr) -> int | float | bool | None:
    """The value of a literal (or a negated number literal), else None."""
    match e:
        case ast.IntLit() | ast.FloatLit() | ast.BoolLit():
            return e.value
        case ast.Unary(op="-", operand=ast.IntLit() | ast.FloatLit() as lit):
            return -lit.value
    return None


INT_RANGES = {"int32": 32, "int64": 64, "int8": 8, "int4": 4}


FLOAT32_MAX = 3.4028234663852886e38


def check_range(value: int | float | bool, dtype: str, span: ast.Span) -> int | float | bool:
    """`value`, if a literal of type `dtype` can hold it; else a located error."""
    if dtype == "float32" and isinstance(value, float) and math.isfinite(value) and abs(value) > FLOAT32_MAX:
        raise CharlError(
            span, f"float literal {value:g} is out of the float32 range (±{FLOAT32_MAX:g}); declare it `float64`"
        )
    bits = INT_RANGES.get(dtype)
    if bits is None or isinstance(value, bool) or not isinstance(value, int):
        return value
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not lo <= value <= hi:
        wider = "; declare it `int64`" if bits == 32 and -(1 << 63) <= value < (1 << 63) else ""
        raise CharlError(span, f"integer literal {value} does not fit {dtype} ({lo} to {hi}){wider}")
    return value


def lit_leaves(e: ast.Expr) -> Iterator[ast.Expr]:
    """The scalar elements of a (nested) tensor literal, row-major."""
    if isinstance(e, ast.TensorLit):
        for x in e.elems:
            yield from lit_leaves(x)
    else:
        yield e


def gen_tensor_lit(g: FnGen, e: ast.TensorLit) -> SSAValue:
    """A dense `charl.constant` when every element is a literal, else `charl.from_elements`."""
    t = g.tensor_type_of(e)
    leaves = list(lit_leaves(e))
    values = [literal_value(x) for x in leaves]
    for x, v in zip(leaves, values, strict=True):
        if v is not None:
            check_range(v, t.dtype, x.span)
    if all(v is not None for v in values):
        attr = const_attr(t, [v for v in values if v is not None])
        return g.value(ConstantOp(attr), e.span)  # type: ignore[arg-type]
    scalar = TensorType(t.dtype)
    elems: list[SSAValue] = []
    for x, v in zip(leaves, values, strict=True):
        elems.append(g.constant(v, scalar, x.span) if v is not None else g.expr(x))
    return g.value(FromElementsOp(elems, g.ir_type(t)), e.span)


def gen_name(g: FnGen, e: ast.Name) -> PyTree:
    """A variable's current value, or a folded constant (size variables, model arguments)."""
    var = g.scope.lookup(e.id)
    if var is not None:
        return var.value
    const = g.inst.consts.get(e)
    if isinstance(const, bool | int | float):
        return g.constant(const, g.type_of(e), e.span)
    sym = shape.sym_dim(g, e.id, e.span)
    if sym is not None:
        t = g.tensor_type_of(e)
        return g.value(arith.IndexCastOp(sym, g.ir_type(t)), e.span, e.id)
    model = g.inst.self_model
    if model is not None and e.id in model.arg_values:
        return g.constant(model.arg_values[e.id], g.type_of(e), e.span)
    raise IRGenInternalError(f"irgen: unbound name `{e.id}` at {e.span.line}:{e.span.col}")


def gen_attribute(g: FnGen, e: ast.Attribute) -> PyTree:
    """`self.w` (a parameter) or `self.l1` (the sub-model's parameters, paths relative to it)."""
    base = g.expr(e.base)
    if isinstance(base, dict):
        if e.name in base:
            return base[e.name]
        sub = sub_model(base, e.name)
        if sub:
            return sub
    raise IRGenInternalError(f"irgen: no field `{e.name}` at {e.span.line}:{e.span.col}")


# ---- operators -----------------------------------------------------------------------------------


def gen_unary(g: FnGen, e: ast.Unary) -> SSAValue:
    """`-x` -> `charl.neg`, `not x` -> `charl.not`."""
    lit = literal_value(e)
    t = g.tensor_type_of(e)
    if lit is not None and t.is_static:
        return g.constant(check_range(lit, t.dtype, e.span), t, e.span)
    x = g.expr(e.operand)
    x = g.broadcast(x, g.tensor_type_of(e.operand), t, e.span)
    op = NegOp(x) if e.op == "-" else NotOp(x)
    return g.value(op, e.span)


def may_fail(e: ast.Expr) -> bool:
    """Whether evaluating `e` may fail at run time or have an effect (it indexes or calls)."""
    match e:
        case ast.Index() | ast.Call():
            return True
        case ast.Unary():
            return may_fail(e.operand)
        case ast.Binary():
            return may_fail(e.lhs) or may_fail(e.rhs)
        case ast.TensorLit() | ast.TupleLit():
            return any(may_fail(x) for x in e.elems)
        case ast.Attribute() | ast.TupleGet():
            return may_fail(e.base)
    return False


def gen_short_circuit(g: FnGen, e: ast.Binary) -> SSAValue:
    """Scalar `a and b` / `a or b` evaluating `b` only when needed (an `scf.if`)."""
    lhs = g.expr(e.lhs)
    if e.op == "and":
        return select_if(g, lhs, lambda: g.expr(e.rhs), lambda: g.bool_constant(False, e.span), e.span, "and")
    return select_if(g, lhs, lambda: g.bool_constant(True, e.span), lambda: g.expr(e.rhs), e.span, "or")


def gen_binary(g: FnGen, e: ast.Binary) -> SSAValue:
    """Arithmetic, comparison and logic operators on operands broadcast to the result's shape.

    Scalar `and`/`or` short-circuit when their right side may fail or print (it indexes or calls).
    """
    res = g.tensor_type_of(e)
    if e.op in ("and", "or") and res.is_scalar and may_fail(e.rhs):
        return gen_short_circuit(g, e)
    lt, rt = g.tensor_type_of(e.lhs), g.tensor_type_of(e.rhs)
    lhs, rhs = g.expr(e.lhs), g.expr(e.rhs)
    dims: list[SSAValue] = []
    if not res.is_static:
        operands = [shape.dvals(g, lhs, lt, e.span), shape.dvals(g, rhs, rt, e.span)]
        dvs = shape.bcast_dvals(g, res.shape, operands, e.span)
        dims = shape.dims_for(g, res.shape, dvs, e.span)
    lhs = g.broadcast(lhs, lt, res.with_dtype(lt.dtype), e.span, dims)
    rhs = g.broadcast(rhs, rt, res.with_dtype(rt.dtype), e.span, dims)
    if e.op in COMPARE:
        return g.value(CompareOp(lhs, rhs, COMPARE[e.op]), e.span, "cmp")
    make = ARITH.get(e.op)
    if make is None:
        raise IRGenInternalError(f"irgen: unknown operator {e.op}")
    return g.value(make(lhs, rhs), e.span)


# ---- calls ---------------------------------------------------------------------------------------


def gen_call(g: FnGen, e: ast.Call) -> PyTree:
    """Dispatch a call on the checker's resolution of it."""
    target = g.inst.targets.get(e)
    match target:
        case FnTarget(instance):
            return g.call(instance, [g.expr(a) for a in e.args], e.span)
        case BuiltinTarget(name="print"):
            return gen_print(g, e)
        case BuiltinTarget():
            from charlc.irgen_builtins import lower_builtin

            return lower_builtin(g, e, target)
        case ModelCtorTarget():
            from charlc.irgen_models import lower_model_ctor

            return lower_model_ctor(g, e, target)
        case ForwardTarget():
            from charlc.irgen_models import lower_forward

            return lower_forward(g, e, target)
        case GradTarget():
            from charlc.irgen_train import lower_grad

            return lower_grad(g, e, target)
    raise IRGenInternalError(f"irgen: unresolved call at {e.span.line}:{e.span.col}")


def escape(text: str) -> str:
    """Text for a `charl.print` format: braces doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def format_value(value: PyTree, values: list[SSAValue]) -> str:
    """The format of one printed value (appending its leaves to `values`)."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, list):
        return "(" + ", ".join(format_value(v, values) for v in value) + ")"
    if isinstance(value, dict):
        return " ".join(escape(k) + "=" + format_value(v, values) for k, v in value.items())
    values.append(value)
    return "{}"


def gen_print(g: FnGen, e: ast.Call) -> list[Any]:
    """`print(a, "text", b)` -> one `charl.print` with format `{} text {}`."""
    values: list[SSAValue] = []
    parts = [format_value(g.expr(a), values) for a in e.args]
    g.emit(PrintOp(" ".join(parts), values), e.span)
    return []
