"""Row kernels of `convert-linalg-to-gpu`: a chain of row-wise linalg ops in one launch.

A *row chain* is a run of ops of one host block that all walk the same rows, each reduction's
result read by the later ops only at their own row:

    fill? reduction epilogue*   (one or more times)
    final                       (an all-parallel generic)

- `final` has `n >= 1` loops, identity output maps and no library call; its first `n - 1` loops
  are the *rows*, its last the *columns*;
- each reduction is a generic of the reduction template's form (`_gpu_reduce.recognize`) with the
  same `n` loops of the same sizes, the last one reduced, its output map the rows `(d0, ..., d{n-2})`;
- a `linalg.fill` of a constant right before a reduction on its output becomes its `INIT`, and the
  in-place elementwise ops right after a reduction on its output alone (`_gpu_reduce.is_epilogue`:
  the scale `absmax / 127` of the quantization) are applied to its total;
- between these ops only constants, allocations, `memref.dim` and views (nothing that reads or
  writes memory);
- memory is row-local: a later op reads a reduction's output only at its own row (`(d0, ..., d{n-2})`),
  the chain reads `final`'s outputs only at the element `final` writes (identity map: softmax's
  in-place normalization), and every other buffer the chain reads or writes provably does not overlap
  a written one (`_plan_alias.points_to`).

layer_norm (mean, variance, normalize), softmax (max, sum of exponentials, normalize) and the
activations' quantization before an integer matmul (absmax with its `/ 127`, quantize) are such
chains. Anything else keeps one kernel per op.

Besides, a chain may hold *inline* elementwise ops (`_gpu_rows_inline`) read by its later ops only
at the element they write: the scale before softmax, layer_norm's normalization before the
quantization of its output. Rows are compared with their loops of size 1 left out (`inline.key`),
and besides the ops above, ops that touch no buffer a kernel writes may sit between the chain's
ops (`_gpu_epilogue.movable`: run-time checks; deallocations move after the carrier).

`group` wraps each chain into a *carrier*: a transient `linalg.generic` without operands, marked
`ROWS`, that holds the chain's ops in its body in place of `final`, so that the launch machinery
(`_gpu_host.launch`) captures their operands and makes one kernel of them (`_gpu_rows_kernel`).
A reduction whose output is used outside the chain (by more than deallocations) is marked `STORE`:
its kernel still writes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

from xdsl.builder import Builder
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AffineMapAttr,
    ArrayAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    UnitAttr,
    i64,
)
from xdsl.dialects.linalg.ops import FillOp, GenericOp, YieldOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineMap
from xdsl.rewriter import InsertPoint, Rewriter

from passes import _gpu_rows_inline as inline
from passes._gpu_epilogue import movable
from passes._gpu_reduce import INIT, LANES, is_epilogue, loop_product, recognize
from passes._loops_structure import Structured, fill_constant, loop_bound_sources, structured_view
from passes._plan_alias import OTHER, PointsTo, points_to

ROWS = "charl.rows"
"""On a carrier: the lanes (invocations of one workgroup) per row."""
STORE = "charl.row_store"
"""On a reduction of a chain: its output is used outside the chain, so the kernel stores it."""
MIN_LANES = 32
"""The fewest lanes a row gets (rows of at most 32 elements)."""


def row_map(n: int) -> AffineMap:
    """`(d0, ..., d{n-1}) -> (d0, ..., d{n-2})`: the row of a point."""
    return AffineMap(n, 0, tuple(AffineDimExpr(d) for d in range(n - 1)))


def lanes_for(view: Structured) -> int:
    """256 lanes a row, or the power of two at least the row's static length (32 at least)."""
    size = loop_bound_sources(view)[-1][2]
    if size == DYNAMIC_INDEX:
        return LANES
    return min(LANES, max(MIN_LANES, 1 << max(size - 1, 0).bit_length()))


def is_carrier(op: Operation | None) -> bool:
    """Whether `op` is the carrier of a row chain."""
    return isinstance(op, GenericOp) and ROWS in op.attributes


def members(carrier: GenericOp) -> list[GenericOp]:
    """The chain's ops, in order (`final` last)."""
    return [o for o in carrier.body.block.ops if isinstance(o, GenericOp)]


def lanes_of(carrier: GenericOp) -> int:
    attr = carrier.attributes[ROWS]
    assert isinstance(attr, IntegerAttr)
    return attr.value.data


def invocations(b: Builder, carrier: GenericOp) -> SSAValue:
    """Host side: `lanes` invocations per row."""
    view = structured_view(members(carrier)[-1])
    rows = loop_product(b, view, list(range(view.num_loops - 1)))
    lanes = b.insert(arith.ConstantOp.from_int_and_width(lanes_of(carrier), IndexType())).result
    return b.insert(arith.MuliOp(rows, lanes)).result


