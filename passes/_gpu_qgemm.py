"""Integer matmul kernels of `convert-linalg-to-gpu`: the `charl_qgemm` generic of `charl-quantize`.

A bufferized `charl_qgemm` generic (`passes/_qgemm.py`) whose operands have contiguous rows
becomes a kernel marked `charl.template = "qgemm"` with `charl.group` (rows per scale row; 0: one
scale per output channel; -1: K divided by the scale rows at run time): the WGSL printer
(`charlc/wgsl_qgemm.py`) reads the packed int8/int4 words itself, sums each group's products in
integers, and spreads K over the 256 invocations of a workgroup, which computes `BLOCK` (32)
adjacent columns of one row of y. A zero fill of y right before it is absorbed (`absorb_fill`,
`charl.overwrite`: the kernel stores y instead of adding to it).

The kernel's IR body is the reference the printer must agree with, in plain ops:

    wg = id / 256, lane = id % 256, blocks = ceil(N / 32)
    m = wg / blocks, n = (wg % blocks) * 32 + lane
    if lane < 32 and n < N:
        y[m, n] = 0.0                           // with charl.overwrite
        the generic's loops at (m, n)           // y[m, n] += ..., K serially
        the epilogue at (m, n)                  // with an absorbed epilogue (`_gpu_epilogue`)
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.builder import Builder
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    UnitAttr,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

from passes._gpu_matmul import OVERWRITE, ceil_div, dim_size, index_constant, overwrite_on_zero
from passes._qgemm import operands

LANES = 256
"""Invocations per workgroup."""
BLOCK = 32
"""Adjacent columns of y per workgroup."""
RUN_TIME = -1
"""`charl.group` of weights whose rows per scale row the kernel computes at run time."""


def group_of(op: Operation) -> int | None:
    """The rows per scale row of a `charl_qgemm` generic the template computes (0: one scale per
    output channel; `RUN_TIME`: K divided by the scale rows, known only at run time, as slices of
    stacked scales have), or None when it does not apply."""
    found = operands(op)
    if found is None:
        return None
    q, s = found.q.type, found.s.type
    assert isinstance(q, MemRefType) and isinstance(s, MemRefType)
    rows, scale_shape = q.get_shape()[0], s.get_shape()
    if len(scale_shape) == 1:
        return 0
    if DYNAMIC_INDEX in (rows, scale_shape[0]):
        return RUN_TIME
    if scale_shape[0] == 0 or rows % scale_shape[0]:
        return None
    return rows // scale_shape[0]


def absorb_fill(op: Operation, value: FloatAttr | IntegerAttr) -> bool:
    """Whether `op` is a templated integer matmul that takes over a fill of its y with `value`: only
    0.0, marking `op` to store y instead of adding to it (`overwrite_on_zero`)."""
    return group_of(op) is not None and overwrite_on_zero(op, value)


def mark(attributes: dict[str, Attribute], group: int, overwrite: bool) -> None:
    """The attributes that tell the WGSL printer to emit the template."""
    attributes["charl.template"] = StringAttr("qgemm")
    attributes["charl.group"] = IntegerAttr(group, i64)
    attributes["charl.workgroup_size"] = IntegerAttr(LANES, i32)
    if overwrite:
        attributes[OVERWRITE] = UnitAttr()


def invocations(b: Builder, op: Operation) -> SSAValue:
    """Host side: 256 invocations per row of y and block of 32 columns."""
    y = op.operands[-1]
    m, n = dim_size(b, y, 0), dim_size(b, y, 1)
    blocks = b.insert(arith.MuliOp(m, ceil_div(b, n, BLOCK))).result
    return b.insert(arith.MuliOp(blocks, index_constant(b, LANES))).result


def body(
    b: Builder,
    generic: Operation,
    linear: SSAValue,
    overwrite: bool,
    after: Callable[[Builder, SSAValue, SSAValue, SSAValue], None] | None = None,
) -> SSAValue:
    """Kernel side: the guarded block holding `generic` (a clone on the kernel's arguments, not yet
    in a block), then what `after(builder, m, n, element)` adds (an epilogue); returns the linear
    index `element = m * N + n` of the output element it computes there, for the nest emitter."""
    y = generic.operands[-1]
    n_cols = dim_size(b, y, 1)
    wg = b.insert(arith.DivUIOp(linear, index_constant(b, LANES))).result
    lane = b.insert(arith.RemUIOp(linear, index_constant(b, LANES))).result
    blocks = ceil_div(b, n_cols, BLOCK)
    m = b.insert(arith.DivUIOp(wg, blocks)).result
    col0 = b.insert(arith.MuliOp(b.insert(arith.RemUIOp(wg, blocks)).result, index_constant(b, BLOCK))).result
    n = b.insert(arith.AddiOp(col0, lane)).result
    in_block = b.insert(arith.CmpiOp(lane, index_constant(b, BLOCK), "ult")).result
    in_cols = b.insert(arith.CmpiOp(n, n_cols, "ult")).result
    ok = b.insert(arith.AndIOp(in_block, in_cols)).result
    then = Block()
    tb = Builder(InsertPoint.at_end(then))
    if overwrite:
        tb.insert(memref.StoreOp.get(tb.insert(arith.ConstantOp(FloatAttr(0.0, f32))).result, y, [m, n]))
    element = tb.insert(arith.AddiOp(tb.insert(arith.MuliOp(m, n_cols)).result, n)).result
    then.add_op(generic)
    if after is not None:
        after(tb, m, n, element)
    then.add_op(scf.YieldOp())
    b.insert(scf.IfOp(ok, [], Region(then)))
    return element
