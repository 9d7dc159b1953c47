"""Neural-network built-ins (`softmax log_softmax layer_norm conv2d max_pool2d avg_pool2d dropout
causal_mask`) and losses (`mse_loss cross_entropy binary_cross_entropy bce_with_logits`)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from charlc import check_args, check_expr, shapes
from charlc import syntax as ast
from charlc.check_builtins import Handler, Table, _size_arg, floating, make, same_dtype
from charlc.check_env import FnCtx, Sig
from charlc.checked import BuiltinTarget
from charlc.types import Dim, TensorType, Type, show


def softmax_handler(name: str) -> Handler:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        t = floating(cx, a["x"], name)
        if t.is_scalar:
            raise cx.err(a["x"].span, f"`{name}` of a scalar")
        axis = check_args.axis_const(cx, a["axis"], t.rank, name) if "axis" in a else t.rank - 1
        return make(name, a, ("x",), {"axis": axis}, t)

    return handler


def layer_norm(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    ts = [floating(cx, a[n], "layer_norm") for n in ("x", "gamma", "beta")]
    same_dtype(cx, [a["x"], a["gamma"], a["beta"]])
    x = ts[0]
    if x.is_scalar:
        raise cx.err(a["x"].span, "`layer_norm` of a scalar")
    last = x.shape[-1]
    for n, t in zip(("gamma", "beta"), ts[1:], strict=True):
        if t.rank != 1 or not shapes.dims_unify(t.shape[0], last):
            raise cx.err(a[n].span, f"`{n}` of `layer_norm` must be [{_d(last)}] for input {show(x)}, got {show(t)}")
    static: dict[str, Any] = {}
    if "eps" in a:
        static["eps"] = check_args.float_const(cx, a["eps"], "`eps` of `layer_norm`")
        check_args.scalar(cx, a["eps"], "`eps` of `layer_norm`", x.dtype)
    return make("layer_norm", a, ("x", "gamma", "beta"), static, _tensor(cx, a["x"]), {"eps": 1e-5})


def _tensor(cx: FnCtx, e: ast.Expr) -> TensorType:
    t = cx.type_of(e)
    assert isinstance(t, TensorType)
    return t


def _d(d: Dim) -> str:
    return "?" if d is None else str(d)


def conv_out(size: Dim, kernel: Dim, stride: int, padding: int) -> Dim:
    """Output size of a convolution or pooling window along one spatial axis."""
    if isinstance(size, int) and isinstance(kernel, int):
        return (size + 2 * padding - kernel) // stride + 1
    return None


def conv2d(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    x, w, b = (floating(cx, a[n], "conv2d") for n in ("x", "w", "b"))
    same_dtype(cx, [a["x"], a["w"], a["b"]])
    if x.rank != 4 or w.rank != 4 or b.rank != 1:
        raise cx.err(
            c.span,
            f"`conv2d` takes x [N, C, H, W], w [O, C, KH, KW] and b [O]; got {show(x)}, {show(w)} and {show(b)}",
        )
    if not shapes.dims_unify(x.shape[1], w.shape[1]):
        raise cx.err(
            c.span, f"`conv2d` of {show(x)} with weight {show(w)}: input channels {x.shape[1]} and {w.shape[1]} differ"
        )
    if not shapes.dims_unify(w.shape[0], b.shape[0]):
        raise cx.err(a["b"].span, f"the bias of `conv2d` must be [{_d(w.shape[0])}], got {show(b)}")
    stride = _positive(cx, a, "stride", "conv2d", 1)
    padding = _positive(cx, a, "padding", "conv2d", 0, allow_zero=True)
    h, wd = (conv_out(x.shape[i], w.shape[i], stride, padding) for i in (2, 3))
    _nonempty(cx, c, "conv2d", x, (h, wd))
    shape = (x.shape[0], shapes.dim_join(w.shape[0], b.shape[0]), h, wd)
    static = {"stride": stride, "padding": padding, "kernel": (w.shape[2], w.shape[3])}
    return make("conv2d", a, ("x", "w", "b"), static, TensorType(x.dtype, shape))


def _positive(cx: FnCtx, a: dict[str, ast.Expr], n: str, fname: str, default: int, allow_zero: bool = False) -> int:
    if n not in a:
        return default
    v = check_args.int_const(cx, a[n], f"`{n}` of `{fname}`")
    if v < 0 or (v == 0 and not allow_zero):
        raise cx.err(a[n].span, f"`{n}` of `{fname}` must be {'non-negative' if allow_zero else 'positive'}, got {v}")
    return v


def _nonempty(cx: FnCtx, c: ast.Call, fname: str, x: TensorType, out: tuple[Dim, Dim]) -> None:
    if any(isinstance(d, int) and d <= 0 for d in out):
        raise cx.err(c.span, f"`{fname}` of {show(x)}: the window is larger than the input")


def pool_handler(name: str) -> Handler:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        x = floating(cx, a["x"], name)
        if x.rank != 4:
            raise cx.err(a["x"].span, f"`{name}` takes x [N, C, H, W], got {show(x)}")
        k = _positive(cx, a, "k", name, 1)
        stride = _positive(cx, a, "stride", name, k)
        h, w = (conv_out(x.shape[i], k, stride, 0) for i in (2, 3))
        _nonempty(cx, c, name, x, (h, w))
        static = {"kernel": k, "k": k, "stride": stride}
        return make(name, a, ("x",), static, TensorType(x.dtype, (x.shape[0], x.shape[1], h, w)))

    return handler


def dropout(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    x = floating(cx, a["x"], "dropout")
    check_args.scalar(cx, a["p"], "`p` of `dropout`", x.dtype)
    p = cx.const(a["p"])
    if isinstance(p, int | float) and not 0.0 <= p < 1.0:
        raise cx.err(a["p"].span, f"`p` of `dropout` must be in [0, 1), got {p}")
    if "seed" in a:
        check_args.scalar(cx, a["seed"], "`seed` of `dropout`", "int")
    return make("dropout", a, ("x", "p"), {}, x, {"seed": 0})


def causal_mask(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    static: dict[str, Any] = {}
    n = _size_arg(cx, a["n"], "causal_mask", static)
    return make("causal_mask", a, () if "n" in static else ("n",), static, TensorType("bool", (n, n)))


# ---------------------------------------------------------------------------------------------
# Losses


def loss_handler(name: str, names: tuple[str, str]) -> Handler:
    """`mse_loss`, `binary_cross_entropy`, `bce_with_logits`: two float tensors of one shape."""

    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        p, q = (floating(cx, a[n], name) for n in names)
        dtype = same_dtype(cx, [a[n] for n in names])
        if not shapes.shapes_unify(p.shape, q.shape):
            raise cx.err(c.span, f"`{name}` of {show(p)} and {show(q)}: the shapes differ")
        return make(name, a, names, {}, TensorType(dtype))

    return handler


def cross_entropy(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    logits = floating(cx, a["logits"], "cross_entropy")
    labels = check_expr.infer(cx, a["labels"])
    if logits.rank != 2:
        raise cx.err(a["logits"].span, f"the logits of `cross_entropy` must be [B, C], got {show(logits)}")
    if not isinstance(labels, TensorType) or labels.dtype == "bool":
        raise cx.err(a["labels"].span, f"the labels of `cross_entropy` must be a tensor, got {show(labels)}")
    if labels.is_int:
        if labels.rank != 1 or not shapes.dims_unify(labels.shape[0], logits.shape[0]):
            raise cx.err(
                c.span,
                f"`cross_entropy` of logits {show(logits)} needs int labels [{_d(logits.shape[0])}], "
                f"got {show(labels)}",
            )
        static = {"labels": "index"}
    else:
        same_dtype(cx, [a["logits"], a["labels"]])
        if not shapes.shapes_unify(labels.shape, logits.shape):
            raise cx.err(
                c.span,
                f"`cross_entropy` of logits {show(logits)} needs probabilities of the same shape, got {show(labels)}",
            )
        static = {"labels": "probs"}
    return make("cross_entropy", a, ("logits", "labels"), static, TensorType(logits.dtype))


TABLE: Table = MappingProxyType(
    {
        "softmax": (Sig(("x",), ("axis",)), softmax_handler("softmax")),
        "log_softmax": (Sig(("x",), ("axis",)), softmax_handler("log_softmax")),
        "layer_norm": (Sig(("x", "gamma", "beta"), ("eps",)), layer_norm),
        "conv2d": (Sig(("x", "w", "b"), ("stride", "padding")), conv2d),
        "max_pool2d": (Sig(("x", "k"), ("stride",)), pool_handler("max_pool2d")),
        "avg_pool2d": (Sig(("x", "k"), ("stride",)), pool_handler("avg_pool2d")),
        "dropout": (Sig(("x", "p"), ("seed",)), dropout),
        "causal_mask": (Sig(("n",)), causal_mask),
        "mse_loss": (Sig(("pred", "target")), loss_handler("mse_loss", ("pred", "target"))),
        "cross_entropy": (Sig(("logits", "labels")), cross_entropy),
        "binary_cross_entropy": (
            Sig(("probs", "targets")),
            loss_handler("binary_cross_entropy", ("probs", "targets")),
        ),
        "bce_with_logits": (Sig(("logits", "targets")), loss_handler("bce_with_logits", ("logits", "targets"))),
    }
)
