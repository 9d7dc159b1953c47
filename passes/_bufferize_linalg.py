"""`charl-bufferize` rules for linalg ops: the same op on memrefs, in destination-passing style.

Each tensor result becomes the op's output buffer, chosen per output in this order:

1. when the op does not read the output (its body ignores the output's block argument, as for
   `linalg.fill`, `linalg.transpose` and elementwise generics), the buffer of an input that dies at
   the op, has the output's type and is indexed by the same map (an elementwise op in place); an
   unused fresh `memref.alloc` of the init is then dropped;
2. the init's buffer itself, when the init dies at the op;
3. a fresh buffer (a copy of the init when the op reads it, as `linalg.matmul` does).

Neither choice lets a buffer the op writes overlap another operand of the op, except one and the
same memref read through the same indexing map (element `i` is read before it is written).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects import memref, tensor
from xdsl.dialects.builtin import MemRefType, ShapedType
from xdsl.dialects.linalg.abstract_ops import LinalgStructuredOperation
from xdsl.dialects.linalg.ops import BroadcastOp, ReduceOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.rewriter import Rewriter

from passes._bufferize_state import Buffers, Root
from passes._bufferize_tensor import memref_of, replace, unused
from passes._bufferize_types import identity_of


@dataclass(frozen=True)
class Parts:
    """A linalg op's inputs, outputs, indexing maps (None when not read from the op) and body."""

    inputs: tuple[SSAValue, ...]
    outputs: tuple[SSAValue, ...]
    maps: tuple[AffineMap | None, ...]
    body: Block
    captured: tuple[SSAValue, ...] = ()
    """Shaped values from outside the op that its body reads (`tensor.extract` of another tensor)."""


def parts_of(op: Operation) -> Parts:
    """The parts of a structured op, `linalg.broadcast` or `linalg.reduce`."""
    captured = tuple(
        v for inner in op.walk() if inner is not op for v in inner.operands if isinstance(v.type, ShapedType)
    )
    if isinstance(op, LinalgStructuredOperation):
        maps = tuple(m.data for m in op.get_indexing_maps())
        return Parts(tuple(op.inputs), tuple(op.outputs), maps, op.body.block, captured)
    assert isinstance(op, BroadcastOp | ReduceOp)
    block = op.hidden_region.block if isinstance(op, BroadcastOp) else op.region.block
    return Parts((op.operands[0],), (op.operands[1],), (None, None), block, captured)


def is_linalg(op: Operation) -> bool:
    """Whether `op` is a linalg op this rule rewrites."""
    return isinstance(op, LinalgStructuredOperation | BroadcastOp | ReduceOp)


def linalg_rule(b: Buffers, op: Operation) -> None:
    """Rewrites a linalg op on tensors into the same op on buffers."""
    if not op.results:
        return
    if unused(op):
        Rewriter.erase_op(op)
        return
    _rewrite_body(op)
    parts = parts_of(op)
    chosen: list[SSAValue] = []
    dropped: list[Operation] = []
    for k in range(len(parts.outputs)):
        chosen.append(_output(b, op, parts, k, chosen, dropped))
    regions = [op.detach_region(r) for r in list(op.regions)]
    new = type(op).create(
        operands=[*parts.inputs, *chosen],
        result_types=[],
        properties=dict(op.properties),
        attributes=dict(op.attributes),
        regions=regions,
    )
    b.insert(new)
    for result, buffer in zip(op.results, chosen, strict=True):
        replace(b, result, buffer, b.root_of(buffer))
    Rewriter.erase_op(op)
    for alloc in dropped:
        Rewriter.erase_op(alloc)


def _rewrite_body(op: Operation) -> None:
    """`tensor.extract` / `tensor.dim` of outer tensors inside the body -> `memref.load` / `memref.dim`."""
    for inner in [o for o in op.walk() if isinstance(o, tensor.ExtractOp | tensor.DimOp)]:
        if isinstance(inner, tensor.ExtractOp):
            new: Operation = memref.LoadOp.get(inner.tensor, list(inner.indices))
        else:
            new = memref.DimOp(inner.source, inner.index)
        Rewriter.replace_op(inner, new)


def _output(
    b: Buffers, op: Operation, parts: Parts, k: int, chosen: Sequence[SSAValue], dropped: list[Operation]
) -> SSAValue:
    init = parts.outputs[k]
    position = len(parts.inputs) + k
    reads = bool(parts.body.args[position].uses)
    if not reads:
        reused = _dying_input(b, parts, k, chosen)
        if reused is not None:
            _drop_fresh(b, op, init, dropped)
            return reused
    root = b.root_of(init)
    if b.dies_here(root) and not _overlaps(b, parts, position, init, root, chosen):
        return init
    if reads:
        return b.copy(init)
    target = identity_of(memref_of(init))
    return b.alloc(target, b.dims(init, target))


def _dying_input(b: Buffers, parts: Parts, k: int, chosen: Sequence[SSAValue]) -> SSAValue | None:
    """An input buffer the output `k` may be written into (see the module docstring, rule 1)."""
    position = len(parts.inputs) + k
    out_type = memref_of(parts.outputs[k])
    for j, value in enumerate(parts.inputs):
        if not isinstance(value.type, MemRefType) or parts.maps[j] is None:
            continue
        root = b.root_of(value)
        fits = value.type.get_shape() == out_type.get_shape() and value.type.element_type == out_type.element_type
        if fits and root.is_whole(value) and parts.maps[j] == parts.maps[position] and b.dies_here(root):
            if not _overlaps(b, parts, position, value, root, chosen):
                return value
    return None


def _overlaps(
    b: Buffers, parts: Parts, position: int, buffer: SSAValue, root: Root, chosen: Sequence[SSAValue]
) -> bool:
    """Whether writing output `position` into `buffer` (of `root`) would overlap another operand."""
    for j, value in enumerate(parts.inputs):
        if b.roots.get(value) is root and not (value is buffer and parts.maps[j] == parts.maps[position]):
            return True
    others = [*chosen, *parts.outputs[position - len(parts.inputs) + 1 :], *parts.captured]
    return any(b.roots.get(value) is root for value in others)


def _drop_fresh(b: Buffers, op: Operation, init: SSAValue, dropped: list[Operation]) -> None:
    """Drops the allocation of `init` when `op` was its only use (it would never be written): adds
    it to `dropped`, to erase once `op` is gone."""
    root = b.roots.get(init)
    owner = init.owner
    if root is None or root.base is not init or not b.writable(root) or not b.dies_here(root):
        return
    if isinstance(owner, memref.AllocOp) and [u.operation for u in init.uses] == [op]:
        root.done = True
        dropped.append(owner)
