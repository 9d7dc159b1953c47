"""convert-to-llvm rule for `scf.parallel`: chunk calls on the runtime's thread pool, else serial loops.

The form `charl-parallelize-loops` emits, a 1-D `scf.parallel` with step 1 whose body calls a chunk
function (`charl.chunk`) on `[i, i + 1)`, becomes one call of the runtime:

    ctx = alloca {captured fields}            ; in the entry block, filled here
    call @charl_rt_parallel_for(@<chunk>_ctx, ctx, lb, ub)

where `@<chunk>_ctx(ptr ctx, i64 lo, i64 hi)` (internal, made once per chunk) loads the fields and
calls the chunk on `[lo, hi)`. The captured values are flattened as for a call (a memref is its
descriptor fields), one struct field each. Any other `scf.parallel` without reductions runs as
nested serial loops.
"""

from __future__ import annotations

from xdsl.dialects import arith, func, llvm, scf
from xdsl.ir import Block, Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from passes._llvm_builder import FuncBuilder, ModuleState, Rule, RuleKey
from passes._llvm_types import I64, PTR, Lowered

PARALLEL_FOR = "charl_rt_parallel_for"
"""`void charl_rt_parallel_for(void (*chunk)(void *ctx, int64_t lo, int64_t hi), void *ctx,
int64_t lo, int64_t hi)` (runtime/c/parallel_for.c)."""


def _chunk_call(fb: FuncBuilder, op: scf.ParallelOp) -> func.CallOp | None:
    """The chunk call of `op` when it has the form of `charl-parallelize-loops`, else None."""
    ops = list(op.body.block.ops)
    if len(op.upperBound) != 1 or op.initVals or len(ops) != 3:
        return None
    step, call = ops[0], ops[1]
    iv = op.body.block.args[0]
    if not (isinstance(step, arith.AddiOp) and isinstance(call, func.CallOp)):
        return None
    if fb.static(fb.get(op.step[0])) != 1 or step.lhs != iv or step.rhs != op.step[0]:
        return None
    if call.callee.root_reference.data not in fb.module.chunks or list(call.arguments[:2]) != [iv, step.result]:
        return None
    return call


def _entry(module: ModuleState, chunk: str, struct: llvm.LLVMStructType) -> str:
    """`@<chunk>_ctx(ptr ctx, i64 lo, i64 hi)`: loads the fields of `struct` from `ctx` and calls
    `chunk(lo, hi, fields...)`; made once per chunk."""
    name = f"{chunk}_ctx"
    if name in module.helpers:
        return name
    if name in module.defined:
        raise PassFailedException(f"convert-to-llvm: cannot define @{name} for @{chunk}: the name is taken")
    block = Block(arg_types=[PTR, I64, I64])
    ctx, lo, hi = block.args
    fields: list[SSAValue] = []
    for k, t in enumerate(struct.types.data):
        where = llvm.GEPOp(ctx, [0, k], struct)
        load = llvm.LoadOp(where.result, t)
        block.add_ops([where, load])
        fields.append(load.dereferenced_value)
    block.add_op(llvm.CallOp(chunk, lo, hi, *fields))
    block.add_op(llvm.ReturnOp())
    fn = llvm.FuncOp(name, llvm.LLVMFunctionType([PTR, I64, I64], None), linkage=llvm.LinkageAttr("internal"))
    fn.body.add_block(block)
    module.helpers[name] = fn
    return name


def _pooled(fb: FuncBuilder, op: scf.ParallelOp, call: func.CallOp) -> None:
    fields = fb.flatten([fb.lowered(v) for v in call.arguments[2:]])
    struct = llvm.LLVMStructType.from_type_list([f.type for f in fields])
    # One pointer-sized word per field covers the struct (no field is wider than 8 bytes); llvmlite
    # rejects stores through GEPs of an alloca of the struct type itself (passes/_llvm_unranked.py).
    ctx = fb.prologue(llvm.AllocaOp(fb.const(max(1, len(fields)), I64), PTR, 8))
    for k, value in enumerate(fields):
        fb.emit(llvm.StoreOp(value, fb.value(llvm.GEPOp(ctx, [0, k], struct))))
    entry = fb.value(llvm.AddressOfOp(_entry(fb.module, call.callee.root_reference.data, struct), PTR))
    fb.call(PARALLEL_FOR, [entry, ctx, fb.get(op.lowerBound[0]), fb.get(op.upperBound[0])], None)


def _serial(fb: FuncBuilder, op: scf.ParallelOp, dim: int, ivs: list[SSAValue]) -> None:
    """Loops over dimensions `dim`... of `op` around its body, outermost first."""
    if dim == len(op.upperBound):
        fb.lower_body(op.body.block, ivs)
        return

    def body(iv: SSAValue, state: list[Lowered]) -> list[Lowered]:
        _serial(fb, op, dim + 1, [*ivs, iv])
        return state

    fb.loop((fb.get(op.lowerBound[dim]), fb.get(op.upperBound[dim]), fb.get(op.step[dim])), [], body)


def _parallel(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, scf.ParallelOp)
    call = _chunk_call(fb, op)
    if call is not None:
        _pooled(fb, op, call)
    elif op.initVals:
        raise PassFailedException("convert-to-llvm: scf.parallel with reductions is not supported")
    else:
        _serial(fb, op, 0, [])


def parallel_rules() -> dict[RuleKey, Rule]:
    """The rule of `scf.parallel`."""
    return {scf.ParallelOp: _parallel}
