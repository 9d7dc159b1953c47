"""`charl-split-argmax`: an argmax over a long range becomes two reductions the GPU runs as trees (GPU).

`convert-charl-to-linalg` lowers `argmax` to one `linalg.generic` that carries (max, index) pairs
into two filled outputs: an element replaces the pair when it is strictly greater, or the first NaN.
That body is not one combiner, so `convert-linalg-to-gpu` runs it as one invocation per output
element, looping over the whole range (GPT-2's greedy decoding: one GPU thread over 50257 logits,
milliseconds a token). When the reduced range is at least `_gpu_reduce.MIN_RANGE` long (or known
only at run time), this pass rewrites it, on buffers, into

    linalg.fill -inf -> %best                                   (as before)
    %best  = max over the range (arith.maximumf, or arith.maxsi for integers)
    linalg.fill INT_MAX -> %where
    %where = min over i of (x[i] == %best or x[i] and %best both NaN ? i : INT_MAX)   (arith.minsi)
    %where = %where == INT_MAX ? 0 : %where                     (in place: an empty range gives 0)

Each reduction has one combiner, so each becomes a workgroup tree (`_gpu_reduce`), its fill and the
last op absorbed into the second's kernel. The result is the same: the first maximum's index (the
smallest index holding the maximum), the first NaN's when there is one (`maximumf` propagates NaN),
0 for an all `-inf` or empty range.

Requires: buffer semantics (the `buffers` stage), before `convert-linalg-to-gpu`. Guarantees: the
indices are unchanged; only argmax generics whose `where` output is filled in the same block change.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import AffineMapAttr, IntegerType, ModuleOp, ShapedType, i32
from xdsl.dialects.linalg.attrs import IteratorType, IteratorTypeAttr
from xdsl.dialects.linalg.ops import FillOp, GenericOp, IndexOp, YieldOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from passes._gpu_reduce import MIN_RANGE, static_size
from passes._loops_structure import structured_view

_FLOAT_TAKE = ("arith.cmpf", "arith.cmpf", "arith.cmpf", "arith.andi", "arith.ori")
_INT_MAX = 2**31 - 1


def argmax_axis(op: Operation) -> int | None:
    """The reduced loop of `op` when it is `convert-charl-to-linalg`'s argmax generic, else None."""
    if not isinstance(op, GenericOp) or len(op.inputs) != 1 or len(op.outputs) != 2:
        return None
    names = tuple(o.name for o in op.body.block.ops)
    middle = names[2:-3]
    expected_tail = ("arith.select", "arith.select", "linalg.yield")
    if names[:2] != ("linalg.index", "arith.index_cast") or names[-3:] != expected_tail:
        return None
    if middle not in (_FLOAT_TAKE, ("arith.cmpi",)):
        return None
    ops = list(op.body.block.ops)
    value, top, at = op.body.block.args
    first, second = ops[-3], ops[-2]
    assert isinstance(first, arith.SelectOp) and isinstance(second, arith.SelectOp)
    same_condition = first.cond is second.cond and first.cond.owner is ops[-4]
    if (
        not same_condition
        or (first.lhs, first.rhs) != (value, top)
        or (second.lhs, second.rhs) != (ops[1].results[0], at)
    ):
        return None
    index = ops[0]
    assert isinstance(index, IndexOp)
    reduced = [d for d, t in enumerate(op.iterator_types) if t.data == IteratorType.REDUCTION]
    return index.dim.value.data if reduced == [index.dim.value.data] else None


def _fill_of(op: Operation, buffer: SSAValue) -> FillOp | None:
    """The `linalg.fill` of `buffer` before `op` in its block, with nothing between that uses it."""
    before = op.prev_op
    while before is not None:
        if isinstance(before, FillOp) and before.outputs[0] is buffer:
            return before
        if any(v is buffer for v in before.operands):
            return None
        before = before.prev_op
    return None


def _generic(
    inputs: list[SSAValue], outputs: list[SSAValue], maps: list[Attribute], iterators: list[Attribute], block: Block
) -> GenericOp:
    return GenericOp(inputs, outputs, Region(block), maps, iterators)


