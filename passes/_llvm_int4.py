"""convert-to-llvm for `i4` memrefs: int4 data packed two per byte.

Element `e` of an `i4` memref (its linearized index `offset + sum(index_k * stride_k)`, counted
from the aligned pointer) is the low nibble of byte `e >> 1` when `e` is even and the high nibble
when odd. A load reads the byte and shifts its nibble down (`trunc` to `i4` keeps it); a store
reads the byte, clears the nibble and ors the new one in (buffers are never written by two threads
at once in host code, so the read-modify-write needs no atomics). An allocation of `n` elements
takes `(n + 1) / 2` bytes; a copy between identity layouts copies that many bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import llvm
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Attribute, SSAValue

from passes._llvm_builder import FuncBuilder
from passes._llvm_types import Descriptor, Field, element_size

I4 = IntegerType(4)
I8 = IntegerType(8)
I64 = IntegerType(64)


def is_packed(t: Attribute) -> bool:
    """Whether memrefs of the element type `t` are packed (`i4`: two elements a byte)."""
    return t == I4


def storage_bytes(fb: FuncBuilder, count: Field, t: Attribute) -> Field:
    """The bytes `count` elements of type `t` take."""
    if not is_packed(t):
        return fb.mul(count, element_size(t))
    if isinstance(count, int):
        return (count + 1) // 2
    return fb.value(llvm.LShrOp(fb.field(fb.add(count, 1)), fb.const(1, I64)))


def _nibble(fb: FuncBuilder, d: Descriptor, indices: Sequence[Field]) -> tuple[SSAValue, SSAValue]:
    """The address of the byte holding `d[indices]` and the shift (`i8` 0 or 4) of its nibble."""
    linear: Field = d.offset
    for index, stride in zip(indices, d.strides, strict=True):
        linear = fb.add(linear, fb.mul(index, stride))
    at = fb.field(linear)
    byte = fb.value(llvm.LShrOp(at, fb.const(1, I64)))
    ptr = fb.value(llvm.GEPOp.from_mixed_indices(d.aligned, [byte], I8, inbounds=True))
    odd = fb.value(llvm.AndOp(at, fb.const(1, I64)))
    shift = fb.value(llvm.TruncOp(fb.value(llvm.ShlOp(odd, fb.const(2, I64))), I8))
    return ptr, shift


def load_i4(fb: FuncBuilder, d: Descriptor, indices: Sequence[Field]) -> SSAValue:
    """`d[indices]` of an `i4` memref."""
    ptr, shift = _nibble(fb, d, indices)
    byte = fb.value(llvm.LoadOp(ptr, I8, alignment=1))
    return fb.value(llvm.TruncOp(fb.value(llvm.LShrOp(byte, shift)), I4))


def store_i4(fb: FuncBuilder, d: Descriptor, indices: Sequence[Field], value: SSAValue) -> None:
    """`d[indices] = value` on an `i4` memref (the other nibble of the byte kept)."""
    ptr, shift = _nibble(fb, d, indices)
    byte = fb.value(llvm.LoadOp(ptr, I8, alignment=1))
    mask = fb.value(llvm.XOrOp(fb.value(llvm.ShlOp(fb.const(15, I8), shift)), fb.const(-1, I8)))
    nibble = fb.value(llvm.ShlOp(fb.value(llvm.ZExtOp(value, I8)), shift))
    merged = fb.value(llvm.OrOp(fb.value(llvm.AndOp(byte, mask)), nibble))
    fb.emit(llvm.StoreOp(merged, ptr, alignment=1))
