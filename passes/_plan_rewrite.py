"""`charl-plan-memory`: the rewrite of a function to its plan.

    %arena = memref.alloc() {alignment = 64 : i64} : memref<ARENAxi8>    (first op of the function)
    %offset = arith.constant OFFSET : index                               (where each alloc was)
    %buf = memref.view %arena[%offset][] : memref<ARENAxi8> to memref<32x128xf32>
    ...
    memref.dealloc %arena : memref<ARENAxi8>                              (before func.return)

Every `memref.dealloc` of an arena buffer goes; allocations that stay on the heap keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, MemRefType, i64
from xdsl.ir import Operation
from xdsl.rewriter import InsertPoint, Rewriter

from passes._plan_buffers import ALIGNMENT, Analysis


def rewrite(function: func.FuncOp, analysis: Analysis, arena_size: int) -> None:
    """Allocates the arena of `function` and turns its arena buffers into views of it."""
    arena_buffers = [b for b in analysis.buffers if not b.heap]
    if not arena_buffers:
        return
    block = function.body.block
    arena_type = MemRefType(IntegerType(8), [arena_size])
    arena_op = memref.AllocOp([], [], arena_type, alignment=IntegerAttr(ALIGNMENT, i64))
    arena_op.memref.name_hint = "arena"
    Rewriter.insert_op(arena_op, InsertPoint.at_start(block))
    arena = arena_op.memref
    allocs = {b.alloc for b in arena_buffers}
    for op in _deallocs(analysis.numbering.ops, analysis, allocs):
        Rewriter.erase_op(op)
    for b in arena_buffers:
        offset = arith.ConstantOp(IntegerAttr(b.offset or 0, IndexType()))
        view = memref.ViewOp(arena, offset, [], b.alloc.memref.type)  # type: ignore[arg-type]
        for op in (offset, view):
            op.location = b.alloc.location
        offset.result.name_hint = "offset"
        view.result.name_hint = b.alloc.memref.name_hint
        Rewriter.insert_op(offset, InsertPoint.before(b.alloc))
        Rewriter.replace_op(b.alloc, view)
    last = block.last_op
    assert isinstance(last, func.ReturnOp)
    Rewriter.insert_op(memref.DeallocOp.get(arena), InsertPoint.before(last))


def _deallocs(ops: Sequence[Operation], analysis: Analysis, allocs: set[memref.AllocOp]) -> list[Operation]:
    """The deallocs whose operand may point only to arena buffers."""
    found: list[Operation] = []
    for op in ops:
        if isinstance(op, memref.DeallocOp) and op.parent is not None:
            targets = analysis.sites.get(op.memref, set())
            if targets and all(t in allocs for t in targets):
                found.append(op)
    return found