def split(op: GenericOp, axis: int) -> bool:
    """Rewrites argmax generic `op` (reducing loop `axis`) as two reductions and a select."""
    x, (best, where) = op.inputs[0], op.outputs
    fill, best_fill = _fill_of(op, where), _fill_of(op, best)
    x_type = x.type
    if fill is None or best_fill is None or not isinstance(x_type, ShapedType):
        return False
    element = x_type.get_element_type()
    is_int = isinstance(element, IntegerType)
    maps, iterators = list(op.indexing_maps), list(op.iterator_types)
    b = Builder(InsertPoint.before(op))
    best_fill.detach()  # right before the max, whose kernel then takes its constant over
    b.insert(best_fill)

    top = Block(arg_types=[element, element])
    combine = arith.MaxSIOp if is_int else arith.MaximumfOp
    t = Builder(InsertPoint.at_end(top))
    t.insert(YieldOp(t.insert(combine(top.args[0], top.args[1])).result))
    b.insert(_generic([x], [best], [maps[0], maps[1]], iterators, top))

    sentinel = b.insert(arith.ConstantOp.from_int_and_width(_INT_MAX, 32)).result
    b.insert(FillOp([sentinel], [where], []))
    pick = Block(arg_types=[element, element, i32])
    value, peak, acc = pick.args
    p = Builder(InsertPoint.at_end(pick))
    index = p.insert(arith.IndexCastOp(p.insert(IndexOp(axis)).result, i32)).result
    if is_int:
        hit = p.insert(arith.CmpiOp(value, peak, "eq")).result
    else:
        equal = p.insert(arith.CmpfOp(value, peak, "oeq")).result
        nan = p.insert(arith.CmpfOp(value, value, "uno")).result
        nan_peak = p.insert(arith.CmpfOp(peak, peak, "uno")).result
        hit = p.insert(arith.OrIOp(equal, p.insert(arith.AndIOp(nan, nan_peak)).result)).result
    limit = p.insert(arith.ConstantOp.from_int_and_width(_INT_MAX, 32)).result
    candidate = p.insert(arith.SelectOp(hit, index, limit)).result
    p.insert(YieldOp(p.insert(arith.MinSIOp(candidate, acc)).result))
    b.insert(_generic([x, best], [where], [maps[0], maps[1], maps[2]], iterators, pick))

    where_type = where.type
    assert isinstance(where_type, ShapedType)
    rank = len(where_type.get_shape())
    identity = AffineMapAttr(AffineMap.identity(rank))
    empty = Block(arg_types=[i32, i32])
    e = Builder(InsertPoint.at_end(empty))
    limit = e.insert(arith.ConstantOp.from_int_and_width(_INT_MAX, 32)).result
    zero = e.insert(arith.ConstantOp.from_int_and_width(0, 32)).result
    none = e.insert(arith.CmpiOp(empty.args[0], limit, "eq")).result
    e.insert(YieldOp(e.insert(arith.SelectOp(none, zero, empty.args[0])).result))
    parallel = [IteratorTypeAttr(IteratorType.PARALLEL)] * rank
    b.insert(_generic([where], [where], [identity, identity], list(parallel), empty))
    Rewriter.erase_op(op)
    Rewriter.erase_op(fill)
    return True


@dataclass(frozen=True)
class CharlSplitArgmaxPass(ModulePass):
    """Rewrites each argmax generic over a long range (at least `MIN_RANGE`, or dynamic) as a max
    reduction, a min-index reduction and a select, which the GPU runs as workgroup trees.

    Requires: buffer semantics (the `buffers` stage), before `convert-linalg-to-gpu`. Guarantees:
    the indices are unchanged; other ops and short argmaxes are left as they are.
    """

    name = "charl-split-argmax"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for generic in [o for o in op.walk() if isinstance(o, GenericOp)]:
            axis = argmax_axis(generic)
            if axis is None:
                continue
            size = static_size(structured_view(generic), True)
            if size is None or size >= MIN_RANGE:
                split(generic, axis)
