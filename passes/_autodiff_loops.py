"""Loops in `charl-autodiff`: the tape of an `scf.for` and its reverse loop.

The forward sweep saves the carried values at the start of every iteration into tapes of shape
`[trip count, ...]` (`charl.update_slice`, extra loop-carried values: an iteration counter and the
tapes). The backward sweep is an `scf.for` over the iterations in reverse: it reads the carried
values back (`charl.slice` + `charl.reshape`), recomputes the body, and runs its backward sweep,
carrying the adjoints of the carried values and of the outside values the body uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, IntegerAttr, TensorType
from xdsl.ir import Block, Operation, SSAValue

from dialects.charl import BroadcastToOp, ConstantOp, DimOp, ReshapeOp, SliceOp, UpdateSliceOp
from dialects.charl_base import element_of, is_dynamic, is_float, shape_of
from passes._autodiff_builder import AdjointBuilder, outside_uses

if TYPE_CHECKING:
    from passes._autodiff_sweep import Sweep


@dataclass(frozen=True)
class Tape:
    """A taped forward loop: its trip count and the loop results that hold the tapes."""

    count: SSAValue
    tapes: list[SSAValue]
    carried: int


def _index(b: AdjointBuilder, n: int) -> SSAValue:
    return b.emit(arith.ConstantOp.from_int_and_width(n, IndexType()))


def _static_int(v: SSAValue) -> int | None:
    """The value of an index constant (`arith.constant`, or `arith.index_cast` of `charl.constant`)."""
    owner = v.owner
    if isinstance(owner, arith.IndexCastOp):
        owner = owner.input.owner
    if isinstance(owner, arith.ConstantOp | ConstantOp):
        attr = owner.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _trip_count(b: AdjointBuilder, loop: scf.ForOp) -> tuple[SSAValue, int | None]:
    lb, ub, step = (_static_int(v) for v in (loop.lb, loop.ub, loop.step))
    if lb is not None and ub is not None and step is not None and step > 0:
        n = max(0, math.ceil((ub - lb) / step))
        return _index(b, n), n
    zero, one = _index(b, 0), _index(b, 1)
    body = Block(arg_types=[IndexType(), IndexType()])
    nxt = arith.AddiOp(body.args[1], one)
    body.add_ops([nxt, scf.YieldOp(nxt)])
    return b.emit(scf.ForOp(loop.lb, loop.ub, loop.step, [zero], body)), None


def _row_type(t: TensorType | object, n: int | None) -> TensorType:
    return TensorType(element_of(t), [DYNAMIC_INDEX if n is None else n, *shape_of(t)])  # type: ignore[arg-type]


def _dims(b: AdjointBuilder, v: SSAValue) -> list[SSAValue]:
    return [b.emit(DimOp(v, i)) for i, d in enumerate(shape_of(v.type)) if is_dynamic(d)]


def tape_loop(block: Block, loop: scf.ForOp) -> tuple[scf.ForOp, Tape]:
    """Replaces the forward `loop` (in `block`) by one that also records its carried values."""
    b = AdjointBuilder(block, before=loop)
    b.at(loop)
    count, n = _trip_count(b, loop)
    carried = list(loop.iter_args)
    zero, one = _index(b, 0), _index(b, 1)
    tape_types = [_row_type(c.type, n) for c in carried]
    inits = [
        b.emit(BroadcastToOp(b.scalar(0, element_of(c.type)), t, ([count] if n is None else []) + _dims(b, c)))
        for c, t in zip(carried, tape_types, strict=True)
    ]
    old = loop.body.block
    new = Block(arg_types=[IndexType(), *[c.type for c in carried], IndexType(), *tape_types])
    for a, na in zip(old.args, new.args, strict=False):
        a.replace_all_uses_with(na)
    for op in list(old.ops):
        op.detach()
        new.add_op(op)
    yield_op = new.last_op
    assert isinstance(yield_op, scf.YieldOp)
    inner = AdjointBuilder(new, before=yield_op)
    inner.at(loop)
    k = new.args[1 + len(carried)]
    saved = []
    for j, c in enumerate(carried):
        arg, tape = new.args[1 + j], new.args[2 + len(carried) + j]
        row = _row_type(c.type, 1)
        r = inner.emit(ReshapeOp(arg, row, _dims(inner, arg)))
        saved.append(inner.emit(UpdateSliceOp(tape, r, [k, *[zero] * len(shape_of(c.type))])))
    k1 = inner.emit(arith.AddiOp(k, one))
    new_yield = scf.YieldOp(*yield_op.operands, k1, *saved)
    new.insert_op_before(new_yield, yield_op)
    yield_op.detach()
    yield_op.erase()
    taped = scf.ForOp(loop.lb, loop.ub, loop.step, [*carried, zero, *inits], new)
    b.emit(taped)
    for r, nr in zip(loop.results, taped.results, strict=False):
        r.replace_all_uses_with(nr)
    loop.detach()
    loop.erase()
    return taped, Tape(count, list(taped.results[len(carried) + 1 :]), len(carried))


def tape_loops(block: Block, ops: list[Operation], tapes: dict[Operation, Tape]) -> dict[SSAValue, SSAValue]:
    """Tapes every `scf.for` of `ops` (in `block`) that carries float values, in place in `ops`.

    A loop nested in a branch or another loop is taped where the backward sweep recomputes its
    enclosing block, so each level records its own iterations. Returns the old loop results mapped
    to the taped loop's, for values the caller still holds.
    """
    moved: dict[SSAValue, SSAValue] = {}
    for n, op in enumerate(ops):
        if isinstance(op, scf.ForOp) and any(is_float(v.type) for v in op.iter_args):
            old = list(op.results)
            taped, tape = tape_loop(block, op)
            moved.update(zip(old, taped.results, strict=False))
            ops[n] = taped
            tapes[taped] = tape
    return moved


def _read_back(b: AdjointBuilder, tape: SSAValue, like: SSAValue, k: SSAValue, zero: SSAValue) -> SSAValue:
    """Iteration `k`'s saved value of the carried `like` (sizes read from `like`)."""
    shape = shape_of(like.type)
    dyn = _dims(b, like)
    row = _row_type(like.type, 1)
    sl = b.emit(SliceOp(tape, [k, *[zero] * len(shape)], [1, *shape], dyn, row))
    return b.emit(ReshapeOp(sl, like.type, dyn))