def _is_final(op: Operation) -> bool:
    if not isinstance(op, GenericOp) or op.library_call is not None or not op.outputs:
        return False
    view = structured_view(op)
    n = view.num_loops
    if n < 1 or any(view.reductions) or inline.key(view) is None:
        return False
    return all(view.output_map(k) == AffineMap.identity(n) for k in range(len(view.outputs)))


def _is_reduction(op: Operation, key: list[inline.Bound]) -> bool:
    """Whether `op` reduces the columns of the chain's rows (`inline.key`) into one element per row."""
    if not isinstance(op, GenericOp) or op.library_call is not None or len(op.outputs) != 1:
        return False
    view = structured_view(op)
    n = view.num_loops
    if n < 1 or view.reductions != (False,) * (n - 1) + (True,) or view.output_map(0) != row_map(n):
        return False
    return recognize(view) is not None and inline.key(view) == key


@dataclass
class Chain:
    """A row chain: its ops (`final` last), the fills its reductions absorb, and the reductions
    whose outputs must still be stored."""

    ops: list[GenericOp]
    fills: dict[GenericOp, FillOp] = field(default_factory=dict[GenericOp, FillOp])
    stored: list[GenericOp] = field(default_factory=list[GenericOp])
    views: dict[tuple[GenericOp, int], tuple[SSAValue, AffineMap]] = field(
        default_factory=dict[tuple[GenericOp, int], tuple[SSAValue, AffineMap]]
    )
    """Inputs (op, input number) that read a per-row buffer through a view, and the buffer and
    map that read the same element (`_row_read`)."""
    inline: list[GenericOp] = field(default_factory=list[GenericOp])
    """Elementwise ops computed where the later ops read them (`_gpu_rows_inline`)."""

    @property
    def reductions(self) -> list[GenericOp]:
        return [o for o in self.ops[:-1] if any(structured_view(o).reductions)]


def _parse(ops: list[Operation], final: GenericOp) -> Chain | None:
    """`ops + [final]` as a chain (structure only), or None."""
    key = inline.key(structured_view(final))
    assert key is not None
    chain = Chain([])
    pending: FillOp | None = None
    reduction: GenericOp | None = None
    for op in ops:
        if isinstance(op, FillOp):
            if pending is not None or fill_constant(op) is None:
                return None
            pending, reduction = op, None
        elif _is_reduction(op, key):
            assert isinstance(op, GenericOp)
            if pending is not None:
                if pending.outputs[0] is not op.outputs[0] or INIT in op.attributes:
                    return None
                chain.fills[op], pending = pending, None
            chain.ops.append(op)
            reduction = op
        elif pending is None and reduction is not None and is_epilogue(op, reduction.outputs[0]):
            assert isinstance(op, GenericOp)
            chain.ops.append(op)
        elif pending is None and inline.is_inline(op, key):
            assert isinstance(op, GenericOp)
            chain.ops.append(op)
            chain.inline.append(op)
            reduction = None
        else:
            return None
    if pending is not None or not chain.ops or chain.ops[-1] in chain.inline:
        return None
    chain.ops.append(final)
    return chain


def _disjoint(a: SSAValue, b: SSAValue, sites: PointsTo) -> bool:
    """Whether buffers `a` and `b` may point to no common allocation."""
    return not sites.get(a, {OTHER}) & sites.get(b, {OTHER})


def _row_local(chain: Chain, sites: PointsTo) -> bool:
    """Whether every read of a buffer the chain writes stays in its row, and every read of an
    inline op's output at its element (see the module's doc)."""
    final = chain.ops[-1]
    n = structured_view(final).num_loops
    written = [r.outputs[0] for r in chain.reductions] + list(final.outputs)
    if len(set(written)) != len(written) or any(not _disjoint(a, b, sites) for a, b in combinations(written, 2)):
        return False
    hidden = [e.outputs[0] for e in chain.inline]
    if any(not inline.unobservable(p, chain.ops, final) for p in hidden):
        return False
    produced: dict[SSAValue, Structured] = {}
    elements: dict[SSAValue, GenericOp] = {}
    for op in chain.ops:
        view = structured_view(op)
        if op is not final and not any(view.reductions) and op not in chain.inline:
            continue  # an epilogue, in place on the reduction's output
        for k, (value, map_) in enumerate(zip(view.inputs, view.maps, strict=False)):
            if not isinstance(value.type, MemRefType) or inline.element_read(value, map_, view, elements):
                continue
            read = _row_read(value, map_, view, produced)
            if read is not None:
                if read[0] is not value:
                    chain.views[(op, k)] = read
                ok = True
            elif value in produced or inline.unit_view_source(value) in elements:
                ok = False
            elif value in final.outputs:
                ok = map_ == AffineMap.identity(n) and view.num_loops == n
            else:
                ok = value not in written and all(_disjoint(value, w, sites) for w in written + hidden)
            if not ok:
                return False
        if op in chain.inline:
            elements[op.outputs[0]] = op
        elif op is not final:
            produced[op.outputs[0]] = view
    return True


