"""`charl-fuse-loops`: consecutive loop nests over the same rows become one nest (CPU).

`linalg-fuse-elementwise` cannot put a reduction and the ops that read its result into one linalg
op: softmax stays a row maximum, a row sum and a normalization, layer_norm a mean, a variance and a
normalization, cross-entropy's rows a maximum, a log-sum-exp and a pick. After
`convert-linalg-to-loops` each is an `scf.for` over the rows whose iteration `r` reads and writes
row `r` only. This pass fuses such neighbours: the second loop's body moves into the first one's,
after its own, so each row's statistics are computed and used while the row is in cache, and the
whole softmax (layer_norm, cross-entropy) is one loop nest, one kernel:

    scf.for %r = %c0 to %c4 step %c1 {          // was three loops over %r
      %m = ...max over row %r...;   memref.store %m, %max[%r]
      %s = ...sum of exp...;        memref.store %s, %sum[%r]
      scf.for %c ... { memref.store ..., %y[%r, %c] }
    }

Two loops fuse when
- they have no results and the same bounds and step (the same values, equal constants, or the
  same `memref.dim`);
- the ops between them are pure or allocations (`arith`, views, `memref.alloc`), which move before
  the first loop;
- their bodies hold only `scf`, `arith`, `math`, `memref.load` and `memref.store` (no calls: a
  failing run-time check keeps its order);
- every buffer one of them writes and the other touches is the same value in both, defined outside
  both, and indexed by the loop's own induction variable in its first dimension on every access in
  either loop (row `r` of the second loop reads what row `r` of the first wrote, and nothing of
  other rows);
- every other pair of buffers, one written, provably does not overlap: different allocations, or
  `memref.view`s of one arena at constant, disjoint byte ranges (the memory plan may give two
  buffers with disjoint lifetimes the same bytes, which fusion would make overlap in time).
The fused loop keeps `charl.parallel` when both had it. Chains fuse pairwise, first to last.

Requires: the output of `convert-linalg-to-loops` (before `charl-parallelize-loops`). Guarantees:
the module computes the same values; no op is added.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

PARALLEL = "charl.parallel"

_VIEWS = (
    memref.ViewOp,
    memref.SubviewOp,
    memref.CastOp,
    memref.ReinterpretCastOp,
    memref.ExpandShapeOp,
    memref.CollapseShapeOp,
)
"""Ops whose result is a view of their first operand's memory."""
_MOVABLE = (*_VIEWS, memref.AllocOp, memref.AllocaOp, memref.DimOp)
"""Ops (besides pure `arith`) that may move from between two loops to before the first."""
_BODY_DIALECTS = ("scf.", "arith.", "math.")


def _same(a: SSAValue, b: SSAValue) -> bool:
    """Whether two index values are equal: one value, equal constants, or the same `memref.dim`."""
    if a is b:
        return True
    x, y = a.owner, b.owner
    if isinstance(x, arith.ConstantOp) and isinstance(y, arith.ConstantOp):
        return x.value == y.value
    if isinstance(x, memref.DimOp) and isinstance(y, memref.DimOp):
        return x.source is y.source and _same(x.index, y.index)
    return False


def _movable(op: Operation) -> bool:
    return isinstance(op, _MOVABLE) or (op.name.startswith("arith.") and not op.regions)


def _body_ok(loop: scf.ForOp) -> bool:
    for op in loop.body.walk():
        if isinstance(op, memref.LoadOp | memref.StoreOp):
            continue
        if not op.name.startswith(_BODY_DIALECTS):
            return False
    return True


@dataclass(frozen=True)
class _Access:
    memref: SSAValue
    stores: bool
    row: bool
    """Whether the first index is the loop's induction variable."""


def _accesses(loop: scf.ForOp) -> list[_Access]:
    iv = loop.body.block.args[0]
    found = []
    for op in loop.body.walk():
        if isinstance(op, memref.LoadOp | memref.StoreOp):
            row = bool(op.indices) and op.indices[0] is iv
            found.append(_Access(op.memref, isinstance(op, memref.StoreOp), row))
    return found


