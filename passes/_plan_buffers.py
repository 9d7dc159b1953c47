"""`charl-plan-memory`: the buffers of a function, their sizes and live ranges, and which of them
go into the arena.

A `memref.alloc` goes into the arena unless it must stay an allocation of its own (`heap` says
why): its size is dynamic; the function returns it (the caller frees it); a loop hands it from
one iteration to the next (one offset cannot hold two iterations' buffers at once); or a value
may point either to it or to memory that is freed at run time (a call's result, another buffer
that stays on the heap), so its `memref.dealloc` must stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import func, memref
from xdsl.dialects.builtin import MemRefType

from passes._llvm_types import element_size
from passes._plan_alias import PointsTo, carried_by, points_to, returned
from passes._plan_live import Numbering, Range, live_range, members
from passes._plan_locate import Where, where

ALIGNMENT = 64
"""Every buffer's offset in the arena is a multiple of this (bytes)."""


@dataclass(eq=False)
class Buffer:
    """One `memref.alloc` of a function and what the plan decides for it."""

    alloc: memref.AllocOp
    size: int | None
    """Bytes (None when the size is dynamic)."""
    live: Range
    where: Where
    heap: str = ""
    """Why the buffer stays an allocation of its own; empty when it is in the arena."""
    offset: int | None = None
    also: str = ""
    """The buffers merged into this one (elementwise ops that write into it as it dies)."""

    @property
    def name(self) -> str:
        """`%` and the SSA name hint of the allocation."""
        return f"%{self.alloc.memref.name_hint or 'alloc'}"

    @property
    def padded(self) -> int:
        """The size rounded up to the alignment."""
        size = self.size or 0
        return (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


@dataclass
class Analysis:
    """A function's buffers, the sites each value may point to, and the op numbering."""

    buffers: list[Buffer]
    sites: PointsTo
    numbering: Numbering


def static_bytes(t: MemRefType) -> int | None:
    """The bytes of a memref type, None when a dimension is dynamic."""
    count = 1
    for n in t.get_shape():
        if n < 0:
            return None
        count *= n
    return count * element_size(t.element_type)


def analyze(function: func.FuncOp) -> Analysis:
    """The buffers of `function`, classified."""
    sites = points_to(function)
    numbering = Numbering.of(function)
    values = members(sites)
    out = returned(function, sites)
    buffers: list[Buffer] = []
    for op in numbering.ops:
        if not isinstance(op, memref.AllocOp):
            continue
        t = op.memref.type
        assert isinstance(t, MemRefType)
        b = Buffer(op, static_bytes(t), live_range(op, values.get(op, []), numbering), where(op))
        b.heap = _heap_reason(b, out, sites)
        buffers.append(b)
    _demote_mixed(buffers, sites)
    return Analysis(buffers, sites, numbering)


def _heap_reason(b: Buffer, out: set[memref.AllocOp | None], sites: PointsTo) -> str:
    if b.size is None:
        return "dynamic size"
    if b.alloc in out:
        return "returned to the caller"
    loop = carried_by(b.alloc, sites)
    if loop is not None:
        return f"carried across iterations of the {loop.name} at {where(loop)}"
    return ""


def _demote_mixed(buffers: list[Buffer], sites: PointsTo) -> None:
    """Keeps on the heap every buffer that a value may point to along with memory freed at run
    time (a call's result, a heap buffer), until no such value is left."""
    by_alloc = {b.alloc: b for b in buffers}
    changed = True
    while changed:
        changed = False
        for targets in sites.values():
            heap = [t for t in targets if t is None or by_alloc[t].heap]
            arena = [by_alloc[t] for t in targets if t is not None and not by_alloc[t].heap]
            if heap and arena:
                for b in arena:
                    b.heap = "may be the same buffer as memory freed at run time"
                changed = True
