"""`charl-bufferize` rules for the tensor dialect.

- `tensor.empty` -> `memref.alloc` (dynamic sizes from its operands); an unused one is dropped.
- `tensor.extract_slice` -> `memref.subview` (a strided view: no copy; the view keeps its base alive).
- `tensor.insert_slice` -> `memref.subview` of the destination + `memref.copy`, in the destination's
  buffer when it dies at the op, else in a copy of it.
- `tensor.extract` / `tensor.insert` -> `memref.load` / `memref.store` (insert: in place when the
  destination dies, else into a copy).
- `tensor.from_elements` -> `memref.alloc` + one `memref.store` per element.
- `tensor.dim` -> `memref.dim`; `tensor.cast` -> `memref.cast` (to an unranked memref from an
  identity layout, copying a view first).
- `tensor.collapse_shape` / `expand_shape` -> `memref.collapse_shape` / `expand_shape`: views of
  the same buffer (strided when the source is), except that a view whose collapsed dims are not
  provably contiguous is copied first.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

from xdsl.dialects import memref, tensor
from xdsl.dialects.builtin import MemRefType, TensorType, UnrankedMemRefType
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import Rewriter
from xdsl.utils.exceptions import PassFailedException

from passes._bufferize_state import Buffers, Root
from passes._bufferize_types import (
    PASS_NAME,
    buffer_type,
    collapsed_type,
    expanded_type,
    is_identity,
    reshaped,
    subview_type,
)

Rule = Callable[[Buffers, Operation], None]


class BufferizeError(PassFailedException):
    """IR this pass cannot bufferize: `charl-bufferize: OP: message`; `op` is the offending op (the
    driver reports it at the op's source location when it has one), `message` the text after the
    pass name."""

    def __init__(self, op: Operation, message: str) -> None:
        self.op = op
        self.message = f"{op.name}: {message}"
        super().__init__(f"{PASS_NAME}: {self.message}")


def fail(op: Operation, message: str) -> BufferizeError:
    """An error naming the pass and the op."""
    return BufferizeError(op, message)


def replace(b: Buffers, old: SSAValue, new: SSAValue, root: Root, whole: bool = False) -> None:
    """Uses of the original result `old` now read memref `new`, an alias of `root` (all of it, with
    the identity layout, when `whole`)."""
    b.alias(new, root, old, whole)
    old.replace_all_uses_with(new)


def unused(op: Operation) -> bool:
    """Whether no result of `op` is used."""
    return all(not r.uses for r in op.results)


def memref_of(value: SSAValue) -> MemRefType:
    """The type of a bufferized operand (a ranked memref)."""
    t = value.type
    if not isinstance(t, MemRefType):
        raise PassFailedException(f"{PASS_NAME}: expected a ranked buffer, got {t}")
    return t


def _empty(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.EmptyOp)
    if not unused(op):
        t = buffer_type(op.tensor.type)
        assert isinstance(t, MemRefType)
        value = b.alloc(t, list(op.dynamic_sizes), [op.tensor])
        op.tensor.replace_all_uses_with(value)
    Rewriter.erase_op(op)


def _extract_slice(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.ExtractSliceOp)
    if not unused(op):
        view = _subview(b, op, op.source, op.result.type)
        replace(b, op.result, view, b.root_of(op.source))
    Rewriter.erase_op(op)


def _subview(
    b: Buffers, op: tensor.ExtractSliceOp | tensor.InsertSliceOp, source: SSAValue, shaped: object
) -> SSAValue:
    """A `memref.subview` of `source` with the offsets, sizes and strides of `op`, of rank `shaped`'s."""
    assert isinstance(shaped, TensorType | MemRefType)
    offsets, sizes, steps = (a.get_values() for a in (op.static_offsets, op.static_sizes, op.static_strides))
    t = subview_type(memref_of(source), offsets, sizes, steps, shaped.get_shape())
    if t is None:
        raise fail(op, f"cannot view sizes {list(sizes)} as {shaped}")
    view = memref.SubviewOp(source, op.offsets, op.sizes, op.strides, offsets, sizes, steps, t)
    return b.insert(view).results[0]


def _destination(b: Buffers, dest: SSAValue, source: SSAValue | None = None) -> SSAValue:
    """The buffer to write an update of `dest` into: its own when it dies here (and `source` does not
    alias it), else a fresh copy."""
    root = b.root_of(dest)
    if b.dies_here(root) and (source is None or b.root_of(source) is not root):
        return dest
    return b.copy(dest)


def _insert_slice(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.InsertSliceOp)
    target = _destination(b, op.dest, op.source)
    view = _subview(b, op, target, op.source.type)
    source = op.source
    view_shape = memref_of(view).get_shape()
    if memref_of(source).get_shape() != view_shape:
        source = b.insert(memref.CastOp.get(source, reshaped(memref_of(source), view_shape))).results[0]
    b.insert(memref.CopyOp(source, view))
    replace(b, op.result, target, b.root_of(target))
    Rewriter.erase_op(op)


def _extract(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.ExtractOp)
    load = b.insert(memref.LoadOp.get(op.tensor, list(op.indices)))
    op.result.replace_all_uses_with(load.results[0])
    Rewriter.erase_op(op)


def _insert(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.InsertOp)
    target = _destination(b, op.dest)
    b.insert(memref.StoreOp.get(op.scalar, target, list(op.indices)))
    replace(b, op.result, target, b.root_of(target))
    Rewriter.erase_op(op)


def _from_elements(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.FromElementsOp)
    if not unused(op):
        t = buffer_type(op.result.type)
        assert isinstance(t, MemRefType)
        target = b.alloc(t, [], [op.result])
        shape = t.get_shape()
        constants = [b.index(i) for i in range(max(shape, default=0))]
        for element, position in zip(op.elements, product(*(range(n) for n in shape)), strict=True):
            b.insert(memref.StoreOp.get(element, target, [constants[i] for i in position]))
        op.result.replace_all_uses_with(target)
    Rewriter.erase_op(op)


def _dim(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.DimOp)
    dim = b.insert(memref.DimOp(op.source, op.index))
    op.result.replace_all_uses_with(dim.results[0])
    Rewriter.erase_op(op)


def _cast(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.CastOp)
    source = op.source
    target = op.dest.type
    t: MemRefType | UnrankedMemRefType
    if isinstance(target, TensorType):
        t = reshaped(memref_of(source), target.get_shape())
    else:
        if not is_identity(source.type):
            source = b.copy(source)
        t = UnrankedMemRefType.from_type(memref_of(source).element_type)
    value = source if source.type == t else b.insert(memref.CastOp.get(source, t)).results[0]
    root = b.root_of(source)
    replace(b, op.dest, value, root, whole=root.is_whole(source) and is_identity(t))
    Rewriter.erase_op(op)


def _reshape(b: Buffers, op: Operation) -> None:
    assert isinstance(op, tensor.CollapseShapeOp | tensor.ExpandShapeOp)
    groups = [[int(i.value.data) for i in group.data] for group in op.reassociation.data]
    shape = op.result.type.get_shape()
    source = op.src
    properties = dict(op.properties)
    new: Operation
    if isinstance(op, tensor.CollapseShapeOp):
        t = collapsed_type(memref_of(source), groups, shape)
        if t is None:
            source = b.copy(source)
            t = MemRefType(memref_of(source).element_type, list(shape))
        new = memref.CollapseShapeOp.create(operands=[source], result_types=[t], properties=properties)
    else:
        t = expanded_type(memref_of(source), groups, shape)
        operands = [source, *op.dynamic_output_shape]
        new = memref.ExpandShapeOp.create(operands=operands, result_types=[t], properties=properties)
    root = b.root_of(source)
    replace(b, op.result, b.insert(new).results[0], root, whole=root.is_whole(source))
    Rewriter.erase_op(op)


def tensor_rules() -> dict[type[Operation], Rule]:
    """The rule of every tensor op `charl-bufferize` rewrites."""
    return {
        tensor.EmptyOp: _empty,
        tensor.ExtractSliceOp: _extract_slice,
        tensor.InsertSliceOp: _insert_slice,
        tensor.ExtractOp: _extract,
        tensor.InsertOp: _insert,
        tensor.FromElementsOp: _from_elements,
        tensor.DimOp: _dim,
        tensor.CastOp: _cast,
        tensor.CollapseShapeOp: _reshape,
        tensor.ExpandShapeOp: _reshape,
    }
