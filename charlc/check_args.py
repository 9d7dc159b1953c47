"""Argument binding for built-ins (positional and keyword arguments against a signature) and the
readers of compile-time arguments: integers, axes, shapes, dtypes, booleans, floats, strings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from charlc import check_expr
from charlc import syntax as ast
from charlc.check_env import FnCtx, Sig, plural
from charlc.shapes import normalize_axis
from charlc.types import DTYPES, STORAGE_DTYPES, Dim, TensorType, Type, show


def bind(cx: FnCtx, call: ast.Call, fname: str, sig: Sig) -> dict[str, ast.Expr]:
    """Map a call's arguments to parameter names; located errors for every misuse."""
    if sig.varargs:
        if call.kwargs:
            raise cx.err(call.kwargs[0].span, f"`{fname}` takes no keyword arguments")
        return {str(i): a for i, a in enumerate(call.args)}
    pos = [n.rstrip("?") for n in sig.pos]
    if len(call.args) > len(pos):
        extra = call.args[len(pos)]
        raise cx.err(
            extra.span, f"`{fname}` takes at most {plural(len(pos), 'positional argument')}, got {len(call.args)}"
        )
    out: dict[str, ast.Expr] = dict(zip(pos, call.args, strict=False))
    names = sig.names()
    for kw in call.kwargs:
        if kw.name not in names:
            allowed = ", ".join(f"`{n}`" for n in names) or "none"
            raise cx.err(kw.span, f"unknown keyword argument `{kw.name}` for `{fname}` (it takes {allowed})")
        if kw.name in out:
            raise cx.err(kw.span, f"`{fname}` got argument `{kw.name}` twice")
        out[kw.name] = kw.value
    required = [n for n in sig.pos if not n.endswith("?")] + [n.rstrip("!") for n in sig.kw if n.endswith("!")]
    for n in required:
        if n not in out:
            how = f"`{n}: ...`" if n not in pos else f"`{n}`"
            raise cx.err(call.span, f"`{fname}` is missing its argument {how}")
    return out


def int_const(cx: FnCtx, e: ast.Expr, what: str) -> int:
    """A compile-time integer (literal, size variable, model argument or constant `let`)."""
    t = check_expr.infer(cx, e)
    v = cx.const(e)
    if not (isinstance(t, TensorType) and t.is_int and t.is_scalar) or not isinstance(v, int) or isinstance(v, bool):
        raise cx.err(e.span, f"{what} must be a compile-time integer, got {_desc(cx, e, t)}")
    return v


def _desc(cx: FnCtx, e: ast.Expr, t: Type) -> str:
    if isinstance(t, TensorType) and t.is_int and t.is_scalar:
        return f"`{cx.text(e, 'a run-time value')}` (a run-time value)"
    return show(t)


def axis_const(cx: FnCtx, e: ast.Expr, rank: int, fname: str, extra: int = 0) -> int:
    """A compile-time axis normalized to `[0, rank + extra)`."""
    v = int_const(cx, e, f"`axis` of `{fname}`")
    n = normalize_axis(v, rank + extra)
    if n is None:
        raise cx.err(e.span, f"axis {v} is out of range for `{fname}` of a rank-{rank} tensor")
    cx.set_const(e, n)
    return n


def axes_const(cx: FnCtx, e: ast.Expr, rank: int, fname: str) -> tuple[int, ...]:
    """One axis or a literal list of axes (`axis: [0, 1]`), normalized, sorted, distinct."""
    if not isinstance(e, ast.TensorLit):
        return (axis_const(cx, e, rank, fname),)
    axes = [axis_const(cx, x, rank, fname) for x in e.elems]
    cx.record(e, TensorType("int32", (len(axes),)))
    if len(set(axes)) != len(axes):
        raise cx.err(e.span, f"repeated axis in `axis` of `{fname}`")
    cx.set_const(e, tuple(sorted(axes)))
    return tuple(sorted(axes))


