"""`charl-bufferize`: tensors to memrefs in destination-passing style, freeing every buffer it allocates.

No bufferization comes with xDSL; this is ours. It walks each function once, in program order, with
a liveness analysis over the structured IR (`_bufferize_liveness`) that says when each value is last
used. Every value's buffer belongs to a root (`_bufferize_state`): an allocation owned by a block, a
borrowed argument, or a global constant. Ops update a buffer in place when it is owned by their block
and dies at the op, and otherwise write a fresh buffer (a copy when they read it). A block frees each
buffer it owns right after its last use, and hands over the ones its terminator yields or returns.
The rules live beside this file: `_bufferize_tensor` (tensor ops), `_bufferize_linalg` (linalg ops),
`_bufferize_memory` (constants, bufferization ops, input memrefs), `_bufferize_control` (functions,
calls, scf). The stage contract is docs/lowering.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func, scf, tensor
from xdsl.dialects.builtin import FunctionType, ModuleOp
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from passes._bufferize_control import Bufferizer, bufferize_function, control_rules
from passes._bufferize_linalg import is_linalg
from passes._bufferize_liveness import Liveness
from passes._bufferize_memory import Globals, memory_rules
from passes._bufferize_tensor import Rule, fail, tensor_rules
from passes._bufferize_types import is_tensor


@dataclass(frozen=True)
class CharlBufferizePass(ModulePass):
    """Turns tensor values into memref buffers, in place where an operand dies, freeing every buffer.

    Ranked tensors become identity-layout memrefs (dynamic dims stay dynamic) and unranked tensors
    unranked memrefs, in function signatures, calls, returns and scf carried values alike.
    `tensor.empty` becomes `memref.alloc`; linalg ops take their outputs in destination-passing style,
    writing into the init (or into an input of an elementwise op) when it dies at the op, else into a
    fresh buffer; `extract_slice` is a `memref.subview` view; `insert_slice`, `insert` update the
    destination in place when it dies, else a copy; dense tensor constants become `memref.global`s.
    Function arguments are borrowed, results owned by the caller; every allocation is freed with
    `memref.dealloc` after its last use, in loops and branches too.

    Requires: the `linalg` stage of docs/lowering.md (tensor values only in func, scf, linalg, tensor,
    bufferization and dense `arith.constant` ops; structured control flow, one block per function).
    Guarantees: no tensor type remains; only the ops the `buffers` stage allows; every `memref.alloc`
    the pass creates is freed on every path or handed to the caller; no linalg op writes a buffer
    that another of its operands reads through a different view.
    """

    name = "charl-bufferize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        globals_ = Globals(op)
        rules: dict[type[Operation], Rule] = {**tensor_rules(), **memory_rules(globals_), **control_rules()}
        functions = [f for f in op.ops if isinstance(f, func.FuncOp)]
        for function in functions:
            _check_supported(function, rules)
        for function in functions:
            _drop_dead_values(function)
            bufferize_function(Bufferizer(Liveness.of(function), rules, op), function)
        _check_no_tensors(op)


_TERMINATORS = (func.ReturnOp, scf.YieldOp, scf.ConditionOp)


def _touches_tensors(op: Operation) -> bool:
    types = [*op.operand_types, *op.result_types]
    types += [arg.type for region in op.regions for block in region.blocks for arg in block.args]
    return any(is_tensor(t) for t in types)


def _check_supported(function: func.FuncOp, rules: dict[type[Operation], Rule]) -> None:
    """Fails, naming the op, when an op on tensors has no rule."""
    pending: list[Operation] = [o for block in function.body.blocks for o in block.ops]
    while pending:
        op = pending.pop()
        if is_linalg(op):
            _check_linalg_body(op)
            continue
        if _touches_tensors(op) and type(op) not in rules and not isinstance(op, _TERMINATORS):
            raise fail(op, "has no bufferization rule (the linalg stage does not allow it on tensors)")
        pending.extend(o for region in op.regions for block in region.blocks for o in block.ops)


_PURE_DIALECTS = ("tensor", "linalg", "bufferization", "arith", "math")


def _drop_dead_values(function: func.FuncOp) -> None:
    """Erases tensor computations nothing uses (last first, so that whole dead chains go): ops of
    the tensor, linalg and bufferization dialects and tensor constants, without side effects inside.
    A linalg result that is only measured (`tensor.dim`: a broadcast that fusion folded into its
    consumer, kept for a shape check) is measured on its `tensor.empty` init instead, so that it is
    not computed."""
    for dim in [o for o in function.walk() if isinstance(o, tensor.DimOp)]:
        owner = dim.source.owner
        if not isinstance(owner, Operation) or not is_linalg(owner) or len(owner.results) != 1:
            continue
        (init,) = getattr(owner, "outputs", (None,))
        measured_only = all(isinstance(use.operation, tensor.DimOp) for use in dim.source.uses)
        if measured_only and isinstance(init, SSAValue) and isinstance(init.owner, tensor.EmptyOp):
            dim.operands = [init, *dim.operands[1:]]
    for op in reversed(list(function.walk())):
        if not op.results or any(r.uses for r in op.results) or op.parent_op() is None:
            continue
        computes_tensors = op.dialect_name() in ("tensor", "linalg", "bufferization") or any(
            is_tensor(t) for t in op.result_types
        )
        pure_inside = all(inner.dialect_name() in _PURE_DIALECTS for inner in op.walk())
        if computes_tensors and pure_inside:
            Rewriter.erase_op(op)


def _check_linalg_body(op: Operation) -> None:
    """Inside a linalg body, only `tensor.extract` and `tensor.dim` of outer tensors are rewritten."""
    for inner in op.walk():
        if inner is not op and _touches_tensors(inner) and not isinstance(inner, tensor.ExtractOp | tensor.DimOp):
            raise fail(inner, f"inside {op.name} has no bufferization rule")


def _check_no_tensors(module: ModuleOp) -> None:
    """Fails when a tensor type survived the rewrite (a bug of the pass)."""
    for op in module.walk():
        if isinstance(op, func.FuncOp) and any(is_tensor(t) for t in _types_of(op.function_type)):
            raise fail(op, f"@{op.sym_name.data} still has tensors in its type {op.function_type}")
        if _touches_tensors(op):
            raise fail(op, "still has tensor operands or results after bufferization")


def _types_of(t: FunctionType) -> list[Attribute]:
    return [*t.inputs, *t.outputs]
