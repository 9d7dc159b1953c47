"""Types of convert-to-llvm: scalar type mapping and the memref descriptor.

A lowered memref is MLIR's descriptor: allocated pointer, aligned pointer, offset, sizes[rank],
strides[rank] (offset, sizes and strides counted in elements). Inside a function it is kept as a
`Descriptor` of separate values, never as an LLVM struct; a field the memref type makes static is a
Python `int`, materialized as a constant only where an instruction needs it. Across block
boundaries, calls and function signatures it is flattened into those 3 + 2 * rank scalars.

An unranked memref (`memref<*xf32>`) is MLIR's unranked descriptor, `(i64 rank, ptr)`: the pointer
addresses a ranked descriptor laid out as the struct `descriptor_struct(rank)` (an `Unranked`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    Float16Type,
    Float32Type,
    Float64Type,
    IndexType,
    IntAttr,
    IntegerType,
    MemRefType,
    NoneAttr,
    StridedLayoutAttr,
    UnrankedMemRefType,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.utils.exceptions import PassFailedException

I64 = IntegerType(64)
PTR = llvm.LLVMPointerType()

Field = int | SSAValue
"""A descriptor field: a static value, or an `i64` SSA value."""


def scalar_type(t: Attribute) -> Attribute:
    """The LLVM type of a scalar MLIR type: `index` is `i64`; integers and floats are themselves."""
    if isinstance(t, IndexType):
        return I64
    if isinstance(t, IntegerType | Float16Type | Float32Type | Float64Type):
        return t
    raise PassFailedException(f"convert-to-llvm: unsupported type {t}")


def element_size(t: Attribute) -> int:
    """Bytes per element of a memref of `t` (an `i1` takes a byte)."""
    lowered = scalar_type(t)
    if isinstance(lowered, IntegerType):
        return (int(lowered.width.data) + 7) // 8
    assert isinstance(lowered, AnyFloat)
    return int(lowered.bitwidth) // 8


def static_layout(t: MemRefType) -> tuple[int | None, list[int | None], list[int | None]]:
    """Offset, sizes and strides of `t` where its type fixes them, else `None`."""
    sizes = [None if d == DYNAMIC_INDEX else d for d in t.get_shape()]
    if isinstance(t.layout, NoneAttr):
        strides = list(MemRefType.strides_for_shape(t.get_shape()))
        return 0, sizes, strides
    if isinstance(t.layout, StridedLayoutAttr):
        return t.layout.get_offset(), sizes, list(t.layout.get_strides())
    raise PassFailedException(f"convert-to-llvm: memref layout of {t} is not strided")


def is_identity(t: MemRefType) -> bool:
    """Whether `t` has the default row-major layout (contiguous, offset 0)."""
    return isinstance(t.layout, NoneAttr)


@dataclass(frozen=True)
class Descriptor:
    """A lowered memref value: the fields of MLIR's descriptor, static ones as ints."""

    type: MemRefType
    allocated: SSAValue
    aligned: SSAValue
    offset: Field
    sizes: tuple[Field, ...]
    strides: tuple[Field, ...]

    @property
    def rank(self) -> int:
        """Number of dimensions."""
        return len(self.sizes)

    @property
    def element(self) -> Attribute:
        """The LLVM element type."""
        return scalar_type(self.type.element_type)

    def retyped(self, t: MemRefType) -> Descriptor:
        """The same buffer seen as `t`: fields `t` makes static become ints."""
        offset, sizes, strides = static_layout(t)
        return replace(
            self,
            type=t,
            offset=_pick(offset, self.offset),
            sizes=tuple(_pick(s, f) for s, f in zip(sizes, self.sizes, strict=True)),
            strides=tuple(_pick(s, f) for s, f in zip(strides, self.strides, strict=True)),
        )

    def fields(self) -> list[Field]:
        """The flattened fields, in signature order."""
        return [self.allocated, self.aligned, self.offset, *self.sizes, *self.strides]


def _pick(static: int | None, dynamic: Field) -> Field:
    return dynamic if static is None else static


@dataclass(frozen=True)
class Unranked:
    """A lowered unranked memref: its rank and a pointer to a ranked descriptor struct."""

    type: UnrankedMemRefType[Attribute]
    rank: Field
    descriptor: SSAValue

    def fields(self) -> list[Field]:
        """The flattened fields, in signature order."""
        return [self.rank, self.descriptor]


Lowered = SSAValue | Descriptor | Unranked
"""What an MLIR value lowers to: one LLVM value, or a descriptor for a (ranked or unranked) memref."""


def descriptor_struct(rank: int) -> llvm.LLVMStructType:
    """The ranked descriptor as an LLVM struct: `{ptr, ptr, i64, [rank x i64], [rank x i64]}`."""
    sizes = llvm.LLVMArrayType(IntAttr(rank), I64)
    return llvm.LLVMStructType.from_type_list([PTR, PTR, I64, sizes, sizes])


def flat_types(t: Attribute) -> list[Attribute]:
    """The LLVM types a value of MLIR type `t` flattens to (in signatures, block arguments)."""
    if isinstance(t, MemRefType):
        rank = t.get_num_dims()
        return [PTR, PTR, I64, *([I64] * (2 * rank))]
    if isinstance(t, UnrankedMemRefType):
        return [I64, PTR]
    return [scalar_type(t)]


def unflatten(types: Sequence[Attribute], values: Sequence[SSAValue]) -> list[Lowered]:
    """Regroups flattened `values` into one lowered value per MLIR type of `types`."""
    result: list[Lowered] = []
    pos = 0
    for t in types:
        if isinstance(t, UnrankedMemRefType):
            result.append(Unranked(cast(UnrankedMemRefType[Attribute], t), values[pos], values[pos + 1]))
            pos += 2
            continue
        if not isinstance(t, MemRefType):
            result.append(values[pos])
            pos += 1
            continue
        rank = t.get_num_dims()
        allocated, aligned, offset = values[pos : pos + 3]
        sizes = tuple(values[pos + 3 : pos + 3 + rank])
        strides = tuple(values[pos + 3 + rank : pos + 3 + 2 * rank])
        result.append(Descriptor(t, allocated, aligned, offset, sizes, strides).retyped(t))
        pos += 3 + 2 * rank
    return result
