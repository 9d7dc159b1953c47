"""Built-in functions of LANGUAGE.md section 7: the registry and dispatch, creation functions,
elementwise math and reductions. Each handler checks its arguments, applies the shape rule, and
returns the call's `BuiltinTarget`.

Conventions of `BuiltinTarget` produced here (irgen relies on them):
- `static` holds resolved compile-time arguments (`shape`, `dtype`, `axis`/`axes`, `keepdims`,
  `n`, `perm`, `kernel`, `stride`, `padding`, `path`, ...), and the default value of every run-time
  keyword argument that was *not* given (`seed: 0`, `mean: 0.0`, `lr: 0.001`, ...).
- `args` are the run-time operands in documented order; run-time keywords that were given are in
  `kwargs` under their keyword name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from charlc import check_args, check_expr, shapes
from charlc import syntax as ast
from charlc.check_env import FnCtx, Sig
from charlc.checked import BuiltinTarget
from charlc.types import STORAGE_DTYPES, TensorType, Type, show

Handler = Callable[[FnCtx, ast.Call, dict[str, ast.Expr], Type | None], BuiltinTarget]
Table = Mapping[str, tuple[Sig, Handler]]

FLOAT_UNARY = ("exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "gelu", "silu")
NUM_UNARY = ("abs", "sign", "relu", "floor", "ceil", "round", "stop_gradient")


@functools.cache
def table() -> Table:
    """Every built-in: name -> (signature, handler)."""
    from charlc import check_builtins_io, check_builtins_nn, check_builtins_shape, check_quant, check_train

    out: dict[str, tuple[Sig, Handler]] = dict(BASIC)
    for t in (
        check_builtins_shape.TABLE,
        check_builtins_nn.TABLE,
        check_builtins_io.TABLE,
        check_train.TABLE,
        check_quant.TABLE,
    ):
        out.update(t)
    return MappingProxyType(out)


def is_builtin(name: str) -> bool:
    return name in table()


def builtin_call(cx: FnCtx, e: ast.Call, name: str, expect: Type | None) -> Type:
    """Check a call of a built-in and record its target."""
    sig, handler = table()[name]
    args = check_args.bind(cx, e, name, sig)
    target = handler(cx, e, args, expect)
    cx.inst.targets[e] = target
    return cx.record(e, target.result)


def make(
    name: str,
    a: dict[str, ast.Expr],
    operands: tuple[str, ...],
    static: dict[str, Any],
    result: Type,
    runtime: Mapping[str, Any] | None = None,
) -> BuiltinTarget:
    """A target: `operands` (present ones) become `args`; given run-time keywords become `kwargs`,
    absent ones put their default into `static`."""
    args = tuple(a[n] for n in operands if n in a)
    kwargs: dict[str, ast.Expr] = {}
    for n, default in (runtime or {}).items():
        if n in a:
            kwargs[n] = a[n]
        else:
            static[n] = default
    return BuiltinTarget(name, args, kwargs, static, result)


def numeric(cx: FnCtx, e: ast.Expr, fname: str) -> TensorType:
    """A number tensor or scalar (not bool, not a storage type)."""
    t = check_expr.infer(cx, e)
    if not isinstance(t, TensorType) or t.dtype == "bool" or t.dtype in STORAGE_DTYPES:
        hint = "; use dequantize(q, scale) first" if isinstance(t, TensorType) and t.dtype in STORAGE_DTYPES else ""
        raise cx.err(e.span, f"`{fname}` needs a number tensor, got {show(t)}{hint}")
    return t


def floating(cx: FnCtx, e: ast.Expr, fname: str) -> TensorType:
    """A float tensor or scalar (weak int literals become float32)."""
    t = numeric(cx, e, fname)
    if t.is_int and check_expr.can_adopt(cx, e, "float32"):
        check_expr.adopt(cx, e, "float32")
        t = t.with_dtype("float32")
    if not t.is_float:
        raise cx.err(e.span, f"`{fname}` needs a float tensor, got {show(t)}; use cast({cx.text(e)}, float32)")
    return t


def broadcast_all(cx: FnCtx, call: ast.Call, fname: str, ts: list[TensorType]) -> shapes.Shape:
    shape: shapes.Shape = ()
    for t in ts:
        try:
            shape = shapes.broadcast(shape, t.shape)
        except shapes.BroadcastError as err:
            types = " and ".join(show(x) for x in ts)
            raise cx.err(
                call.span, f"cannot broadcast the arguments of `{fname}` ({types}): {err.left} and {err.right} differ"
            ) from err
    return shape


def same_dtype(cx: FnCtx, exprs: list[ast.Expr]) -> str:
    """Unify the element types of several operands (weak literals adopt)."""
    dtype = ""
    for x in exprs[1:]:
        dtype = check_expr.unify_dtypes(cx, exprs[0], x)
    for x in exprs[1:]:
        dtype = check_expr.unify_dtypes(cx, exprs[0], x)
    t = cx.type_of(exprs[0])
    assert isinstance(t, TensorType)
    return dtype or t.dtype


# ---------------------------------------------------------------------------------------------
# Creation


def _creation(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], name: str) -> BuiltinTarget:
    shape = check_args.shape_const(cx, a["shape"], name)
    dtype = check_args.dtype_const(cx, a["dtype"], name) if "dtype" in a else "float32"
    return make(name, a, (), {"shape": shape, "dtype": dtype}, TensorType(dtype, shape))


def zeros(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    return _creation(cx, c, a, "zeros")


def ones(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    return _creation(cx, c, a, "ones")


def full(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    shape = check_args.shape_const(cx, a["shape"], "full")
    vt = check_expr.infer(cx, a["value"])
    if not isinstance(vt, TensorType) or not vt.is_scalar:
        raise cx.err(a["value"].span, f"the value of `full` must be a scalar, got {show(vt)}")
    if "dtype" in a:
        dtype = check_args.dtype_const(cx, a["dtype"], "full")
    else:
        dtype = "float32" if cx.is_weak(a["value"]) else vt.dtype
    check_args.scalar(cx, a["value"], "the value of `full`", dtype)
    return make("full", a, ("value",), {"shape": shape, "dtype": dtype}, TensorType(dtype, shape))


def _size_arg(cx: FnCtx, e: ast.Expr, fname: str, static: dict[str, Any]) -> Any:
    """`n` of arange/eye/causal_mask/one_hot: static when constant, else a run-time int (`?`)."""
    check_args.scalar(cx, e, f"`n` of `{fname}`", "int")
    v = cx.const(e)
    if isinstance(v, int) and not isinstance(v, bool):
        if v < 0:
            raise cx.err(e.span, f"`{fname}` of a negative size {v}")
        static["n"] = v
        return v
    if isinstance(e, ast.Name):
        b = cx.lookup(e.id)
        if b is not None and isinstance(b.node, ast.DimExpr):
            return e.id
    return None


def arange(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    static: dict[str, Any] = {"dtype": "int32"}
    n = _size_arg(cx, a["n"], "arange", static)
    return make("arange", a, () if "n" in static else ("n",), static, TensorType("int32", (n,)))


def eye(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    static: dict[str, Any] = {}
    n = _size_arg(cx, a["n"], "eye", static)
    dtype = check_args.dtype_const(cx, a["dtype"], "eye") if "dtype" in a else "float32"
    static["dtype"] = dtype
    return make("eye", a, () if "n" in static else ("n",), static, TensorType(dtype, (n, n)))


def _seed(cx: FnCtx, a: dict[str, ast.Expr], fname: str) -> None:
    if "seed" in a:
        check_args.scalar(cx, a["seed"], f"`seed` of `{fname}`", "int")


def random_normal(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    return _random(cx, a, "random_normal", ("mean", "std"), (0.0, 1.0))


def random_uniform(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    return _random(cx, a, "random_uniform", ("low", "high"), (0.0, 1.0))


def _random(
    cx: FnCtx, a: dict[str, ast.Expr], name: str, params: tuple[str, str], defaults: tuple[float, float]
) -> BuiltinTarget:
    shape = check_args.shape_const(cx, a["shape"], name)
    dtype = check_args.dtype_const(cx, a["dtype"], name) if "dtype" in a else "float32"
    if dtype not in ("float32", "float64"):
        raise cx.err(a["dtype"].span, f"`{name}` produces float32 or float64, not {dtype}")
    _seed(cx, a, name)
    for p in params:
        if p in a:
            check_args.scalar(cx, a[p], f"`{p}` of `{name}`", dtype)
    runtime = {"seed": 0, params[0]: defaults[0], params[1]: defaults[1]}
    return make(name, a, (), {"shape": shape, "dtype": dtype}, TensorType(dtype, shape), runtime)


def random_int(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    shape = check_args.shape_const(cx, a["shape"], "random_int")
    check_args.scalar(cx, a["low"], "`low` of `random_int`", "int")
    check_args.scalar(cx, a["high"], "`high` of `random_int`", "int")
    dtype = check_expr.unify_dtypes(cx, a["low"], a["high"])
    _seed(cx, a, "random_int")
    return make(
        "random_int", a, ("low", "high"), {"shape": shape, "dtype": dtype}, TensorType(dtype, shape), {"seed": 0}
    )


# ---------------------------------------------------------------------------------------------
# Elementwise math


def unary_handler(name: str) -> Handler:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        t = floating(cx, a["x"], name) if name in FLOAT_UNARY else numeric(cx, a["x"], name)
        return make(name, a, ("x",), {}, t)

    return handler


def binary_handler(name: str, names: tuple[str, str]) -> Handler:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        ts = [numeric(cx, a[n], name) for n in names]
        dtype = same_dtype(cx, [a[n] for n in names])
        shape = broadcast_all(cx, c, name, ts)
        return make(name, a, names, {}, TensorType(dtype, shape))

    return handler


def clip(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    names = ("x", "lo", "hi")
    ts = [numeric(cx, a[n], "clip") for n in names]
    dtype = same_dtype(cx, [a[n] for n in names])
    return make("clip", a, names, {}, TensorType(dtype, broadcast_all(cx, c, "clip", ts)))


def where(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    ct = check_expr.infer(cx, a["cond"])
    if not isinstance(ct, TensorType) or ct.dtype != "bool":
        raise cx.err(a["cond"].span, f"the condition of `where` must be bool, got {show(ct)}")
    ts = [ct] + [numeric_or_bool(cx, a[n], "where") for n in ("a", "b")]
    dtype = same_dtype(cx, [a["a"], a["b"]])
    return make("where", a, ("cond", "a", "b"), {}, TensorType(dtype, broadcast_all(cx, c, "where", ts)))


def numeric_or_bool(cx: FnCtx, e: ast.Expr, fname: str) -> TensorType:
    t = check_expr.infer(cx, e)
    if not isinstance(t, TensorType) or t.dtype in STORAGE_DTYPES:
        raise cx.err(e.span, f"`{fname}` needs a tensor, got {show(t)}")
    return t


def cast(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = numeric_or_bool(cx, a["x"], "cast")
    dtype = check_args.dtype_const(cx, a["dtype"], "cast")
    return make("cast", a, ("x",), {"dtype": dtype}, t.with_dtype(dtype))


# ---------------------------------------------------------------------------------------------
# Reductions


def reduction_handler(name: str) -> Handler:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        t = floating(cx, a["x"], name) if name == "mean" else numeric(cx, a["x"], name)
        if name == "argmax" and "axis" not in a and t.rank > 1:
            raise cx.err(c.span, f"`argmax` of {show(t)} needs `axis:`")
        static = reduce_axes(cx, a, t, name)
        axes, keep = static["axes"], static["keepdims"]
        dtype = "int32" if name == "argmax" else t.dtype
        return make(name, a, ("x",), static, TensorType(dtype, reduced(t.shape, axes, keep)))

    return handler


def reduce_axes(cx: FnCtx, a: dict[str, ast.Expr], t: TensorType, name: str) -> dict[str, Any]:
    if "axis" in a:
        axes = check_args.axes_const(cx, a["axis"], t.rank, name)
        axis: Any = axes[0] if len(axes) == 1 and not isinstance(a["axis"], ast.TensorLit) else axes
    else:
        axes, axis = tuple(range(t.rank)), None
    if name == "argmax" and len(axes) > 1:
        raise cx.err(a["axis"].span if "axis" in a else a["x"].span, "`argmax` takes a single axis")
    keep = check_args.bool_const(cx, a["keepdims"], f"`keepdims` of `{name}`") if "keepdims" in a else False
    return {"axis": axis, "axes": axes, "keepdims": keep}


def reduced(shape: shapes.Shape, axes: tuple[int, ...], keep: bool) -> shapes.Shape:
    if keep:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _basic() -> dict[str, tuple[Sig, Handler]]:
    out: dict[str, tuple[Sig, Handler]] = {
        "zeros": (Sig(("shape",), ("dtype",)), zeros),
        "ones": (Sig(("shape",), ("dtype",)), ones),
        "full": (Sig(("shape", "value"), ("dtype",)), full),
        "arange": (Sig(("n",)), arange),
        "eye": (Sig(("n",), ("dtype",)), eye),
        "random_normal": (Sig(("shape",), ("seed", "mean", "std", "dtype")), random_normal),
        "random_uniform": (Sig(("shape",), ("seed", "low", "high", "dtype")), random_uniform),
        "random_int": (Sig(("shape", "low", "high"), ("seed",)), random_int),
        "pow": (Sig(("x", "y")), binary_handler("pow", ("x", "y"))),
        "maximum": (Sig(("a", "b")), binary_handler("maximum", ("a", "b"))),
        "minimum": (Sig(("a", "b")), binary_handler("minimum", ("a", "b"))),
        "clip": (Sig(("x", "lo", "hi")), clip),
        "where": (Sig(("cond", "a", "b")), where),
        "cast": (Sig(("x", "dtype")), cast),
    }
    for n in (*FLOAT_UNARY, *NUM_UNARY):
        out[n] = (Sig(("x",)), unary_handler(n))
    for n in ("sum", "mean", "max", "min"):
        out[n] = (Sig(("x",), ("axis", "keepdims")), reduction_handler(n))
    out["argmax"] = (Sig(("x",), ("axis", "keepdims")), reduction_handler("argmax"))
    return out


BASIC: Table = MappingProxyType(_basic())
