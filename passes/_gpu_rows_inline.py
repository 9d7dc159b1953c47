"""Elementwise ops inside a row chain (`_gpu_rows`): computed where the chain reads them, not stored.

An *inline* op of a chain is an all-parallel `linalg.generic` (one output, identity output map, no
library call, a body of `arith` and `math` ops on its arguments, constants and scalars from outside)
that walks the chain's rows and columns and whose output `P` the later ops of the chain read only at
the element it writes, through `P` itself or an `expand_shape` of `P` that adds unit dimensions:

- a *prologue*: the scale of GPT-2's attention scores, `q @ keys^T * (1 / sqrt(D_HEAD))` before
  `softmax(scores, axis: -1)` (in place: `P` is also softmax's output);
- the `final` op of one chain read by the next chain: layer_norm's normalization, which the
  quantization of the activations before an integer matmul reads through a `[1, D]` view.

Each later op that reads `P` gets the inline op's body in front of its own (`_fuse_generic.fuse`),
reading the inline op's inputs through its maps composed with the reader's (`loop_map`), so the
kernel recomputes the element where it is needed and `P` is never written. That is only right when
nothing else can see `P`'s new value (`unobservable`): `P` is the chain's `final` output (which
overwrites it), or an allocation that only the chain reads (besides deallocations and views).

Loops of size 1 (a row of one) do not count: a `[768]` chain and a `[1, 768]` chain walk the same
row. `key` describes an op's loops that way; `index_key` an access in the same terms.
"""

from __future__ import annotations

from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import DYNAMIC_INDEX, IntegerAttr, MemRefType, ShapedType
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineExpr, AffineMap
from xdsl.utils.exceptions import PassFailedException

from passes._fuse_generic import Fusion, fuse, has_side_effects, is_parallel
from passes._gpu_epilogue import uses_through
from passes._loops_structure import Structured, loop_bound_sources, structured_view
from passes._plan_alias import VIEWS

Bound = tuple[SSAValue | None, int, int]
Token = str | int
"""Where an access falls: `"0"` (a unit dimension), `"col"` (the column), or the rank of a row loop
among the loops of size other than 1."""
COLUMN = "col"
UNIT = "0"


def bounds(view: Structured) -> list[Bound] | None:
    """Each loop's static size, or the operand and dimension it is measured on (`measured_on`);
    None without bounds."""
    try:
        sources = loop_bound_sources(view)
    except PassFailedException:
        return None
    return [
        (None, 0, size) if size != DYNAMIC_INDEX else (*measured_on(value, dim), size) for value, dim, size in sources
    ]


def measured_on(value: SSAValue, dim: int) -> tuple[SSAValue, int]:
    """The buffer and dimension whose size dimension `dim` of `value` is by construction: an
    allocation sized with `memref.dim` of another buffer has that buffer's size."""
    while isinstance(alloc := value.owner, memref.AllocOp) and isinstance(value.type, MemRefType):
        shape = value.type.get_shape()
        size = alloc.dynamic_sizes[shape[:dim].count(DYNAMIC_INDEX)].owner
        if not isinstance(size, memref.DimOp) or not isinstance(index := size.index.owner, arith.ConstantOp):
            break
        assert isinstance(index.value, IntegerAttr)
        value, dim = size.source, index.value.value.data
    return value, dim


def _unit(bound: Bound) -> bool:
    return bound == (None, 0, 1)


def key(view: Structured) -> list[Bound] | None:
    """The rows of other sizes than 1, then the columns: equal for ops that walk the same rows."""
    found = bounds(view)
    if found is None or not found:
        return None
    return [b for b in found[:-1] if not _unit(b)] + [found[-1]]


def _token(expr: AffineExpr, loops: list[Bound]) -> Token | None:
    if isinstance(expr, AffineConstantExpr):
        return UNIT if expr.value == 0 else None
    if not isinstance(expr, AffineDimExpr):
        return None
    k = expr.position
    if k == len(loops) - 1:
        return COLUMN
    if _unit(loops[k]):
        return UNIT
    return sum(1 for b in loops[:k] if not _unit(b))


def index_key(map_: AffineMap, value: SSAValue, view: Structured) -> list[Token] | None:
    """Where `view`'s op reads or writes `value` through `map_`, dimensions of size 1 read at 0
    left out; None for accesses other than loops and zeros."""
    loops = bounds(view)
    if loops is None or not isinstance(value.type, ShapedType):
        return None
    shape = value.type.get_shape()
    tokens: list[Token] = []
    for expr, size in zip(map_.results, shape, strict=True):
        token = _token(expr, loops)
        if token is None:
            return None
        if not (size == 1 and token == UNIT):
            tokens.append(token)
    return tokens


