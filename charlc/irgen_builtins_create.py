"""Lowering of the creation built-ins: zeros, ones, full, arange, eye, random_*, causal_mask.

Static shapes become splat `charl.constant`s; a dynamic shape broadcasts a scalar with
`charl.broadcast_to`, its sizes taken from the shape argument. Random tensors are one
`charl.random` each (counter-based: seed default 0, as `int64`).
"""

from __future__ import annotations

from types import MappingProxyType

from xdsl.ir import SSAValue

from charlc import syntax as ast
from charlc.irgen_api import Gen
from charlc.irgen_builtins_call import BCall, Table, fold
from charlc.irgen_builtins_util import TV, Ir, internal
from charlc.types import TensorType, show
from dialects import charl as C


def shape_sizes(b: BCall, t: TensorType, name: str = "shape") -> list[SSAValue]:
    """`index` values for the dynamic dims of `t`, read from the shape argument `name`."""
    if t.is_static:
        return []
    e = b.need(name)
    dyn = [i for i, d in enumerate(t.shape) if not isinstance(d, int)]
    if isinstance(e, ast.TensorLit) and len(e.elems) == t.rank:
        return [b.ir.index(b.g.expr(e.elems[i])) for i in dyn]
    shape = b.arg(name)
    out: list[SSAValue] = []
    for i in dyn:
        elem = b.ir.emit(C.ExtractOp(shape.v, [b.ir.index(i)])).results[0]
        out.append(b.ir.index(elem))
    return out


def seed_of(b: BCall, name: str = "seed") -> TV:
    """The `seed:` argument as an `int64` scalar (0 when not given)."""
    e = b.expr(name)
    v = fold(b.g, e) if e is not None else b.target.static.get(name, 0)
    if isinstance(v, int) and not isinstance(v, bool):
        return b.ir.const(wrap64(v), "int64")
    return b.ir.cast(b.arg(name), "int64")


def scalar_of(b: BCall, name: str, default: float, dtype: str) -> TV:
    """A scalar argument (or its default) as a value of element type `dtype`."""
    v = b.number(name, default)
    if v is None:
        v = default
    return b.ir.cast(v, dtype) if isinstance(v, TV) else b.ir.const(v, dtype)


def iota(ir: Ir, t: TensorType, dim: int, sizes: list[SSAValue]) -> TV:
    """`charl.iota` along `dim` with result type `t`."""
    return ir.tv(C.IotaOp(dim, ir.ir(t), sizes), t)


def _filled(b: BCall, value: float) -> TV:
    t = b.rt()
    return b.ir.full(value, t, shape_sizes(b, t))


def _zeros(b: BCall) -> TV:
    return _filled(b, 0)


def _ones(b: BCall) -> TV:
    return _filled(b, 1)


def _full(b: BCall) -> TV:
    t = b.rt()
    v = b.number("value")
    if v is None:
        raise b.ir.internal("`full` without its value")
    return b.ir.full(v, t, shape_sizes(b, t))


def _arange(b: BCall) -> TV:
    t = b.rt()
    sizes = [] if t.is_static else [b.ir.index(b.value("n"))]
    return iota(b.ir, t, 0, sizes)


def _square_sizes(b: BCall, t: TensorType) -> list[SSAValue]:
    if t.is_static:
        return []
    n = b.ir.index(b.value("n"))
    return [n for d in t.shape if not isinstance(d, int)]


def _row_vs_column(b: BCall, predicate: str) -> TV:
    """The `n x n` tensor of `row <predicate> column`, in the call's element type."""
    t = b.rt()
    sizes = _square_sizes(b, t)
    it = t.with_dtype("int32")
    rows, cols = iota(b.ir, it, 0, sizes), iota(b.ir, it, 1, sizes)
    return b.ir.cast(b.ir.compare(rows, cols, predicate), t.dtype)


def _eye(b: BCall) -> TV:
    return _row_vs_column(b, "eq")


def _causal_mask(b: BCall) -> TV:
    return _row_vs_column(b, "ge")


def random(ir: Ir, seed: TV, lo: TV, hi: TV, dist: str, t: TensorType, sizes: list[SSAValue]) -> TV:
    """One `charl.random` of type `t`."""
    return ir.tv(C.RandomOp(seed.v, lo.v, hi.v, dist, ir.ir(t), sizes), t)


def _random_normal(b: BCall) -> TV:
    t = b.rt()
    lo, hi = scalar_of(b, "mean", 0.0, t.dtype), scalar_of(b, "std", 1.0, t.dtype)
    return random(b.ir, seed_of(b), lo, hi, "normal", t, shape_sizes(b, t))


def _random_uniform(b: BCall) -> TV:
    t = b.rt()
    lo, hi = scalar_of(b, "low", 0.0, t.dtype), scalar_of(b, "high", 1.0, t.dtype)
    return random(b.ir, seed_of(b), lo, hi, "uniform", t, shape_sizes(b, t))


def _random_int(b: BCall) -> TV:
    t = b.rt()
    lo, hi = b.ir.cast(b.arg("low"), t.dtype), b.ir.cast(b.arg("high"), t.dtype)
    return random(b.ir, seed_of(b), lo, hi, "int", t, shape_sizes(b, t))


SEED_STRIDE = 1000003


def wrap64(n: int) -> int:
    """`n` wrapped to a signed 64-bit integer (the arithmetic of `int64` values)."""
    n &= (1 << 64) - 1
    return n - (1 << 64) if n >= 1 << 63 else n


def seed_value(g: Gen, ir: Ir, e: ast.Expr | None) -> int | TV:
    """A seed expression as a Python int when it folds, else as an `int64` value (0 when absent)."""
    if e is None:
        return 0
    v = fold(g, e)
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    t = g.type_of(e)
    if not isinstance(t, TensorType):
        raise internal(e.span, f"a seed of type {show(t)}")
    return ir.cast(TV(g.expr(e), t), "int64")


def seed_base(ir: Ir, seed: int | TV) -> int | TV:
    """`seed * 1000003`: the base of the seeds derived from `seed` (see `derived_seed`)."""
    return wrap64(seed * SEED_STRIDE) if isinstance(seed, int) else ir.mul(seed, SEED_STRIDE)


def derived_seed(ir: Ir, base: int | TV, i: int) -> TV:
    """`base + i` as an `int64` scalar: the seed of parameter (or layer) number `i`."""
    if isinstance(base, int):
        return ir.const(wrap64(base + i), "int64")
    return base if i == 0 else ir.add(base, i)


TABLE: Table = MappingProxyType(
    {
        "zeros": (("shape",), _zeros),
        "ones": (("shape",), _ones),
        "full": (("shape", "value"), _full),
        "arange": (("n",), _arange),
        "eye": (("n",), _eye),
        "causal_mask": (("n",), _causal_mask),
        "random_normal": (("shape",), _random_normal),
        "random_uniform": (("shape",), _random_uniform),
        "random_int": (("shape", "low", "high"), _random_int),
    }
)
