"""`charl-parallelize-loops`: outermost parallel loops with enough work split across CPU threads.

`convert-linalg-to-loops` marks the outermost `scf.for` of a nest whose iterations are independent
with `charl.parallel` (elementwise and broadcast nests, fills, copies, the row loops of row-wise
reductions and of matmul epilogues; never a reduced dimension). This pass outlines each marked loop
with enough work into a chunk function and replaces it by an `scf.parallel` over its range that calls
the chunk once per iteration:

    func.func private @f_chunk0(%lo: index, %hi: index, %a: memref<512x256xf32>, ...)
        attributes {charl.chunk} {
      scf.for %d0 = %lo to %hi step %c1 { ...the original body... }
    }
    ...
    scf.parallel (%i) = (%c0) to (%c512) step (%c1) {
      %next = arith.addi %i, %c1 : index
      func.call @f_chunk0(%i, %next, %a, ...)
    }

`convert-to-llvm` runs such an `scf.parallel` as one `@charl_rt_parallel_for` call: the captured
values go into a context struct and the runtime's thread pool calls the chunk on contiguous
sub-ranges (docs/runtime.md). Every element is computed by the same code as in the serial loop, so
results are bit-identical for any thread count.

Work is the trip count of the loop times the trip counts of the first loop nested at each level
(unknown inner trip counts count as 1). A static work below `min_work` keeps the serial loop (waking
the pool costs microseconds); a dynamic one is compared at run time, the chunk called directly on
the whole range when it is small. Constants are cloned into the chunk (its bounds stay static);
every other value defined outside the loop becomes an argument.

Requires: the output of `convert-linalg-to-loops`. Guarantees: no `charl.parallel` attribute
remains; no `scf.parallel` is nested in another or inside a chunk function; without a marked loop,
the module is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import arith, func, scf
from xdsl.dialects.builtin import FunctionType, IndexType, ModuleOp, StringAttr, UnitAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint

from passes._loops_structure import PARALLEL_ATTR, defined_in, index_value

CHUNK_ATTR = "charl.chunk"
"""On a chunk function `(lo, hi, captures...)`: calling it on `[lo, hi)` is calling it on each
`[i, i + 1)` in any order, which lets `convert-to-llvm` hand it sub-ranges."""


@dataclass(frozen=True)
class CharlParallelizeLoopsPass(ModulePass):
    """Outlines outermost parallel loops with enough work into chunk functions run by `scf.parallel`.

    A loop marked `charl.parallel` (from `convert-linalg-to-loops`) from 0 with step 1 and at least
    `min_work` iterations of its innermost body (statically, or checked at run time for dynamic
    sizes) becomes an `scf.parallel` whose body calls a private `func.func @<fn>_chunk<N>(%lo,
    %hi, captures...)` (attribute `charl.chunk`) holding the original loop from `%lo` to `%hi`;
    `convert-to-llvm` runs it on the runtime's thread pool. Loops nested in a parallel region are
    left serial.

    Requires: the output of `convert-linalg-to-loops` (a marked loop's iterations are independent).
    Guarantees: no `charl.parallel` attribute remains; no `scf.parallel` is nested in another or in
    a chunk function; results are the serial loops' bits for any thread count.
    """

    name = "charl-parallelize-loops"

    min_work: int = 32768
    """The innermost-body executions below which a loop stays serial."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        symbols = {s.data for top in op.ops if isinstance(s := top.properties.get("sym_name"), StringAttr)}
        for fn in [f for f in op.ops if isinstance(f, func.FuncOp) and f.body.blocks]:
            count, last = 0, fn
            for loop in [o for o in fn.walk() if isinstance(o, scf.ForOp) and PARALLEL_ATTR in o.attributes]:
                del loop.attributes[PARALLEL_ATTR]
                if _in_parallel(loop) or not _from_zero_by_one(loop):
                    continue
                static, dynamic = _work(loop)
                if not dynamic and static < self.min_work:
                    continue
                while f"{fn.sym_name.data}_chunk{count}" in symbols:
                    count += 1
                name = f"{fn.sym_name.data}_chunk{count}"
                symbols.add(name)
                _launch(loop, name, _captures(loop), _runtime_work(loop, static, dynamic), self.min_work)
                chunk = _outline(loop, name)
                op.body.block.insert_op_after(chunk, last)
                last = chunk


def _from_zero_by_one(loop: scf.ForOp) -> bool:
    return index_value(loop.lb) == 0 and index_value(loop.step) == 1 and not loop.iter_args


def _in_parallel(op: Operation) -> bool:
    """Whether `op` is inside an `scf.parallel`, a marked loop or a chunk function."""
    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, scf.ParallelOp) or PARALLEL_ATTR in parent.attributes:
            return True
        if isinstance(parent, func.FuncOp):
            return CHUNK_ATTR in parent.attributes
        parent = parent.parent_op()
    return False


