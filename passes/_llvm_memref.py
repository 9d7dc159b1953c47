"""convert-to-llvm rules for the memref dialect, on MLIR's strided descriptor.

An element is reached by one `getelementptr inbounds` on the aligned pointer with the linearized
index `offset + sum(index_k * stride_k)` (static terms folded), never through `inttoptr`.
`memref.alloc` calls `malloc(bytes + 63)` (or the pass's `alloc-symbol`) and aligns to 64 bytes
with a byte GEP, keeping the allocated pointer for `memref.dealloc`'s `free`. Fixed-size
`memref.alloca`s go to the entry block.
Views (`subview`, `cast`, `reinterpret_cast`, `collapse_shape`, `expand_shape`, `view`) only compute new
descriptor fields; casts to and from unranked memrefs are in `passes/_llvm_unranked.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, llvm, memref
from xdsl.dialects.builtin import DYNAMIC_INDEX, DenseArrayBase, IntegerAttr, IntegerType, MemRefType
from xdsl.ir import Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from passes import _llvm_unranked as unranked
from passes._llvm_arith import icmp
from passes._llvm_builder import FuncBuilder, Rule, RuleKey
from passes._llvm_int4 import is_packed, load_i4, storage_bytes, store_i4
from passes._llvm_types import I64, PTR, Descriptor, Field, Unranked, element_size, is_identity, scalar_type

ALIGNMENT = 64
I1 = IntegerType(1)
I8 = IntegerType(8)


def element_ptr(fb: FuncBuilder, d: Descriptor, indices: Sequence[Field]) -> SSAValue:
    """The address of `d[indices]`."""
    linear: Field = d.offset
    for index, stride in zip(indices, d.strides, strict=True):
        linear = fb.add(linear, fb.mul(index, stride))
    gep = llvm.GEPOp.from_mixed_indices(d.aligned, [fb.field(linear)], d.element, inbounds=True)
    return fb.value(gep)


def _mixed(fb: FuncBuilder, static: DenseArrayBase[IntegerType], dynamic: Sequence[SSAValue]) -> list[Field]:
    values = iter(dynamic)
    return [fb.get(next(values)) if s == DYNAMIC_INDEX else s for s in static.get_values()]


def _result_type(op: Operation) -> MemRefType:
    t = op.results[0].type
    assert isinstance(t, MemRefType)
    return t


def _row_major(fb: FuncBuilder, sizes: Sequence[Field]) -> tuple[Field, ...]:
    strides: list[Field] = [1] * len(sizes)
    for k in range(len(sizes) - 2, -1, -1):
        strides[k] = fb.mul(strides[k + 1], sizes[k + 1])
    return tuple(strides)


def _shape(fb: FuncBuilder, t: MemRefType, dynamic: Sequence[SSAValue]) -> tuple[Field, ...]:
    values = iter(dynamic)
    return tuple(fb.get(next(values)) if s == DYNAMIC_INDEX else s for s in t.get_shape())


def _count(fb: FuncBuilder, sizes: Sequence[Field]) -> Field:
    count: Field = 1
    for s in sizes:
        count = fb.mul(count, s)
    return count


def _identity_only(op: Operation, t: MemRefType) -> None:
    if not is_identity(t):
        raise PassFailedException(f"convert-to-llvm: {op.name} of {t}: only the identity layout is supported")


def _alloc(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.AllocOp)
    t = _result_type(op)
    _identity_only(op, t)
    sizes = _shape(fb, t, op.dynamic_sizes)
    align = max(ALIGNMENT, op.alignment.value.data if isinstance(op.alignment, IntegerAttr) else 0)
    nbytes = fb.add(storage_bytes(fb, _count(fb, sizes), t.element_type), align - 1)
    raw = fb.call(fb.module.alloc_symbol, [fb.field(nbytes)], PTR)
    assert raw is not None
    address = fb.value(llvm.PtrToIntOp(raw, I64))
    misalignment = fb.value(llvm.SubOp(fb.const(0, I64), address))
    adjust = fb.value(llvm.AndOp(misalignment, fb.const(align - 1, I64)))
    aligned = fb.value(llvm.GEPOp.from_mixed_indices(raw, [adjust], I8, inbounds=True))
    fb.put(op.memref, Descriptor(t, raw, aligned, 0, sizes, _row_major(fb, sizes)))


def _alloca(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.AllocaOp)
    t = _result_type(op)
    _identity_only(op, t)
    sizes = _shape(fb, t, op.dynamic_sizes)
    count = _count(fb, sizes)
    slot = llvm.AllocaOp(fb.field(count), scalar_type(t.element_type), ALIGNMENT)
    ptr = fb.prologue(slot) if isinstance(count, int) else fb.value(slot)
    fb.put(op.memref, Descriptor(t, ptr, ptr, 0, sizes, _row_major(fb, sizes)))


def _dealloc(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.DeallocOp)
    fb.call(fb.module.free_symbol, [fb.memref(op.memref).allocated], None)


def _load(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.LoadOp)
    d = fb.memref(op.memref)
    if is_packed(d.type.element_type):
        fb.put(op.res, load_i4(fb, d, [fb.get(i) for i in op.indices]))
        return
    ptr = element_ptr(fb, d, [fb.get(i) for i in op.indices])
    fb.put(op.res, fb.value(llvm.LoadOp(ptr, d.element, alignment=element_size(d.type.element_type))))


def _store(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.StoreOp)
    d = fb.memref(op.memref)
    if is_packed(d.type.element_type):
        store_i4(fb, d, [fb.get(i) for i in op.indices], fb.get(op.value))
        return
    ptr = element_ptr(fb, d, [fb.get(i) for i in op.indices])
    fb.emit(llvm.StoreOp(fb.get(op.value), ptr, alignment=element_size(d.type.element_type)))


def _kept_dims(sizes: Sequence[Field], rank: int) -> list[int]:
    """The source dims a rank-reducing subview keeps: it drops the first static unit dims."""
    surplus = len(sizes) - rank
    kept: list[int] = []
    for k, size in enumerate(sizes):
        if surplus > 0 and size == 1:
            surplus -= 1
        else:
            kept.append(k)
    return kept


def _subview(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.SubviewOp)
    d, t = fb.memref(op.source), _result_type(op)
    offsets = _mixed(fb, op.static_offsets, op.offsets)
    sizes = _mixed(fb, op.static_sizes, op.sizes)
    steps = _mixed(fb, op.static_strides, op.strides)
    offset = d.offset
    for k in range(d.rank):
        offset = fb.add(offset, fb.mul(offsets[k], d.strides[k]))
    strides = [fb.mul(d.strides[k], steps[k]) for k in range(d.rank)]
    kept = _kept_dims(sizes, t.get_num_dims())
    view = Descriptor(t, d.allocated, d.aligned, offset, tuple(sizes[k] for k in kept), tuple(strides[k] for k in kept))
    fb.put(op.result, view.retyped(t))


def _view(fb: FuncBuilder, op: Operation) -> None:
    """`memref.view`: the source's aligned pointer moved by the byte shift, identity layout."""
    assert isinstance(op, memref.ViewOp)
    d, t = fb.memref(op.source), _result_type(op)
    shift = fb.add(d.offset, fb.get(op.byte_shift))
    aligned = fb.value(llvm.GEPOp.from_mixed_indices(d.aligned, [fb.field(shift)], I8, inbounds=True))
    sizes = _shape(fb, t, op.sizes)
    fb.put(op.result, Descriptor(t, d.allocated, aligned, 0, sizes, _row_major(fb, sizes)))


