"""Control flow in `charl-autodiff`: the adjoint of `scf.if`.

The backward sweep of an `scf.if` is an `scf.if` on the same condition; each branch recomputes its
forward branch (values defined in a branch are not visible after it), seeds the adjoints of the
values it yields with the adjoints of the `scf.if` results, runs the backward sweep of its ops, and
yields the adjoints of the outside values the branch used (zeros where it did not reach them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xdsl.dialects import scf
from xdsl.ir import Block, Operation, Region, SSAValue

from passes._autodiff_builder import AdjointBuilder, outside_uses
from passes._autodiff_loops import tape_loops

if TYPE_CHECKING:
    from passes._autodiff_sweep import Sweep


def _branch(sweep: Sweep, op: scf.IfOp, block: Block, gs: list[SSAValue | None], free: list[SSAValue]) -> Region:
    """The backward branch of the forward `block` as a new region."""
    new = Block()
    mapping: dict[SSAValue, SSAValue] = {}
    ops: list[Operation] = []
    yielded: list[SSAValue] = []
    for fwd in block.ops:
        if isinstance(fwd, scf.YieldOp):
            yielded = [mapping.get(v, v) for v in fwd.operands]
            break
        clone = fwd.clone(mapping)
        mapping.update(zip(fwd.results, clone.results, strict=True))
        new.add_op(clone)
        ops.append(clone)
    moved = tape_loops(new, ops, sweep.tapes)
    yielded = [moved.get(v, v) for v in yielded]
    sweep.varied.update(_newly_varied(ops, sweep.varied))
    child = sweep.child(AdjointBuilder(new))
    for v, g in zip(yielded, gs, strict=True):
        if g is not None and v in sweep.varied:
            child.accumulate(v, g)
    child.run(ops)
    child.builder.at(op)
    outs = [child.adjoints.get(f) or child.builder.zeros_like(f) for f in free]
    new.add_op(scf.YieldOp(*outs))
    return Region(new)


def _newly_varied(ops: list[Operation], varied: set[SSAValue]) -> set[SSAValue]:
    from passes._autodiff_sweep import varied_values

    return varied_values(ops, varied)


def if_adjoint(sweep: Sweep, op: scf.IfOp, gs: list[SSAValue | None]) -> None:
    """Emits the backward `scf.if` of `op` and accumulates the adjoints of the outside values."""
    free = outside_uses(op, sweep.varied)
    if not free:
        return
    then = _branch(sweep, op, op.true_region.block, gs, free)
    if op.false_region.blocks:
        other = _branch(sweep, op, op.false_region.block, gs, free)
    else:
        other = Region(Block())
        b = AdjointBuilder(other.block)
        b.at(op)
        other.block.add_op(scf.YieldOp(*[b.zeros_like(f) for f in free]))
    back = scf.IfOp(op.cond, [f.type for f in free], then, other)
    sweep.builder.at(op)
    sweep.builder.emit(back)
    for f, r in zip(free, back.results, strict=True):
        sweep.accumulate(f, r)
