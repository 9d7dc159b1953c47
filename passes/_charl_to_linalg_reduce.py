"""`convert-charl-to-linalg` patterns for matmul, reduce and argmax.

Reductions are `linalg.generic`s with reduction iterators whose output drops the reduced
dimensions and starts filled with the reduction's identity; `mean` divides afterwards, `keepdims`
is a `tensor.expand_shape`, and a full reduction without `keepdims` ends in a `tensor.extract`.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    IntegerAttr,
    TensorType,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from dialects import charl
from dialects.charl_base import element_of, shape_of
from passes._charl_to_linalg_checks import check_equal
from passes._charl_to_linalg_core import (
    Emitter,
    LoweringError,
    Size,
    float_of,
    identity,
    int_width,
    is_float_type,
    projection,
    static_or_dynamic,
    tensor_of,
)


def reduction_identity(e: Emitter, kind: str, elem: Attribute) -> SSAValue:
    """The value a `kind` reduction starts from: 0, the lowest or the highest value."""
    if kind in ("sum", "mean"):
        return e.const(0, elem)
    if is_float_type(elem):
        return e.const(float("-inf") if kind == "max" else float("inf"), elem)
    half = 1 << (int_width(elem) - 1)
    return e.const(-half if kind == "max" else half - 1, elem)


def combine(e: Emitter, kind: str, x: SSAValue, acc: SSAValue) -> SSAValue:
    """One step of a `kind` reduction: the accumulator updated with the element `x`."""
    float_ops = {"sum": arith.AddfOp, "mean": arith.AddfOp, "max": arith.MaximumfOp, "min": arith.MinimumfOp}
    int_ops = {"sum": arith.AddiOp, "mean": arith.AddiOp, "max": arith.MaxSIOp, "min": arith.MinSIOp}
    return e.value((float_ops if is_float_type(x.type) else int_ops)[kind](x, acc))


def count_as(e: Emitter, count: Size, elem: Attribute) -> SSAValue:
    """The element count `count` as a scalar of type `elem`."""
    if isinstance(count, int):
        return e.const(count, elem)
    if is_float_type(elem):
        return e.value(arith.SIToFPOp(e.value(arith.IndexCastOp(count, i64)), float_of(elem)))
    return e.value(arith.IndexCastOp(count, elem))


def divide(e: Emitter, x: SSAValue, by: SSAValue) -> SSAValue:
    """`x / by` on scalars (float or truncating integer division)."""
    return e.value(arith.DivfOp(x, by) if is_float_type(x.type) else arith.DivSIOp(x, by))


def reject_bool(op: Operation, x: SSAValue) -> None:
    """Raises for `i1` elements, which reductions do not order or add (cast them first)."""
    if int_width(x.type) == 1:
        raise LoweringError(op, f"cannot reduce {x.type}: cast the i1 elements to an integer type first")


def keepdims_groups(rank: int, kept: Sequence[int]) -> list[list[int]]:
    """The reassociation from the reduced dims (`kept`) to all `rank` dims: each reduced dim
    joins the group of the kept dim before it (leading ones the first group)."""
    groups: list[list[int]] = [[] for _ in kept]
    owner = 0
    for d in range(rank):
        if d in kept:
            owner = kept.index(d)
        groups[owner].append(d)
    return groups


def finish(
    e: Emitter,
    reduced: SSAValue,
    sizes: Sequence[Size],
    kept: Sequence[int],
    result: Attribute,
    count: SSAValue | None = None,
) -> SSAValue:
    """A reduction's output (over the `kept` dims of an input with extents `sizes`), divided by
    `count` when given, in the shape of `result`: a scalar, the reduced tensor, or the tensor
    with the reduced dims kept as 1."""
    rank, elem = len(sizes), element_of(result)
    if not kept:
        scalar = e.value(tensor.ExtractOp(reduced, [], elem))
        scalar = divide(e, scalar, count) if count is not None else scalar
        if not isinstance(result, TensorType):
            return scalar
        ones = TensorType(elem, [1] * rank)
        return e.cast(e.value(tensor.FromElementsOp(scalar, result_type=ones)), result)
    if count is not None:
        init = e.empty(reduced.type, [sizes[d] for d in kept])
        reduced = e.elementwise([reduced], init, lambda b, args: [divide(b, args[0], count)])
    if len(shape_of(result)) == len(kept):
        return e.cast(reduced, result)
    full = [sizes[d] if d in kept else 1 for d in range(rank)]
    t = TensorType(elem, static_or_dynamic(full))
    groups = ArrayAttr([ArrayAttr([IntegerAttr(d, i64) for d in g]) for g in keepdims_groups(rank, kept)])
    dynamic = [s for s in full if isinstance(s, SSAValue)]
    static = DenseArrayBase.from_list(i64, static_or_dynamic(full))
    expanded = e.value(tensor.ExpandShapeOp(reduced, dynamic, groups, static, t))
    return e.cast(expanded, result)


class LowerReduce(RewritePattern):
    """charl.reduce kind x {axes} -> linalg.generic (reduction iterators on `axes`) into an
    identity-filled init [-> linalg.generic dividing by the count (mean)] [-> expand_shape
    (keepdims) | tensor.extract (to a scalar)]"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ReduceOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        x, kind, axes = op.input, op.kind.data, list(op.axes.get_values())
        reject_bool(op, x)
        if not axes:
            e.replace(rewriter, [e.cast(x, op.result.type)])
            return
        shape, elem = shape_of(x.type), element_of(x.type)
        rank, sizes = len(shape), e.dims(x)
        kept = [d for d in range(rank) if d not in axes]
        init = e.filled(
            reduction_identity(e, kind, elem), TensorType(elem, [shape[d] for d in kept]), [sizes[d] for d in kept]
        )
        maps = [identity(rank), projection(rank, kept)]
        flags = [d in axes for d in range(rank)]
        reduced = e.generic([x], [init], maps, flags, lambda b, args: [combine(b, kind, args[0], args[1])])[0]
        count = None
        if kind == "mean":
            n: Size = 1
            for d in axes:
                n = e.mul_sizes(n, sizes[d])
            count = count_as(e, n, elem)
        e.replace(rewriter, [finish(e, reduced, sizes, kept, op.result.type, count)])