def _row_read(
    value: SSAValue, map_: AffineMap, reader: Structured, produced: dict[SSAValue, Structured]
) -> tuple[SSAValue, AffineMap] | None:
    """The reduction output (in `produced`, with its op) and the map through which `reader` reads the
    element that `value` at `map_` reads, when that is the reduction's element at the reader's row:
    `value` itself or a view of it with unit dimensions added (`expand_shape`, as `keepdims: true`
    makes). None for other reads."""
    source = inline.unit_view_source(value)
    writer = produced.get(source)
    if writer is None or not inline.same_element(writer, source, value, map_, reader):
        return None
    return source, writer.output_map(0).compose(inline.loop_map(writer, reader))


def _stored(reduction: GenericOp, chain: Chain) -> bool:
    """Whether the reduction's output is used outside the chain: by more than the chain's ops,
    deallocations and views that only the chain reads (through `Chain.views`)."""
    out = reduction.outputs[0]
    if not isinstance(out.owner, memref.AllocOp):
        return True
    inside = {*chain.ops, *chain.fills.values()}

    def outside(user: Operation) -> bool:
        if isinstance(user, memref.ExpandShapeOp):
            return any(u.operation not in chain.ops for u in user.result.uses)
        return user not in inside and not isinstance(user, memref.DeallocOp)

    return any(outside(u.operation) for u in out.uses)


def chain_ending_at(final: Operation, sites: PointsTo) -> Chain | None:
    """The longest row chain ending at `final`, or None."""
    if not _is_final(final):
        return None
    assert isinstance(final, GenericOp)
    before: list[Operation] = []
    op = final.prev_op
    while isinstance(op, (FillOp, GenericOp)) and not is_carrier(op) or op is not None and movable(op):
        if isinstance(op, (FillOp, GenericOp)):
            before.append(op)
        op = op.prev_op
    before.reverse()
    for start in range(len(before)):
        chain = _parse(before[start:], final)
        if chain is None or not _row_local(chain, sites):
            continue
        view = structured_view(final)
        rows = [size for _, _, size in loop_bound_sources(view)[:-1]]
        if DYNAMIC_INDEX not in rows and math.prod(rows) * lanes_for(view) >= 2**31:
            return None
        chain.stored = [r for r in chain.reductions if _stored(r, chain)]
        return chain
    return None


def wrap(chain: Chain) -> GenericOp:
    """Replaces the chain by its carrier (at `final`'s place): fills become their reduction's
    `INIT`, reductions used elsewhere are marked `STORE`."""
    final = chain.ops[-1]
    carrier = GenericOp([], [], Region(Block()), [], [])
    carrier.attributes[ROWS] = IntegerAttr(lanes_for(structured_view(final)), i64)
    Rewriter.insert_op(carrier, InsertPoint.before(final))
    for reduction, fill in chain.fills.items():
        value = fill_constant(fill)
        assert value is not None
        reduction.attributes[INIT] = value
        Rewriter.erase_op(fill)
    for reduction in chain.stored:
        reduction.attributes[STORE] = UnitAttr()
    for (op, k), (source, map_) in chain.views.items():
        op.operands[k] = source  # the same element, read from the buffer at the row
        maps = list(op.indexing_maps.data)
        maps[k] = AffineMapAttr(map_)
        op.indexing_maps = ArrayAttr(maps)
    _move_deallocs(chain, carrier)
    _fuse_inline(chain)
    for op in chain.ops:
        op.detach()
        carrier.body.block.add_op(op)
    carrier.body.block.add_op(YieldOp())
    return carrier


def _fuse_inline(chain: Chain) -> None:
    """Fuses each inline op into the later ops of the chain (`_gpu_rows_inline.fuse_into`), which
    then leaves `chain.ops`."""
    for e in range(len(chain.inline)):
        op = chain.inline[e]
        replaced = inline.fuse_into(op, chain.ops[chain.ops.index(op) + 1 :])
        chain.ops = [replaced.get(o, o) for o in chain.ops if o is not op]
        chain.inline = [replaced.get(o, o) for o in chain.inline]


def _move_deallocs(chain: Chain, carrier: GenericOp) -> None:
    """Moves the deallocations between the chain's first op and the carrier after the carrier."""
    op = chain.ops[0].next_op
    while op is not None and op is not carrier:
        after = op.next_op
        if isinstance(op, memref.DeallocOp):
            op.detach()
            Rewriter.insert_op(op, InsertPoint.after(carrier))
        op = after


def group(fn: func.FuncOp) -> int:
    """Wraps every row chain of `fn` into its carrier; the number of chains. Later chains are taken
    first, so that a chain's `final` may be an inline op of the next (layer_norm's before the
    quantization of its output)."""
    sites = points_to(fn)
    count = 0
    for op in reversed(list(fn.walk())):
        if op.parent is not None and not isinstance(op.parent_op(), GenericOp):
            chain = chain_ending_at(op, sites)
            if chain is not None:
                wrap(chain)
                count += 1
    return count
