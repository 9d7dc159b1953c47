"""`charl-plan-memory`: liveness-based placement of every buffer of a function in one arena.

The analysis is split beside this file: `_plan_alias` (which allocations each memref value may
point to), `_plan_live` (live ranges over the ops in program order), `_plan_buffers` (the buffers
and which stay on the heap), `_plan_inplace` (elementwise ops written into a dying input),
`_plan_place` (offsets, best fit), `_plan_rewrite` (arena and views) and `_plan_report` (the plan
as data and text). docs/memory-plan.md describes the plan and `charlc --emit=plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from xdsl.context import Context
from xdsl.dialects import func, memref
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from passes._plan_buffers import analyze
from passes._plan_inplace import write_in_place
from passes._plan_locate import where
from passes._plan_place import place
from passes._plan_report import FunctionPlan, build, human
from passes._plan_rewrite import rewrite

PASS_NAME = "charl-plan-memory"
NOT_APPLIED = (
    "not applied (rewrite=false; the gpu target keeps one device buffer per tensor), "
    "so the peak is the largest live set"
)

PlanSink = Callable[[FunctionPlan], None]
"""Where the pass sends the plan of each function (the driver prints or summarizes them)."""


class MemoryLimitError(PassFailedException):
    """A plan whose peak exceeds `max_memory`; `op` is at the source line holding the most memory
    at the peak (the driver reports the error there)."""

    def __init__(self, op: Operation | None, message: str) -> None:
        self.op = op
        self.message = message
        super().__init__(f"{PASS_NAME}: {message}")


@dataclass(frozen=True)
class CharlPlanMemoryPass(ModulePass):
    """Places every buffer of a function at an offset of one arena allocated per call, buffers whose
    live ranges do not intersect sharing bytes.

    Each `memref.alloc` of static size becomes a `memref.view` of the function's arena (one
    `memref.alloc` of bytes, alignment 64, at the function's entry, freed before its return) at an
    offset chosen best-fit by decreasing size over the live ranges; their `memref.dealloc`s go. A
    buffer live where a loop uses it stays live for the whole loop. Allocations of dynamic size,
    those the function returns, those a loop carries from one iteration to the next, and those a
    value shares with memory freed at run time stay allocations of their own, and the plan says
    why. An all-parallel `linalg.generic` whose output is a fresh buffer and one of whose inputs,
    of the same type and indexing map, dies at it, is written into that input.

    Options: `rewrite=false` plans and reports without changing the IR (the gpu target, whose
    runtime keeps one device buffer per tensor); `max_memory=N` fails, at the source line holding
    the most memory at the peak, when a function's planned peak exceeds N bytes (0: no limit).
    Each function's `FunctionPlan` goes to `report` when set (`charlc --emit=plan`, `--stats`).

    Requires: the `buffers` stage (after `charl-bufferize`: every allocation freed on every path or
    handed to the caller; structured control flow). Guarantees: the module computes the same
    values; two buffers live at the same time never share bytes; every allocation is freed.
    """

    name = PASS_NAME

    rewrite: bool = True
    max_memory: int = 0
    report: PlanSink | None = field(default=None, compare=False)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in [f for f in op.ops if isinstance(f, func.FuncOp) and f.body.blocks]:
            plan = self.plan_function(function)
            if self.report is not None:
                self.report(plan)
            if self.max_memory and plan.peak > self.max_memory:
                raise _over_limit(plan, self.max_memory)

    def plan_function(self, function: func.FuncOp) -> FunctionPlan:
        """Plans `function` (and rewrites it, with `rewrite`)."""
        merged: dict[memref.AllocOp, list[str]] = {}
        while self.rewrite:
            found = write_in_place(analyze(function))
            for alloc, names in found.items():
                merged.setdefault(alloc, []).extend(names)
            if not found:
                break
        analysis = analyze(function)
        for b in analysis.buffers:
            b.also = ", ".join(merged.get(b.alloc, []))
        arena = place(analysis.buffers)
        note = "" if self.rewrite else NOT_APPLIED
        points = len(analysis.numbering.ops)
        plan = build(function.sym_name.data, where(function), analysis.buffers, arena, points, note)
        if self.rewrite:
            rewrite(function, analysis, arena)
        return plan


def _over_limit(plan: FunctionPlan, limit: int) -> MemoryLimitError:
    message = (
        f"@{plan.function} needs {human(plan.peak)} ({plan.peak} bytes) of memory at its peak, more than "
        f"the limit of {human(limit)} ({limit} bytes, --max-memory)"
    )
    if plan.peak_where.op is not None:
        message += "; the buffers of this line hold the most of it"
    return MemoryLimitError(plan.peak_where.op, message)


def reporting_to(passes: Sequence[ModulePass], sink: PlanSink) -> list[ModulePass]:
    """`passes`, each `charl-plan-memory` among them sending its plans to `sink`."""
    return [replace(p, report=sink) if isinstance(p, CharlPlanMemoryPass) else p for p in passes]