def shape_const(cx: FnCtx, e: ast.Expr, fname: str, allow_minus_one: bool = False) -> tuple[Dim, ...]:
    """A shape: a literal list of compile-time integers or size variables (`[B, 784]`), or an
    expression whose value is static (`shape(x)`)."""
    if isinstance(e, ast.TensorLit):
        dims = tuple(_shape_dim(cx, x, fname, allow_minus_one) for x in e.elems)
        cx.record(e, TensorType("int32", (len(dims),)))
        cx.set_const(e, dims)
        return dims
    t = check_expr.infer(cx, e)
    v = cx.const(e)
    if isinstance(v, tuple):
        return v
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return (v,)
    raise cx.err(e.span, f"the shape of `{fname}` must be a list of compile-time sizes like [32, 784], got {show(t)}")


def _shape_dim(cx: FnCtx, x: ast.Expr, fname: str, allow_minus_one: bool) -> Dim:
    if isinstance(x, ast.Name):
        b = cx.lookup(x.id)
        if b is not None and isinstance(b.node, ast.DimExpr) and b.const is None:
            check_expr.infer(cx, x)
            return x.id
    v = int_const(cx, x, f"a dimension in the shape of `{fname}`")
    if v < 0 and not (allow_minus_one and v == -1):
        raise cx.err(x.span, f"negative dimension {v} in the shape of `{fname}`")
    return v


def dtype_const(cx: FnCtx, e: ast.Expr, fname: str, storage: bool = False) -> str:
    """An element type named as an argument (`float64`)."""
    if isinstance(e, ast.Name) and e.id in DTYPES and cx.lookup(e.id) is None:
        if e.id in STORAGE_DTYPES and not storage:
            raise cx.err(e.span, f"`{fname}` cannot produce {e.id}; use quantize_tensor for int8/int4")
        return e.id
    raise cx.err(e.span, f"`{fname}` needs an element type here (float32, float64, int32, int64, bool)")


def _const(cx: FnCtx, e: ast.Expr, what: str, expected: str, accepts: Callable[[Any], bool]) -> Any:
    """The compile-time value of `e` if `accepts` takes it; else `<what> must be <expected>, got <type>`."""
    t = check_expr.infer(cx, e)
    v = cx.const(e)
    if not accepts(v):
        raise cx.err(e.span, f"{what} must be {expected}, got {show(t)}")
    return v


def bool_const(cx: FnCtx, e: ast.Expr, what: str) -> bool:
    """A compile-time `true` or `false`."""
    return _const(cx, e, what, "`true` or `false`", lambda v: isinstance(v, bool))


def float_const(cx: FnCtx, e: ast.Expr, what: str) -> float:
    """A compile-time number (integer or float), as a float."""
    number = _const(
        cx, e, what, "a compile-time number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)
    )
    return float(number)


def str_const(cx: FnCtx, e: ast.Expr, what: str) -> str:
    """A compile-time string (a literal)."""
    return _const(cx, e, what, "a string literal", lambda v: isinstance(v, str))


def scalar(cx: FnCtx, e: ast.Expr, what: str, kind: str) -> TensorType:
    """A run-time scalar argument of `kind` ("float", "int", "bool", or a dtype), adopting weak
    literals."""
    t = check_expr.infer(cx, e)
    target = {"float": "float32", "int": "int32"}.get(kind, kind)
    if isinstance(t, TensorType) and t.dtype != target and check_expr.can_adopt(cx, e, target):
        if not (kind == "int" and t.is_int) and not (kind == "float" and t.is_float):
            check_expr.adopt(cx, e, target)
            t = cx.type_of(e)
    ok = isinstance(t, TensorType) and t.is_scalar
    if ok and isinstance(t, TensorType):
        ok = t.is_float if kind == "float" else t.is_int if kind == "int" else t.dtype == kind
    if not ok:
        want = {"float": "a float scalar", "int": "an int scalar"}.get(kind, kind)
        raise cx.err(e.span, f"{what} must be {want}, got {show(t)}")
    assert isinstance(t, TensorType)
    return t
