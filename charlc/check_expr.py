"""Type checking of expressions: literals (weakly typed), names, operators, tuples and attributes.

`infer` records the type of every expression node in the instance's `types`. Literals are *weak*:
their element type is a default (`int32`, `float32`) that the context may still change with
`adopt` (an int literal becomes any number type, a float literal any float type).
"""

from __future__ import annotations

from typing import Any

from charlc import check_index, check_literals, shapes
from charlc import syntax as ast
from charlc.check_env import FnCtx, wider_dtype
from charlc.types import (
    BOOL,
    DTYPES,
    STORAGE_DTYPES,
    FnRefType,
    ModelType,
    TensorType,
    TupleType,
    Type,
    show,
)

ARITH = ("+", "-", "*", "/", "%", "**")
COMPARE = ("==", "!=", "<", "<=", ">", ">=")


def infer(cx: FnCtx, e: ast.Expr, expect: Type | None = None) -> Type:
    """Check `e`, record and return its type. `expect` is the type the context declares, if any
    (only `load_npy` needs it; everything else is conformed afterwards with `conform`)."""
    match e:
        case ast.IntLit() | ast.FloatLit() | ast.BoolLit() | ast.StrLit():
            return check_literals.scalar_literal(cx, e)
        case ast.TensorLit():
            return check_literals.tensor_literal(cx, e)
        case ast.TupleLit():
            return cx.record(e, TupleType(tuple(infer(cx, x) for x in e.elems)))
        case ast.Name():
            return name(cx, e)
        case ast.Unary():
            return unary(cx, e)
        case ast.Binary():
            return binary(cx, e)
        case ast.Call():
            from charlc.check_calls import call

            return call(cx, e, expect)
        case ast.Index():
            return check_index.index(cx, e)
        case ast.Attribute():
            return attribute(cx, e)
        case ast.TupleGet():
            return tuple_get(cx, e)
    raise cx.err(e.span, "unsupported expression")


def tensor(cx: FnCtx, e: ast.Expr, what: str) -> TensorType:
    """Check `e` and require a tensor or scalar value."""
    t = infer(cx, e)
    if not isinstance(t, TensorType):
        raise cx.err(e.span, f"{what} must be a tensor or a scalar, got {show(t)}")
    return t


def name(cx: FnCtx, e: ast.Name) -> Type:
    """A variable (or size variable, model argument) read as a value."""
    b = cx.lookup(e.id)
    if b is not None:
        cx.inst.defs[e] = b.node
        if b.const is not None:
            cx.set_const(e, b.const)
        return cx.record(e, b.type)
    raise cx.err(e.span, not_a_value(cx, e.id))


def not_a_value(cx: FnCtx, ident: str) -> str:
    """Why `ident` cannot be read as a value."""
    from charlc.check_builtins import is_builtin

    if ident in cx.prog.fns:
        return (
            f"function `{ident}` used as a value: functions are values only as arguments of "
            f"grad, value_and_grad and autograd"
        )
    if ident in cx.prog.model_decls:
        return f"model `{ident}` used as a value; create one with `{ident}(seed: 0)`"
    if ident in DTYPES:
        return f"`{ident}` is a type, not a value"
    if is_builtin(ident) or ident in ("grad", "value_and_grad", "autograd"):
        return f"built-in `{ident}` used as a value; call it: `{ident}(...)`"
    return f"unknown name `{ident}`"


# ---------------------------------------------------------------------------------------------
# Weak literals


def can_adopt(cx: FnCtx, e: ast.Expr, dtype: str) -> bool:
    """Whether the weak expression `e` may take the element type `dtype`."""
    t = cx.type_of(e)
    if not cx.is_weak(e) or not isinstance(t, TensorType):
        return False
    if t.dtype == dtype:
        return True
    if t.is_float:
        return dtype in ("float32", "float64")
    return t.is_int and dtype in ("int32", "int64", "float32", "float64")


