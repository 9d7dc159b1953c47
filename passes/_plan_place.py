"""`charl-plan-memory`: offsets in the arena, best fit by decreasing size.

Buffers are placed largest first (ties: earliest first). Each goes into the smallest gap, among
the bytes of the already placed buffers whose live ranges intersect its own, that holds it, or
after the last of them; offsets and sizes are multiples of the alignment. Two buffers whose live
ranges are disjoint may share bytes; two whose ranges intersect never do.
"""

from __future__ import annotations

from collections.abc import Sequence

from passes._plan_buffers import Buffer


def place(buffers: Sequence[Buffer]) -> int:
    """Sets the `offset` of every arena buffer of `buffers`; returns the arena's size in bytes."""
    arena = [b for b in buffers if not b.heap]
    order = sorted(arena, key=lambda b: (-b.padded, b.live.start))
    placed: list[Buffer] = []
    size = 0
    for b in order:
        taken = sorted((o.offset or 0, (o.offset or 0) + o.padded) for o in placed if _intersect(o, b) and o.padded > 0)
        b.offset = _best_gap(taken, b.padded)
        placed.append(b)
        size = max(size, b.offset + b.padded)
    return size


def _intersect(a: Buffer, b: Buffer) -> bool:
    return a.live.start <= b.live.end and b.live.start <= a.live.end


def _best_gap(taken: list[tuple[int, int]], need: int) -> int:
    """The start of the smallest free gap of at least `need` bytes between the `taken` byte ranges
    (sorted by start), else the first byte after all of them."""
    best: tuple[int, int] | None = None
    cursor = 0
    for start, end in taken:
        gap = start - cursor
        if gap >= need and (best is None or gap < best[0]):
            best = (gap, cursor)
        cursor = max(cursor, end)
    return best[1] if best is not None else cursor


def overlapping(buffers: Sequence[Buffer]) -> list[tuple[Buffer, Buffer]]:
    """Pairs of arena buffers that are live at the same time and share bytes (none, when the plan
    is right)."""
    arena = [b for b in buffers if not b.heap and b.offset is not None and b.padded > 0]
    pairs: list[tuple[Buffer, Buffer]] = []
    for i, a in enumerate(arena):
        for b in arena[i + 1 :]:
            a0, b0 = a.offset or 0, b.offset or 0
            if _intersect(a, b) and a0 < b0 + b.padded and b0 < a0 + a.padded:
                pairs.append((a, b))
    return pairs
