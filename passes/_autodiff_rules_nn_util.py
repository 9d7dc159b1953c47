"""Shared helpers of the VJP rules of the nn and indexing ops: types, sizes and `index` constants
built through an `Adjoint` builder.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr
from xdsl.ir import Attribute, SSAValue

from dialects.charl import BroadcastToOp, DimOp, ReduceOp, ReshapeOp
from dialects.charl_base import element_of, is_dynamic, shape_of, with_shape
from passes._autodiff_api import Adjoint


def dyn_dims(adj: Adjoint, like: SSAValue, t: Attribute) -> list[SSAValue]:
    """One `index` per `?` of `t`, read from the same axis of `like`."""
    return [adj.emit(DimOp(like, i)) for i, d in enumerate(shape_of(t)) if is_dynamic(d)]


def index(adj: Adjoint, value: int) -> SSAValue:
    """An `index` constant (`arith.constant`, as irgen builds them)."""
    return adj.emit(arith.ConstantOp(IntegerAttr(value, IndexType())))


def indices(adj: Adjoint, values: Sequence[int]) -> list[SSAValue]:
    """`index` constants, one per value."""
    return [index(adj, v) for v in values]


def sizes(adj: Adjoint, v: SSAValue) -> tuple[list[int], list[SSAValue]]:
    """The static sizes of `v` (`DYNAMIC_INDEX` where dynamic) and a `charl.dim` for each dynamic one."""
    shape = list(shape_of(v.type))
    return shape, [adj.emit(DimOp(v, i)) for i, d in enumerate(shape) if is_dynamic(d)]


def reduce_keep(adj: Adjoint, x: SSAValue, kind: str, axes: Sequence[int]) -> SSAValue:
    """`reduce kind x` over `axes` with keepdims."""
    shape = [1 if i in axes else d for i, d in enumerate(shape_of(x.type))]
    return adj.emit(ReduceOp(x, kind, sorted(axes), True, with_shape(element_of(x.type), shape)))


def reduce_drop(adj: Adjoint, x: SSAValue, axes: Sequence[int]) -> SSAValue:
    """`reduce sum x` over `axes` without keepdims (`x` itself when `axes` is empty)."""
    if not axes:
        return x
    shape = [d for i, d in enumerate(shape_of(x.type)) if i not in axes]
    return adj.emit(ReduceOp(x, "sum", sorted(axes), False, with_shape(element_of(x.type), shape)))


def broadcast(adj: Adjoint, x: SSAValue, like: SSAValue) -> SSAValue:
    """`x` broadcast to `like`'s type (dynamic sizes read from `like`)."""
    return adj.emit(BroadcastToOp(x, like.type, dyn_dims(adj, like, like.type)))


def reshape(adj: Adjoint, x: SSAValue, shape: Sequence[int]) -> SSAValue:
    """`x` reshaped to a static `shape` of its element type."""
    return adj.emit(ReshapeOp(x, with_shape(element_of(x.type), shape)))
