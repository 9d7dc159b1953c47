"""`charl-plan-memory`: the plan of a function as data (`FunctionPlan`) and as the text that
`charlc --emit=plan` prints.

    memory plan of @f (p.ch:3:1): arena 1.0 KiB in one allocation per call, alignment 64
      buffer   type              bytes  live     offset  line  note
      %empty   memref<8x16xf32>    512  3..9          0  4:13
      %empty_1 memref<8x16xf32>    512  7..12       512  5:13
      ...
      planned peak 1.0 KiB (1024 bytes); largest live set 1.0 KiB (1024 bytes): 1.00x

The planned peak is the arena plus the most bytes that buffers kept on the heap hold at one time;
the largest live set is the most bytes live at one op (all buffers), a lower bound for any plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from passes._plan_buffers import Buffer
from passes._plan_live import live_bytes
from passes._plan_locate import Where


@dataclass(frozen=True)
class Row:
    """One buffer of a plan as printed."""

    name: str
    type: str
    size: int | None
    start: int
    end: int
    offset: int | None
    where: Where
    note: str


@dataclass(frozen=True)
class FunctionPlan:
    """The memory plan of one function."""

    function: str
    where: Where
    rows: tuple[Row, ...]
    arena: int
    peak: int
    live_max: int
    peak_where: Where
    """The source position whose buffers hold the most bytes at the point of the largest live set."""
    applied: bool = True
    note: str = ""

    def summary(self) -> str:
        """One line: the function, the planned peak and the largest live set."""
        return f"@{self.function}: planned peak {human(self.peak)}, largest live set {human(self.live_max)}"


def human(n: int) -> str:
    """Bytes as `512 B`, `1.5 KiB`, `64.0 MiB`."""
    value, unit = float(n), "B"
    for next_unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, next_unit
    return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"


def build(function: str, where: Where, buffers: Sequence[Buffer], arena: int, points: int, note: str) -> FunctionPlan:
    """The plan of `function` from its placed buffers (`note` is empty when the plan is applied)."""
    static = [b for b in buffers if b.size is not None]
    everything = live_bytes([(b.live.start, b.live.end, b.size or 0) for b in static], points)
    heap = live_bytes([(b.live.start, b.live.end, b.size or 0) for b in static if b.heap], points)
    live_max = max(everything, default=0)
    peak = arena + max(heap, default=0) if not note else live_max
    at = everything.index(live_max) if static else 0
    rows = _rows(sorted(buffers, key=lambda b: b.live.start))
    return FunctionPlan(function, where, rows, arena, peak, live_max, _heaviest(static, at), not note, note)


def _rows(buffers: Sequence[Buffer]) -> tuple[Row, ...]:
    """One row per buffer, in program order, named `%hint`, `%hint_1`, ... as the IR printer does."""
    seen: dict[str, int] = {}
    rows: list[Row] = []
    for b in buffers:
        count = seen.get(b.name, 0)
        seen[b.name] = count + 1
        notes = [f"heap: {b.heap}"] if b.heap else []
        if b.also:
            notes.append(f"also holds {b.also} (written in place)")
        name = b.name if count == 0 else f"{b.name}_{count}"
        t = str(b.alloc.memref.type)
        rows.append(Row(name, t, b.size, b.live.start, b.live.end, b.offset, b.where, "; ".join(notes)))
    return tuple(rows)


def _heaviest(buffers: Sequence[Buffer], at: int) -> Where:
    """The position whose buffers live at `at` hold the most bytes."""
    held: dict[str, tuple[int, Where]] = {}
    for b in buffers:
        if b.live.start <= at <= b.live.end:
            total, w = held.get(str(b.where), (0, b.where))
            held[str(b.where)] = (total + (b.size or 0), w)
    if not held:
        return Where(None)
    return max(held.values(), key=lambda item: item[0])[1]


def render(plan: FunctionPlan) -> str:
    """The plan as text (see the module docstring)."""
    at = f" ({plan.where.path}:{plan.where})" if plan.where.op is not None else ""
    head = f"memory plan of @{plan.function}{at}: "
    if plan.applied and plan.arena:
        head += f"arena {human(plan.arena)} in one allocation per call, alignment 64"
    elif plan.applied:
        head += "no arena"
    else:
        head += plan.note
    if not plan.rows:
        return head + "\n  no buffers\n"
    table = [("buffer", "type", "bytes", "live", "offset", "line", "note")]
    for r in plan.rows:
        offset = "heap" if r.offset is None else str(r.offset)
        size = "?" if r.size is None else str(r.size)
        table.append((r.name, r.type, size, f"{r.start}..{r.end}", offset, str(r.where), r.note))
    widths = [max(len(row[k]) for row in table) for k in range(6)]
    lines = [head]
    for row in table:
        cells = [row[k].rjust(widths[k]) if k in (2, 4) else row[k].ljust(widths[k]) for k in range(6)]
        lines.append(("  " + "  ".join(cells) + ("  " + row[6] if row[6] else "")).rstrip())
    ratio = f": {plan.peak / plan.live_max:.2f}x" if plan.live_max else ""
    lines.append(
        f"  planned peak {human(plan.peak)} ({plan.peak} bytes); "
        f"largest live set {human(plan.live_max)} ({plan.live_max} bytes){ratio}"
    )
    return "\n".join(lines) + "\n"
