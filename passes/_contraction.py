"""Contraction generics: a 2-D matmul as one `linalg.generic` whose operands may be read transposed,
whose output's initial value may be fused in, and which may apply an elementwise epilogue at the
last step of the reduction. `linalg-fuse-elementwise` builds them (with `matmul_epilogues`, from a
`linalg.matmul`, its transposed operands, the fill of its output and its elementwise consumer);
`convert-linalg-to-loops` recognizes them (`match`) and calls the runtime's sgemm.

    %c = linalg.generic {indexing_maps = [A, B, E_1, ..., (d0, d1, d2) -> (d0, d1)],
                         iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%a, %b, %e_1, ...) outs(%init) {
    ^bb0(%x: f32, %y: f32, %e_1: f32, ..., %out: f32):
      %k = linalg.index 2 : index
      %first = arith.cmpi eq, %k, %c0           // fused init (optional)
      %acc = arith.select %first, %v0, %out     //
      %p = arith.mulf %x, %y
      %s = arith.addf %acc, %p
      ... %v = epilogue(%s, %e_1, ...) ...      // fused epilogue (optional)
      %last = arith.cmpi eq, %k, %k_last        //
      %r = arith.select %last, %v, %s           //
      linalg.yield %r : f32
    }

A is `(d0, d1, d2) -> (d0, d2)` or, read transposed, `(d2, d0)`; B is `(d2, d1)` or `(d1, d2)`; the
epilogue inputs do not use d2. The semantics are linalg's loop nest, in order: for each output
element the products are added for k = 0, ..., K-1, starting from `%v0` at k = 0 (from the output's
initial value without a fused init), and the epilogue replaces the sum at k = K-1. Any lowering that
keeps, per output element, the order in which k is visited computes it as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.dialects.builtin import IntegerAttr
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Block, Operation, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineMap

from passes._fuse_generic import static_extent

A_MAPS = {AffineMap.from_callable(lambda i, j, k: (i, k)): False, AffineMap.from_callable(lambda i, j, k: (k, i)): True}
"""The maps of A, each with whether it reads A transposed."""
B_MAPS = {AffineMap.from_callable(lambda i, j, k: (k, j)): False, AffineMap.from_callable(lambda i, j, k: (j, k)): True}
"""The maps of B, each with whether it reads B transposed."""
OUT_MAP = AffineMap.from_callable(lambda i, j, k: (i, j))
ITERATORS = [IteratorTypeAttr.parallel(), IteratorTypeAttr.parallel(), IteratorTypeAttr.reduction()]


@dataclass(frozen=True)
class Contraction:
    """The parts of a contraction generic's body (see the module docstring)."""

    trans_a: bool
    trans_b: bool
    init: SSAValue | None
    """The value the sum starts from at k = 0 (a fused init), or None (the output's initial value)."""
    structure: tuple[Operation, ...]
    """The ops that make the contraction itself: index, compares, selects, mulf, addf, yield."""
    sum: SSAValue
    """The running sum `%s`."""
    epilogue: SSAValue | None
    """The epilogue's value `%v`, computed by the body's other ops from `%s` and the inputs past B."""


def _index_compare(value: SSAValue, block: Block, wanted: int) -> Operation | None:
    """The `arith.cmpi eq, (linalg.index 2), (constant wanted)` of `block` that defines `value`."""
    op = value.owner
    if not isinstance(op, arith.CmpiOp) or op.predicate.value.data != 0 or op.parent_block() is not block:
        return None
    index, bound = op.lhs.owner, op.rhs.owner
    if not isinstance(index, linalg.IndexOp) or index.dim.value.data != 2:
        return None
    if not isinstance(bound, arith.ConstantOp) or not isinstance(bound.value, IntegerAttr):
        return None
    return op if bound.value.value.data == wanted else None


def reduction_extent(op: linalg.GenericOp) -> int | None:
    """K, the static extent of the reduction loop, or None when it is dynamic."""
    return static_extent(op, 2)


def match(op: Operation) -> Contraction | None:
    """The parts of `op` if it is a contraction generic, else None."""
    if not isinstance(op, linalg.GenericOp) or len(op.outputs) != 1 or len(op.inputs) < 2:
        return None
    maps = [m.data for m in op.indexing_maps.data]
    if list(op.iterator_types.data) != ITERATORS or maps[0] not in A_MAPS or maps[1] not in B_MAPS:
        return None
    if maps[-1] != OUT_MAP or any(2 in _dims(m) for m in maps[2:-1]):
        return None
    block = op.body.block
    x, y, out = block.args[0], block.args[1], block.args[-1]
    yielded = block.last_op
    if not isinstance(yielded, linalg.YieldOp) or len(yielded.operands) != 1:
        return None
    structure: list[Operation] = [yielded]
    result = yielded.operands[0]
    epilogue: SSAValue | None = None
    last_select = result.owner
    if isinstance(last_select, arith.SelectOp):
        extent = reduction_extent(op)
        last = None if extent is None else _index_compare(last_select.cond, block, extent - 1)
        if last is None:
            return None
        epilogue, result = last_select.lhs, last_select.rhs
        structure += [last_select, last]
    add = result.owner
    if not isinstance(add, arith.AddfOp) or add.parent_block() is not block:
        return None
    mul, acc = add.rhs.owner, add.lhs
    if not isinstance(mul, arith.MulfOp):
        mul, acc = add.lhs.owner, add.rhs
    if not isinstance(mul, arith.MulfOp) or mul.parent_block() is not block or {mul.lhs, mul.rhs} != {x, y}:
        return None
    structure += [add, mul]
    init: SSAValue | None = None
    if acc is not out:
        first_select = acc.owner
        if not isinstance(first_select, arith.SelectOp) or first_select.rhs is not out:
            return None
        first = _index_compare(first_select.cond, block, 0)
        if first is None:
            return None
        init = first_select.lhs
        structure += [first_select, first]
    structure += [o for o in block.ops if isinstance(o, linalg.IndexOp) and o.dim.value.data == 2]
    kept = set(structure)
    if any(use.operation not in kept for v in (x, y, out) for use in v.uses):
        return None
    if any(isinstance(o, linalg.IndexOp) and o.dim.value.data == 2 and o not in kept for o in block.ops):
        return None
    return Contraction(A_MAPS[maps[0]], B_MAPS[maps[1]], init, tuple(structure), result, epilogue)


def _dims(m: AffineMap) -> set[int]:
    return {r.position for r in m.results if isinstance(r, AffineDimExpr)}


def epilogue_ops(op: linalg.GenericOp, parts: Contraction) -> list[Operation]:
    """The body's ops that compute the epilogue's value from the sum and the inputs past B, in order."""
    block = op.body.block
    needed: set[Operation] = set()
    pending = [parts.epilogue]
    while pending:
        value = pending.pop()
        owner = value.owner if value is not None else None
        if isinstance(owner, Operation) and owner.parent_block() is block and owner not in needed:
            needed.add(owner)
            pending.extend(owner.operands)
    return [o for o in block.ops if o in needed and o not in parts.structure]
