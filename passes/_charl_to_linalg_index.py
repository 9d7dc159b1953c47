"""`convert-charl-to-linalg` patterns of the indexing ops: slice, update_slice, extract, gather.

Windows become `tensor.extract_slice` / `tensor.insert_slice` with unit strides (constant offsets
folded into the static offsets), single elements `tensor.extract`, and `gather` a `linalg.generic`
that reads the table with `tensor.extract` at the `linalg.index` positions and the gathered index.
With bounds checks, each dimension whose offsets are not provably in range (a constant offset and
size inside a static dimension) is checked at run time by `@charl_rt_check_slice(start, stop,
size, axis, where)` before the access; gathered indices are checked inside the loop body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import DYNAMIC_INDEX, DenseArrayBase, IndexType, IntegerAttr, TensorType, i64
from xdsl.dialects.linalg.ops import IndexOp
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from dialects.charl import ExtractOp, GatherOp, SliceOp, UpdateSliceOp
from passes._charl_to_linalg_runtime import (
    call,
    dim,
    dynamic,
    element,
    empty,
    generic,
    integer,
    location,
    lowering,
    parallel,
    shape,
    to_i64,
    value,
)

Mixed = int | SSAValue
"""A static size or offset, or an `index` value."""


def constant_index(v: SSAValue) -> int | None:
    """The value of an `arith.constant` of `index` type, else None."""
    owner = v.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        if isinstance(owner.value.type, IndexType):
            return owner.value.value.data
    return None


def in_range(offset: SSAValue, size: Mixed, extent: int) -> bool:
    """Whether `[offset, offset + size)` provably lies in a dimension of static `extent`."""
    start = constant_index(offset)
    if start is None or not isinstance(size, int) or extent == DYNAMIC_INDEX:
        return False
    return 0 <= start and start + size <= extent


def size_i64(b: Builder, x: SSAValue, axis: int) -> SSAValue:
    """The size of `axis` of the tensor `x` as an `i64`."""
    extent = shape(x.type)[axis]
    return integer(b, extent, i64) if extent != DYNAMIC_INDEX else to_i64(b, dim(b, x, axis))


def check(b: Builder, op: Operation, start: SSAValue, count: Mixed, size: SSAValue, axis: int, loc: SSAValue) -> None:
    """`@charl_rt_check_slice(start, start + count, size, axis, loc)`; `size` is an `i64`."""
    first = to_i64(b, start)
    amount = integer(b, count, i64) if isinstance(count, int) else to_i64(b, count)
    stop = value(b, arith.AddiOp(first, amount))
    call(b, op, "charl_rt_check_slice", [first, stop, size, integer(b, axis, i64), loc])


def check_window(b: Builder, op: Operation, x: SSAValue, offsets: Sequence[SSAValue], sizes: Sequence[Mixed]) -> None:
    """Checks every dimension of a window of `x` that is not provably in range."""
    extents = shape(x.type)
    unproven = [
        axis for axis, (o, s, e) in enumerate(zip(offsets, sizes, extents, strict=True)) if not in_range(o, s, e)
    ]
    if not unproven:
        return
    loc = location(b, op)
    for axis in unproven:
        check(b, op, offsets[axis], sizes[axis], size_i64(b, x, axis), axis, loc)


def _split(values: Sequence[Mixed]) -> tuple[list[int], list[SSAValue]]:
    """Static entries (DYNAMIC_INDEX where dynamic) and the dynamic values, in order."""
    static = [v if isinstance(v, int) else DYNAMIC_INDEX for v in values]
    return static, [v for v in values if not isinstance(v, int)]


def _folded(offsets: Sequence[SSAValue]) -> list[Mixed]:
    """Offsets with constants folded to ints."""
    folded: list[Mixed] = []
    for o in offsets:
        c = constant_index(o)
        folded.append(o if c is None else c)
    return folded


def window_sizes(b: Builder, x: SSAValue) -> list[Mixed]:
    """The sizes of the tensor `x`: ints where static, `tensor.dim` values where dynamic."""
    return [d if d != DYNAMIC_INDEX else dim(b, x, axis) for axis, d in enumerate(shape(x.type))]


def insert_slice(b: Builder, source: SSAValue, dest: SSAValue, offsets: Sequence[Mixed]) -> SSAValue:
    """`tensor.insert_slice source into dest[offsets]` with unit strides."""
    static_offsets, dyn_offsets = _split(offsets)
    static_sizes, dyn_sizes = _split(window_sizes(b, source))
    props = {
        "static_offsets": DenseArrayBase.from_list(i64, static_offsets),
        "static_sizes": DenseArrayBase.from_list(i64, static_sizes),
        "static_strides": DenseArrayBase.from_list(i64, [1] * len(static_sizes)),
    }
    op = tensor.InsertSliceOp.build(
        operands=[source, dest, dyn_offsets, dyn_sizes, []], result_types=[dest.type], properties=props
    )
    return value(b, op)


@dataclass
class SliceToExtractSlice(RewritePattern):
    """charl.slice x[offsets] [sizes] -> tensor.extract_slice x[offsets] [sizes] [1, ...]
    (after a `@charl_rt_check_slice` per dimension not provably in range)."""

    bounds_checks: bool

    @lowering
    def match_and_rewrite(self, op: SliceOp, rewriter: PatternRewriter) -> None:
        sizes = op.mixed_sizes()
        if self.bounds_checks:
            check_window(rewriter, op, op.input, list(op.offsets), sizes)
        ones = [1] * len(sizes)
        rewriter.replace(op, tensor.ExtractSliceOp(op.input, _folded(op.offsets), sizes, ones, op.result.type))


@dataclass
class UpdateSliceToInsertSlice(RewritePattern):
    """charl.update_slice src into dest[offsets] -> tensor.insert_slice src into dest[offsets]
    [sizes of src] [1, ...] (after the bounds checks of the window)."""

    bounds_checks: bool

    @lowering
    def match_and_rewrite(self, op: UpdateSliceOp, rewriter: PatternRewriter) -> None:
        if self.bounds_checks:
            check_window(rewriter, op, op.dest, list(op.offsets), window_sizes(rewriter, op.source))
        rewriter.replace(op, [], [insert_slice(rewriter, op.source, op.dest, _folded(op.offsets))])


@dataclass
class ExtractToTensorExtract(RewritePattern):
    """charl.extract x[indices] -> tensor.extract x[indices] (after checking each index)."""

    bounds_checks: bool

    @lowering
    def match_and_rewrite(self, op: ExtractOp, rewriter: PatternRewriter) -> None:
        indices = list(op.indices)
        if self.bounds_checks:
            check_window(rewriter, op, op.input, indices, [1] * len(indices))
        rewriter.replace(op, tensor.ExtractOp(op.input, indices, op.result.type))


@dataclass
class GatherToGeneric(RewritePattern):
    """charl.gather x, ids {axis = a} -> linalg.generic over the result, whose body reads
    `x[d_0, ..., ids[d_a, ...], ...]` with tensor.extract (after checking the index)."""

    bounds_checks: bool

    @lowering
    def match_and_rewrite(self, op: GatherOp, rewriter: PatternRewriter) -> None:
        x, ids, axis = op.input, op.indices, op.axis.value.data
        size = size_i64(rewriter, x, axis) if self.bounds_checks else None
        loc = location(rewriter, op) if self.bounds_checks else None
        if not isinstance(ids.type, TensorType):
            picked = self._checked(rewriter, op, ids, size, axis, loc)
            if not isinstance(op.result.type, TensorType):
                rewriter.replace(op, tensor.ExtractOp(x, [picked], op.result.type))
                return
            rewriter.replace(op, [], [self._scalar_index(rewriter, op, picked)])
            return
        rewriter.replace(op, [], [self._tensor_indices(rewriter, op, size, loc)])

    def _checked(
        self, b: Builder, op: Operation, v: SSAValue, size: SSAValue | None, axis: int, loc: SSAValue | None
    ) -> SSAValue:
        """The integer index `v` as an `index`, checked against the `i64` `size` when given."""
        wide = to_i64(b, v)
        if size is not None and loc is not None:
            check(b, op, wide, 1, size, axis, loc)
        return value(b, arith.IndexCastOp(wide, IndexType()))

    def _init(self, b: Builder, op: GatherOp) -> SSAValue:
        t, x, ids, axis = op.result.type, op.input, op.indices, op.axis.value.data
        id_rank = len(shape(ids.type))
        sizes = [dim(b, x, a) for a in range(axis)]
        sizes += [dim(b, ids, a) for a in range(id_rank)]
        sizes += [dim(b, x, a) for a in range(axis + 1, len(shape(x.type)))]
        return empty(b, t, dynamic(t, sizes))

    def _read(self, b: Builder, op: GatherOp, picked: SSAValue, id_rank: int) -> SSAValue:
        """`x[d_0, ..., picked, ...]` inside the body, the result dims from `linalg.index`."""
        x, axis = op.input, op.axis.value.data
        before = [value(b, IndexOp(d)) for d in range(axis)]
        rest = range(axis + id_rank, axis + id_rank + len(shape(x.type)) - axis - 1)
        after = [value(b, IndexOp(d)) for d in rest]
        return value(b, tensor.ExtractOp(x, [*before, picked, *after], element(x.type)))

    def _scalar_index(self, b: Builder, op: GatherOp, picked: SSAValue) -> SSAValue:
        rank = len(shape(op.result.type))
        init = self._init(b, op)
        body = lambda ib, args: [self._read(ib, op, picked, 0)]  # noqa: E731
        return generic(b, [], [init], [AffineMap.identity(rank)], parallel(rank), body)[0]

    def _tensor_indices(self, b: Builder, op: GatherOp, size: SSAValue | None, loc: SSAValue | None) -> SSAValue:
        ids, axis = op.indices, op.axis.value.data
        rank, id_rank = len(shape(op.result.type)), len(shape(ids.type))
        init = self._init(b, op)
        id_map = AffineMap(rank, 0, tuple(AffineExpr.dimension(axis + k) for k in range(id_rank)))

        def body(ib: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
            return [self._read(ib, op, self._checked(ib, op, args[0], size, axis, loc), id_rank)]

        return generic(b, [ids], [init], [id_map, AffineMap.identity(rank)], parallel(rank), body)[0]


def index_patterns(bounds_checks: bool) -> list[RewritePattern]:
    """The patterns of the indexing ops."""
    return [
        SliceToExtractSlice(bounds_checks),
        UpdateSliceToInsertSlice(bounds_checks),
        ExtractToTensorExtract(bounds_checks),
        GatherToGeneric(bounds_checks),
    ]