class LowerArgmax(RewritePattern):
    """charl.argmax x {axis} -> linalg.generic carrying (max, index) pairs into two filled inits
    (-inf or the lowest integer, 0); an element replaces the pair only when strictly greater (or
    the first NaN), so the first maximum wins; the indices are the result"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ArgmaxOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        x, axis = op.input, op.axis.value.data
        reject_bool(op, x)
        shape, elem = shape_of(x.type), element_of(x.type)
        rank, sizes = len(shape), e.dims(x)
        kept = [d for d in range(rank) if d != axis]
        kept_shape, kept_sizes = [shape[d] for d in kept], [sizes[d] for d in kept]
        best = e.filled(reduction_identity(e, "max", elem), TensorType(elem, kept_shape), kept_sizes)
        where = e.filled(e.const(0, i32), TensorType(i32, kept_shape), kept_sizes)
        maps = [identity(rank), projection(rank, kept), projection(rank, kept)]

        def body(b: Emitter, args: Sequence[SSAValue]) -> list[SSAValue]:
            value, top, at = args
            index = b.value(arith.IndexCastOp(b.value(linalg.IndexOp(axis)), i32))
            take = _greater(b, value, top)
            return [b.value(arith.SelectOp(take, value, top)), b.value(arith.SelectOp(take, index, at))]

        indices = e.generic([x], [best, where], maps, [d == axis for d in range(rank)], body)[1]
        e.replace(rewriter, [finish(e, indices, sizes, kept, op.result.type)])


def _greater(e: Emitter, value: SSAValue, top: SSAValue) -> SSAValue:
    """Whether `value` replaces the running maximum `top`: it is greater, or it is the first NaN."""
    if not is_float_type(value.type):
        return e.value(arith.CmpiOp(value, top, "sgt"))
    greater = e.value(arith.CmpfOp(value, top, "ogt"))
    first_nan = e.value(
        arith.AndIOp(e.value(arith.CmpfOp(value, value, "uno")), e.value(arith.CmpfOp(top, top, "ord")))
    )
    return e.value(arith.OrIOp(greater, first_nan))


class LowerMatmul(RewritePattern):
    """charl.matmul a, b -> linalg.matmul into a zero-filled init (rank 2) | linalg.generic
    (batch, i, j parallel; k reduction) into a zero-filled init (batched)"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.MatmulOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        a, b, res = op.lhs, op.rhs, tensor_of(op.result.type)
        rank = len(shape_of(a.type))
        inner = "matmul inner dimensions {got} and {expected} differ"
        check_equal(rewriter, op, [((a, rank - 1), (b, rank - 2), inner)])
        a_sizes = e.dims(a)
        sizes = [*a_sizes[:-1], e.dim(b, rank - 1)]
        init = e.filled(e.const(0, res.element_type), res, sizes)
        if rank == 2:
            e.replace(rewriter, [e.value(linalg.MatmulOp([a, b], [init], [res]))])
            return
        batch = list(range(rank - 2))
        i, j, k = rank - 2, rank - 1, rank
        maps = [
            projection(rank + 1, [*batch, i, k]),
            projection(rank + 1, [*batch, k, j]),
            projection(rank + 1, [*batch, i, j]),
        ]
        flags = [False] * rank + [True]

        def body(e2: Emitter, args: Sequence[SSAValue]) -> list[SSAValue]:
            mul, add = (arith.MulfOp, arith.AddfOp) if is_float_type(args[0].type) else (arith.MuliOp, arith.AddiOp)
            return [e2.value(add(args[2], e2.value(mul(args[0], args[1]))))]

        e.replace(rewriter, e.generic([a, b], [init], maps, flags, body))


def patterns() -> list[RewritePattern]:
    """The patterns of this module."""
    return [LowerReduce(), LowerArgmax(), LowerMatmul()]
