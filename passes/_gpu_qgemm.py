"""Integer matmul kernels of `convert-linalg-to-gpu`: the `charl_qgemm` generic of `charl-quantize`.

A bufferized `charl_qgemm` generic (`passes/_qgemm.py`) whose operands have contiguous rows and
whose weights have a static shape becomes a kernel like any generic (one invocation per output
element, its IR body the generic's loops, the reference the printer must agree with), marked
`charl.template = "qgemm"` with `charl.group` (rows per scale row; 0: one scale per output
channel): the WGSL printer (`charlc/wgsl_qgemm.py`) then reads the packed int8/int4 words itself
and sums each group's products in integers.
"""

from __future__ import annotations

from xdsl.dialects.builtin import DYNAMIC_INDEX, IntegerAttr, MemRefType, StringAttr, i64
from xdsl.ir import Attribute, Operation

from passes._qgemm import operands


def group_of(op: Operation) -> int | None:
    """The rows per scale row of a `charl_qgemm` generic the template computes (0: one scale per
    output channel), or None when it does not apply."""
    found = operands(op)
    if found is None:
        return None
    q, s = found.q.type, found.s.type
    assert isinstance(q, MemRefType) and isinstance(s, MemRefType)
    rows, scale_shape = q.get_shape()[0], s.get_shape()
    if len(scale_shape) == 1:
        return 0
    if rows == DYNAMIC_INDEX or scale_shape[0] in (DYNAMIC_INDEX, 0) or rows % scale_shape[0]:
        return None
    return rows // scale_shape[0]


def mark(attributes: dict[str, Attribute], group: int) -> None:
    """The attributes that tell the WGSL printer to emit the template."""
    attributes["charl.template"] = StringAttr("qgemm")
    attributes["charl.group"] = IntegerAttr(group, i64)
