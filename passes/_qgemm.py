"""The integer matmul generic of `charl-quantize`, as the passes after it recognize it.

`linalg.generic {library_call = "charl_qgemm"} ins(xq, xs, q, s) outs(y)`: xq `[M, K]` i8 (the
activations quantized per row), xs `[M]` f32 (their scales), q `[K, N]` i8 or i4 (the weights), s
`[N]` or `[K / g, N]` f32 (their scales), y `[M, N]` f32, accumulated into. Fusion leaves it alone;
the CPU and GPU lowerings replace it by their integer kernels when its operands have the layouts
these read (`operands`), and lower its body like any generic otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import IntegerType, MemRefType, NoneAttr, StridedLayoutAttr, f32, i8
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Attribute, Operation, SSAValue

QGEMM = "charl_qgemm"
"""The `library_call` of the integer matmul generic."""

I4 = IntegerType(4)


def is_qgemm(op: Operation) -> bool:
    """Whether `op` is the integer matmul generic `charl-quantize` makes."""
    return isinstance(op, GenericOp) and op.library_call is not None and op.library_call.data == QGEMM


@dataclass(frozen=True)
class QGemmOperands:
    """The buffers of a bufferized integer matmul, and the weights' width in bits."""

    xq: SSAValue
    xs: SSAValue
    q: SSAValue
    s: SSAValue
    y: SSAValue
    bits: int


def _rows_contiguous(t: Attribute, elem: Attribute, ranks: tuple[int, ...]) -> bool:
    """A memref of `elem` of one of `ranks` whose last stride is statically 1."""
    if not isinstance(t, MemRefType) or t.element_type != elem or len(t.get_shape()) not in ranks:
        return False
    layout = t.layout
    if isinstance(layout, NoneAttr):
        return True
    return isinstance(layout, StridedLayoutAttr) and layout.get_strides()[-1] == 1


def operands(op: Operation) -> QGemmOperands | None:
    """The operands of a bufferized `charl_qgemm` generic whose rows are contiguous, else None."""
    if not is_qgemm(op) or op.results:
        return None
    assert isinstance(op, GenericOp)
    if len(op.inputs) != 4 or len(op.outputs) != 1:
        return None
    xq, xs, q, s = op.inputs
    y = op.outputs[0]
    qt = q.type
    if not isinstance(qt, MemRefType) or qt.element_type not in (i8, I4):
        return None
    checks = (
        _rows_contiguous(xq.type, i8, (2,)),
        _rows_contiguous(xs.type, f32, (1,)),
        _rows_contiguous(qt, qt.element_type, (2,)),
        _rows_contiguous(s.type, f32, (1, 2)),
        _rows_contiguous(y.type, f32, (2,)),
    )
    if not all(checks):
        return None
    return QGemmOperands(xq, xs, q, s, y, 8 if qt.element_type == i8 else 4)