def adopt(cx: FnCtx, e: ast.Expr, dtype: str) -> None:
    """Give the weak expression `e` (and its literal parts) the element type `dtype`."""
    t = cx.type_of(e)
    assert isinstance(t, TensorType)
    is_float = dtype in ("float32", "float64")
    match e:
        case ast.IntLit() | ast.FloatLit():
            cx.set_const(e, float(e.value) if is_float else int(e.value))
        case ast.Unary(operand=x):
            adopt(cx, x, dtype)
            v = cx.const(x)
            if v is not None:
                cx.set_const(e, -v)
        case ast.Binary(op=op, lhs=a, rhs=b):
            adopt(cx, a, dtype)
            adopt(cx, b, dtype)
            va, vb = cx.const(a), cx.const(b)
            if va is not None and vb is not None:
                v = shapes.fold_binary(op, va, vb, is_float)
                if v is not None:
                    cx.set_const(e, v)
                else:
                    cx.inst.consts.pop(e, None)
        case ast.TensorLit(elems=elems):
            for x in elems:
                adopt(cx, x, dtype)
    cx.record(e, t.with_dtype(dtype), weak=True)


def unify_dtypes(cx: FnCtx, a: ast.Expr, b: ast.Expr) -> str:
    """Make the element types of two operands equal by adopting a weak one, or fail."""
    ta, tb = cx.type_of(a), cx.type_of(b)
    assert isinstance(ta, TensorType) and isinstance(tb, TensorType)
    if ta.dtype == tb.dtype:
        return ta.dtype
    if can_adopt(cx, b, ta.dtype):
        adopt(cx, b, ta.dtype)
        return ta.dtype
    if can_adopt(cx, a, tb.dtype):
        adopt(cx, a, tb.dtype)
        return tb.dtype
    raise cx.err(a.span.to(b.span), no_conversion(cx, a, ta, b, tb))


def no_conversion(cx: FnCtx, a: ast.Expr, ta: TensorType, b: ast.Expr, tb: TensorType) -> str:
    """`no implicit conversion between A and B; use cast(x, wider)`."""
    target = wider_dtype(ta.dtype, tb.dtype)
    narrow = a if target == tb.dtype else b
    return f"no implicit conversion between {show(ta)} and {show(tb)}; use cast({cx.text(narrow)}, {target})"


def conform(cx: FnCtx, e: ast.Expr, target: Type) -> bool:
    """Adopt `target`'s element types into the weak parts of `e`; True when `e` then fits `target`
    (dims unify, model types match by name)."""
    t = cx.type_of(e)
    if isinstance(e, ast.TupleLit) and isinstance(target, TupleType) and len(e.elems) == len(target.elems):
        ok = all([conform(cx, x, tt) for x, tt in zip(e.elems, target.elems, strict=True)])
        cx.record(e, TupleType(tuple(cx.type_of(x) for x in e.elems)))
        return ok
    if isinstance(t, TensorType) and isinstance(target, TensorType) and t.dtype != target.dtype:
        if can_adopt(cx, e, target.dtype):
            adopt(cx, e, target.dtype)
    return fits(cx.type_of(e), target)


def fits(t: Type, target: Type) -> bool:
    """Whether a value of type `t` may be used where `target` is declared."""
    match t, target:
        case TensorType(), TensorType():
            return t.dtype == target.dtype and shapes.shapes_unify(t.shape, target.shape)
        case TupleType(), TupleType():
            return len(t.elems) == len(target.elems) and all(
                fits(a, b) for a, b in zip(t.elems, target.elems, strict=True)
            )
        case ModelType(), ModelType():
            return t.name == target.name and (t.args == target.args or not target.args)
    return t == target


# ---------------------------------------------------------------------------------------------
# Operators


def number_operand(cx: FnCtx, e: ast.Expr, op: str) -> TensorType:
    """Check an operand of an arithmetic operator."""
    t = infer(cx, e)
    if not isinstance(t, TensorType):
        raise cx.err(e.span, f"operand of `{op}` must be a tensor or a scalar, got {show(t)}")
    if t.dtype in STORAGE_DTYPES:
        raise cx.err(
            e.span,
            f"`{op}` on {show(t)}: {t.dtype} is a storage type without arithmetic; use dequantize(q, scale) first",
        )
    return t


def unary(cx: FnCtx, e: ast.Unary) -> Type:
    t = number_operand(cx, e.operand, e.op)
    v = cx.const(e.operand)
    if e.op == "not":
        if t.dtype != "bool":
            raise cx.err(e.span, f"`not` needs bool, got {show(t)}; compare explicitly (`x != 0`)")
        if v is not None:
            cx.set_const(e, not v)
        return cx.record(e, t)
    if t.dtype == "bool":
        raise cx.err(e.span, f"unary `-` is not defined on {show(t)}")
    if v is not None:
        cx.set_const(e, -v)
    return cx.record(e, t, weak=cx.is_weak(e.operand))


