"""`convert-linalg-to-gpu`: bufferized linalg ops become compute kernels launched from host code.

The kernels are built in `_gpu_kernel` (one `gpu.func` per distinct op, one invocation per point
of its parallel loops), the launches and the host/device coherence calls in `_gpu_host`; the
protocol between host code and the GPU runtime is docs/gpu.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func, memref
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.linalg.ops import FillOp, GenericOp, MatmulOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from passes import _gpu_epilogue, _gpu_matmul, _gpu_qgemm, _gpu_reduce, _gpu_rows
from passes._gpu_host import guard_host_accesses, launch
from passes._gpu_kernel import KernelTable
from passes._loops_structure import fill_constant, is_lowered_here
from passes._plan_alias import points_to


def _absorb_fills(fn: func.FuncOp) -> None:
    """Erases each `linalg.fill` of a constant whose next op, a matmul, an integer matmul or a
    reduction writing the filled buffer, takes the constant over (its kernel then writes every element once)."""
    for op in [o for o in fn.walk() if isinstance(o, MatmulOp | GenericOp)]:
        fill = op.prev_op
        value = fill_constant(fill)
        if not isinstance(fill, FillOp) or value is None or fill.outputs[0] is not op.outputs[0]:
            continue
        if (
            _gpu_matmul.absorb_fill(op, value)
            or _gpu_qgemm.absorb_fill(op, value)
            or _gpu_reduce.absorb_fill(op, value)
        ):
            fill.detach()
            fill.erase()


def _in_carrier(op: Operation) -> bool:
    """Whether `op` is one of the ops a carrier (a row chain, a qgemm with its epilogue) holds."""
    parent = op.parent_op()
    return _gpu_rows.is_carrier(parent) or _gpu_epilogue.is_carrier(parent)


@dataclass(frozen=True)
class ConvertLinalgToGpuPass(ModulePass):
    """Outlines every linalg op and `memref.copy` of the host functions into a GPU kernel.

    Each op becomes a `gpu.func` (kernel) in `gpu.module @charl_kernels` and, in its place, a launch:
    calls that stage the kernel's arguments and dispatch it. Equal kernels are made once. Host code
    that reads or writes a buffer directly first calls `@charl_gpu_access_<T>`. The fill of a
    matmul's, an integer matmul's or a templated reduction's output right before it is absorbed into
    its kernel, and so is an in-place elementwise op right after a templated reduction on its output
    alone (`_gpu_reduce.epilogue_of`). A chain of row-wise ops (reductions over the last axis read
    only at their own row, then an elementwise op: layer_norm, softmax, the activations'
    quantization) becomes one kernel with a workgroup per row (`_gpu_rows`), elementwise ops that
    it alone reads at the element computed inside it (`_gpu_rows_inline`: the scale before
    softmax, layer_norm before the quantization of its output). An elementwise op
    after an integer matmul that reads its output at the element it writes (the bias, the residual,
    gelu) is applied by the matmul's kernel as it stores each element (`_gpu_epilogue`).

    Requires: buffer semantics (the `buffers` stage). Guarantees: no linalg op and no
    `memref.copy` remains in host functions; kernels hold only gpu, scf, arith, math and memref
    ops on their arguments; allocations are left for `convert-to-llvm`, which the gpu target runs
    with the GPU runtime's allocator.
    """

    name = "convert-linalg-to-gpu"

    workgroup_size: int = 64

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not 1 <= self.workgroup_size <= 1024:
            raise PassFailedException(f"{self.name}: workgroup-size must be 1 to 1024, got {self.workgroup_size}")
        functions = [f for f in op.ops if isinstance(f, func.FuncOp) and f.body.blocks]
        table = KernelTable(op)
        for fn in functions:
            _absorb_fills(fn)
            _gpu_epilogue.group(fn, points_to(fn))
            guard_host_accesses(op, fn)
            _gpu_rows.group(fn)
            targets = [
                o for o in fn.walk() if (is_lowered_here(o) or isinstance(o, memref.CopyOp)) and not _in_carrier(o)
            ]
            epilogues = {t: e for t in targets if (e := _gpu_reduce.epilogue_of(t)) is not None}
            absorbed = set(epilogues.values())
            for target in targets:
                if target not in absorbed:
                    launch(table, target, self.workgroup_size, epilogues.get(target))
