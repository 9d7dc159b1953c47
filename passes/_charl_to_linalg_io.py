"""`convert-charl-to-linalg` patterns of the I/O ops: print, clock, .npy and .npz files.

Each becomes calls of the C runtime (docs/runtime.md). Tensors go to the runtime as read-only
unranked memrefs (`bufferization.to_buffer` + `memref.cast` to an unranked memref of the same element type, see
`_charl_to_linalg_runtime.erased`) with their type code; a loaded tensor
is a `memref.alloc` sized by what the runtime reports, filled by it, and turned back into a tensor
by `bufferization.to_tensor ... restrict writable` (the new buffer has no other alias). `i4` data
crosses the runtime as `i8`; a scalar as a rank-0 tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.dialects import arith, bufferization, memref, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    IndexType,
    MemRefType,
    TensorType,
    UnitAttr,
    f64,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from dialects.charl import ClockOp, LoadNpyOp, LoadNpzOp, PrintOp, SaveNpyOp, SaveNpzOp
from passes._charl_to_linalg_runtime import (
    TYPE_SUFFIXES,
    call,
    dtype_code,
    element,
    erased,
    error,
    i4,
    i64_array,
    integer,
    location,
    lowering,
    map_elements,
    shape,
    show,
    string,
    to_i64,
    unranked,
    value,
)

Reader = Callable[[SSAValue, SSAValue], None]
"""Emits the run-time call that fills a buffer, given it as an unranked memref of its element type and its type code."""


def segments(fmt: str) -> list[str | None]:
    """The pieces of a print format: literal text, and None for each `{}` (`{{`, `}}` unescaped)."""
    pieces: list[str | None] = []
    text, i = "", 0
    while i < len(fmt):
        pair = fmt[i : i + 2]
        if pair == "{}":
            pieces += [text, None] if text else [None]
            text, i = "", i + 2
        elif pair in ("{{", "}}"):
            text, i = text + pair[0], i + 2
        else:
            text, i = text + fmt[i], i + 1
    return pieces + [text] if text else pieces


def print_value(b: Builder, op: Operation, x: SSAValue) -> None:
    """Calls the runtime's printer of `x`: a tensor, or a scalar (narrow integers as `i32`)."""
    if isinstance(x.type, TensorType):
        buf, code = unranked(b, op, x)
        call(b, op, "charl_rt_print_tensor", [buf, code])
        return
    if x.type in (i8, i4):
        x = value(b, arith.ExtSIOp(x, i32))
    name = next((n for t, n in TYPE_SUFFIXES if t == x.type and t != i8), None)
    if name is None:
        raise error(op, f"cannot print a value of type {x.type}")
    call(b, op, f"charl_rt_print_{name}", [x])


class PrintToRuntimeCalls(RewritePattern):
    """charl.print "a {} b", %x -> @charl_rt_print_str("a "), the printer of %x,
    @charl_rt_print_str(" b"), @charl_rt_print_newline()."""

    @lowering
    def match_and_rewrite(self, op: PrintOp, rewriter: PatternRewriter) -> None:
        values = iter(op.values)
        for piece in segments(op.format.data):
            if piece is None:
                print_value(rewriter, op, next(values))
            else:
                call(rewriter, op, "charl_rt_print_str", [string(rewriter, op, piece)])
        call(rewriter, op, "charl_rt_print_newline", [])
        rewriter.erase(op)


class ClockToRuntimeCall(RewritePattern):
    """charl.clock -> func.call @charl_rt_clock() : () -> f64."""

    @lowering
    def match_and_rewrite(self, op: ClockOp, rewriter: PatternRewriter) -> None:
        rewriter.replace(op, [], call(rewriter, op, "charl_rt_clock", [], [f64]))


@dataclass(frozen=True)
class Stored:
    """How a value of type `t` travels through the runtime: as a buffer of `elem` elements."""

    t: Attribute

    @property
    def elem(self) -> Attribute:
        """The element type in memory (`i4` widened to `i8`)."""
        e = element(self.t)
        return i8 if e == i4 else e

    @property
    def buffer(self) -> MemRefType[Attribute]:
        """The identity-layout memref the runtime fills."""
        return MemRefType(self.elem, shape(self.t))

    def expected_shape(self) -> list[int]:
        """The shape the runtime checks: -1 for a dynamic dimension."""
        return [-1 if d == DYNAMIC_INDEX else d for d in shape(self.t)]


def read_into(b: Builder, op: Operation, s: Stored, sizes: list[SSAValue], read: Reader) -> SSAValue:
    """Allocates a buffer of `s` (`sizes` for its `?` dims), has `read` fill it, and returns the
    value of type `s.t` it holds."""
    buf = value(b, memref.AllocOp(sizes, [], s.buffer))
    read(erased(b, buf), integer(b, dtype_code(op, s.elem), i32))
    props = {"restrict": UnitAttr(), "writable": UnitAttr()}
    result = value(
        b, bufferization.ToTensorOp.build(operands=[buf], result_types=[_tensor(s.buffer)], properties=props)
    )
    if element(s.t) == i4:
        result = map_elements(b, result, TensorType(i4, shape(s.t)), lambda ib, v: value(ib, arith.TruncIOp(v, i4)))
    if not isinstance(s.t, TensorType):
        result = value(b, tensor.ExtractOp(result, [], s.t))
    return result


