"""Types of `charl-bufferize`: the tensor -> memref type map and the layouts of views.

A ranked `tensor<4x?xf32>` becomes `memref<4x?xf32>` (the identity, row-major layout); an unranked
`tensor<*xf32>` becomes `memref<*xf32>`. Views (`memref.subview`) get a `strided<[...], offset: ...>`
layout computed from their source; `cast_compatible` says when `memref.cast` may change a type.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    FunctionType,
    MemRefType,
    NoneAttr,
    StridedLayoutAttr,
    TensorType,
    UnrankedMemRefType,
    UnrankedTensorType,
)
from xdsl.ir import Attribute

PASS_NAME = "charl-bufferize"

Static = int | None
"""A static size, stride or offset, or None where it is only known at run time."""


def is_tensor(t: Attribute) -> bool:
    """Whether `t` is a ranked or unranked tensor type."""
    return isinstance(t, TensorType | UnrankedTensorType)


def buffer_type(t: Attribute) -> Attribute:
    """The buffer type of a tensor type (identity layout); other types are themselves."""
    if isinstance(t, TensorType):
        return MemRefType(t.element_type, t.get_shape())
    if isinstance(t, UnrankedTensorType):
        return UnrankedMemRefType.from_type(t.element_type)
    return t


def function_buffer_type(t: FunctionType) -> FunctionType:
    """A function type with every tensor replaced by its buffer type."""
    return FunctionType.from_lists([buffer_type(i) for i in t.inputs], [buffer_type(o) for o in t.outputs])


def is_identity(t: Attribute) -> bool:
    """Whether `t` is a ranked memref with the identity layout."""
    return isinstance(t, MemRefType) and isinstance(t.layout, NoneAttr)


def identity_of(t: MemRefType) -> MemRefType:
    """`t` with its layout dropped (the type of a fresh contiguous buffer of the same shape)."""
    return MemRefType(t.element_type, t.get_shape())


def strides_of(t: MemRefType) -> tuple[list[Static], Static]:
    """The strides and offset of `t` (identity: row-major, static as far as the shape allows)."""
    if isinstance(t.layout, StridedLayoutAttr):
        return list(t.layout.get_strides()), t.layout.get_offset()
    strides: list[Static] = []
    running: Static = 1
    for size in reversed(t.get_shape()):
        strides.append(running)
        running = None if running is None or size == DYNAMIC_INDEX else running * size
    return list(reversed(strides)), 0


def _static(value: int) -> Static:
    return None if value == DYNAMIC_INDEX else value


def kept_dims(sizes: Sequence[int], rank: int) -> list[int]:
    """The dims a rank-reducing view keeps: the first static unit dims are dropped (as convert-to-llvm)."""
    surplus = len(sizes) - rank
    kept: list[int] = []
    for k, size in enumerate(sizes):
        if surplus > 0 and size == 1:
            surplus -= 1
        else:
            kept.append(k)
    return kept


def subview_type(
    source: MemRefType,
    offsets: Sequence[int],
    sizes: Sequence[int],
    steps: Sequence[int],
    shape: Sequence[int],
) -> MemRefType | None:
    """The type of a view of `source` (static offsets/sizes/steps, DYNAMIC_INDEX where dynamic)
    whose shape is `shape` (rank-reduced when shorter); None when `shape` does not fit the sizes."""
    src_strides, src_offset = strides_of(source)
    offset: Static = src_offset
    strides: list[Static] = []
    for off, step, stride in zip(offsets, steps, src_strides, strict=True):
        o, s = _static(off), _static(step)
        if offset is not None and o != 0:
            offset = None if o is None or stride is None else offset + o * stride
        strides.append(None if s is None or stride is None else s * stride)
    kept = kept_dims(sizes, len(shape))
    if len(kept) != len(shape):
        return None
    for k, dim in zip(kept, shape, strict=True):
        if sizes[k] != DYNAMIC_INDEX and dim != DYNAMIC_INDEX and sizes[k] != dim:
            return None
    layout = StridedLayoutAttr([strides[k] for k in kept], offset)
    return MemRefType(source.element_type, list(shape), layout)


def reshaped(t: MemRefType, shape: Sequence[int]) -> MemRefType:
    """`t` with another shape and the same layout (what `memref.cast` may produce from `t`)."""
    return MemRefType(t.element_type, list(shape), t.layout)


def cast_compatible(source: Attribute, target: Attribute) -> bool:
    """Whether `memref.cast` turns `source` into `target`: same element type and rank, shapes that
    agree where both are static, and the same layout (identity, or strided entries that agree)."""
    if isinstance(target, UnrankedMemRefType):
        return isinstance(source, MemRefType) and source.element_type == target.element_type
    if not isinstance(source, MemRefType) or not isinstance(target, MemRefType):
        return False
    if source.element_type != target.element_type or source.get_num_dims() != target.get_num_dims():
        return False
    if not _agree(source.get_shape(), target.get_shape(), DYNAMIC_INDEX):
        return False
    if is_identity(source) != is_identity(target):
        return False
    if is_identity(source):
        return True
    (s_strides, s_off), (t_strides, t_off) = strides_of(source), strides_of(target)
    return _agree(s_strides, t_strides, None) and _agree([s_off], [t_off], None)


def _agree(a: Sequence[int | None], b: Sequence[int | None], dynamic: int | None) -> bool:
    return all(x == y or x == dynamic or y == dynamic for x, y in zip(a, b, strict=True))


def collapsed_type(source: MemRefType, groups: Sequence[Sequence[int]], shape: Sequence[int]) -> MemRefType | None:
    """The type of `memref.collapse_shape` of `source` into `shape`: each group of dims becomes one
    whose stride is the group's innermost; None when a group is not provably contiguous (a static
    stride of each dim equal to the next one's times its size)."""
    if is_identity(source):
        return MemRefType(source.element_type, list(shape))
    strides, offset = strides_of(source)
    sizes = source.get_shape()
    result: list[Static] = []
    for group in groups:
        for k, inner in zip(group, group[1:], strict=False):
            stride = strides[inner]
            if stride is None or sizes[inner] == DYNAMIC_INDEX or strides[k] != stride * sizes[inner]:
                return None
        result.append(strides[group[-1]] if group else 1)
    return MemRefType(source.element_type, list(shape), StridedLayoutAttr(result, offset))


def expanded_type(source: MemRefType, groups: Sequence[Sequence[int]], shape: Sequence[int]) -> MemRefType:
    """The type of `memref.expand_shape` of `source` into `shape`: each dim splits row-major into its
    group, whose innermost stride is the dim's (strides unknown where sizes are dynamic)."""
    if is_identity(source):
        return MemRefType(source.element_type, list(shape))
    strides, offset = strides_of(source)
    result: list[Static] = [None] * len(shape)
    for k, group in enumerate(groups):
        running: Static = strides[k]
        for j in reversed(group):
            result[j] = running
            running = None if running is None or shape[j] == DYNAMIC_INDEX else running * shape[j]
    return MemRefType(source.element_type, list(shape), StridedLayoutAttr(result, offset))
