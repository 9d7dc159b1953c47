"""A uniform view of the linalg ops that `convert-linalg-to-loops` lowers.

Every supported op (`linalg.generic`, the named structured ops, `linalg.broadcast`, `linalg.reduce`)
is read as the same thing: shaped or scalar inputs, memref outputs, one indexing map per operand
over a common set of loops, a parallel/reduction flag per loop, and a scalar body whose block
arguments are the operand elements and whose `linalg.yield` gives the new output elements.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    NoneAttr,
    ShapedType,
    StridedLayoutAttr,
)
from xdsl.dialects.linalg.abstract_ops import LinalgStructuredOperation
from xdsl.dialects.linalg.attrs import IteratorType
from xdsl.dialects.linalg.ops import BroadcastOp, FillOp, ReduceOp
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineMap
from xdsl.utils.exceptions import PassFailedException

PASS_NAME = "convert-linalg-to-loops"

PARALLEL_ATTR = "charl.parallel"
"""On the outermost `scf.for` of a nest whose iterations are independent (`outer_is_parallel`):
what `charl-parallelize-loops` may split across threads."""


@dataclass(frozen=True)
class Structured:
    """One linalg op seen as loops, maps and a scalar body (inputs first, then outputs)."""

    op: Operation
    inputs: tuple[SSAValue, ...]
    outputs: tuple[SSAValue, ...]
    maps: tuple[AffineMap, ...]
    reductions: tuple[bool, ...]
    block: Block

    @property
    def operands(self) -> tuple[SSAValue, ...]:
        """Inputs then outputs, in the order of `maps` and of the body's block arguments."""
        return (*self.inputs, *self.outputs)

    @property
    def num_loops(self) -> int:
        """The number of loops of the iteration space."""
        return len(self.reductions)

    def output_map(self, index: int) -> AffineMap:
        """The indexing map of output `index`."""
        return self.maps[len(self.inputs) + index]


def fail(op: Operation, message: str) -> PassFailedException:
    """An error naming the pass and the op, for IR this pass cannot lower."""
    return PassFailedException(f"{PASS_NAME}: {op.name}: {message}")


def is_lowered_here(op: Operation) -> bool:
    """Whether `op` is one of the linalg ops this pass turns into loops."""
    return isinstance(op, LinalgStructuredOperation | BroadcastOp | ReduceOp)


def structured_view(op: Operation) -> Structured:
    """Reads a supported linalg op on memrefs as a `Structured`; raises for tensors or results."""
    if isinstance(op, BroadcastOp):
        view = _broadcast_view(op)
    elif isinstance(op, ReduceOp):
        view = _reduce_view(op)
    elif isinstance(op, LinalgStructuredOperation):
        maps = tuple(attr.data for attr in op.get_indexing_maps())
        flags = tuple(it.data != IteratorType.PARALLEL for it in op.get_iterator_types())
        view = Structured(op, tuple(op.inputs), tuple(op.outputs), maps, flags, op.body.block)
    else:
        raise fail(op, "is not a linalg op this pass lowers")
    _check_buffers(view)
    return view


def _broadcast_view(op: BroadcastOp) -> Structured:
    """`init[d...] = input[d without dimensions]`: all loops parallel, identity on the output."""
    rank = _rank(op.init.type)
    added = set(op.dimensions.get_values())
    kept = tuple(AffineDimExpr(d) for d in range(rank) if d not in added)
    maps = (AffineMap(rank, 0, kept), AffineMap.identity(rank))
    return Structured(op, (op.input,), (op.init,), maps, (False,) * rank, op.hidden_region.block)


def _reduce_view(op: ReduceOp) -> Structured:
    """`init[d without dimensions] = body(input[d...], init[...])`: the reduced loops are reductions."""
    rank = _rank(op.input.type)
    reduced = set(op.dimensions.get_values())
    kept = tuple(AffineDimExpr(d) for d in range(rank) if d not in reduced)
    maps = (AffineMap.identity(rank), AffineMap(rank, 0, kept))
    flags = tuple(d in reduced for d in range(rank))
    return Structured(op, (op.input,), (op.init,), maps, flags, op.region.block)


def _rank(type_: Attribute) -> int:
    return len(type_.get_shape()) if isinstance(type_, ShapedType) else 0


def _check_buffers(view: Structured) -> None:
    """Buffer semantics only: no results, every shaped operand a memref, outputs shaped."""
    op = view.op
    if op.results:
        raise fail(op, f"has tensor results ({', '.join(str(r.type) for r in op.results)}); run charl-bufferize first")
    for value in view.operands:
        if isinstance(value.type, ShapedType) and not isinstance(value.type, MemRefType):
            raise fail(op, f"operand of type {value.type} is not a memref; run charl-bufferize first")
    for value in view.outputs:
        if not isinstance(value.type, MemRefType):
            raise fail(op, f"output of type {value.type} is not a memref")


def dim_order(type_: Attribute) -> list[int]:
    """The dimensions of a memref from the largest stride to the smallest (unit stride last).

    The identity layout is row-major. A strided layout is sorted by its static strides, a dynamic
    stride counting as the largest; ties keep dimension order. Other layouts are taken as row-major.
    """
    rank = _rank(type_)
    if not isinstance(type_, MemRefType) or isinstance(type_.layout, NoneAttr):
        return list(range(rank))
    if not isinstance(type_.layout, StridedLayoutAttr):
        return list(range(rank))
    strides = type_.layout.get_strides()

    def key(dim: int) -> tuple[float, int]:
        stride = strides[dim]
        return (-float("inf") if stride is None else -stride, dim)

    return sorted(range(rank), key=key)


def loop_bound_sources(view: Structured) -> list[tuple[SSAValue, int, int]]:
    """For each loop, an (operand, dimension, static size or DYNAMIC_INDEX) that it walks exactly.

    A static source is preferred; a loop that only appears inside compound index expressions has
    no bound and is rejected.
    """
    sources: list[tuple[SSAValue, int, int]] = []
    for loop in range(view.num_loops):
        found = [
            (value, dim, value.type.get_shape()[dim])
            for value, map_ in zip(view.operands, view.maps, strict=True)
            if isinstance(value.type, ShapedType)
            for dim, expr in enumerate(map_.results)
            if isinstance(expr, AffineDimExpr) and expr.position == loop
        ]
        if not found:
            raise fail(view.op, f"loop d{loop} is not the plain index of any operand dimension")
        static = [source for source in found if source[2] != DYNAMIC_INDEX]
        sources.append((static or found)[0])
    return sources


def fill_constant(op: Operation | None) -> FloatAttr | IntegerAttr | None:
    """The constant that `op` stores when it is a `linalg.fill` of an `arith.constant`, else None."""
    if not isinstance(op, FillOp):
        return None
    value = op.inputs[0].owner
    if isinstance(value, arith.ConstantOp) and isinstance(value.value, FloatAttr | IntegerAttr):
        return value.value
    return None


def index_value(value: SSAValue) -> int | None:
    """The value of an integer `arith.constant`, else None."""
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def defined_in(value: SSAValue, op: Operation) -> bool:
    """Whether `value` is defined by `op` or inside it (a nested op's result or block argument)."""
    owner = value.owner
    definer = owner.parent_op() if isinstance(owner, Block) else owner
    return definer is not None and op.is_ancestor(definer)
