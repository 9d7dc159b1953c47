"""Lowering of elementwise math and reductions: one charl op each, operands cast to the result's
element type and broadcast to its shape first (`clip` is `minimum(maximum(x, lo), hi)`, `where`
is `charl.select`)."""

from __future__ import annotations

from functools import partial
from types import MappingProxyType

from xdsl.ir import Operation

from charlc.irgen_builtins_call import BCall, Entry, Table
from charlc.irgen_builtins_shape import flatten_from
from charlc.irgen_builtins_util import TV
from dialects import charl as C

UNARY: MappingProxyType[str, type[Operation]] = MappingProxyType(
    {
        "abs": C.AbsOp,
        "exp": C.ExpOp,
        "log": C.LogOp,
        "sqrt": C.SqrtOp,
        "rsqrt": C.RsqrtOp,
        "sin": C.SinOp,
        "cos": C.CosOp,
        "tanh": C.TanhOp,
        "sigmoid": C.SigmoidOp,
        "relu": C.ReluOp,
        "gelu": C.GeluOp,
        "silu": C.SiluOp,
        "sign": C.SignOp,
        "floor": C.FloorOp,
        "ceil": C.CeilOp,
        "round": C.RoundOp,
    }
)

BINARY: MappingProxyType[str, tuple[tuple[str, str], type[Operation]]] = MappingProxyType(
    {"pow": (("x", "y"), C.PowOp), "maximum": (("a", "b"), C.MaximumOp), "minimum": (("a", "b"), C.MinimumOp)}
)


def _unary(cls: type[Operation], b: BCall) -> TV:
    x = b.ir.cast(b.arg("x"), b.rt().dtype)
    return b.ir.unary(cls, x)


def _binary(cls: type[Operation], b: BCall) -> TV:
    dtype = b.rt().dtype
    lhs, rhs = b.params
    return b.ir.binary(cls, b.ir.cast(b.arg(lhs), dtype), b.ir.cast(b.arg(rhs), dtype))


def _bound(b: BCall, name: str, dtype: str) -> TV | float:
    v = b.number(name)
    if v is None:
        raise b.ir.internal(f"`clip` without `{name}`")
    return b.ir.cast(v, dtype) if isinstance(v, TV) else v


def _clip(b: BCall) -> TV:
    dtype = b.rt().dtype
    x = b.ir.cast(b.arg("x"), dtype)
    lo, hi = _bound(b, "lo", dtype), _bound(b, "hi", dtype)
    return b.ir.binary(C.MinimumOp, b.ir.binary(C.MaximumOp, x, lo), hi)


def _where(b: BCall) -> TV:
    dtype = b.rt().dtype
    cond = b.ir.cast(b.arg("cond"), "bool")
    return b.ir.select(cond, b.ir.cast(b.arg("a"), dtype), b.ir.cast(b.arg("b"), dtype))


def _cast(b: BCall) -> TV:
    return b.ir.cast(b.arg("x"), b.rt().dtype)


def _reduce(kind: str, b: BCall) -> TV:
    x = b.arg("x")
    axes = b.axis(x.t.rank, default=None)
    if isinstance(axes, int):
        axes = (axes,)
    x = b.ir.cast(x, b.rt().dtype)
    return b.ir.reduce(x, kind, axes, bool(b.static("keepdims", False)))


def _argmax(b: BCall) -> TV:
    x = b.arg("x")
    t = b.rt()
    axis = b.axis(x.t.rank, default=None)
    keepdims = bool(b.static("keepdims", False))
    if axis is None:
        x, axis = flatten_from(b.ir, x, 0), 0
    return b.ir.tv(C.ArgmaxOp(x.v, int(axis), keepdims, b.ir.ir(t)), t)


def _entries() -> dict[str, Entry]:
    table: dict[str, Entry] = {name: (("x",), partial(_unary, cls)) for name, cls in UNARY.items()}
    table.update({name: (params, partial(_binary, cls)) for name, (params, cls) in BINARY.items()})
    table.update({kind: (("x", "axis"), partial(_reduce, kind)) for kind in ("sum", "mean", "max", "min")})
    table["clip"] = (("x", "lo", "hi"), _clip)
    table["where"] = (("cond", "a", "b"), _where)
    table["cast"] = (("x", "dtype"), _cast)
    table["argmax"] = (("x", "axis"), _argmax)
    return table


TABLE: Table = MappingProxyType(_entries())
