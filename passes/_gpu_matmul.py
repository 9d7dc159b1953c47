"""Matmul kernels of `convert-linalg-to-gpu`: one workgroup of 256 invocations per tile of C.

A `linalg.matmul` on row-major f32 memrefs becomes a kernel marked `charl.template = "matmul"`
with its tile sizes (`charl.tiles = [bm, bn, bk, tm, tn]`). A zero `linalg.fill` of C right before
the matmul is absorbed (`absorb_fill`): the kernel is marked `charl.overwrite` and stores
`C = A @ B` instead of adding to C, which saves a kernel launch and a pass over C. Its body states the work split in
plain IR: invocation `id` belongs to workgroup `id / 256`, which owns the `bm x bn` tile of C at
`(wg / tiles_n, wg % tiles_n)`; lane `id % 256` owns a `tm x tn` block of that tile and runs the
K loop for each of its elements. The WGSL printer emits the same split with workgroup-memory tiles
and register blocking (`charlc/wgsl_matmul.py`); the IR body is the reference it must agree with.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ArrayAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    NoneAttr,
    StridedLayoutAttr,
    StringAttr,
    UnitAttr,
    f32,
    i64,
)
from xdsl.dialects.linalg.ops import MatmulOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

THREADS = 256


@dataclass(frozen=True)
class Tiles:
    """A workgroup's tile of C (`bm x bn`), its K step `bk`, and each invocation's block `tm x tn`."""

    bm: int
    bn: int
    bk: int
    tm: int
    tn: int

    def __post_init__(self) -> None:
        if (self.bm // self.tm) * (self.bn // self.tn) != THREADS or self.tn % 4 or self.bm % 4 or self.bn % 4:
            raise ValueError(f"tiles {self} do not give {THREADS} invocations with vec4 columns")

    @property
    def values(self) -> tuple[int, int, int, int, int]:
        return (self.bm, self.bn, self.bk, self.tm, self.tn)


LARGE = Tiles(128, 128, 8, 8, 8)
MEDIUM = Tiles(64, 64, 8, 4, 4)
SMALL_ROWS = Tiles(32, 128, 8, 2, 8)


def choose_tiles(m: int | None, n: int | None) -> Tiles:
    """The tile for an `m x n` output (None: known only at run time): 128x128 once both sides fill
    it, 32x128 for few rows (a batch of activations), 64x64 for small outputs."""
    if m is not None and m <= 32 and (n is None or n >= 128):
        return SMALL_ROWS
    if (m is not None and m < 128) or (n is not None and n < 128):
        return MEDIUM
    return LARGE


def _row_major(t: object) -> bool:
    """Whether `t` is a rank-2 f32 memref with contiguous rows starting at offset 0 (the template's
    `vec4` loads rely on the offset: charlc/wgsl_matmul.py)."""
    if not isinstance(t, MemRefType) or t.element_type != f32 or len(t.get_shape()) != 2:
        return False
    if isinstance(t.layout, NoneAttr):
        return True
    if not isinstance(t.layout, StridedLayoutAttr):
        return False
    strides, offset = t.layout.get_strides(), t.layout.get_offset()
    return offset == 0 and strides[1] == 1 and strides[0] == t.get_shape()[1] != DYNAMIC_INDEX


def templated(op: Operation) -> Tiles | None:
    """The tiles of the matmul template for `op`, or None when the op is not a row-major f32 matmul."""
    if not isinstance(op, MatmulOp) or not all(_row_major(v.type) for v in op.operands):
        return None
    m, n = op.outputs[0].type.get_shape()  # type: ignore[union-attr]
    return choose_tiles(None if m == DYNAMIC_INDEX else m, None if n == DYNAMIC_INDEX else n)


OVERWRITE = "charl.overwrite"


def overwrite_on_zero(op: Operation, value: FloatAttr | IntegerAttr) -> bool:
    """Marks `op` to store its output instead of adding to it (`OVERWRITE`) when the fill it takes
    over stores 0.0; whether it did (the matmul and integer matmul templates absorb only those)."""
    if not isinstance(value, FloatAttr) or value.value.data != 0.0:
        return False
    op.attributes[OVERWRITE] = UnitAttr()
    return True


def absorb_fill(op: Operation, value: FloatAttr | IntegerAttr) -> bool:
    """Whether `op` is a templated matmul that takes over a fill of its C with `value`: only 0.0,
    marking `op` to overwrite C (`overwrite_on_zero`)."""
    return templated(op) is not None and overwrite_on_zero(op, value)


def mark(attributes: dict[str, object], tiles: Tiles, overwrite: bool) -> None:
    """The attributes that tell the WGSL printer to emit the template."""
    attributes["charl.template"] = StringAttr("matmul")
    attributes["charl.tiles"] = ArrayAttr([IntegerAttr(v, i64) for v in tiles.values])
    if overwrite:
        attributes[OVERWRITE] = UnitAttr()


def index_constant(b: Builder, n: int) -> SSAValue:
    """`arith.constant n : index`."""
    return b.insert(arith.ConstantOp.from_int_and_width(n, IndexType())).result


def dim_size(b: Builder, v: SSAValue, d: int) -> SSAValue:
    """Dimension `d` of memref `v` (`index`): a constant where static, else `memref.dim`."""
    size = v.type.get_shape()[d]  # type: ignore[union-attr]
    if size != DYNAMIC_INDEX:
        return index_constant(b, size)
    return b.insert(memref.DimOp.from_source_and_index(v, index_constant(b, d))).result


def ceil_div(b: Builder, x: SSAValue, n: int) -> SSAValue:
    """`(x + n - 1) / n` (`index`)."""
    return b.insert(
        arith.DivUIOp(b.insert(arith.AddiOp(x, index_constant(b, n - 1))).result, index_constant(b, n))
    ).result


def invocations(b: Builder, op: MatmulOp, tiles: Tiles) -> SSAValue:
    """Host side: 256 invocations per tile of C."""
    c = op.outputs[0]
    rows, cols = ceil_div(b, dim_size(b, c, 0), tiles.bm), ceil_div(b, dim_size(b, c, 1), tiles.bn)
    return b.insert(arith.MuliOp(b.insert(arith.MuliOp(rows, cols)).result, index_constant(b, THREADS))).result


def body(b: Builder, a: SSAValue, w: SSAValue, c: SSAValue, linear: SSAValue, tiles: Tiles, overwrite: bool) -> None:
    """Kernel side: the lane's `tm x tn` block of C, each element `C += sum_k A[row, k] B[k, col]`
    (`C = ...` when `overwrite`)."""
    t = tiles
    m, n, k = dim_size(b, c, 0), dim_size(b, c, 1), dim_size(b, a, 1)
    wg = b.insert(arith.DivUIOp(linear, index_constant(b, THREADS))).result
    lane = b.insert(arith.RemUIOp(linear, index_constant(b, THREADS))).result
    tiles_n = ceil_div(b, n, t.bn)
    row0 = b.insert(arith.MuliOp(b.insert(arith.DivUIOp(wg, tiles_n)).result, index_constant(b, t.bm))).result
    col0 = b.insert(arith.MuliOp(b.insert(arith.RemUIOp(wg, tiles_n)).result, index_constant(b, t.bn))).result
    across = index_constant(b, t.bn // t.tn)
    tx = b.insert(arith.RemUIOp(lane, across)).result
    ty = b.insert(arith.DivUIOp(lane, across)).result
    first_row = b.insert(arith.AddiOp(row0, b.insert(arith.MuliOp(ty, index_constant(b, t.tm))).result)).result
    first_col = b.insert(arith.AddiOp(col0, b.insert(arith.MuliOp(tx, index_constant(b, t.tn))).result)).result
    zero, one = index_constant(b, 0), index_constant(b, 1)

    def element(inner: Builder, row: SSAValue, col: SSAValue) -> None:
        if overwrite:
            start = inner.insert(arith.ConstantOp(FloatAttr(0.0, f32))).result
        else:
            start = inner.insert(memref.LoadOp.get(c, [row, col])).res
        loop = Block(arg_types=[IndexType(), f32])
        lb = Builder(InsertPoint.at_end(loop))
        x = lb.insert(memref.LoadOp.get(a, [row, loop.args[0]])).res
        y = lb.insert(memref.LoadOp.get(w, [loop.args[0], col])).res
        s = lb.insert(arith.AddfOp(loop.args[1], lb.insert(arith.MulfOp(x, y)).result)).result
        lb.insert(scf.YieldOp(s))
        total = inner.insert(scf.ForOp(zero, k, one, [start], loop)).results[0]
        inner.insert(memref.StoreOp.get(total, c, [row, col]))

    def within(inner: Builder, index: SSAValue, bound: SSAValue, fill: object) -> None:
        ok = inner.insert(arith.CmpiOp(index, bound, "ult")).result
        then = Block()
        fill(Builder(InsertPoint.at_end(then)))  # type: ignore[operator]
        then.add_op(scf.YieldOp())
        inner.insert(scf.IfOp(ok, [], Region(then)))

    rows = Block(arg_types=[IndexType()])
    rb = Builder(InsertPoint.at_end(rows))
    row = rb.insert(arith.AddiOp(first_row, rows.args[0])).result
    cols = Block(arg_types=[IndexType()])
    cb = Builder(InsertPoint.at_end(cols))
    col = cb.insert(arith.AddiOp(first_col, cols.args[0])).result
    within(cb, col, n, lambda ib: element(ib, row, col))
    cb.insert(scf.YieldOp())
    within(rb, row, m, lambda ib: ib.insert(scf.ForOp(zero, index_constant(ib, t.tn), one, [], cols)))
    rb.insert(scf.YieldOp())
    b.insert(scf.ForOp(zero, index_constant(b, t.tm), one, [], rows))
