"""The kernel of a row chain (`_gpu_rows`): one workgroup of `lanes` invocations per row.

The kernel's body states the algorithm in plain IR, like the reduction template's (`_gpu_reduce`),
and is printed by the same WGSL printer (`charlc/wgsl_reduce.py`, `charl.template = "rows"`):

    row = id / lanes, lane = id % lanes                  // the row's indices split from `row`
    for each reduction k of the chain, in order:
        p = identity; for c = lane to C step lanes: p = combine(f(row, c), p)
        red_k[lane] = p; gpu.barrier; unrolled tree (a barrier between levels); gpu.barrier
        t_k = epilogues(combine(red_k[0], init))       // every lane: the row's total
        if the output is used outside the chain: if lane == 0 { out_k[row] = t_k }
    for c = lane to C step lanes: final's body at (row, c), reading t_k for out_k[row]

Each reduction has its own workgroup array, so a lane reads `red_k[0]` after the barrier while
others already fill `red_{k+1}`. The barrier after the last tree also orders every lane's reads of
the row before `final` writes it (softmax normalizes in place). The reductions' order is the
template's (lanes, then the tree), fixed from run to run; the float math of each body is the
linalg op's, so the quantization's int8 values equal the separate kernels' for the same scale.
"""

from __future__ import annotations

from xdsl.builder import Builder
from xdsl.dialects import arith, gpu, scf
from xdsl.dialects.builtin import IntegerAttr, StringAttr, i32, i64
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Attribute, Block, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from passes._gpu_reduce import ReduceNest, recognize, split
from passes._gpu_rows import STORE, lanes_of, members
from passes._loops_emit import Env, NestEmitter
from passes._loops_plan import Level, Plan
from passes._loops_structure import Structured, structured_view


def mark(attributes: dict[str, Attribute], carrier: GenericOp) -> None:
    """The attributes that tell the WGSL printer to print the row template."""
    lanes = lanes_of(carrier)
    stages = [o for o in members(carrier) if any(structured_view(o).reductions)]
    attributes["charl.template"] = StringAttr("rows")
    attributes["charl.lanes"] = IntegerAttr(lanes, i64)
    attributes["charl.stages"] = IntegerAttr(len(stages), i64)
    attributes["charl.workgroup_size"] = IntegerAttr(lanes, i32)


def _reads(view: Structured, totals: dict[SSAValue, SSAValue]) -> dict[int, SSAValue]:
    """The inputs of `view` that are earlier reductions' outputs, as their totals."""
    return {k: totals[v] for k, v in enumerate(view.inputs) if v in totals}


class _Columns(NestEmitter):
    """`final`'s loop over the row's columns `lane, lane + lanes, ...`, its rows already bound."""

    def __init__(self, view: Structured, lane: SSAValue, lanes: int) -> None:
        super().__init__(view, Plan((Level(view.num_loops - 1),), None))
        self.lane, self.lanes = lane, lanes
        self.parallel = False

    def _bounds(self, b: Builder, level: Level, env: Env) -> tuple[SSAValue, SSAValue, SSAValue]:
        return self.lane, self.bound(level.dim), self.const(self.lanes)

    def emit_in(self, env: Env) -> None:
        block = Block()
        self._nest(Builder(InsertPoint.at_end(block)), 0, env, None)
        Rewriter.inline_block(block, InsertPoint.before(self.view.op))
        Rewriter.erase_op(self.view.op)


def body(then: Block, carrier: GenericOp, mapping: dict[SSAValue, SSAValue], linear: SSAValue) -> None:
    """Fills the kernel's guard `then` with the row template of `carrier`'s chain (its operands
    mapped to the kernel's by `mapping`)."""
    lanes = lanes_of(carrier)
    chain: list[GenericOp] = []
    for op in members(carrier):
        chain.append(op.clone(value_mapper=mapping))
        then.add_op(chain[-1])
    then.add_op(scf.YieldOp())
    final = structured_view(chain[-1])
    totals: dict[SSAValue, SSAValue] = {}
    row: SSAValue | None = None
    lane: SSAValue | None = None
    stages = [k for k, op in enumerate(chain[:-1]) if any(structured_view(op).reductions)]
    for k, at in enumerate(stages):
        op = chain[at]
        epilogues = chain[at + 1 : stages[k + 1] if k + 1 < len(stages) else len(chain) - 1]
        view = structured_view(op)
        found = recognize(view)
        assert found is not None
        nest = ReduceNest(view, *found, linear, epilogues, lanes)
        b = Builder(InsertPoint.before(op))
        if row is None or lane is None:
            row, lane = nest.place(b)
            row.name_hint = "row"
        ids = split(nest, b, row, list(range(view.num_loops - 1)))  # each op's own rows (`_gpu_rows_inline.key`)
        env = nest._load_ready_inputs(b, Env(dims=ids, loaded=_reads(view, totals)))
        red = nest.tree(b, nest.partial(b, env, lane), lane)
        b.insert(gpu.BarrierOp())
        total = nest.finish(b, red, env)
        total.name_hint = "total"
        if STORE in op.attributes:
            first = b.insert(arith.CmpiOp(lane, nest.const(0), "eq")).result
            nest._if(b, first, lambda ib, n=nest, t=total, e=env: n.store(ib, t, e))
        totals[view.outputs[0]] = total
        for done in [*epilogues, op]:
            Rewriter.erase_op(done)
    assert row is not None and lane is not None
    columns = _Columns(final, lane, lanes)
    ids = split(columns, Builder(InsertPoint.before(chain[-1])), row, list(range(final.num_loops - 1)))
    columns.emit_in(Env(dims=ids, loaded=_reads(final, totals)))
