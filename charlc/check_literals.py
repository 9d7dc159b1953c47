"""Literals: scalars (weakly typed numbers, booleans, strings) and rectangular tensor literals."""

from __future__ import annotations

from charlc import check_expr
from charlc import syntax as ast
from charlc.check_env import FnCtx
from charlc.types import INT32, INT64, STORAGE_DTYPES, StringType, TensorType, Type, show

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def scalar_literal(cx: FnCtx, e: ast.IntLit | ast.FloatLit | ast.BoolLit | ast.StrLit) -> Type:
    """`42` (weak int32, or int64 when it does not fit), `1.5` (weak float32), `true`, `"text"`."""
    cx.set_const(e, e.value)
    match e:
        case ast.IntLit():
            if e.value > INT64_MAX:
                raise cx.err(e.span, f"integer literal {e.text} does not fit int64")
            return cx.record(e, INT32 if e.value <= INT32_MAX else INT64, weak=True)
        case ast.FloatLit():
            return cx.record(e, TensorType("float32"), weak=True)
        case ast.BoolLit():
            return cx.record(e, TensorType("bool"))
    return cx.record(e, StringType())


def tensor_literal(cx: FnCtx, e: ast.TensorLit) -> TensorType:
    """`[1.0, 2.0]`, `[[1, 2], [3, 4]]`, `[x, 2.0 * y]`: rectangular; element type from the
    non-literal elements, else float32 when any literal is a float, else int32 (weak)."""
    if not e.elems:
        raise cx.err(e.span, "empty tensor literal; use zeros([0])")
    rows = [x for x in e.elems if isinstance(x, ast.TensorLit)]
    if rows and len(rows) != len(e.elems):
        raise cx.err(e.span, "ragged tensor literal: it mixes scalars and rows")
    types = [literal_element(cx, x) for x in e.elems]
    if rows:
        first = types[0]
        for i, t in enumerate(types[1:], start=1):
            if t.shape != first.shape:
                raise cx.err(e.span, ragged_message(first.shape, t.shape, i))
    dtype = element_dtype(cx, e)
    weak = all(cx.is_weak(x) for x in e.elems)
    for x in e.elems:
        if cx.type_of(x) != TensorType(dtype, types[0].shape):
            check_expr.adopt(cx, x, dtype)
    t = TensorType(dtype, (len(e.elems), *types[0].shape))
    cx.record(e, t, weak=weak)
    return t


def literal_element(cx: FnCtx, x: ast.Expr) -> TensorType:
    """Check one element (a scalar expression or a nested row)."""
    t = check_expr.infer(cx, x)
    if not isinstance(t, TensorType):
        raise cx.err(x.span, f"tensor literal elements must be numbers or booleans, got {show(t)}")
    if not isinstance(x, ast.TensorLit) and not t.is_scalar:
        raise cx.err(x.span, f"tensor literal elements must be scalars, got {show(t)}; use concat to join tensors")
    if t.dtype in STORAGE_DTYPES:
        raise cx.err(x.span, f"tensor literal elements cannot be {t.dtype}")
    return t


def ragged_message(first: tuple[object, ...], other: tuple[object, ...], i: int) -> str:
    """Name the row lengths that differ (at the first level where they do)."""
    for a, b in zip(first, other, strict=False):
        if a != b:
            return f"ragged tensor literal: row {i} has {b} elements where row 0 has {a}"
    return f"ragged tensor literal: row {i} has rank {len(other)} where row 0 has rank {len(first)}"


def element_dtype(cx: FnCtx, e: ast.TensorLit) -> str:
    """The element type of a literal: the non-weak elements must agree; weak ones adopt it."""
    strong = [x for x in e.elems if not cx.is_weak(x)]
    dtypes = [_dtype(cx, x) for x in e.elems]
    if strong:
        dtype = _dtype(cx, strong[0])
        for x in strong[1:]:
            if _dtype(cx, x) != dtype:
                a, b = cx.type_of(strong[0]), cx.type_of(x)
                assert isinstance(a, TensorType) and isinstance(b, TensorType)
                raise cx.err(x.span, check_expr.no_conversion(cx, strong[0], a, x, b))
        for x in e.elems:
            if cx.is_weak(x) and not check_expr.can_adopt(cx, x, dtype):
                a, b = cx.type_of(strong[0]), cx.type_of(x)
                assert isinstance(a, TensorType) and isinstance(b, TensorType)
                raise cx.err(x.span, check_expr.no_conversion(cx, strong[0], a, x, b))
        return dtype
    if "bool" in dtypes:
        if any(d != "bool" for d in dtypes):
            raise cx.err(e.span, "tensor literal mixes booleans and numbers")
        return "bool"
    for d in ("float64", "float32", "int64"):
        if d in dtypes:
            return d
    return "int32"


def _dtype(cx: FnCtx, x: ast.Expr) -> str:
    t = cx.type_of(x)
    assert isinstance(t, TensorType)
    return t.dtype
