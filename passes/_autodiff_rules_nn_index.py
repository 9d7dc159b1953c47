"""VJP rules of the charl indexing ops: slice, update_slice, extract, from_elements, concat, gather."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DYNAMIC_INDEX
from xdsl.ir import Operation, SSAValue

from dialects.charl import (
    BroadcastToOp,
    CastOp,
    CompareOp,
    ConcatOp,
    DimOp,
    ExtractOp,
    FromElementsOp,
    GatherOp,
    IotaOp,
    MatmulOp,
    ReshapeOp,
    SliceOp,
    TransposeOp,
    UpdateSliceOp,
)
from dialects.charl_base import element_of, is_dynamic, shape_of, static_count, with_shape
from passes._autodiff_api import Adjoint
from passes._autodiff_rules_nn_util import index, indices, reshape, sizes

Grads = Sequence[SSAValue | None]


def slice_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """slice: dx = update_slice(g into zeros_like(x) at offsets)."""
    assert isinstance(op, SliceOp)
    g = gs[0]
    if g is None:
        return [None] * len(op.operands)
    dx = adj.emit(UpdateSliceOp(adj.zeros_like(op.input), g, op.offsets))
    return [dx] + [None] * (len(op.operands) - 1)


def update_slice_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """update_slice: ddest = update_slice(zeros_like(source) into g at offsets), dsource = slice(g at offsets)."""
    assert isinstance(op, UpdateSliceOp)
    g, rest = gs[0], [None] * len(op.offsets)
    if g is None:
        return [None, None, *rest]
    ddest = adj.emit(UpdateSliceOp(g, adj.zeros_like(op.source), op.offsets))
    static, dynamic = sizes(adj, op.source)
    dsource = adj.emit(SliceOp(g, op.offsets, static, dynamic, op.source.type))
    return [ddest, dsource, *rest]


def extract_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """extract: dx = update_slice(reshape(g, [1, ..., 1]) into zeros_like(x) at indices)."""
    assert isinstance(op, ExtractOp)
    g, rest = gs[0], [None] * len(op.indices)
    if g is None:
        return [None, *rest]
    one = reshape(adj, g, [1] * len(shape_of(op.input.type)))
    return [adj.emit(UpdateSliceOp(adj.zeros_like(op.input), one, op.indices)), *rest]


def from_elements_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """from_elements: de_i = extract(g at the row-major position i)."""
    assert isinstance(op, FromElementsOp)
    g = gs[0]
    if g is None:
        return [None] * len(op.elements)
    shape = shape_of(op.result.type)
    out: list[SSAValue | None] = []
    for i in range(len(op.elements)):
        position, rem = [], i
        for d in reversed(shape):
            position.append(rem % d)
            rem //= d
        out.append(adj.emit(ExtractOp(g, indices(adj, position[::-1]))))
    return out


def _offset_along(adj: Adjoint, prior: Sequence[SSAValue], axis: int) -> SSAValue:
    """The total size of `prior` along `axis`: a constant when static, else the `charl.dim` of a
    concat of one-element-thick slices of them."""
    lengths = [shape_of(p.type)[axis] for p in prior]
    if not any(is_dynamic(n) for n in lengths):
        return index(adj, sum(lengths))
    thin: list[SSAValue] = []
    for p in prior:
        static = list(shape_of(p.type))
        cut = [n if i == axis else 1 for i, n in enumerate(static)]
        keep = [adj.emit(DimOp(p, axis))] if is_dynamic(static[axis]) else []
        zeros = indices(adj, [0] * len(static))
        thin.append(adj.emit(SliceOp(p, zeros, cut, keep, with_shape(element_of(p.type), cut))))
    joined = [1] * len(shape_of(prior[0].type))
    joined[axis] = DYNAMIC_INDEX
    return adj.emit(DimOp(adj.emit(ConcatOp(thin, axis, with_shape(element_of(prior[0].type), joined))), axis))


def concat_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """concat: dinput_i = slice(g at the offset of input i along axis, sizes of input i)."""
    assert isinstance(op, ConcatOp)
    g, axis = gs[0], op.axis.value.data
    if g is None:
        return [None] * len(op.inputs)
    out: list[SSAValue | None] = []
    for i, x in enumerate(op.inputs):
        offsets = indices(adj, [0] * len(shape_of(x.type)))
        if i > 0:
            offsets[axis] = _offset_along(adj, list(op.inputs[:i]), axis)
        static, dynamic = sizes(adj, x)
        out.append(adj.emit(SliceOp(g, offsets, static, dynamic, x.type)))
    return out


def _rows(idx_shape: Sequence[int]) -> int | None:
    """The number of gathered rows: static, or `?` only for 1-D indices; None otherwise."""
    if len(idx_shape) == 1 and is_dynamic(idx_shape[0]):
        return DYNAMIC_INDEX
    return static_count(idx_shape)


def gather_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """gather: dx = transpose(one_hot(indices)) @ g with the gathered axis moved to the front
    (one_hot from iota + compare + cast); static shapes."""
    assert isinstance(op, GatherOp)
    g, axis = gs[0], op.axis.value.data
    if g is None:
        return [None, None]
    x_shape, idx_shape = shape_of(op.input.type), shape_of(op.indices.type)
    elem, rank_i = element_of(op.input.type), len(idx_shape)
    outer, inner = list(x_shape[:axis]), list(x_shape[axis + 1 :])
    # g: outer + idx + inner -> idx + outer + inner -> [M, P]
    perm = [*range(axis, axis + rank_i), *range(axis), *range(axis + rank_i, axis + rank_i + len(inner))]
    g_t = g if perm == sorted(perm) else adj.emit(TransposeOp(g, perm, with_shape(elem, [*idx_shape, *outer, *inner])))
    m, p, n = _rows(idx_shape), static_count([*outer, *inner]), x_shape[axis]
    if m is None or p is None or is_dynamic(n):
        raise ValueError(f"gradient of charl.gather: shapes {op.input.type} and {op.indices.type} are too dynamic")
    rows = [adj.emit(DimOp(op.indices, 0))] if is_dynamic(m) else []
    ielem = element_of(op.indices.type)
    g2 = adj.emit(ReshapeOp(g_t, with_shape(elem, [m, p]), rows))
    ids = adj.emit(ReshapeOp(op.indices, with_shape(ielem, [m, 1]), rows))
    ids = adj.emit(BroadcastToOp(ids, with_shape(ielem, [m, n]), rows))
    iota = adj.emit(IotaOp(1, with_shape(ielem, [m, n]), rows))
    hot = adj.emit(CastOp(adj.emit(CompareOp(iota, ids, "eq")), with_shape(elem, [m, n])))
    hot_t = adj.emit(TransposeOp(hot, [1, 0], with_shape(elem, [n, m])))
    dx = reshape(adj, adj.emit(MatmulOp(hot_t, g2, with_shape(elem, [n, p]))), [n, *outer, *inner])
    back = [*range(1, axis + 1), 0, *range(axis + 1, len(x_shape))]
    if back != sorted(back):
        dx = adj.emit(TransposeOp(dx, back, op.input.type))
    return [dx, None]
