"""`charl-plan-memory`: live ranges of allocations over the ops of a function, in program order.

Every op of a function, nested ones included, gets an index in a pre-order walk (an `scf.for`
before its body, the `then` branch before the `else`). An allocation is live from its
`memref.alloc` to the last use of any value that may point to it (`_plan_alias`), `memref.dealloc`
aside. A use inside a loop that does not contain the allocation keeps it live until the end of
that loop: the next iteration reads it again. Ranges are closed intervals of indices; two
allocations may share bytes only when their intervals are disjoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xdsl.dialects import func, memref
from xdsl.ir import Operation, SSAValue

from passes._plan_alias import LOOPS, PointsTo


@dataclass
class Numbering:
    """The pre-order index of every op of a function, and the last index inside each op."""

    index: dict[Operation, int] = field(default_factory=dict[Operation, int])
    last: dict[Operation, int] = field(default_factory=dict[Operation, int])
    ops: list[Operation] = field(default_factory=list[Operation])

    @staticmethod
    def of(function: func.FuncOp) -> Numbering:
        """The numbering of `function`'s ops (the function itself is 0)."""
        n = Numbering()
        n.ops = list(function.walk())
        n.index = {op: k for k, op in enumerate(n.ops)}
        for op in reversed(n.ops):
            inner = [n.last[o] for r in op.regions for b in r.blocks for o in b.ops]
            n.last[op] = max([n.index[op], *inner])
        return n

    def position(self, user: Operation, alloc: Operation) -> int:
        """Where a use by `user` keeps `alloc` live until: `user`'s index, or the end of the
        outermost loop around `user` that does not contain `alloc`."""
        position = self.index[user]
        current = user.parent_op()
        while current is not None and not isinstance(current, func.FuncOp):
            if isinstance(current, LOOPS) and not current.is_ancestor(alloc):
                position = max(position, self.last[current])
            current = current.parent_op()
        return position


@dataclass(frozen=True)
class Range:
    """Where an allocation is live (`start`..`end`, closed) and where its first use is."""

    start: int
    end: int
    first_use: int


def members(sites: PointsTo) -> dict[memref.AllocOp, list[SSAValue]]:
    """For each allocation, the values that may point to it."""
    result: dict[memref.AllocOp, list[SSAValue]] = {}
    for value, targets in sites.items():
        for site in targets:
            if site is not None:
                result.setdefault(site, []).append(value)
    return result


def live_range(alloc: memref.AllocOp, values: Sequence[SSAValue], numbering: Numbering) -> Range:
    """The live range of `alloc`, whose memory `values` may point to."""
    positions = [numbering.position(user, alloc) for user in _users(values)]
    start = numbering.index[alloc]
    if not positions:
        return Range(start, start, start)
    return Range(start, max(positions), min(positions))


def _users(values: Iterable[SSAValue]) -> list[Operation]:
    return [use.operation for v in values for use in v.uses if not isinstance(use.operation, memref.DeallocOp)]


def live_bytes(ranges: Sequence[tuple[int, int, int]], points: int) -> list[int]:
    """The bytes live at each index 0..points-1, from (start, end, bytes) triples."""
    delta = [0] * (points + 1)
    for start, end, size in ranges:
        delta[start] += size
        delta[end + 1] -= size
    live, total = [], 0
    for k in range(points):
        total += delta[k]
        live.append(total)
    return live