def binary(cx: FnCtx, e: ast.Binary) -> Type:
    ta = number_operand(cx, e.lhs, e.op)
    tb = number_operand(cx, e.rhs, e.op)
    if e.op in ("and", "or"):
        for x, t in ((e.lhs, ta), (e.rhs, tb)):
            if t.dtype != "bool":
                raise cx.err(x.span, f"`{e.op}` needs bool operands, got {show(t)}")
        shape = broadcast_shapes(cx, e, ta, tb)
        fold(cx, e, False)
        return cx.record(e, TensorType("bool", shape))
    dtype = unify_dtypes(cx, e.lhs, e.rhs)
    ta, tb = ta.with_dtype(dtype), tb.with_dtype(dtype)
    if e.op == "@":
        return cx.record(e, TensorType(dtype, matmul(cx, e, ta, tb)))
    shape = broadcast_shapes(cx, e, ta, tb)
    if e.op in COMPARE:
        if dtype == "bool" and e.op not in ("==", "!="):
            raise cx.err(e.span, f"`{e.op}` is not defined on bool")
        fold(cx, e, dtype in ("float32", "float64"))
        return cx.record(e, BOOL.with_shape(shape))
    if dtype == "bool":
        raise cx.err(e.span, f"`{e.op}` is not defined on {show(ta)}; use cast(x, int32) or `and`/`or`")
    fold(cx, e, dtype in ("float32", "float64"))
    return cx.record(e, TensorType(dtype, shape), weak=cx.is_weak(e.lhs) and cx.is_weak(e.rhs))


def fold(cx: FnCtx, e: ast.Binary, is_float: bool) -> None:
    va, vb = cx.const(e.lhs), cx.const(e.rhs)
    if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
        v = shapes.fold_binary(e.op, va, vb, is_float)
        if v is not None:
            cx.set_const(e, v)


def broadcast_shapes(cx: FnCtx, e: ast.Binary, ta: TensorType, tb: TensorType) -> shapes.Shape:
    try:
        return shapes.broadcast(ta.shape, tb.shape)
    except shapes.BroadcastError as err:
        raise cx.err(
            e.span,
            f"cannot broadcast {show(ta)} and {show(tb)} for `{e.op}`: "
            f"dimensions {shapes_show(err.left)} and {shapes_show(err.right)} differ",
        ) from err


def shapes_show(d: Any) -> str:
    return "?" if d is None else str(d)


def matmul(cx: FnCtx, e: ast.Expr, ta: TensorType, tb: TensorType) -> shapes.Shape:
    """The shape of `a @ b`, or a located error naming both types."""
    if ta.dtype == "bool":
        raise cx.err(e.span, f"matmul of {show(ta)} and {show(tb)}: bool tensors have no matrix product")
    try:
        return shapes.matmul_shape(ta.shape, tb.shape)
    except shapes.MatmulError as err:
        head = f"matmul of {show(ta)} and {show(tb)}"
        if err.kind == "rank":
            raise cx.err(e.span, f"{head}: operands must have at least one dimension; use `*` for scalars") from err
        what = "inner" if err.kind == "inner" else "batch"
        raise cx.err(
            e.span, f"{head}: {what} dimensions {shapes_show(err.left)} and {shapes_show(err.right)} differ"
        ) from err


# ---------------------------------------------------------------------------------------------
# Tuples and attributes


def tuple_get(cx: FnCtx, e: ast.TupleGet) -> Type:
    t = infer(cx, e.base)
    if not isinstance(t, TupleType):
        raise cx.err(e.span, f"`.{e.index}` needs a tuple, got {show(t)}")
    if e.index >= len(t.elems):
        raise cx.err(e.span, f"tuple index {e.index} out of range for {show(t)} ({len(t.elems)} elements)")
    return cx.record(e, t.elems[e.index])


def attribute(cx: FnCtx, e: ast.Attribute) -> Type:
    """`self.w`, `m.l1`, `m.l1.w`: a parameter or a sub-model of a `params` model."""
    from charlc.check_model_calls import model_attribute

    t = infer(cx, e.base)
    if isinstance(t, ModelType):
        return cx.record(e, model_attribute(cx, e, t))
    if isinstance(t, FnRefType):
        raise cx.err(e.span, f"`{t.name}` has no attribute `{e.name}`")
    if e.name == "shape" and isinstance(t, TensorType):
        raise cx.err(e.span, f"{show(t)} has no attribute `shape`; use shape({cx.text(e.base)})")
    raise cx.err(e.span, f"{show(t)} has no attribute `{e.name}`")
