"""Lowering of the shape and indexing built-ins: reshape, flatten, expand_dims, squeeze (all
`charl.reshape`), transpose, broadcast_to, concat, shape, take (`charl.gather`) and one_hot (labels
compared with a `charl.iota`)."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from xdsl.ir import SSAValue

from charlc import syntax as ast
from charlc.irgen_builtins_call import BCall, Table, fold
from charlc.irgen_builtins_create import iota, shape_sizes
from charlc.irgen_builtins_util import TV, Ir
from charlc.types import Dim, TensorType, TupleType
from dialects import charl as C


def index_div(ir: Ir, a: SSAValue, b: SSAValue) -> SSAValue:
    """`a / b` on `index` values (through `int64` scalars)."""
    q = ir.div(ir.index_to_i64(a), ir.index_to_i64(b))
    return ir.index(q.v)


def product(ir: Ir, x: TV, dims: range | list[int]) -> SSAValue:
    """The product of the sizes of `x`'s dims `dims`, as an `index` value."""
    total: SSAValue | None = None
    for i in dims:
        d = ir.dim(x, i)
        total = d if total is None else ir.muli(total, d)
    return total if total is not None else ir.index(1)


def over_rows(ir: Ir, x: TV, out: TV, axis: int, product2d: Callable[[TV, TensorType], TV]) -> TV:
    """`product2d(flat, t)` on `x` (`[..., in]`) with its leading dims folded into one row dimension
    (`[rows, in]`, `[1, in]` for a vector), the result `t` (`[rows, n]`) unfolded to `[..., n]`; `n`
    is dimension `axis` of `out`."""
    n = out.t.shape[axis]
    if x.t.rank == 2:
        return product2d(x, x.t.with_shape((x.t.shape[0], n)))
    lead = x.t.shape[:-1]
    rows: Dim = 1
    for d in lead:
        rows = rows * d if isinstance(rows, int) and isinstance(d, int) else None
    sizes = [] if isinstance(rows, int) else [product(ir, x, range(len(lead)))]
    flat = ir.reshape(x, (rows, x.t.shape[-1]), sizes)
    y = product2d(flat, x.t.with_shape((rows, n)))
    back = [ir.dim(x, i) for i, d in enumerate(lead) if not isinstance(d, int)]
    back += [] if isinstance(n, int) else [ir.dim(out, axis)]
    return ir.reshape(y, (*lead, n), back)


def _reshape_size(b: BCall, x: TV, t: TensorType, lit: ast.TensorLit, i: int) -> SSAValue:
    elem = lit.elems[i]
    if fold(b.g, elem) != -1:
        return b.ir.index(b.g.expr(elem))
    static, sizes = 1, []
    for j, d in enumerate(t.shape):
        if j == i:
            continue
        if isinstance(d, int):
            static *= d
        else:
            sizes.append(b.ir.index(b.g.expr(lit.elems[j])))
    total = product(b.ir, x, range(x.t.rank))
    if static != 1:
        sizes.append(b.ir.index(static))
    if not sizes:
        return total
    others = sizes[0]
    for s in sizes[1:]:
        others = b.ir.muli(others, s)
    return index_div(b.ir, total, others)


def _reshape(b: BCall) -> TV:
    x, t = b.arg("x"), b.rt()
    lit = b.need("shape")
    if t.is_static or not isinstance(lit, ast.TensorLit):
        return b.ir.reshape(x, t.shape, shape_sizes(b, t))
    sizes = [_reshape_size(b, x, t, lit, i) for i, d in enumerate(t.shape) if not isinstance(d, int)]
    return b.ir.reshape(x, t.shape, sizes)


def flatten_from(ir: Ir, x: TV, start: int) -> TV:
    """`x` with dims `start..` merged into one."""
    head: tuple[Dim, ...] = x.t.shape[:start]
    tail = x.t.shape[start:]
    count: Dim = 1
    for d in tail:
        count = count * d if isinstance(count, int) and isinstance(d, int) else None
    shape = (*head, count)
    if shape == x.t.shape:
        return x
    sizes = [ir.dim(x, i) for i, d in enumerate(head) if not isinstance(d, int)]
    if count is None:
        sizes.append(product(ir, x, range(start, x.t.rank)))
    return ir.reshape(x, shape, sizes)


def _flatten(b: BCall) -> TV:
    x = b.arg("x")
    start = b.axis(x.t.rank, "start", 1) if x.t.rank else 0
    return flatten_from(b.ir, x, int(start))


def reshape_mapped(ir: Ir, x: TV, t: TensorType, source: list[int | None]) -> TV:
    """Reshape `x` to `t` where result dim j is `x`'s dim `source[j]` (None: a new 1)."""
    sizes = [ir.dim(x, s) for s, d in zip(source, t.shape, strict=True) if not isinstance(d, int) and s is not None]
    return ir.reshape(x, t.shape, sizes)


