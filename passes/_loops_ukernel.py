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
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    AffineMapAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    NoneAttr,
    StridedLayoutAttr,
    f32,
    i64,
)
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.linalg.ops import GenericOp, MatmulOp, YieldOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.rewriter import InsertPoint, Rewriter

from passes._charl_to_linalg_runtime import call, erased
from passes._contraction import Contraction, epilogue_ops, match

SGEMM = "charl_rt_sgemm"
"""The run-time function; `call` suffixes it with the element type: `@charl_rt_sgemm_f32`."""
SGEMM_EX = "charl_rt_sgemm_ex"
"""The run-time function with flags (`@charl_rt_sgemm_ex_f32(a, b, c, flags)`), for contraction generics."""
TRANS_A, TRANS_B, ZERO = 1, 2, 4
"""Its flags (runtime/c/charl_rt.h): A or B read transposed, C overwritten rather than accumulated."""


def _unit_inner_stride(type_: Attribute) -> bool:
    """Whether `type_` is a rank-2 f32 memref whose rows are contiguous (inner stride statically 1)."""
    if not _f32_matrix(type_):
        return False
    assert isinstance(type_, MemRefType)
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


def _f32_matrix(type_: Attribute) -> bool:
    """Whether `type_` is a rank-2 f32 memref (any strides: the runtime packs through them)."""
    return isinstance(type_, MemRefType) and type_.element_type == f32 and len(type_.get_shape()) == 2


def sgemm_contraction(op: Operation) -> Contraction | None:
    """The parts of `op` when it is a contraction generic (`_contraction`) the runtime's sgemm
    computes: f32 matrices, the sum starting from the output or from a fused 0.0."""
    parts = match(op)
    if parts is None or not isinstance(op, GenericOp):
        return None
    if not all(_f32_matrix(v.type) for v in (op.inputs[0], op.inputs[1], op.outputs[0])):
        return None
    init = parts.init.owner if parts.init is not None else None
    if parts.init is not None and not (
        isinstance(init, arith.ConstantOp) and isinstance(init.value, FloatAttr) and init.value.value.data == 0.0
    ):
        return None
    return parts


def emit_contraction(op: GenericOp, parts: Contraction) -> GenericOp | None:
    """Replaces `op` by `@charl_rt_sgemm_ex_f32(a, b, c, flags)` and, when it has an epilogue, a 2-D
    elementwise generic that applies it to c in place (returned, for the caller to lower)."""
    b = Builder(InsertPoint.before(op))
    flags = (TRANS_A if parts.trans_a else 0) | (TRANS_B if parts.trans_b else 0) | (ZERO if parts.init else 0)
    flag = b.insert(arith.ConstantOp(IntegerAttr(flags, i64))).result
    c = op.outputs[0]
    operands = [erased(b, v) for v in (op.inputs[0], op.inputs[1], c)]
    call(b, op, SGEMM_EX, [*operands, flag])
    epilogue = _epilogue(op, parts, c) if parts.epilogue is not None else None
    if epilogue is not None:
        b.insert(epilogue)
    Rewriter.erase_op(op)
    return epilogue


def _epilogue(op: GenericOp, parts: Contraction, c: SSAValue) -> GenericOp:
    """`c[i, j] = epilogue(c[i, j], e_1[...], ...)`: the epilogue of `op` as a 2-D generic."""
    old = op.body.block.args
    extra = range(2, len(op.inputs))
    block = Block(arg_types=[old[k].type for k in extra] + [old[-1].type, old[-1].type])
    mapper: dict[SSAValue, SSAValue] = {old[k]: block.args[n] for n, k in enumerate(extra)}
    mapper[parts.sum] = block.args[len(extra)]
    block.add_ops([o.clone(mapper) for o in epilogue_ops(op, parts)])
    assert parts.epilogue is not None
    block.add_op(YieldOp(mapper.get(parts.epilogue, parts.epilogue)))
    maps = [AffineMap(2, m.data.num_symbols, m.data.results) for m in op.indexing_maps.data[2:-1]]
    maps += [AffineMap.identity(2)] * 2
    return GenericOp(
        [*(op.inputs[k] for k in extra), c],
        [c],
        Region(block),
        [AffineMapAttr(m) for m in maps],
        [IteratorTypeAttr.parallel()] * 2,
    )
