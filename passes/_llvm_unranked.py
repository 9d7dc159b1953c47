"""convert-to-llvm rules for unranked memrefs (`memref<*xf32>`), MLIR's unranked descriptor.

An unranked memref lowers to `(i64 rank, ptr descriptor)`, the pointer addressing a ranked
descriptor laid out as `{ptr allocated, ptr aligned, i64 offset, [rank x i64] sizes, [rank x i64]
strides}` (`descriptor_struct`). This is how tensors reach the C runtime (docs/runtime.md).

    memref.cast ranked -> unranked:  a descriptor slot `alloca`ed once in the entry block; the
                                     fields are stored into it where the cast is (each time it runs)
    memref.cast unranked -> ranked:  loads the fields the target type does not fix
    memref.rank, memref.dim:         the rank; a size read at i64 slot `3 + k` of the descriptor

The slot of a cast is reused each time the cast runs (say, in a loop): a value of a previous run
must not be used after the next one. Unranked memrefs only carry tensors to run-time calls, so this
holds; they cannot be returned from a function (the slot is on the stack).
"""

from __future__ import annotations

from xdsl.dialects import arith, llvm, memref
from xdsl.dialects.builtin import IntegerAttr, MemRefType, UnrankedMemRefType
from xdsl.ir import Attribute, Operation, SSAValue

from passes._llvm_builder import FuncBuilder
from passes._llvm_types import I64, PTR, Descriptor, Field, Unranked, descriptor_struct, static_layout

_SIZES = 3
"""The struct field of the sizes (strides follow at `_SIZES + 1`)."""


def _field_ptr(fb: FuncBuilder, base: SSAValue, struct: llvm.LLVMStructType, path: list[int]) -> SSAValue:
    return fb.value(llvm.GEPOp(base, [0, *path], struct))


def to_unranked(fb: FuncBuilder, d: Descriptor, t: UnrankedMemRefType[Attribute]) -> Unranked:
    """`d` stored into a descriptor slot of the entry block."""
    struct = descriptor_struct(d.rank)
    # 3 + 2 * rank pointer-sized words: the struct's size on a 64-bit target. (llvmlite gives an
    # alloca of the struct type a typed pointer, and then rejects stores through its GEPs.)
    slot = fb.prologue(llvm.AllocaOp(fb.const(3 + 2 * d.rank, I64), PTR, 8))
    fields: list[tuple[list[int], Field]] = [([0], d.allocated), ([1], d.aligned), ([2], d.offset)]
    fields += [([_SIZES, k], size) for k, size in enumerate(d.sizes)]
    fields += [([_SIZES + 1, k], stride) for k, stride in enumerate(d.strides)]
    for path, value in fields:
        fb.emit(llvm.StoreOp(fb.field(value), _field_ptr(fb, slot, struct, path)))
    return Unranked(t, d.rank, slot)


def from_unranked(fb: FuncBuilder, u: Unranked, t: MemRefType) -> Descriptor:
    """The descriptor `u` points to, read as `t` (the fields `t` makes static are not loaded)."""
    rank = t.get_num_dims()
    struct = descriptor_struct(rank)
    offset, sizes, strides = static_layout(t)

    def load(path: list[int], static: int | None) -> Field:
        if static is not None:
            return static
        return fb.value(llvm.LoadOp(_field_ptr(fb, u.descriptor, struct, path), I64))

    allocated = fb.value(llvm.LoadOp(_field_ptr(fb, u.descriptor, struct, [0]), PTR))
    aligned = fb.value(llvm.LoadOp(_field_ptr(fb, u.descriptor, struct, [1]), PTR))
    return Descriptor(
        t,
        allocated,
        aligned,
        load([2], offset),
        tuple(load([_SIZES, k], s) for k, s in enumerate(sizes)),
        tuple(load([_SIZES + 1, k], s) for k, s in enumerate(strides)),
    )


def cast(fb: FuncBuilder, op: memref.CastOp) -> None:
    """`memref.cast` between any two of ranked and unranked types."""
    target = op.dest.type
    source = fb.lowered(op.source)
    if isinstance(target, UnrankedMemRefType):
        if isinstance(source, Unranked):
            fb.put(op.dest, Unranked(target, source.rank, source.descriptor))
        else:
            assert isinstance(source, Descriptor)
            fb.put(op.dest, to_unranked(fb, source, target))
        return
    assert isinstance(target, MemRefType)
    if isinstance(source, Unranked):
        fb.put(op.dest, from_unranked(fb, source, target))
    else:
        assert isinstance(source, Descriptor)
        fb.put(op.dest, source.retyped(target))


def rank(fb: FuncBuilder, op: Operation) -> None:
    """`memref.rank`: static for a ranked memref, the first field of an unranked one."""
    assert isinstance(op, memref.RankOp)
    source = fb.lowered(op.source)
    assert isinstance(source, Unranked | Descriptor), "memref.rank of a scalar"
    fb.put(op.rank, fb.field(source.rank))


def dim_unranked(fb: FuncBuilder, u: Unranked, index: SSAValue) -> SSAValue:
    """The size of dimension `index` of an unranked memref, read from its descriptor."""
    owner = index.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        slot: SSAValue = fb.const(_SIZES + owner.value.value.data, I64)
    else:
        slot = fb.value(llvm.AddOp(fb.get(index), fb.const(_SIZES, I64)))
    ptr = fb.value(llvm.GEPOp.from_mixed_indices(u.descriptor, [slot], I64, inbounds=True))
    return fb.value(llvm.LoadOp(ptr, I64))
