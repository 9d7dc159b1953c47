"""VJP rules of the charl window ops (conv2d, pool2d), composed per kernel offset from slices,
strided samples and scatters built out of reshape, concat, slice and update_slice; static shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Attribute, Operation, SSAValue

from dialects.charl import (
    AddOp,
    AndOp,
    BroadcastToOp,
    CompareOp,
    ConcatOp,
    Conv2dOp,
    DivOp,
    MatmulOp,
    NotOp,
    OrOp,
    Pool2dOp,
    SelectOp,
    SliceOp,
    TransposeOp,
    UpdateSliceOp,
)
from dialects.charl_base import element_of, shape_of, static_count, with_shape
from passes._autodiff_api import Adjoint
from passes._autodiff_rules_nn_util import indices, reduce_drop, reshape

Grads = Sequence[SSAValue | None]


def _zeros(adj: Adjoint, elem: Attribute, shape: Sequence[int]) -> SSAValue:
    """Zeros of a static shape."""
    return adj.const(0, with_shape(elem, shape))


def _static(op: Operation, *values: SSAValue) -> None:
    """Rejects dynamic shapes, which these compositions do not handle."""
    for v in values:
        if static_count(shape_of(v.type)) is None:
            raise ValueError(f"gradient of {op.name}: {v.type} has a dynamic shape")


def _sample(adj: Adjoint, x: SSAValue, ky: int, kx: int, s: int, out: Sequence[int]) -> SSAValue:
    """`x[:, :, ky + s*i, kx + s*j]` for `i, j` in `out` (the strided window sample at (ky, kx))."""
    n, c, oh, ow = out
    elem, span = element_of(x.type), [n, c, (oh - 1) * s + 1, (ow - 1) * s + 1]
    part = adj.emit(SliceOp(x, indices(adj, [0, 0, ky, kx]), span, [], with_shape(elem, span)))
    if s == 1:
        return part
    full = adj.emit(UpdateSliceOp(_zeros(adj, elem, [n, c, oh * s, ow * s]), part, indices(adj, [0, 0, 0, 0])))
    six = reshape(adj, full, [n, c, oh, s, ow, s])
    one = [n, c, oh, 1, ow, 1]
    picked = adj.emit(SliceOp(six, indices(adj, [0] * 6), one, [], with_shape(elem, one)))
    return reshape(adj, picked, out)


def _scatter(adj: Adjoint, g: SSAValue, ky: int, kx: int, s: int, into: SSAValue) -> SSAValue:
    """`into` plus `g[:, :, i, j]` placed at `[:, :, ky + s*i, kx + s*j]` (the adjoint of `_sample`)."""
    n, c, oh, ow = shape_of(g.type)
    elem, part = element_of(g.type), g
    if s > 1:
        six = reshape(adj, g, [n, c, oh, 1, ow, 1])
        rows = [n, c, oh, s, ow, 1]
        six = adj.emit(ConcatOp([six, _zeros(adj, elem, [n, c, oh, s - 1, ow, 1])], 3, with_shape(elem, rows)))
        full = [n, c, oh, s, ow, s]
        six = adj.emit(ConcatOp([six, _zeros(adj, elem, [n, c, oh, s, ow, s - 1])], 5, with_shape(elem, full)))
        span = [n, c, (oh - 1) * s + 1, (ow - 1) * s + 1]
        flat = reshape(adj, six, [n, c, oh * s, ow * s])
        part = adj.emit(SliceOp(flat, indices(adj, [0] * 4), span, [], with_shape(elem, span)))
    placed = adj.emit(UpdateSliceOp(adj.zeros_like(into), part, indices(adj, [0, 0, ky, kx])))
    return adj.emit(AddOp(into, placed))


def pool2d_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """pool2d: avg: dx[window] += g / k^2; max: dx[first maximum of each window] += g."""
    assert isinstance(op, Pool2dOp)
    g, x, y = gs[0], op.input, op.result
    if g is None:
        return [None]
    _static(op, x, y)
    k, s, out = op.kernel.value.data, op.stride.value.data, shape_of(y.type)
    dx, taken = adj.zeros_like(x), None
    if op.kind.data == "avg":
        g = adj.emit(DivOp(g, adj.const(k * k, g.type)))
    for ky in range(k):
        for kx in range(k):
            part = g
            if op.kind.data == "max":
                hit = adj.emit(CompareOp(_sample(adj, x, ky, kx, s, out), y, "eq"))
                pick = hit if taken is None else adj.emit(AndOp(hit, adj.emit(NotOp(taken))))
                taken = pick if taken is None else adj.emit(OrOp(taken, pick))
                part = adj.emit(SelectOp(pick, g, adj.zeros_like(g)))
            dx = _scatter(adj, part, ky, kx, s, dx)
    return [dx]


def _conv_padded(adj: Adjoint, x: SSAValue, p: int) -> SSAValue:
    """`x` zero-padded by `p` on both spatial sides."""
    if p == 0:
        return x
    n, c, h, w = shape_of(x.type)
    zeros = _zeros(adj, element_of(x.type), [n, c, h + 2 * p, w + 2 * p])
    return adj.emit(UpdateSliceOp(zeros, x, indices(adj, [0, 0, p, p])))


def conv2d_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """conv2d: db = sum(g, n, y, x); per kernel offset (i, j): dw[:, :, i, j] = sum_n g @ sample(xpad, i, j)^T,
    dxpad += scatter(w[:, :, i, j]^T @ g, i, j); dx = dxpad without the padding."""
    assert isinstance(op, Conv2dOp)
    g, x, w = gs[0], op.input, op.weight
    if g is None:
        return [None, None, None]
    _static(op, x, w, g)
    s, p = op.stride.value.data, op.padding.value.data
    (n, c, h, wd), (o, _, k, _), (_, _, oh, ow) = shape_of(x.type), shape_of(w.type), shape_of(g.type)
    elem, q = element_of(x.type), oh * ow
    xpad = _conv_padded(adj, x, p)
    g3 = reshape(adj, g, [n, o, q])
    dxpad, dw = adj.zeros_like(xpad), adj.zeros_like(w)
    for ky in range(k):
        for kx in range(k):
            xk = reshape(adj, _sample(adj, xpad, ky, kx, s, [n, c, oh, ow]), [n, c, q])
            xk_t = adj.emit(TransposeOp(xk, [0, 2, 1], with_shape(elem, [n, q, c])))
            per_n = adj.emit(MatmulOp(g3, xk_t, with_shape(elem, [n, o, c])))
            piece = reshape(adj, reduce_drop(adj, per_n, [0]), [o, c, 1, 1])
            dw = adj.emit(UpdateSliceOp(dw, piece, indices(adj, [0, 0, ky, kx])))
            wk = adj.emit(SliceOp(w, indices(adj, [0, 0, ky, kx]), [o, c, 1, 1], [], with_shape(elem, [o, c, 1, 1])))
            wk_t = adj.emit(TransposeOp(reshape(adj, wk, [1, o, c]), [0, 2, 1], with_shape(elem, [1, c, o])))
            wk_b = broadcast_n(adj, wk_t, [n, c, o])
            dxk = reshape(adj, adj.emit(MatmulOp(wk_b, g3, with_shape(elem, [n, c, q]))), [n, c, oh, ow])
            dxpad = _scatter(adj, dxk, ky, kx, s, dxpad)
    dx = dxpad
    if p > 0:
        dx = adj.emit(SliceOp(dxpad, indices(adj, [0, 0, p, p]), [n, c, h, wd], [], x.type))
    return [dx, dw, reduce_drop(adj, g, [0, 2, 3])]


def broadcast_n(adj: Adjoint, v: SSAValue, shape: Sequence[int]) -> SSAValue:
    """`v` broadcast to a static `shape`."""
    return adj.emit(BroadcastToOp(v, with_shape(element_of(v.type), shape)))