def for_adjoint(sweep: Sweep, loop: scf.ForOp, gs: list[SSAValue | None], tape: Tape) -> None:
    """Emits the reverse loop of the taped `loop` and accumulates the adjoints of its inputs."""
    b = sweep.builder
    b.at(loop)
    m = tape.carried
    gs = gs[:m]
    carried = list(loop.iter_args)[:m]
    fl = [j for j in range(m) if is_float(carried[j].type)]
    free = outside_uses(loop, sweep.varied)
    zero, one = _index(b, 0), _index(b, 1)
    inits = [gs[j] or b.zeros_like(loop.results[j]) for j in fl] + [b.zeros_like(f) for f in free]
    body = Block(arg_types=[IndexType(), *[v.type for v in inits]])
    bb = AdjointBuilder(body)
    bb.at(loop)
    last = bb.emit(arith.SubiOp(tape.count, one))
    k = bb.emit(arith.SubiOp(last, body.args[0]))
    i = bb.emit(arith.AddiOp(loop.lb, bb.emit(arith.MuliOp(k, loop.step))))
    fwd = loop.body.block
    mapping: dict[SSAValue, SSAValue] = {fwd.args[0]: i}
    for j in range(m):
        mapping[fwd.args[1 + j]] = _read_back(bb, tape.tapes[j], carried[j], k, zero)
        if j in fl:
            sweep.varied.add(mapping[fwd.args[1 + j]])
    ops: list[Operation] = []
    yielded: list[SSAValue] = []
    for op in fwd.ops:
        if isinstance(op, scf.YieldOp):
            yielded = [mapping.get(v, v) for v in op.operands][:m]
            break
        if _is_tape_bookkeeping(op, fwd, m):
            continue
        clone = op.clone(mapping)
        mapping.update(zip(op.results, clone.results, strict=True))
        body.add_op(clone)
        ops.append(clone)
    moved = tape_loops(body, ops, sweep.tapes)
    yielded = [moved.get(v, v) for v in yielded]
    from passes._autodiff_sweep import varied_values

    sweep.varied.update(varied_values(ops, sweep.varied))
    child = sweep.child(bb)
    for f, acc in zip(free, body.args[1 + len(fl) :], strict=True):
        child.adjoints[f] = acc
    for idx, j in enumerate(fl):
        if yielded[j] in sweep.varied:
            child.accumulate(yielded[j], body.args[1 + idx])
    child.run(ops)
    bb.at(loop)
    outs = [child.adjoints.get(mapping[fwd.args[1 + j]]) or bb.zeros_like(carried[j]) for j in fl]
    body.add_op(scf.YieldOp(*outs, *[child.adjoints[f] for f in free]))
    back = scf.ForOp(zero, tape.count, one, inits, body)
    b.emit(back)
    for idx, j in enumerate(fl):
        if carried[j] in sweep.varied:
            sweep.accumulate(carried[j], back.results[idx])
    for f, r in zip(free, back.results[len(fl) :], strict=True):
        sweep.accumulate(f, r)


def _is_tape_bookkeeping(op: Operation, fwd: Block, m: int) -> bool:
    """Whether `op` of the taped body only records the tape (it reads the counter or a tape)."""
    own = set(fwd.args[1 + m :])
    return any(v in own for v in op.operands) or any(
        u.operation for r in op.results for u in r.uses if isinstance(u.operation, UpdateSliceOp) and u.index == 1
    )
