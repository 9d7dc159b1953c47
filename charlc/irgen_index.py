"""irgen of `@`, indexing, slicing and indexed assignment.

`x[i, a:b]` is a rank-preserving `charl.slice` (one `index` offset per dimension, size 1 for an
integer-indexed dimension) followed by a `charl.reshape` that drops the integer-indexed dimensions;
an index that names every dimension with an integer is a `charl.extract`. Static extents come from
the checked types; a dynamic extent is `hi - lo` on `index` values. A negative constant index counts
from the end, as in NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import arith
from xdsl.ir import SSAValue

from charlc import irgen_shape as shape
from charlc import syntax as ast
from charlc.irgen_scope import Var
from charlc.irgen_shape import DV
from charlc.irgen_types import IRGenInternalError
from charlc.types import Dim, TensorType
from dialects.charl import ExtractOp, MatmulOp, ReshapeOp, SliceOp, UpdateSliceOp

if TYPE_CHECKING:
    from charlc.irgen import FnGen


# ---- matmul --------------------------------------------------------------------------------------


def gen_matmul(g: FnGen, e: ast.Binary) -> SSAValue:
    """`a @ b`: 1-D operands reshaped to 2-D (and the result back), batch dims broadcast."""
    at, bt, res = g.tensor_type_of(e.lhs), g.tensor_type_of(e.rhs), g.tensor_type_of(e)
    a, b = g.expr(e.lhs), g.expr(e.rhs)
    ad, bd = shape.dvals(g, a, at, e.span), shape.dvals(g, b, bt, e.span)
    a1, b1 = at.rank == 1, bt.rank == 1
    if a1:
        a, at, ad = reshape_to(g, a, at.with_shape((1, *at.shape)), [1, *ad], e.span)
    if b1:
        b, bt, bd = reshape_to(g, b, bt.with_shape((*bt.shape, 1)), [*bd, 1], e.span)
    nb = max(at.rank, bt.rank) - 2
    batch: tuple[Dim, ...] = res.shape[:nb]
    batch_dv = shape.bcast_dvals(g, batch, [ad[:-2], bd[:-2]], e.span)
    a = batch_to(g, a, at, batch, batch_dv + ad[-2:], e.span)
    b = batch_to(g, b, bt, batch, batch_dv + bd[-2:], e.span)
    full = res if not (a1 or b1) else TensorType(res.dtype, (*batch, at.shape[-2], bt.shape[-1]))
    out = g.value(MatmulOp(a, b, g.ir_type(full)), e.span)
    if not (a1 or b1):
        return out
    out_dv = [*batch_dv, ad[-2], bd[-1]]
    if b1:
        out_dv.pop(-1)
    if a1:
        out_dv.pop(-2 if not b1 else -1)
    dims = shape.dims_for(g, res.shape, out_dv, e.span)
    return g.value(ReshapeOp(out, g.ir_type(res), dims), e.span, "reshape")


def reshape_to(
    g: FnGen, v: SSAValue, t: TensorType, dvs: list[DV], span: ast.Span
) -> tuple[SSAValue, TensorType, list[DV]]:
    """`v` reshaped to `t` (whose dimensions are `dvs`)."""
    out = g.value(ReshapeOp(v, g.ir_type(t), shape.dims_for(g, t.shape, dvs, span)), span, "reshape")
    return out, t, dvs


def batch_to(g: FnGen, v: SSAValue, t: TensorType, batch: tuple[Dim, ...], dvs: list[DV], span: ast.Span) -> SSAValue:
    """`v` (of `t`) broadcast to `batch + t.shape[-2:]`."""
    dst = t.with_shape((*batch, *t.shape[-2:]))
    if g.ir_type(dst) == v.type:
        return v
    return g.broadcast(v, t, dst, span, shape.dims_for(g, dst.shape, dvs, span))


# ---- indexing ------------------------------------------------------------------------------------


@dataclass
class IndexPlan:
    """How `x[items]` reads its window: offsets and sizes per dimension of `x`."""

    offsets: list[SSAValue]
    sizes: list[DV]
    kept: list[bool]  # the dimension stays in the result (it is sliced, not indexed)
    window: TensorType  # rank-preserving slice type
    result: TensorType  # the value's type: the kept dimensions

    @property
    def scalar(self) -> bool:
        """Every dimension is indexed by an integer: the value is one element."""
        return not any(self.kept)

    def result_dims(self) -> list[DV]:
        """The sizes of the dimensions the value keeps."""
        return [s for s, k in zip(self.sizes, self.kept, strict=True) if k]


def const_int(g: FnGen, e: ast.Expr | None) -> int | None:
    """The compile-time integer value of an index expression, if the checker or syntax gives one."""
    if e is None:
        return None
    c = g.inst.consts.get(e)
    if isinstance(c, int) and not isinstance(c, bool):
        return c
    match e:
        case ast.IntLit():
            return e.value
        case ast.Unary(op="-", operand=ast.IntLit() as lit):
            return -lit.value
    return None


def index_value(g: FnGen, e: ast.Expr | None, dim: DV, default: int | None, span: ast.Span) -> tuple[SSAValue, DV]:
    """An index (as `index` and as a DV) for one bound: a negative constant counts from `dim`."""
    c = const_int(g, e) if e is not None else default
    if c is None and e is None:
        return shape.materialize(g, dim, span), dim
    if c is None and e is not None:
        v = g.index(g.expr(e), e.span)
        return v, v
    if c is None:
        raise IRGenInternalError("irgen: index bound without a value")
    if c >= 0:
        return g.index(c, span), c
    if isinstance(dim, int):
        return g.index(dim + c, span), dim + c
    v = g.value(arith.AddiOp(shape.materialize(g, dim, span), g.index(c, span)), span, "index")
    return v, v


def plan_index(
    g: FnGen,
    items: Sequence[ast.Expr | ast.SliceItem],
    xt: TensorType,
    x: SSAValue,
    res: TensorType | None,
    span: ast.Span,
) -> IndexPlan:
    """The window `x[items]` reads; `res` is the checked type of the indexing expression if known."""
    if len(items) > xt.rank:
        raise IRGenInternalError(f"irgen: {len(items)} indices into a rank-{xt.rank} tensor")
    dims = shape.dvals(g, x, xt, span)
    offsets: list[SSAValue] = []
    sizes: list[DV] = []
    kept: list[bool] = []
    res_dims = list(res.shape) if res is not None else None
    for d, dim in enumerate(dims):
        item = items[d] if d < len(items) else None
        if item is not None and not isinstance(item, ast.SliceItem):
            offsets.append(index_value(g, item, dim, None, span)[0])
            sizes.append(1)
            kept.append(False)
            continue
        lo = item.lo if item is not None else None
        hi = item.hi if item is not None else None
        off, lo_dv = index_value(g, lo, dim, 0, span)
        offsets.append(off)
        want = res_dims[sum(kept)] if res_dims is not None else None
        sizes.append(_extent(g, hi, dim, lo_dv, want, span))
        kept.append(True)
    window = xt.with_shape(tuple(s if isinstance(s, int) else None for s in sizes))
    if res is None:
        res = xt.with_shape(tuple(d for d, k in zip(window.shape, kept, strict=True) if k))
    return IndexPlan(offsets, sizes, kept, window, res)


def _extent(g: FnGen, hi: ast.Expr | None, dim: DV, lo: DV, want: Dim, span: ast.Span) -> DV:
    if isinstance(want, int):
        return want
    hi_v, hi_dv = index_value(g, hi, dim, None, span)
    if isinstance(hi_dv, int) and isinstance(lo, int):
        return hi_dv - lo
    if lo == 0:
        return hi_v
    lo_v = lo if isinstance(lo, SSAValue) else shape.materialize(g, lo, span)
    return g.value(arith.SubiOp(hi_v, lo_v), span, "extent")


def read_window(g: FnGen, x: SSAValue, plan: IndexPlan, span: ast.Span) -> SSAValue:
    """The value `x[items]` of a plan."""
    if plan.scalar:
        return g.value(ExtractOp(x, plan.offsets), span)
    static = [s if isinstance(s, int) else -1 for s in plan.sizes]
    dyn = [shape.materialize(g, s, span) for s in plan.sizes if not isinstance(s, int)]
    out = g.value(SliceOp(x, plan.offsets, static, dyn, g.ir_type(plan.window)), span)
    if g.ir_type(plan.result) == out.type:
        return out
    dims = shape.dims_for(g, plan.result.shape, plan.result_dims(), span)
    return g.value(ReshapeOp(out, g.ir_type(plan.result), dims), span, "reshape")


def gen_index(g: FnGen, e: ast.Index) -> SSAValue:
    """`x[i]`, `x[i, j]`, `x[a:b, :]`."""
    xt = g.tensor_type_of(e.base)
    x = g.expr(e.base)
    plan = plan_index(g, e.items, xt, x, g.tensor_type_of(e), e.span)
    return read_window(g, x, plan, e.span)


def assign_index(g: FnGen, target: ast.Index, value: ast.Expr, var: Var) -> None:
    """`x[items] = v`: `charl.update_slice` of `v` broadcast to the window; rebinds `x`."""
    xt = var.type
    if not isinstance(xt, TensorType):
        raise IRGenInternalError(f"irgen: indexed assignment to a non-tensor `{var.name}`")
    x = var.value
    known = g.inst.types.get(target)
    plan = plan_index(g, target.items, xt, x, known if isinstance(known, TensorType) else None, target.span)
    vt = g.tensor_type_of(value)
    v = g.expr(value)
    region = plan.result.with_dtype(vt.dtype)
    v = g.broadcast(v, vt, region, target.span, shape.dims_for(g, region.shape, plan.result_dims(), target.span))
    window = plan.window.with_dtype(vt.dtype)
    if g.ir_type(window) != v.type:
        dims = shape.dims_for(g, window.shape, plan.sizes, target.span)
        v = g.value(ReshapeOp(v, g.ir_type(window), dims), target.span, "reshape")
    var.value = g.value(UpdateSliceOp(x, v, plan.offsets), target.span, var.label)