def _tensor(t: MemRefType[Attribute]) -> TensorType[Attribute]:
    return TensorType(t.element_type, t.get_shape())


class LoadNpyToRuntimeCalls(RewritePattern):
    """charl.load_npy "p" : T -> @charl_rt_npy_open(p, where, "T", dtype, shape),
    @charl_rt_npy_dim per `?` dim (checked against `dims(...)` by @charl_rt_check_dim when
    given), memref.alloc, @charl_rt_npy_read, bufferization.to_tensor."""

    @lowering
    def match_and_rewrite(self, op: LoadNpyOp, rewriter: PatternRewriter) -> None:
        b, s, path = rewriter, Stored(op.result.type), op.path.data
        file, loc = string(b, op, path), location(b, op)
        code = integer(b, dtype_code(op, s.elem), i32)
        expected = [string(b, op, show(s.t)), code, i64_array(b, op, s.expected_shape())]
        call(b, op, "charl_rt_npy_open", [file, loc, *expected])
        bound = iter(op.dyn_dims)
        sizes: list[SSAValue] = []
        for axis, d in enumerate(shape(s.t)):
            if d != DYNAMIC_INDEX:
                continue
            got = call(b, op, "charl_rt_npy_dim", [file, integer(b, axis, i64)], [i64])[0]
            if op.dyn_dims:
                what = string(b, op, f'dimension {axis} of "{path}" is {{got}}, but its declared size is {{expected}}')
                call(b, op, "charl_rt_check_dim", [got, to_i64(b, next(bound)), what, loc])
            sizes.append(value(b, arith.IndexCastOp(got, IndexType())))

        def read(dest: SSAValue, code: SSAValue) -> None:
            call(b, op, "charl_rt_npy_read", [file, loc, dest, code])

        rewriter.replace(op, [], [read_into(b, op, s, sizes, read)])


class SaveNpyToRuntimeCall(RewritePattern):
    """charl.save_npy "p", %x -> @charl_rt_npy_save(p, where, %x as memref<*xT>, dtype)."""

    @lowering
    def match_and_rewrite(self, op: SaveNpyOp, rewriter: PatternRewriter) -> None:
        file, loc = string(rewriter, op, op.path.data), location(rewriter, op)
        buf, code = unranked(rewriter, op, op.input)
        call(rewriter, op, "charl_rt_npy_save", [file, loc, buf, code])
        rewriter.erase(op)


class LoadNpzToRuntimeCalls(RewritePattern):
    """charl.load_npz "p" [names] : Ts -> per name: memref.alloc,
    @charl_rt_npz_read(p, where, name, "T", dtype, shape, buffer), bufferization.to_tensor."""

    @lowering
    def match_and_rewrite(self, op: LoadNpzOp, rewriter: PatternRewriter) -> None:
        b = rewriter
        file, loc = string(b, op, op.path.data), location(b, op)
        results: list[SSAValue] = []
        for name, result in zip(op.names.data, op.arrays, strict=True):
            s = Stored(result.type)
            if DYNAMIC_INDEX in shape(s.t):
                raise error(
                    op, f"array {name.data!r} of type {s.t} has a dynamic dimension; .npz arrays need static shapes"
                )
            member, expected = string(b, op, name.data), string(b, op, show(s.t))
            dims = i64_array(b, op, s.expected_shape())

            def read(dest: SSAValue, code: SSAValue) -> None:
                call(b, op, "charl_rt_npz_read", [file, loc, member, expected, code, dims, dest])  # noqa: B023

            results.append(read_into(b, op, s, [], read))
        rewriter.replace(op, [], results)


class SaveNpzToRuntimeCalls(RewritePattern):
    """charl.save_npz "p" [names], %xs -> @charl_rt_npz_save_begin(p, where),
    @charl_rt_npz_save_add(name, %x as memref<*xT>, dtype) per array, @charl_rt_npz_save_end()."""

    @lowering
    def match_and_rewrite(self, op: SaveNpzOp, rewriter: PatternRewriter) -> None:
        b = rewriter
        call(b, op, "charl_rt_npz_save_begin", [string(b, op, op.path.data), location(b, op)])
        for name, x in zip(op.names.data, op.values, strict=True):
            buf, code = unranked(b, op, x)
            call(b, op, "charl_rt_npz_save_add", [string(b, op, name.data), buf, code])
        call(b, op, "charl_rt_npz_save_end", [])
        rewriter.erase(op)


def io_patterns() -> list[RewritePattern]:
    """The patterns of the I/O ops."""
    return [
        PrintToRuntimeCalls(),
        ClockToRuntimeCall(),
        LoadNpyToRuntimeCalls(),
        SaveNpyToRuntimeCall(),
        LoadNpzToRuntimeCalls(),
        SaveNpzToRuntimeCalls(),
    ]
