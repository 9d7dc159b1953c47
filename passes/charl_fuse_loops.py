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
- every other pair of buffers, one written, provably does not overlap: the memory plan's alias
  analysis (`_plan_alias.points_to`) finds no allocation both may point to, or they are
  `memref.view`s of one arena at constant, disjoint byte ranges (the memory plan may give two
  buffers with disjoint lifetimes the same bytes, which fusion would make overlap in time).
The fused loop keeps `charl.parallel` when both had it. Chains fuse pairwise, first to last.

Requires: the output of `convert-linalg-to-loops` (before `charl-parallelize-loops`). Guarantees:
the module computes the same values; no op is added.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import FixedBitwidthType, IntegerAttr, MemRefType, ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from passes._loops_structure import defined_in, index_value
from passes._plan_alias import OTHER, VIEWS, PointsTo, points_to

PARALLEL = "charl.parallel"

_MOVABLE = (*VIEWS, memref.AllocOp, memref.AllocaOp, memref.DimOp)
"""Ops (besides pure `arith`) that may move from between two loops to before the first."""
_BODY_DIALECTS = ("scf.", "arith.", "math.")


def _same(a: SSAValue, b: SSAValue) -> bool:
    """Whether two index values are equal: one value, equal constants, or the same `memref.dim`."""
    if a is b:
        return True
    if index_value(a) is not None:
        return index_value(a) == index_value(b)
    x, y = a.owner, b.owner
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


def _arena_range(v: SSAValue) -> tuple[SSAValue, int, int] | None:
    """The buffer and the constant byte range `v` covers in it, when `v` is a `memref.view` at a
    constant offset with a static shape (the memory plan's views of its arena), else None."""
    view = v.owner
    if not isinstance(view, memref.ViewOp):
        return None
    offset, t = view.byte_shift.owner, v.type
    if not (isinstance(offset, arith.ConstantOp) and isinstance(offset.value, IntegerAttr)):
        return None
    if not (isinstance(t, MemRefType) and t.has_static_shape() and isinstance(t.element_type, FixedBitwidthType)):
        return None
    start = offset.value.value.data
    return view.source, start, start + t.element_count() * t.element_type.size


def _disjoint(a: SSAValue, b: SSAValue, sites: PointsTo) -> bool:
    """Whether buffers `a` and `b` (distinct values) provably do not overlap: they may point to no
    common allocation (`_plan_alias`: memory the function did not allocate may be anything), or are
    views of one buffer at constant, disjoint byte ranges."""
    if not sites.get(a, {OTHER}) & sites.get(b, {OTHER}):
        return True
    ra, rb = _arena_range(a), _arena_range(b)
    if ra is None or rb is None or ra[0] is not rb[0]:
        return False
    return ra[2] <= rb[1] or rb[2] <= ra[1]


def _legal(first: scf.ForOp, second: scf.ForOp, sites: PointsTo) -> bool:
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
                if defined_in(shared, first) or defined_in(shared, second):
                    return False
                if not all(x.row for x in (*one, *two) if x.memref is shared):
                    return False
            elif not _disjoint(a.memref, b.memref, sites):
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


def fuse_block(block: Block, sites: PointsTo) -> int:
    """Fuses the loops of `block` (not of nested blocks) pairwise, first to last, `sites` the
    function's `points_to`; the count."""
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
        if j < len(ops) and isinstance(ops[j], scf.ForOp) and _legal(first, ops[j], sites):
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
        for fn in [f for f in op.ops if isinstance(f, func.FuncOp) and f.body.blocks]:
            sites = points_to(fn)  # fusing moves ops but changes no memref's flow
            for block in [b for o in fn.walk() for r in o.regions for b in r.blocks]:
                fuse_block(block, sites)