def _work(loop: scf.ForOp) -> tuple[int, list[SSAValue]]:
    """The static factor and the run-time factors of the work of `loop`: its trip count times those
    of the first loop at each nested level (a trip count not known from values outside counts as 1)."""
    static, dynamic = 1, list[SSAValue]()
    current: scf.ForOp | None = loop
    while current is not None:
        lb, ub, step = (index_value(v) for v in (current.lb, current.ub, current.step))
        if lb is not None and ub is not None and step is not None and step > 0:
            static *= max(0, -(-(ub - lb) // step))
        elif lb == 0 and step == 1 and not defined_in(current.ub, loop):
            dynamic.append(current.ub)
        current = next((o for o in current.body.block.ops if isinstance(o, scf.ForOp)), None)
    return static, dynamic


def _runtime_work(loop: scf.ForOp, static: int, dynamic: list[SSAValue]) -> SSAValue | None:
    """`static * dynamic...` computed in front of `loop`, or None when all of it is static."""
    if not dynamic:
        return None
    b = Builder(InsertPoint.before(loop))
    work = dynamic[0]
    for factor in [*dynamic[1:], *([b.insert(_index(static)).result] if static != 1 else [])]:
        work = b.insert(arith.MuliOp(work, factor)).result
    work.name_hint = "work"
    return work


def _index(value: int) -> arith.ConstantOp:
    return arith.ConstantOp.from_int_and_width(value, IndexType())


def _free_values(loop: scf.ForOp) -> list[SSAValue]:
    """The values the body of `loop` uses from outside it, in first-use order."""
    free: list[SSAValue] = []
    for inner in loop.body.walk():
        for value in inner.operands:
            if value not in free and not defined_in(value, loop):
                free.append(value)
    return free


def _captures(loop: scf.ForOp) -> list[SSAValue]:
    """What the chunk of `loop` takes as arguments: its free values except constants."""
    return [v for v in _free_values(loop) if not isinstance(v.owner, arith.ConstantOp)]


def _outline(loop: scf.ForOp, name: str) -> func.FuncOp:
    """A chunk function `name(lo, hi, captures...)` (`_captures`) into which `loop` is moved, to run
    from `lo` to `hi`; the constants it uses are cloned into it."""
    free, captures = _free_values(loop), _captures(loop)
    block = Block(arg_types=[IndexType(), IndexType(), *(v.type for v in captures)])
    lo, hi, *params = block.args
    lo.name_hint, hi.name_hint = "lo", "hi"
    mapper = dict(zip(captures, params, strict=True))
    for value, param in mapper.items():
        param.name_hint = value.name_hint
    b = Builder(InsertPoint.at_end(block))
    for value in [*free, loop.step]:
        if value not in mapper:
            assert isinstance(value.owner, arith.ConstantOp)
            mapper[value] = b.insert(value.owner.clone()).result
    step = mapper[loop.step]
    loop.detach()
    b.insert(loop)
    b.insert(func.ReturnOp())
    loop.operands = [lo, hi, step]
    for inner in loop.body.walk():
        inner.operands = [mapper.get(value, value) for value in inner.operands]
    chunk = func.FuncOp(name, FunctionType.from_lists(block.arg_types, []), Region(block), "private")
    chunk.attributes[CHUNK_ATTR] = UnitAttr()
    return chunk


def _launch(loop: scf.ForOp, chunk: str, captures: list[SSAValue], work: SSAValue | None, min_work: int) -> None:
    """In front of `loop`: an `scf.parallel` over its range calling `chunk` on `[i, i + 1)`, under
    `scf.if work >= min_work` with a direct call on the whole range otherwise (`work` dynamic)."""
    b = Builder(InsertPoint.before(loop))
    lb, ub, step = loop.lb, loop.ub, loop.step
    body = Block(arg_types=[IndexType()])
    inner = Builder(InsertPoint.at_end(body))
    iv = body.args[0]
    iv.name_hint = "i"
    following = inner.insert(arith.AddiOp(iv, step)).result
    inner.insert(func.CallOp(chunk, [iv, following, *captures], []))
    inner.insert(scf.ReduceOp())
    parallel = scf.ParallelOp([lb], [ub], [step], Region(body))
    if work is None:
        b.insert(parallel)
        return
    big = b.insert(arith.CmpiOp(work, b.insert(_index(min_work)).result, "sge")).result
    serial = func.CallOp(chunk, [lb, ub, *captures], [])
    b.insert(scf.IfOp(big, [], [parallel, scf.YieldOp()], [serial, scf.YieldOp()]))