def _reinterpret_cast(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.ReinterpretCastOp)
    d, t = fb.memref(op.source), _result_type(op)
    offset = _mixed(fb, op.static_offsets, op.offsets)[0]
    sizes = tuple(_mixed(fb, op.static_sizes, op.sizes))
    strides = tuple(_mixed(fb, op.static_strides, op.strides))
    fb.put(op.result, Descriptor(t, d.allocated, d.aligned, offset, sizes, strides).retyped(t))


def _cast(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.CastOp)
    unranked.cast(fb, op)


def _groups(op: memref.AlterShapeOperation) -> list[list[int]]:
    return [[int(i.value.data) for i in group.data] for group in op.reassociation.data]


def _collapse_shape(fb: FuncBuilder, op: Operation) -> None:
    """Each group of contiguous dims becomes one: the product of sizes, the innermost stride."""
    assert isinstance(op, memref.CollapseShapeOp)
    d, t = fb.memref(op.src), _result_type(op)
    groups = _groups(op)
    sizes = tuple(_count(fb, [d.sizes[k] for k in g]) for g in groups)
    strides = tuple(d.strides[g[-1]] if g else 1 for g in groups)
    fb.put(op.result, Descriptor(t, d.allocated, d.aligned, d.offset, sizes, strides).retyped(t))


