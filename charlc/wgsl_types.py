"""Types, literals and conversions of the WGSL emitter.

Every MLIR value has a *kind*: `f32 f64 i1 i4 i8 i32 i64 index`. In WGSL an `i1` is a `bool`, an
`index` an `i32`, and an `i8` or `i4` an `i32` holding the sign-extended value (operations that can
leave the range `-128..127`, `-8..7` wrap their result back with `wrap8`, `wrap4`). Unsigned
operations reinterpret a value as `u32`/`u64` (an `i8` as its low byte, an `i4` as its low nibble).
"""

from __future__ import annotations

import math
import struct

from xdsl.dialects.builtin import Float32Type, Float64Type, IndexType, IntegerType
from xdsl.ir import Attribute, Operation


class WgslError(Exception):
    """An op, type or value the WGSL emitter cannot translate; `op` is the offending operation."""

    def __init__(self, message: str, op: Operation | None = None) -> None:
        super().__init__(message)
        self.op = op


WGSL_TYPE = {
    "f32": "f32",
    "f64": "f64",
    "i1": "bool",
    "i4": "i32",
    "i8": "i32",
    "i32": "i32",
    "i64": "i64",
    "index": "i32",
}
"""The WGSL type holding each kind."""

BITS = {"i1": 1, "i4": 4, "i8": 8, "i32": 32, "index": 32, "i64": 64}
"""The width of each integer kind (`index` is 32-bit in WGSL)."""

FLOATS = ("f32", "f64")
WRAP = {"i4": "wrap4", "i8": "wrap8"}
"""The helper that wraps an `i32` into the range of each narrow integer kind."""
MASK = {"i4": "0xfu", "i8": "0xffu"}
"""The bits of a narrow integer kind, as a `u32` mask."""


def kind_of(t: Attribute, op: Operation | None = None) -> str:
    """The kind of an MLIR type; a `WgslError` for types WGSL kernels do not support."""
    if isinstance(t, Float32Type):
        return "f32"
    if isinstance(t, Float64Type):
        return "f64"
    if isinstance(t, IndexType):
        return "index"
    if isinstance(t, IntegerType) and t.width.data in (1, 4, 8, 32, 64):
        return f"i{t.width.data}"
    where = f" in `{op.name}`" if op is not None else ""
    raise WgslError(f"GPU kernels support f32, f64, i1, i4, i8, i32, i64 and index values, not {t}{where}", op)


def is_float(kind: str) -> bool:
    """Whether `kind` is a floating-point kind."""
    return kind in FLOATS


def float_literal(kind: str, value: float) -> str:
    """An exact WGSL literal of `value` rounded to `kind` (infinities and NaN through `bitcast`)."""
    if kind == "f32":
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        if not math.isfinite(value) or bits == 0x80000000:
            return f"bitcast<f32>({bits:#010x}u)"
        return f"{struct.unpack('<f', struct.pack('<I', bits))[0]!r}f"
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    if not math.isfinite(value) or bits == 0x8000000000000000:
        return f"bitcast<f64>({bits:#018x}lu)"
    return f"{value!r}lf"


def normalize_int(kind: str, value: int) -> int:
    """`value` wrapped to the signed range of `kind` (an `i1` true is 1)."""
    if kind == "i1":
        return value & 1
    bits = BITS[kind]
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def int_literal(kind: str, value: int, op: Operation | None = None) -> str:
    """A WGSL literal of the integer `value` of `kind`."""
    if kind == "i1":
        return "true" if value & 1 else "false"
    if kind == "index" and not -(2**31) <= value < 2**31:
        raise WgslError(f"the index constant {value} does not fit the 32-bit index of GPU kernels", op)
    value = normalize_int(kind, value)
    if kind == "i64":
        return "(-9223372036854775807li - 1li)" if value == -(2**63) else f"{value}li"
    return "i32(-2147483648)" if value == -(2**31) else f"i32({value})" if value < 0 else f"{value}i"


def zero(kind: str) -> str:
    """The zero (or `false`) of `kind`."""
    if is_float(kind):
        return float_literal(kind, 0.0)
    return int_literal(kind, 0)


def wrap(kind: str, expr: str) -> str:
    """`expr` (an i32 for `i8` and `i4`) wrapped into the range of `kind`."""
    return f"{WRAP[kind]}({expr})" if kind in WRAP else expr


def unsigned(kind: str, expr: str) -> str:
    """`expr` reinterpreted as an unsigned WGSL integer (`u32`, or `u64` for i64)."""
    if kind in MASK:
        return f"(u32({expr}) & {MASK[kind]})"
    if kind == "i1":
        return f"select(0u, 1u, {expr})"
    if kind == "i64":
        return f"u64({expr})"
    return f"u32({expr})"


def from_unsigned(kind: str, expr: str) -> str:
    """The value of `kind` whose unsigned reinterpretation is `expr` (a `u32`/`u64`)."""
    if kind in WRAP:
        return f"{WRAP[kind]}(i32({expr}))"
    if kind == "i1":
        return f"(({expr}) & 1u) != 0u"
    if kind == "i64":
        return f"i64({expr})"
    return f"i32({expr})"


def signed_value(kind: str, expr: str) -> str:
    """An `i1` as a signed integer (true is -1); other integers as they are."""
    return f"select(0, -1, {expr})" if kind == "i1" else expr


def int_convert(src: str, dst: str, expr: str, signed: bool) -> str:
    """Converts the integer `expr` of kind `src` to kind `dst`: truncation when `dst` is narrower,
    sign or zero extension (`signed`) when it is wider."""
    if src == dst or (BITS[src] == BITS[dst] and src != "i1"):
        return expr
    if dst == "i1":
        return f"(({expr}) & {int_literal(src, 1)}) != {int_literal(src, 0)}"
    if src == "i1":
        one = "-1" if signed else "1"
        return f"select({int_literal(dst, 0)}, {dst_cast(dst, one)}, {expr})"
    if BITS[dst] < BITS[src]:  # truncation to i4, i8 or i32
        narrow = f"i32({expr})" if src == "i64" else expr
        return wrap(dst, narrow)
    if dst == "i64":  # naga sign-extends i64(u32): go through u64
        return f"i64({expr})" if signed else f"i64(u64({unsigned(src, expr)}))"
    return expr if signed else f"i32({unsigned(src, expr)})"  # i4 -> i8, i4/i8 -> i32/index


def dst_cast(kind: str, literal: str) -> str:
    """A small integer literal typed as `kind`."""
    return f"{literal}li" if kind == "i64" else f"i32({literal})"
