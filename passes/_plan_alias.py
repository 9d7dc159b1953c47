"""`charl-plan-memory`: which allocations each memref value of a function may point to.

After `charl-bufferize` a memref value is an allocation of the function (`memref.alloc`), a view
of one (`cast`, `subview`, reshapes, `reinterpret_cast`, `view`), a value carried through
structured control flow (`scf.for`/`scf.while` iter_args and results, `scf.if` results), or memory
the function does not allocate (an argument, a `memref.get_global`, a call's result). `points_to`
gives each memref value the set of `memref.alloc` ops it may be a view of, with `OTHER` standing
for memory the function did not allocate with `memref.alloc`. An op this analysis does not know
that returns a memref is taken to return a view of any of its memref operands, or other memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from xdsl.dialects import func, memref, scf
from xdsl.dialects.builtin import MemRefType, UnrankedMemRefType
from xdsl.ir import Operation, SSAValue

OTHER = None
"""The site of memory not allocated by a `memref.alloc` of the function."""

Site = memref.AllocOp | None
PointsTo = dict[SSAValue, set[Site]]

VIEWS = (
    memref.CastOp,
    memref.SubviewOp,
    memref.CollapseShapeOp,
    memref.ExpandShapeOp,
    memref.ReinterpretCastOp,
    memref.ViewOp,
)
"""Ops whose result views the memory of their first operand."""

LOOPS = (scf.ForOp, scf.WhileOp)


def is_memref(value: SSAValue) -> bool:
    """Whether `value` is a ranked or unranked memref."""
    return isinstance(value.type, MemRefType | UnrankedMemRefType)


def points_to(function: func.FuncOp) -> PointsTo:
    """The allocation sites each memref value of `function` may point to (a fixpoint over the
    flows of `_flows`; loops make it iterate until carried values stop growing)."""
    sites: PointsTo = {}
    for arg in function.body.block.args if function.body.blocks else ():
        if is_memref(arg):
            sites[arg] = {OTHER}
    flows = [f for op in function.walk() if op.results or op.regions for f in _flows(op) if is_memref(f[0])]
    changed = True
    while changed:
        changed = False
        for target, sources, seed in flows:
            known = sites.setdefault(target, set())
            new = set(seed).union(*(sites.get(s, set()) for s in sources))
            if not new <= known:
                known |= new
                changed = True
    return sites


Flow = tuple[SSAValue, Sequence[SSAValue], Sequence[Site]]
"""A value, the values whose sites flow into it, and sites it has of its own."""


def _flows(op: Operation) -> Iterator[Flow]:
    if isinstance(op, memref.AllocOp):
        yield op.memref, (), (op,)
    elif isinstance(op, VIEWS):
        yield op.results[0], (op.operands[0],), ()
    elif isinstance(op, scf.ForOp):
        carried = op.body.block.last_op
        yielded = list(carried.operands) if carried is not None else []
        for k, result in enumerate(op.results):
            sources = [op.iter_args[k], *yielded[k : k + 1]]
            yield result, sources, ()
            yield op.body.block.args[k + 1], sources, ()
    elif isinstance(op, scf.WhileOp):
        yield from _while_flows(op)
    elif isinstance(op, scf.IfOp):
        for k, result in enumerate(op.results):
            yield result, [y.operands[k] for y in _terminators(op)], ()
    elif isinstance(op, func.CallOp):
        for result in op.results:
            yield result, (), (OTHER,)
    else:
        operands = [v for v in op.operands if is_memref(v)]
        for result in op.results:
            yield result, operands, (OTHER,)


def _while_flows(op: scf.WhileOp) -> Iterator[Flow]:
    before, after = op.before_region.block, op.after_region.block
    condition, back = before.last_op, after.last_op
    passed = list(condition.operands[1:]) if condition is not None else []
    looped = list(back.operands) if back is not None else []
    for k, arg in enumerate(before.args):
        yield arg, [op.arguments[k], *looped[k : k + 1]], ()
    for k, arg in enumerate(after.args):
        yield arg, passed[k : k + 1], ()
    for k, result in enumerate(op.results):
        yield result, passed[k : k + 1], ()


def _terminators(op: Operation) -> list[Operation]:
    return [b.last_op for r in op.regions for b in r.blocks if b.last_op is not None]


def carried_by(alloc: memref.AllocOp, sites: PointsTo) -> Operation | None:
    """The outermost loop around `alloc` whose iterations (or results) may hand the allocation on:
    a loop result or a block argument of the loop's regions may point to it."""
    found: Operation | None = None
    loop = alloc.parent_op()
    while loop is not None and not isinstance(loop, func.FuncOp):
        if isinstance(loop, LOOPS):
            carried = [*loop.results, *(a for r in loop.regions for b in r.blocks for a in b.args)]
            if any(alloc in sites.get(v, set()) for v in carried):
                found = loop
        loop = loop.parent_op()
    return found


def returned(function: func.FuncOp, sites: PointsTo) -> set[Site]:
    """The sites the function's `func.return` may hand to the caller."""
    result: set[Site] = set()
    for op in function.walk():
        if isinstance(op, func.ReturnOp):
            for value in op.operands:
                result |= sites.get(value, set())
    return result