def _expand_dims(b: BCall) -> TV:
    x, t = b.arg("x"), b.rt()
    axis = int(b.axis(t.rank))
    source: list[int | None] = [j if j < axis else j - 1 for j in range(t.rank)]
    source[axis] = None
    return reshape_mapped(b.ir, x, t, source)


def _squeeze(b: BCall) -> TV:
    x, t = b.arg("x"), b.rt()
    axes = b.axis(x.t.rank, default=None)
    if axes is None:
        axes = tuple(i for i, d in enumerate(x.t.shape) if d == 1)
    removed = {axes} if isinstance(axes, int) else set(axes)
    keep: list[int | None] = [i for i in range(x.t.rank) if i not in removed]
    return reshape_mapped(b.ir, x, t, keep)


def transpose(ir: Ir, x: TV, perm: list[int]) -> TV:
    """`charl.transpose` of `x` by `perm` (identity permutations are skipped)."""
    if perm == list(range(x.t.rank)):
        return x
    t = x.t.with_shape(tuple(x.t.shape[p] for p in perm))
    return ir.tv(C.TransposeOp(x.v, perm, ir.ir(t)), t)


def _transpose(b: BCall) -> TV:
    x = b.arg("x")
    perm = b.static("perm", None)
    order = list(reversed(range(x.t.rank))) if perm is None else [int(p) % x.t.rank for p in perm]
    return transpose(b.ir, x, order)


def _broadcast_to(b: BCall) -> TV:
    t = b.rt()
    return b.ir.broadcast(b.ir.cast(b.arg("x"), t.dtype), t, shape_sizes(b, t))


def _inputs(b: BCall) -> list[TV]:
    e = b.need("tensors")
    if isinstance(e, ast.TensorLit | ast.TupleLit):
        return [TV(b.g.expr(x), b.g.type_of(x)) for x in e.elems]  # type: ignore[arg-type]
    t = b.g.type_of(e)
    if not isinstance(t, TupleType):
        raise b.ir.internal("`concat` of something other than a list of tensors", e.span)
    return [TV(v, et) for v, et in zip(b.g.expr(e), t.elems, strict=True)]  # type: ignore[arg-type]


def _concat(b: BCall) -> TV:
    t = b.rt()
    parts = [b.ir.cast(p, t.dtype) for p in _inputs(b)]
    if len(parts) == 1:
        return parts[0]
    axis = int(b.axis(t.rank, default=0))
    return b.ir.tv(C.ConcatOp([p.v for p in parts], axis, b.ir.ir(t)), t)


def _shape(b: BCall) -> TV:
    t = b.rt()
    xt = b.type("x")
    if not isinstance(xt, TensorType):
        raise b.ir.internal("`shape` of a value that is not a tensor")
    if xt.is_static:
        return b.ir.dense([int(d) for d in xt.shape], t)  # type: ignore[arg-type]
    x = b.arg("x")
    elems = [
        b.ir.const(d, "int64") if isinstance(d, int) else b.ir.index_to_i64(b.ir.dim(x, i))
        for i, d in enumerate(xt.shape)
    ]
    return b.ir.tv(C.FromElementsOp([e.v for e in elems], b.ir.ir(t)), t)


def _take(b: BCall) -> TV:
    x, t = b.arg("x"), b.rt()
    indices = b.arg("indices")
    axis = int(b.axis(x.t.rank, default=0))
    return b.ir.tv(C.GatherOp(x.v, indices.v, axis, b.ir.ir(t)), t)


def one_hot(ir: Ir, labels: TV, n: Dim, size: SSAValue | None, dtype: str) -> TV:
    """`labels[..., None] == iota(n)` as `dtype`; `size` is n's `index` value when it is dynamic."""
    shape = (*labels.t.shape, n)
    sizes = ir.dyn_dims(labels) + ([] if isinstance(n, int) or size is None else [size])
    ids = iota(ir, labels.t.with_shape(shape), labels.t.rank, sizes)
    expanded = reshape_mapped(ir, labels, labels.t.with_shape((*labels.t.shape, 1)), [*range(labels.t.rank), None])
    return ir.cast(ir.compare(expanded, ids, "eq"), dtype)


def _one_hot(b: BCall) -> TV:
    t = b.rt()
    n = t.shape[-1]
    size = None if isinstance(n, int) else b.ir.index(b.value("n"))
    return one_hot(b.ir, b.arg("labels"), n, size, t.dtype)


TABLE: Table = MappingProxyType(
    {
        "reshape": (("x", "shape"), _reshape),
        "flatten": (("x", "start"), _flatten),
        "expand_dims": (("x", "axis"), _expand_dims),
        "squeeze": (("x", "axis"), _squeeze),
        "transpose": (("x", "perm"), _transpose),
        "broadcast_to": (("x", "shape"), _broadcast_to),
        "concat": (("tensors", "axis"), _concat),
        "shape": (("x",), _shape),
        "take": (("x", "indices", "axis"), _take),
        "one_hot": (("labels", "n"), _one_hot),
    }
)
