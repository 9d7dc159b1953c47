"""convert-to-llvm rules for structured (scf) and unstructured (cf) control flow.

scf ops become LLVM blocks and branches directly (no cf-level CFG is built in between); values
carried across blocks (loop state, `scf.if` results, `cf.br` operands) are block arguments, memrefs
flattened into their descriptor fields.

    scf.for:   br header(lb, init) ; header(iv, s): cond_br iv < ub, body, exit ; body: ... br header(iv + step, s')
    scf.if:    cond_br c, then, else ; then: ... br merge(x) ; else: ... br merge(y) ; merge(r)
    scf.while: br before(init) ; before(a): ... cond_br c, after(v), exit(v) ; after(b): ... br before(a')
"""

from __future__ import annotations

from xdsl.dialects import cf, llvm, scf
from xdsl.ir import Block, Operation, SSAValue

from passes._llvm_builder import FuncBuilder, Rule, RuleKey
from passes._llvm_types import Lowered, unflatten


def _yielded(fb: FuncBuilder, terminator: Operation) -> list[Lowered]:
    return [fb.lowered(v) for v in terminator.operands]


def _for(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, scf.ForOp)
    bounds = (fb.get(op.lb), fb.get(op.ub), fb.get(op.step))

    def body(iv: SSAValue, state: list[Lowered]) -> list[Lowered]:
        return _yielded(fb, fb.lower_body(op.body.block, [iv, *state]))

    results = fb.loop(bounds, [fb.lowered(v) for v in op.iter_args], body)
    for result, value in zip(op.res, results, strict=True):
        fb.put(result, value)


def _branch_out(fb: FuncBuilder, region_block: Block, target: Block) -> None:
    values = _yielded(fb, fb.lower_body(region_block, []))
    fb.emit(llvm.BrOp(target, *fb.flatten(values)))


def _if(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, scf.IfOp)
    types = [r.type for r in op.output]
    then_block, merge = Block(), fb.new_block(types)
    else_block = Block() if op.false_region.blocks else merge
    fb.emit(llvm.CondBrOp(fb.get(op.cond), then_block, (), else_block, ()))
    fb.start(then_block)
    _branch_out(fb, op.true_region.block, merge)
    if op.false_region.blocks:
        fb.start(else_block)
        _branch_out(fb, op.false_region.block, merge)
    fb.start(merge)
    for result, value in zip(op.output, unflatten(types, merge.args), strict=True):
        fb.put(result, value)


def _while(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, scf.WhileOp)
    before_types = [a.type for a in op.before_region.block.args]
    after_types = [a.type for a in op.after_region.block.args]
    result_types = [r.type for r in op.res]
    before, after, exit_block = fb.new_block(before_types), fb.new_block(after_types), fb.new_block(result_types)
    fb.emit(llvm.BrOp(before, *fb.flatten([fb.lowered(v) for v in op.arguments])))
    fb.start(before)
    condition = fb.lower_body(op.before_region.block, unflatten(before_types, before.args))
    assert isinstance(condition, scf.ConditionOp)
    forwarded = fb.flatten([fb.lowered(v) for v in condition.args])
    fb.emit(llvm.CondBrOp(fb.get(condition.condition), after, forwarded, exit_block, forwarded))
    fb.start(after)
    values = _yielded(fb, fb.lower_body(op.after_region.block, unflatten(after_types, after.args)))
    fb.emit(llvm.BrOp(before, *fb.flatten(values)))
    fb.start(exit_block)
    for result, value in zip(op.res, unflatten(result_types, exit_block.args), strict=True):
        fb.put(result, value)


def _br(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, cf.BranchOp)
    args = fb.flatten([fb.lowered(v) for v in op.arguments])
    fb.emit(llvm.BrOp(fb.block_map[op.successor], *args))


def _cond_br(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, cf.ConditionalBranchOp)
    then_args = fb.flatten([fb.lowered(v) for v in op.then_arguments])
    else_args = fb.flatten([fb.lowered(v) for v in op.else_arguments])
    then_block, else_block = fb.block_map[op.then_block], fb.block_map[op.else_block]
    fb.emit(llvm.CondBrOp(fb.get(op.cond), then_block, then_args, else_block, else_args))


def _assert(fb: FuncBuilder, op: Operation) -> None:
    """cf.assert %c -> cond_br %c, continue, fail ; fail: call abort() ; unreachable."""
    assert isinstance(op, cf.AssertOp)
    proceed, fail = Block(), Block()
    fb.emit(llvm.CondBrOp(fb.get(op.arg), proceed, (), fail, ()))
    fb.start(fail)
    fb.call("abort", [], None)
    fb.emit(llvm.UnreachableOp())
    fb.start(proceed)


def control_rules() -> dict[RuleKey, Rule]:
    """The rule of every supported scf and cf op (terminators of scf regions excepted)."""
    return {
        scf.ForOp: _for,
        scf.IfOp: _if,
        scf.WhileOp: _while,
        cf.BranchOp: _br,
        cf.ConditionalBranchOp: _cond_br,
        cf.AssertOp: _assert,
    }
