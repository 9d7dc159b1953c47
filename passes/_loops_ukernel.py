"""The micro-kernel ("ukernel") path of `convert-linalg-to-loops`: f32 matmuls become run-time calls.

A `linalg.matmul` with the default indexing maps whose three operands are f32 memrefs with unit
inner stride (the identity layout, or a strided layout whose last stride is a static 1) is replaced
by `func.call @charl_rt_sgemm_f32(a, b, c)` on the operands cast to `memref<*xf32>`; the runtime
(runtime/c/gemm.c, docs/runtime.md) computes `c += a @ b` with packed panels, a register-blocked
micro-kernel and a thread pool. The function is declared `func.func private` once per module, as
`convert-charl-to-linalg` declares the other run-time functions; convert-to-llvm passes each
unranked memref as `(rank, descriptor)`, and the C side reads sizes, offset and row strides from it.
"""

from __future__ import annotations

from xdsl.builder import Builder
from xdsl.dialects.builtin import MemRefType, NoneAttr, StridedLayoutAttr, f32
from xdsl.dialects.linalg.ops import MatmulOp
from xdsl.ir import Attribute, Operation
from xdsl.rewriter import InsertPoint, Rewriter

from passes._charl_to_linalg_runtime import call, erased

SGEMM = "charl_rt_sgemm"
"""The run-time function; `call` suffixes it with the element type: `@charl_rt_sgemm_f32`."""


def _unit_inner_stride(type_: Attribute) -> bool:
    """Whether `type_` is a rank-2 f32 memref whose rows are contiguous (inner stride statically 1)."""
    if not isinstance(type_, MemRefType) or type_.element_type != f32 or len(type_.get_shape()) != 2:
        return False
    layout = type_.layout
    if isinstance(layout, NoneAttr):
        return True
    return isinstance(layout, StridedLayoutAttr) and layout.get_strides()[-1] == 1


def is_sgemm(op: Operation) -> bool:
    """Whether `op` is a matmul the runtime's sgemm computes: default maps, f32 unit-stride memrefs."""
    if not isinstance(op, MatmulOp) or op.results or len(op.inputs) != 2 or len(op.outputs) != 1:
        return False
    if op.indexing_maps != MatmulOp.get_irdl_definition().properties["indexing_maps"].default_value:
        return False
    return all(_unit_inner_stride(v.type) for v in (*op.inputs, *op.outputs))


def emit_sgemm(op: MatmulOp) -> None:
    """Replaces `op` by the run-time call `@charl_rt_sgemm_f32(a, b, c)`."""
    b = Builder(InsertPoint.before(op))
    operands = [erased(b, v) for v in (*op.inputs, *op.outputs)]
    call(b, op, SGEMM, operands)
    Rewriter.erase_op(op)