def _root(v: SSAValue) -> tuple[SSAValue, int | None, int | None]:
    """The allocation (or argument) `v` views, and the constant byte range `v` covers in it when `v`
    is a `memref.view` of it at a constant offset with a static shape (else None, None)."""
    owner = v.owner
    if isinstance(owner, memref.ViewOp):
        base, _, _ = _root(owner.source)
        offset, t = owner.byte_shift.owner, v.type
        if (
            isinstance(offset, arith.ConstantOp)
            and isinstance(offset.value, IntegerAttr)
            and isinstance(t, MemRefType)
            and t.has_static_shape()
        ):
            start = offset.value.value.data
            width = t.element_type.bitwidth // 8 if hasattr(t.element_type, "bitwidth") else 0
            if width:
                return base, start, start + t.element_count() * width
        return base, None, None
    if isinstance(owner, _VIEWS):
        return _root(owner.operands[0])[0], None, None
    return v, None, None


def _disjoint(a: SSAValue, b: SSAValue) -> bool:
    """Whether buffers `a` and `b` (distinct values) provably do not overlap."""
    ra, lo_a, hi_a = _root(a)
    rb, lo_b, hi_b = _root(b)
    if ra is not rb:
        # distinct allocations; two function arguments might be one array passed twice
        return not (isinstance(ra, BlockArgument) and isinstance(rb, BlockArgument))
    if lo_a is None or lo_b is None or hi_a is None or hi_b is None:
        return False
    return hi_a <= lo_b or hi_b <= lo_a


def _inside(v: SSAValue, loop: scf.ForOp) -> bool:
    op = v.owner
    parent = op.parent_op() if isinstance(op, Block) else op
    while parent is not None:
        if parent is loop:
            return True
        parent = parent.parent_op()
    return False


def _legal(first: scf.ForOp, second: scf.ForOp) -> bool:
    if first.results or second.results or first.iter_args or second.iter_args:
        return False
    if not (_same(first.lb, second.lb) and _same(first.ub, second.ub) and _same(first.step, second.step)):
        return False
    if not (_body_ok(first) and _body_ok(second)):
        return False
    one, two = _accesses(first), _accesses(second)
    for a in one:
        for b in two:
            if not (a.stores or b.stores):
                continue
            if a.memref is b.memref:
                shared = a.memref
                if _inside(shared, first) or _inside(shared, second):
                    return False
                if not all(x.row for x in (*one, *two) if x.memref is shared):
                    return False
            elif not _disjoint(a.memref, b.memref):
                return False
    return True


def _fuse(first: scf.ForOp, second: scf.ForOp, between: list[Operation]) -> None:
    for op in between:
        op.detach()
        first.parent_block().insert_op_before(op, first)  # type: ignore[union-attr]
    block = second.body.block
    block.args[0].replace_all_uses_with(first.body.block.args[0])
    end = first.body.block.last_op
    assert isinstance(end, scf.YieldOp)
    for op in list(block.ops)[:-1]:
        op.detach()
        first.body.block.insert_op_before(op, end)
    if PARALLEL in first.attributes and PARALLEL not in second.attributes:
        del first.attributes[PARALLEL]
    second.detach()
    second.erase()


def fuse_block(block: Block) -> int:
    """Fuses the loops of `block` (not of nested blocks) pairwise, first to last; the count."""
    fused = 0
    ops = list(block.ops)
    i = 0
    while i < len(ops):
        first = ops[i]
        if not isinstance(first, scf.ForOp):
            i += 1
            continue
        between: list[Operation] = []
        j = i + 1
        while j < len(ops) and not isinstance(ops[j], scf.ForOp) and _movable(ops[j]):
            between.append(ops[j])
            j += 1
        if j < len(ops) and isinstance(ops[j], scf.ForOp) and _legal(first, ops[j]):
            _fuse(first, ops[j], between)
            fused += 1
            ops = list(block.ops)
            i = ops.index(first)
            continue
        i += 1
    return fused


@dataclass(frozen=True)
class CharlFuseLoopsPass(ModulePass):
    """Fuses neighbouring `scf.for` loops over the same rows whose iterations touch only their own
    row of every buffer either writes (softmax, layer_norm, cross-entropy become one loop nest).

    See the module docstring for the conditions. Requires: the output of
    `convert-linalg-to-loops`. Guarantees: the same values; no new op; `charl.parallel` only where
    both loops had it."""

    name = "charl-fuse-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        blocks = [b for o in op.walk() for r in o.regions for b in r.blocks]
        for block in blocks:
            fuse_block(block)
