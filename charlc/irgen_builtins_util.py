"""Typed building blocks for lowering built-ins, models and training into the `charl` dialect.

`Ir` wraps a `Gen` and a source span: it emits charl ops on `TV` values (an SSA value with its
Charl tensor type), inserting the casts and `charl.broadcast_to`s the dialect requires (its
elementwise ops take operands of identical type) and reading run-time sizes with `charl.dim`
wherever a result has dynamic (`?` or symbolic) dimensions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from xdsl.dialects import arith
from xdsl.dialects.builtin import DYNAMIC_INDEX, DenseIntOrFPElementsAttr, IndexType, i64
from xdsl.dialects.builtin import TensorType as IRTensorType
from xdsl.ir import Attribute, Operation, SSAValue

from charlc import syntax as ast
from charlc.diagnostics import CharlError
from charlc.irgen_api import Gen, PyTree
from charlc.irgen_types import IRGenInternalError
from charlc.types import Dim, TensorType, show
from dialects import charl as C

Number = int | float | bool


def internal(span: ast.Span, message: str) -> IRGenInternalError:
    """A compiler bug found while lowering (never a user's mistake), with its source position."""
    return IRGenInternalError(f"irgen: {message} (at {span.line}:{span.col})")


@dataclass(frozen=True)
class TV:
    """An SSA value together with its Charl tensor (or scalar) type."""

    v: SSAValue
    t: TensorType


def broadcast_shape(a: tuple[Dim, ...], b: tuple[Dim, ...]) -> tuple[Dim, ...]:
    """NumPy broadcasting of two shapes (the checker has already proved them compatible)."""
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    out: list[Dim] = []
    for x, y in zip(pa, pb, strict=True):
        if x == 1:
            out.append(y)
        elif y == 1 or x == y or y is None:
            out.append(x)
        elif x is None:
            out.append(y)
        else:
            out.append(x if isinstance(x, int) else y)
    return tuple(out)


def reduced_shape(shape: tuple[Dim, ...], axes: Sequence[int], keepdims: bool) -> tuple[Dim, ...]:
    """The shape of a reduction of `shape` over `axes`."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


_DTYPES = MappingProxyType(
    {"f32": "float32", "f64": "float64", "i32": "int32", "i64": "int64", "i1": "bool", "i8": "int8", "i4": "int4"}
)


def charl_type(attr: Attribute) -> TensorType:
    """The Charl tensor type of an IR type (`?` dims become `None`)."""
    if isinstance(attr, IRTensorType):
        shape = tuple(None if d == DYNAMIC_INDEX else d for d in attr.get_shape())
        return TensorType(_DTYPES[str(attr.get_element_type())], shape)
    return TensorType(_DTYPES[str(attr)])


def tv(v: SSAValue) -> TV:
    """`v` paired with the Charl type of its IR type."""
    return TV(v, charl_type(v.type))


def leaf_tvs(g: Gen, value: PyTree) -> list[TV]:
    """The leaves of a pytree as typed values."""
    return [tv(v) for v in g.flatten(value)]


def fit(ir: Ir, v: SSAValue, want: Attribute) -> SSAValue:
    """`v` with the IR type `want` (a shape cast between static and `?` dims; same element type)."""
    if v.type == want or not isinstance(want, IRTensorType) or not isinstance(v.type, IRTensorType):
        return v
    src = tuple(v.type.get_shape())
    sizes = [
        ir.index(s) if s != DYNAMIC_INDEX else ir.emit(C.DimOp(v, i)).results[0]
        for i, (s, d) in enumerate(zip(src, want.get_shape(), strict=True))
        if d == DYNAMIC_INDEX
    ]
    return ir.emit(C.ReshapeOp(v, want, sizes)).results[0]


class Ir:
    """Emits charl ops at one source location on typed values."""

    def __init__(self, g: Gen, span: ast.Span) -> None:
        self.g = g
        self.span = span

    # -- emission ------------------------------------------------------------------------------

    def emit(self, op: Operation, hint: str | None = None) -> Operation:
        """Insert `op` through the generator."""
        return self.g.emit(op, self.span, hint)

    def tv(self, op: Operation, t: TensorType, hint: str | None = None) -> TV:
        """Emit a one-result op and pair its result with `t`."""
        return TV(self.emit(op, hint).results[0], t)

    def ir(self, t: TensorType) -> Attribute:
        """The IR type of `t`."""
        return self.g.ir_type(t)

    def fail(self, message: str, span: ast.Span | None = None) -> CharlError:
        """A user's error at this location (raise it)."""
        return CharlError(span or self.span, message)

    def internal(self, message: str, span: ast.Span | None = None) -> IRGenInternalError:
        """A compiler bug found at this location (raise it)."""
        return internal(span or self.span, message)

    # -- constants and sizes -------------------------------------------------------------------

    def const(self, value: Number, t: TensorType | str) -> TV:
        """A scalar (`t` a dtype name) or static splat constant."""
        tt = TensorType(t) if isinstance(t, str) else t
        return TV(self.g.constant(value, tt, self.span), tt)

    def dense(self, values: Sequence[Number], t: TensorType) -> TV:
        """A static non-splat constant (row-major `values`)."""
        attr = DenseIntOrFPElementsAttr.from_list(self.ir(t), list(values))  # type: ignore[call-overload]
        return self.tv(C.ConstantOp(attr), t)

    def full(self, value: Number | TV, t: TensorType, dyn: Sequence[SSAValue] = ()) -> TV:
        """A tensor of type `t` whose elements all equal `value` (a number or a scalar TV)."""
        if not isinstance(value, TV):
            if t.is_static:
                return self.const(value, t)
            value = self.const(value, t.dtype)
        value = self.cast(value, t.dtype)
        if t.is_scalar:
            return value
        return self.tv(C.BroadcastToOp(value.v, self.ir(t), list(dyn)), t)

    def full_like(self, value: Number | TV, x: TV) -> TV:
        """`value` splat to the type of `x` (its dynamic sizes read from `x`)."""
        return self.full(value, x.t, self.dyn_dims(x))

    def index(self, value: int | SSAValue) -> SSAValue:
        """An `index` value."""
        return self.g.index(value, self.span)

    def dim(self, x: TV, axis: int) -> SSAValue:
        """The size of dimension `axis` of `x` as an `index` value."""
        d = x.t.shape[axis]
        if isinstance(d, int):
            return self.index(d)
        return self.emit(C.DimOp(x.v, axis)).results[0]

    def dyn_dims(self, x: TV) -> list[SSAValue]:
        """`index` values for the dynamic dims of `x`'s own type."""
        return [self.dim(x, i) for i, d in enumerate(x.t.shape) if not isinstance(d, int)]

    def dyn_for(self, dst: TensorType, sources: Sequence[TV]) -> list[SSAValue]:
        """`index` values for the dynamic dims of `dst`, read from broadcast-aligned `sources`."""
        out: list[SSAValue] = []
        for i, d in enumerate(dst.shape):
            if isinstance(d, int):
                continue
            out.append(self._find_dim(dst, i, sources))
        return out

    def _find_dim(self, dst: TensorType, i: int, sources: Sequence[TV]) -> SSAValue:
        candidates: list[tuple[TV, int]] = []
        for s in sources:
            j = i - (dst.rank - s.t.rank)
            if 0 <= j < s.t.rank and s.t.shape[j] != 1:
                candidates.append((s, j))
        for s, j in candidates:  # prefer a source with the very same (symbolic) dim
            if s.t.shape[j] == dst.shape[i]:
                return self.dim(s, j)
        if candidates:
            s, j = candidates[0]
            return self.dim(s, j)
        raise self.internal(f"no run-time size for dimension {i} of {show(dst)}")

    def muli(self, a: SSAValue, b: SSAValue) -> SSAValue:
        """Product of two `index` values."""
        return self.emit(arith.MuliOp(a, b)).results[0]

    def index_to_i64(self, a: SSAValue) -> TV:
        """An `index` value as an int64 scalar."""
        return TV(self.emit(arith.IndexCastOp(a, i64)).results[0], TensorType("int64"))

    def is_index(self, v: SSAValue) -> bool:
        """Whether `v` is an `index` value."""
        return isinstance(v.type, IndexType)

    # -- conversions ---------------------------------------------------------------------------

    def cast(self, x: TV, dtype: str) -> TV:
        """`x` converted to element type `dtype` (unchanged when it already has it)."""
        if x.t.dtype == dtype:
            return x
        t = x.t.with_dtype(dtype)
        return self.tv(C.CastOp(x.v, self.ir(t)), t)

    def broadcast(self, x: TV, dst: TensorType, dyn: Sequence[SSAValue] | None = None) -> TV:
        """`x` broadcast to `dst`'s shape (same dtype); `dyn` defaults to sizes read from `x`."""
        if x.t.shape == dst.shape:
            return x
        t = dst.with_dtype(x.t.dtype)
        sizes = list(dyn) if dyn is not None else self.dyn_for(t, [x])
        return self.tv(C.BroadcastToOp(x.v, self.ir(t), sizes), t)

    def to(self, x: TV, dst: TensorType, dyn: Sequence[SSAValue] | None = None) -> TV:
        """`x` cast to `dst`'s dtype and broadcast to its shape."""
        return self.broadcast(self.cast(x, dst.dtype), dst, dyn)

    def reshape(self, x: TV, shape: tuple[Dim, ...], dyn: Sequence[SSAValue] = ()) -> TV:
        """`x` with a new shape (same elements); `dyn` sizes the dynamic dims of `shape`."""
        if x.t.shape == shape:
            return x
        t = x.t.with_shape(shape)
        return self.tv(C.ReshapeOp(x.v, self.ir(t), list(dyn)), t)

    # -- elementwise ---------------------------------------------------------------------------

    def unary(self, cls: Callable[[SSAValue], Operation], x: TV) -> TV:
        """One elementwise unary op."""
        return self.tv(cls(x.v), x.t)

    def _pair(self, a: TV | Number, b: TV | Number) -> tuple[TV, TV]:
        if not isinstance(a, TV):
            if not isinstance(b, TV):
                raise self.internal("an elementwise op without a value operand")
            a = self.const(a, b.t.dtype)
        if not isinstance(b, TV):
            b = self.const(b, a.t.dtype)
        b = self.cast(b, a.t.dtype)
        x, y = self.common([a, b])
        return x, y

    def common(self, values: Sequence[TV], dtype: str | None = None) -> list[TV]:
        """`values` broadcast to their common shape (element types kept unless `dtype` is given)."""
        shape: tuple[Dim, ...] = ()
        for v in values:
            shape = broadcast_shape(shape, v.t.shape)
        if all(v.t.shape == shape for v in values):
            return list(values)
        dst = TensorType("bool", shape)
        dyn = self.dyn_for(dst, values)
        return [self.broadcast(v, dst.with_dtype(dtype or v.t.dtype), dyn) for v in values]

    def binary(self, cls: Callable[[SSAValue, SSAValue], Operation], a: TV | Number, b: TV | Number) -> TV:
        """One elementwise binary op, broadcasting (and casting `b` to `a`'s dtype) first."""
        x, y = self._pair(a, b)
        return self.tv(cls(x.v, y.v), x.t)

    def add(self, a: TV | Number, b: TV | Number) -> TV:
        return self.binary(C.AddOp, a, b)

    def sub(self, a: TV | Number, b: TV | Number) -> TV:
        return self.binary(C.SubOp, a, b)

    def mul(self, a: TV | Number, b: TV | Number) -> TV:
        return self.binary(C.MulOp, a, b)

    def div(self, a: TV | Number, b: TV | Number) -> TV:
        return self.binary(C.DivOp, a, b)

    def compare(self, a: TV | Number, b: TV | Number, predicate: str) -> TV:
        """Elementwise comparison; a `bool` result."""
        x, y = self._pair(a, b)
        t = x.t.with_dtype("bool")
        return self.tv(C.CompareOp(x.v, y.v, predicate), t)

    def select(self, cond: TV, a: TV, b: TV) -> TV:
        """`cond ? a : b`, all broadcast to one shape."""
        c, x, y = self.common([cond, a, self.cast(b, a.t.dtype)])
        return self.tv(C.SelectOp(c.v, x.v, y.v), x.t)

    # -- reductions ----------------------------------------------------------------------------

    def reduce(self, x: TV, kind: str, axes: Sequence[int] | None = None, keepdims: bool = False) -> TV:
        """`charl.reduce` over `axes` (all when None); a full reduction of a scalar is the scalar."""
        ax = sorted(range(x.t.rank) if axes is None else set(axes))
        if not ax:
            return x
        t = x.t.with_shape(reduced_shape(x.t.shape, ax, keepdims))
        return self.tv(C.ReduceOp(x.v, kind, ax, keepdims, self.ir(t)), t)