def unit_view_source(value: SSAValue) -> SSAValue:
    """`value` without the `expand_shape` views that only add dimensions of size 1."""
    while isinstance(owner := value.owner, memref.ExpandShapeOp) and isinstance(value.type, MemRefType):
        source = owner.src
        assert isinstance(source.type, MemRefType)
        if [s for s in value.type.get_shape() if s != 1] != [s for s in source.type.get_shape() if s != 1]:
            break
        value = source
    return value


def is_inline(op: Operation, chain_key: list[Bound]) -> bool:
    """Whether `op` has an inline op's form (see the module's doc) on the chain's rows."""
    if not isinstance(op, GenericOp) or op.library_call is not None or len(op.outputs) != 1:
        return False
    if not is_parallel(op) or has_side_effects(op) or op.results:
        return False
    if any(not isinstance(v.type, MemRefType) for v in op.operands):
        return False
    view = structured_view(op)
    if view.output_map(0) != AffineMap.identity(view.num_loops) or key(view) != chain_key:
        return False
    block = op.body.block
    if block.args[len(op.inputs)].uses:
        return False
    inside = set(block.args) | {r for o in block.ops for r in o.results}
    for o in block.ops:
        if not (o.name.startswith(("arith.", "math.")) or isinstance(o, YieldOp)) or o.regions:
            return False
        if any(v not in inside and isinstance(v.type, ShapedType) for v in o.operands):
            return False
    return True


def loop_map(source: Structured, reader: Structured) -> AffineMap:
    """The map from the reader's loops to those of `source` (an op on the same rows): the same rows
    and column, 0 for loops of size 1."""
    mine, theirs = bounds(source), bounds(reader)
    assert mine is not None and theirs is not None
    rows = [k for k in range(len(theirs) - 1) if not _unit(theirs[k])]
    results: list[AffineExpr] = []
    rank = 0
    for k, bound in enumerate(mine):
        if k == len(mine) - 1:
            results.append(AffineDimExpr(len(theirs) - 1))
        elif _unit(bound):
            results.append(AffineConstantExpr(0))
        else:
            results.append(AffineDimExpr(rows[rank]))
            rank += 1
    return AffineMap(len(theirs), 0, tuple(results))


def same_element(writer: Structured, source: SSAValue, value: SSAValue, map_: AffineMap, reader: Structured) -> bool:
    """Whether `reader`, reading `value` (`source` or a unit view of it) at `map_`, reads the element of
    `source` that `writer` writes at the same row (and column)."""
    written = index_key(writer.output_map(0), source, writer)
    return written is not None and written == index_key(map_, value, reader)


def element_read(
    value: SSAValue, map_: AffineMap, reader: Structured, inline: dict[SSAValue, GenericOp]
) -> SSAValue | None:
    """The output of an inline op that `reader` reads through `value` at `map_` exactly at the element
    the inline op writes for the reader's point, else None."""
    source = unit_view_source(value)
    op = inline.get(source)
    if op is None:
        return None
    return source if same_element(structured_view(op), source, value, map_, reader) else None


def unobservable(output: SSAValue, chain: list[GenericOp], final: GenericOp) -> bool:
    """Whether the value an inline op writes into `output` is seen only by the chain's ops: `output`
    is `final`'s (overwritten), or an allocation used only by them, deallocations and views."""
    if output in final.outputs:
        return True
    if not isinstance(output.owner, memref.AllocOp):
        return False
    users = [user for _, user in uses_through(output, VIEWS) if user is not None]
    return all(user in chain or isinstance(user, memref.DeallocOp) for user in users)


def fuse_into(inline: GenericOp, readers: list[GenericOp]) -> dict[GenericOp, GenericOp]:
    """Fuses `inline` into each reader of its output (through the output or a unit view of it, at the
    element: `element_read`), then erases it; each reader and the op that replaces it."""
    output = inline.outputs[0]
    inline.detach()  # fuse() then leaves it alone for the next reader
    replaced: dict[GenericOp, GenericOp] = {}
    for reader in readers:
        positions = tuple(k for k, v in enumerate(reader.inputs) if unit_view_source(v) is output)
        if not positions:
            continue
        to_inline = loop_map(structured_view(inline), structured_view(reader))
        for k in positions:
            reader.operands[k] = output  # only `positions` and `to_inline` say how it is read
        fusion = Fusion(inline, reader, positions, to_inline)
        replaced[reader] = fuse(fusion)
    inline.erase()
    return replaced
