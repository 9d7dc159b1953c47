"""Shape built-ins (`reshape transpose flatten expand_dims squeeze broadcast_to concat shape`) and
indexing built-ins (`take one_hot`)."""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType
from typing import Any

from charlc import check_args, check_expr, shapes
from charlc import syntax as ast
from charlc.check_builtins import Table, _size_arg, make, numeric_or_bool
from charlc.check_env import FnCtx, Sig
from charlc.checked import BuiltinTarget
from charlc.types import Dim, TensorType, TupleType, Type, show


def _show_shape(shape: tuple[Dim, ...]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def reshape(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "reshape")
    target = check_args.shape_const(cx, a["shape"], "reshape", allow_minus_one=True)
    holes = [i for i, d in enumerate(target) if d == -1]
    if len(holes) > 1:
        raise cx.err(a["shape"].span, "`reshape` allows at most one -1 in the shape")
    src, dst = _cancel(t.shape, tuple(d for d in target if d != -1))
    src_n, dst_n = shapes.num_elements(src), shapes.num_elements(dst)
    out = list(target)
    if holes:
        inferred: Dim = None
        if src_n is not None and dst_n is not None:
            if dst_n == 0 or src_n % dst_n:
                raise cx.err(c.span, f"cannot reshape {show(t)} into {_show_shape(target)}: sizes do not divide")
            inferred = src_n // dst_n
        out[holes[0]] = inferred
    elif src_n is not None and dst_n is not None and src_n != dst_n:
        raise cx.err(
            c.span,
            f"cannot reshape {show(t)} into {_show_shape(target)}: {shapes.num_elements(t.shape) or src_n} "
            f"elements do not fit {shapes.num_elements(target) or dst_n}",
        )
    static = {"shape": tuple(out), "infer_axis": holes[0] if holes else None}
    return make("reshape", a, ("x",), static, TensorType(t.dtype, tuple(out)))


def _cancel(src: tuple[Dim, ...], dst: tuple[Dim, ...]) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
    """Remove symbolic dimensions present on both sides (they contribute equal factors)."""
    common = Counter(d for d in src if isinstance(d, str)) & Counter(d for d in dst if isinstance(d, str))
    return _without(src, common), _without(dst, common)


def _without(dims: tuple[Dim, ...], drop: Counter[str]) -> tuple[Dim, ...]:
    """`dims` less the symbolic dimensions in `drop`, each removed as many times as it is counted."""
    left = Counter(drop)
    out: list[Dim] = []
    for d in dims:
        if isinstance(d, str) and left[d] > 0:
            left[d] -= 1
        else:
            out.append(d)
    return tuple(out)


def transpose(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "transpose")
    if "perm" in a:
        perm = _perm(cx, a["perm"], t.rank)
    else:
        perm = tuple(range(t.rank - 1, -1, -1))
    return make("transpose", a, ("x",), {"perm": perm}, TensorType(t.dtype, tuple(t.shape[p] for p in perm)))


def _perm(cx: FnCtx, e: ast.Expr, rank: int) -> tuple[int, ...]:
    if not isinstance(e, ast.TensorLit):
        raise cx.err(e.span, "the permutation of `transpose` must be a list of axes like [1, 0]")
    perm = tuple(check_args.int_const(cx, x, "an axis of the permutation") for x in e.elems)
    perm = tuple(p + rank if p < 0 else p for p in perm)
    if sorted(perm) != list(range(rank)):
        raise cx.err(e.span, f"{list(perm)} is not a permutation of the {rank} axes of the tensor")
    cx.record(e, TensorType("int32", (rank,)))
    cx.set_const(e, perm)
    return perm


def flatten(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "flatten")
    if t.is_scalar:
        raise cx.err(a["x"].span, "`flatten` of a scalar")
    start = check_args.axis_const(cx, a["start"], t.rank, "flatten") if "start" in a else 1
    if start >= t.rank:
        raise cx.err(c.span, f"`flatten` from axis {start} of {show(t)}: the tensor has rank {t.rank}")
    rest = t.shape[start:]
    n = shapes.num_elements(rest)
    merged: Dim = n if n is not None else (rest[0] if len(rest) == 1 else None)
    return make("flatten", a, ("x",), {"start": start}, TensorType(t.dtype, (*t.shape[:start], merged)))


def expand_dims(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "expand_dims")
    axis = check_args.axis_const(cx, a["axis"], t.rank, "expand_dims", extra=1)
    shape = (*t.shape[:axis], 1, *t.shape[axis:])
    return make("expand_dims", a, ("x",), {"axis": axis}, TensorType(t.dtype, shape))


def squeeze(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "squeeze")
    axis = check_args.axis_const(cx, a["axis"], t.rank, "squeeze")
    d = t.shape[axis]
    if isinstance(d, int) and d != 1:
        raise cx.err(c.span, f"cannot squeeze axis {axis} of {show(t)}: its size is {d}, not 1")
    shape = t.shape[:axis] + t.shape[axis + 1 :]
    return make("squeeze", a, ("x",), {"axis": axis}, TensorType(t.dtype, shape))


def broadcast_to(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "broadcast_to")
    shape = check_args.shape_const(cx, a["shape"], "broadcast_to")
    if not shapes.broadcasts_to(t.shape, shape):
        raise cx.err(c.span, f"cannot broadcast {show(t)} to {_show_shape(shape)}")
    return make("broadcast_to", a, ("x",), {"shape": shape}, TensorType(t.dtype, shape))


def concat(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    lst = a["tensors"]
    if not isinstance(lst, ast.TensorLit | ast.TupleLit) or not lst.elems:
        raise cx.err(lst.span, "`concat` takes a list of tensors: concat([a, b], axis: 0)")
    ts = [numeric_or_bool(cx, x, "concat") for x in lst.elems]
    for x in lst.elems[1:]:
        check_expr.unify_dtypes(cx, lst.elems[0], x)
    ts = [cx.type_of(x) for x in lst.elems]  # type: ignore[misc]
    first = ts[0]
    assert isinstance(first, TensorType)
    if first.is_scalar:
        raise cx.err(lst.elems[0].span, "`concat` needs tensors of rank >= 1, got a scalar")
    axis = check_args.axis_const(cx, a["axis"], first.rank, "concat") if "axis" in a else 0
    shape = list(first.shape)
    for x, t in zip(lst.elems[1:], ts[1:], strict=True):
        assert isinstance(t, TensorType)
        _concat_agree(cx, x, first, t, axis)
        for i, d in enumerate(t.shape):
            if i == axis:
                prev = shape[i]
                shape[i] = prev + d if isinstance(prev, int) and isinstance(d, int) else None
            else:
                shape[i] = shapes.dim_join(shape[i], d)
    cx.record(lst, TupleType(tuple(ts)))
    target = make("concat", a, (), {"axis": axis}, TensorType(first.dtype, tuple(shape)))
    return BuiltinTarget("concat", tuple(lst.elems), target.kwargs, target.static, target.result)


def _concat_agree(cx: FnCtx, x: ast.Expr, first: TensorType, t: TensorType, axis: int) -> None:
    if t.rank != first.rank:
        raise cx.err(x.span, f"`concat` of {show(first)} and {show(t)}: ranks differ")
    for i, (p, q) in enumerate(zip(first.shape, t.shape, strict=True)):
        if i != axis and not shapes.dims_unify(p, q):
            raise cx.err(
                x.span,
                f"`concat` along axis {axis} of {show(first)} and {show(t)}: dimension {i} differs ({p} and {q})",
            )


def shape_of(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "shape")
    if t.is_static:
        cx.set_const(c, t.shape)
    return make("shape", a, ("x",), {"shape": t.shape}, TensorType("int64", (t.rank,)))


def take(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "take")
    it = check_expr.infer(cx, a["indices"])
    if not isinstance(it, TensorType) or not it.is_int:
        raise cx.err(a["indices"].span, f"the indices of `take` must be an int tensor, got {show(it)}")
    if t.is_scalar:
        raise cx.err(a["x"].span, "`take` from a scalar")
    axis = check_args.axis_const(cx, a["axis"], t.rank, "take") if "axis" in a else 0
    shape = (*t.shape[:axis], *it.shape, *t.shape[axis + 1 :])
    return make("take", a, ("x", "indices"), {"axis": axis}, TensorType(t.dtype, shape))


def one_hot(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    lt = check_expr.infer(cx, a["labels"])
    if not isinstance(lt, TensorType) or not lt.is_int:
        raise cx.err(a["labels"].span, f"the labels of `one_hot` must be an int tensor, got {show(lt)}")
    static: dict[str, Any] = {}
    n = _size_arg(cx, a["n"], "one_hot", static)
    dtype = check_args.dtype_const(cx, a["dtype"], "one_hot") if "dtype" in a else "float32"
    static["dtype"] = dtype
    operands = ("labels",) if "n" in static else ("labels", "n")
    return make("one_hot", a, operands, static, TensorType(dtype, (*lt.shape, n)))


TABLE: Table = MappingProxyType(
    {
        "reshape": (Sig(("x", "shape")), reshape),
        "transpose": (Sig(("x", "perm?")), transpose),
        "flatten": (Sig(("x",), ("start",)), flatten),
        "expand_dims": (Sig(("x", "axis")), expand_dims),
        "squeeze": (Sig(("x", "axis")), squeeze),
        "broadcast_to": (Sig(("x", "shape")), broadcast_to),
        "concat": (Sig(("tensors",), ("axis",)), concat),
        "shape": (Sig(("x",)), shape_of),
        "take": (Sig(("x", "indices"), ("axis",)), take),
        "one_hot": (Sig(("labels", "n"), ("dtype",)), one_hot),
    }
)