def _expand_shape(fb: FuncBuilder, op: Operation) -> None:
    """Each source dim splits row-major into its group, whose innermost stride is the dim's."""
    assert isinstance(op, memref.ExpandShapeOp)
    d, t = fb.memref(op.src), _result_type(op)
    sizes = _mixed(fb, op.static_output_shape, op.output_shape)
    strides: list[Field] = [1] * len(sizes)
    for k, group in enumerate(_groups(op)):
        stride = d.strides[k]
        for j in reversed(group):
            strides[j] = stride
            stride = fb.mul(stride, sizes[j])
    fb.put(op.result, Descriptor(t, d.allocated, d.aligned, d.offset, tuple(sizes), tuple(strides)).retyped(t))


def _get_global(fb: FuncBuilder, op: Operation) -> None:
    """The global's address as the aligned pointer; the allocated pointer is null (nothing to free)."""
    assert isinstance(op, memref.GetGlobalOp)
    t = _result_type(op)
    address = fb.value(llvm.AddressOfOp(op.name_.root_reference, PTR))
    # llvmlite types a global's address as a pointer to its array type: cast it to the plain `ptr`
    # every other descriptor holds (a `memcpy` declared for one would reject another global).
    ptr = fb.value(llvm.BitcastOp(address, PTR))
    null = fb.value(llvm.ZeroOp(result_types=[PTR]))
    sizes = t.get_shape()
    fb.put(op.memref, Descriptor(t, null, ptr, 0, sizes, _row_major(fb, sizes)))


def _dim(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, memref.DimOp)
    source = fb.lowered(op.source)
    if isinstance(source, Unranked):
        fb.put(op.result, unranked.dim_unranked(fb, source, op.index))
        return
    d = fb.memref(op.source)
    index = op.index.owner
    if isinstance(index, arith.ConstantOp) and isinstance(index.value, IntegerAttr):
        fb.put(op.result, fb.field(d.sizes[index.value.value.data]))
        return
    k = fb.get(op.index)
    result = fb.field(d.sizes[-1])
    for axis in range(d.rank - 2, -1, -1):
        hit = icmp(fb, "eq", k, fb.const(axis, I64))
        result = fb.value(llvm.SelectOp(hit, fb.field(d.sizes[axis]), result))
    fb.put(op.result, result)


def _copy(fb: FuncBuilder, op: Operation) -> None:
    """A `memcpy` between identity layouts, else a loop nest of loads and stores."""
    assert isinstance(op, memref.CopyOp)
    src, dst = fb.memref(op.source), fb.memref(op.destination)
    if is_identity(src.type) and is_identity(dst.type):
        nbytes = storage_bytes(fb, _count(fb, src.sizes), src.type.element_type)
        args = [dst.aligned, src.aligned, fb.field(nbytes), fb.const(0, I1)]
        fb.emit(llvm.CallIntrinsicOp("llvm.memcpy.p0.p0.i64", args, []))
        return
    _copy_loops(fb, src, dst, [])


def _copy_loops(fb: FuncBuilder, src: Descriptor, dst: Descriptor, indices: list[SSAValue]) -> None:
    dim = len(indices)
    if dim == src.rank and is_packed(src.type.element_type):
        store_i4(fb, dst, indices, load_i4(fb, src, indices))
        return
    if dim == src.rank:
        align = element_size(src.type.element_type)
        value = fb.value(llvm.LoadOp(element_ptr(fb, src, indices), src.element, alignment=align))
        fb.emit(llvm.StoreOp(value, element_ptr(fb, dst, indices), alignment=align))
        return

    def body(iv: SSAValue, _: object) -> list[SSAValue]:
        _copy_loops(fb, src, dst, [*indices, iv])
        return []

    fb.loop((fb.const(0, I64), fb.field(src.sizes[dim]), fb.const(1, I64)), [], body)


def memref_rules() -> dict[RuleKey, Rule]:
    """The rule of every supported memref op."""
    return {
        memref.AllocOp: _alloc,
        memref.AllocaOp: _alloca,
        memref.DeallocOp: _dealloc,
        memref.LoadOp: _load,
        memref.StoreOp: _store,
        memref.SubviewOp: _subview,
        memref.ReinterpretCastOp: _reinterpret_cast,
        memref.ViewOp: _view,
        memref.CastOp: _cast,
        memref.CollapseShapeOp: _collapse_shape,
        memref.ExpandShapeOp: _expand_shape,
        memref.DimOp: _dim,
        memref.RankOp: unranked.rank,
        memref.GetGlobalOp: _get_global,
        memref.CopyOp: _copy,
    }
