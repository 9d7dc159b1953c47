"""Indexing and slicing: `x[i]` drops a dimension, `x[a:b]` keeps it with extent `b - a` (static
when the difference folds to a constant through linear forms over variables, else `?`).

Constant indices and slice bounds are checked against static dimensions and recorded, normalized
(non-negative), in `consts`; a `SliceItem` gets `consts[item] = (lo, hi)` with `None` for a bound
that is not a compile-time constant.
"""

from __future__ import annotations

from charlc import check_expr, shapes
from charlc import syntax as ast
from charlc.check_env import FnCtx
from charlc.shapes import Linear
from charlc.types import Dim, TensorType, TupleType, Type, show


def index(cx: FnCtx, e: ast.Index) -> Type:
    """`x[i, a:b, :]`."""
    t = check_expr.infer(cx, e.base)
    if isinstance(t, TupleType):
        raise cx.err(e.span, f"cannot index the tuple {show(t)}; read an element with `.0`, `.1`, ...")
    if not isinstance(t, TensorType) or t.is_scalar:
        raise cx.err(e.span, f"cannot index {show(t)}: only tensors of rank >= 1 can be indexed")
    if len(e.items) > t.rank:
        raise cx.err(e.span, f"too many indices for {show(t)}: {len(e.items)} given, rank is {t.rank}")
    out: list[Dim] = []
    for axis, item in enumerate(e.items):
        dim = t.shape[axis]
        if isinstance(item, ast.SliceItem):
            out.append(slice_extent(cx, item, dim, axis))
        else:
            index_value(cx, item, dim, axis)
    out.extend(t.shape[len(e.items) :])
    return cx.record(e, TensorType(t.dtype, tuple(out)))


def int_scalar(cx: FnCtx, e: ast.Expr, what: str) -> None:
    """Check that `e` is an int32/int64 scalar (weak literals become int32)."""
    t = check_expr.infer(cx, e)
    if not isinstance(t, TensorType) or not t.is_scalar or not t.is_int:
        raise cx.err(e.span, f"{what} must be an int32 or int64 scalar, got {show(t)}")


def index_value(cx: FnCtx, e: ast.Expr, dim: Dim, axis: int) -> None:
    """A single index: checked and normalized when constant."""
    int_scalar(cx, e, "an index")
    v = cx.const(e)
    if not isinstance(v, int):
        return
    if isinstance(dim, int):
        if not -dim <= v < dim:
            raise cx.err(e.span, f"index {v} is out of range for dimension {axis} of size {dim}")
        cx.set_const(e, v % dim)
    elif v < 0:
        raise cx.err(
            e.span,
            f"negative index {v} on dimension {axis} whose size is not known at compile time; "
            f"write the size explicitly (`x[n - 1]`)",
        )


def slice_extent(cx: FnCtx, item: ast.SliceItem, dim: Dim, axis: int) -> Dim:
    """The extent of `lo:hi` on a dimension of size `dim`."""
    lo = _bound(cx, item.lo, dim, axis, "start")
    hi = _bound(cx, item.hi, dim, axis, "end")
    lo_form = Linear(0) if item.lo is None else linear(cx, item.lo)
    hi_form = dim_form(dim) if item.hi is None else linear(cx, item.hi)
    if item.lo is not None and lo is not None:
        lo_form = Linear(lo)
    if item.hi is not None and hi is not None:
        hi_form = Linear(hi)
    lo_value = 0 if item.lo is None else lo
    hi_value = (dim if isinstance(dim, int) else None) if item.hi is None else hi
    cx.set_const(item, (lo_value, hi_value))
    if lo_value is not None and hi_value is not None and lo_value > hi_value:
        raise cx.err(item.span, f"slice {lo_value}:{hi_value} of dimension {axis} has a negative extent")
    if lo_form is None or hi_form is None:
        return None
    diff = hi_form.add(lo_form, -1)
    symbolic = _symbolic_size(diff)
    if symbolic is not None:
        return symbolic
    extent = diff.constant
    if extent is not None and extent < 0:
        raise cx.err(item.span, f"slice of dimension {axis} has a negative extent ({extent})")
    if extent is not None and isinstance(dim, int) and extent > dim:
        raise cx.err(item.span, f"slice extent {extent} exceeds dimension {axis} of size {dim}")
    return extent


def _symbolic_size(form: Linear) -> str | None:
    """The size variable `N` when `form` is exactly the size `N` (as in `x[0:N]`, `x[:]`)."""
    if form.const != 0 or len(form.terms) != 1:
        return None
    key, coef = form.terms[0]
    if coef == 1 and isinstance(key, tuple) and key[0] == "dim" and isinstance(key[1], str):
        return key[1]
    return None


def _bound(cx: FnCtx, e: ast.Expr | None, dim: Dim, axis: int, what: str) -> int | None:
    """Check a slice bound; return its normalized constant value when it has one."""
    if e is None:
        return None
    int_scalar(cx, e, f"a slice {what}")
    v = cx.const(e)
    if not isinstance(v, int):
        return None
    if isinstance(dim, int):
        if not -dim <= v <= dim:
            raise cx.err(e.span, f"slice {what} {v} is out of range for dimension {axis} of size {dim}")
        v = v + dim if v < 0 else v
        cx.set_const(e, v)
        return v
    if v < 0:
        raise cx.err(e.span, f"negative slice {what} {v} on dimension {axis} whose size is not known at compile time")
    return v


def dim_form(dim: Dim) -> Linear | None:
    """The linear form of a dimension's size (the default end of a slice)."""
    if isinstance(dim, int):
        return Linear(dim)
    if isinstance(dim, str):
        return Linear.atom(("dim", dim))
    return None


def linear(cx: FnCtx, e: ast.Expr) -> Linear | None:
    """`e` (already checked) as a linear form over run-time integers, or `None`."""
    v = cx.const(e)
    if isinstance(v, int) and not isinstance(v, bool):
        return Linear(v)
    match e:
        case ast.Name():
            node = cx.inst.defs.get(e)
            if isinstance(node, ast.DimExpr):
                return Linear.atom(("dim", node.value))
            return Linear.atom(("var", id(node))) if node is not None else None
        case ast.Unary(op="-", operand=x):
            f = linear(cx, x)
            return f.scale(-1) if f is not None else None
        case ast.Binary(op="+" | "-", lhs=a, rhs=b):
            fa, fb = linear(cx, a), linear(cx, b)
            if fa is None or fb is None:
                return None
            return fa.add(fb, 1 if e.op == "+" else -1)
        case ast.Binary(op="*", lhs=a, rhs=b):
            fa, fb = linear(cx, a), linear(cx, b)
            if fa is None or fb is None:
                return None
            if fa.constant is not None:
                return fb.scale(fa.constant)
            if fb.constant is not None:
                return fa.scale(fb.constant)
    return None


def region_fits(value: TensorType, region: TensorType) -> bool:
    """Whether a value broadcasts to an indexed region (for indexed assignment)."""
    return shapes.broadcasts_to(value.shape, region.shape)
