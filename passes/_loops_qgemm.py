"""The integer matmul path of `convert-linalg-to-loops`: `charl_qgemm` generics become run-time calls.

A bufferized `linalg.generic {library_call = "charl_qgemm"}` (made by `charl-quantize`, see
`passes/_qgemm.py`) whose operands have contiguous rows is replaced by
`func.call @charl_rt_qgemm_i8(xq, xs, q, s, y)` (or `_i4` for int4 weights) on the operands cast
to unranked memrefs; the runtime (runtime/c/qgemm.c, docs/runtime.md) adds
`xs[m] * sum_g float(sum_{k in g} xq[m, k] * q[k, n]) * s[g, n]` to `y[m, n]` with int8 dot
products (AVX-512 VNNI where the host has it), reading int4 weights packed two per byte.
"""

from __future__ import annotations

from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.ir import Operation
from xdsl.rewriter import InsertPoint, Rewriter

from passes._charl_to_linalg_runtime import erased, module_of
from passes._qgemm import operands

QGEMM_CALL = "charl_rt_qgemm"
"""The run-time function, suffixed with the weights' type: `@charl_rt_qgemm_i8`, `_i4`."""


def emit_qgemm(op: Operation) -> bool:
    """Replaces `op` by the run-time call if it is an integer matmul the runtime computes."""
    found = operands(op)
    if found is None:
        return False
    b = Builder(InsertPoint.before(op))
    args = [erased(b, v) for v in (found.xq, found.xs, found.q, found.s, found.y)]
    name = f"{QGEMM_CALL}_i{found.bits}"
    module = module_of(op)
    if not any(isinstance(f, func.FuncOp) and f.sym_name.data == name for f in module.ops):
        declaration = func.FuncOp.external(name, [a.type for a in args], [])
        b.insert(declaration, InsertPoint.at_end(module.body.block))
    b.insert(func.CallOp(name, args, []))
    Rewriter.erase_op(op)
    return True
