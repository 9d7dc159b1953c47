"""Sequential models: the layers of `layers { }` (options, parameters, initializers), the size
checks between consecutive layers at declaration, and the forward pass's shape rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from charlc import shapes
from charlc import syntax as ast
from charlc.check_env import plural
from charlc.checked import InitSpec, LayerInfo, ParamSpec
from charlc.diagnostics import CharlError
from charlc.types import Dim, TensorType, show

ACTIVATIONS = ("relu", "sigmoid", "tanh", "gelu", "softmax", "none")
INITS = {"he": "he_normal", "he_normal": "he_normal", "xavier": "xavier_uniform", "xavier_uniform": "xavier_uniform"}


@dataclass(frozen=True)
class LayerSig:
    pos: tuple[str, ...]
    kw: tuple[str, ...]
    required: int  # how many leading positional parameters are required


LAYER_SIGS = {
    "dense": LayerSig(("in", "out"), ("activation", "init"), 2),
    "conv2d": LayerSig(("in", "out", "kernel"), ("stride", "padding", "activation", "init"), 3),
    "max_pool2d": LayerSig(("kernel",), ("stride",), 1),
    "avg_pool2d": LayerSig(("kernel",), ("stride",), 1),
    "flatten": LayerSig((), (), 0),
    "dropout": LayerSig(("p",), (), 1),
    "layer_norm": LayerSig(("dim",), ("eps",), 1),
    "embedding": LayerSig(("vocab", "dim"), (), 2),
}


def describe(kind: str, opts: dict[str, Any]) -> str:
    """`dense(128, 64)`: a layer as the user wrote its sizes."""
    sig = LAYER_SIGS[kind]
    return f"{kind}({', '.join(str(opts[n]) for n in sig.pos)})"


def _bind(c: ast.Call, kind: str, env: dict[str, int]) -> dict[str, Any]:
    from charlc.check_models import static_value

    sig = LAYER_SIGS[kind]
    if len(c.args) > len(sig.pos):
        raise CharlError(c.args[len(sig.pos)].span, f"`{kind}` takes {plural(len(sig.pos), 'positional argument')}")
    given: dict[str, ast.Expr] = dict(zip(sig.pos, c.args, strict=False))
    for kw in c.kwargs:
        if kw.name not in (*sig.pos, *sig.kw) or kw.name in given:
            raise CharlError(kw.span, f"unexpected keyword argument `{kw.name}` for layer `{kind}`")
        given[kw.name] = kw.value
    for n in sig.pos[: sig.required]:
        if n not in given:
            raise CharlError(c.span, f"layer `{kind}` is missing its argument `{n}`")
    out: dict[str, Any] = {}
    for n, e in given.items():
        if n in ("activation", "init"):
            out[n] = _name_option(e, n)
            continue
        v = static_value(e, env)
        if n in ("p", "eps"):
            if not isinstance(v, int | float) or isinstance(v, bool):
                raise CharlError(e.span, f"`{n}` of layer `{kind}` must be a compile-time number")
            out[n] = float(v)
        else:
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0 and n != "padding" or v < 0:
                raise CharlError(e.span, f"`{n}` of layer `{kind}` must be a positive compile-time integer")
            out[n] = v
    return out


def _name_option(e: ast.Expr, n: str) -> str:
    allowed = ACTIVATIONS if n == "activation" else tuple(INITS)
    if not isinstance(e, ast.Name) or e.id not in allowed:
        raise CharlError(e.span, f"`{n}` must be one of {', '.join(allowed)}")
    return e.id if n == "activation" else INITS[e.id]


def build_layers(decl: ast.ModelDecl, env: dict[str, int]) -> list[LayerInfo]:
    """The layers of a sequential model, with consecutive sizes checked where they are known."""
    out: list[LayerInfo] = []
    features: int | None = None
    channels: int | None = None
    for i, c in enumerate(decl.layers or []):
        if not isinstance(c.callee, ast.Name) or c.callee.id not in LAYER_SIGS:
            raise CharlError(c.span, f"unknown layer; use one of {', '.join(LAYER_SIGS)}")
        kind = c.callee.id
        opts = _bind(c, kind, env)
        features, channels = _check_sizes(c, kind, opts, features, channels)
        out.append(_layer(kind, f"layers.{i}", c.span, opts))
    return out


def _check_sizes(
    c: ast.Call, kind: str, o: dict[str, Any], features: int | None, channels: int | None
) -> tuple[int | None, int | None]:
    """The declaration-time size check; returns the (features, channels) the layer produces."""
    if kind == "dropout" and not 0.0 <= o["p"] < 1.0:
        raise CharlError(c.span, f"dropout probability must be in [0, 1), got {o['p']}")
    if kind == "dense":
        _expect_input(c, kind, o, features, o["in"], "features")
        return o["out"], None
    if kind == "layer_norm":
        _expect_input(c, kind, o, features, o["dim"], "features")
        return o["dim"], None
    if kind == "conv2d":
        _expect_input(c, kind, o, channels, o["in"], "channels")
        return None, o["out"]
    if kind == "embedding":
        return o["dim"], None
    if kind in ("max_pool2d", "avg_pool2d"):
        return None, channels
    if kind == "dropout":
        return features, channels
    return None, None


def _expect_input(c: ast.Call, kind: str, o: dict[str, Any], given: int | None, wanted: int, what: str) -> None:
    """The layer takes `wanted` input features (or channels); the previous layer gives `given`, if known."""
    if given is not None and given != wanted:
        raise CharlError(
            c.span, f"{describe(kind, o)} expects {wanted} input {what}, but the previous layer produces {given}"
        )


def _layer(kind: str, name: str, span: ast.Span, o: dict[str, Any]) -> LayerInfo:
    """Fill defaults and create the layer's parameters."""
    params: list[ParamSpec] = []
    if kind in ("dense", "conv2d"):
        o.setdefault("activation", "none")
        o.setdefault("init", "he_normal" if o["activation"] == "relu" else "xavier_uniform")
        if kind == "dense":
            w_shape: tuple[int, ...] = (o["in"], o["out"])
            fan_in, fan_out = o["in"], o["out"]
        else:
            o.setdefault("stride", 1)
            o.setdefault("padding", 0)
            k = o["kernel"]
            w_shape = (o["out"], o["in"], k, k)
            fan_in, fan_out = o["in"] * k * k, o["out"] * k * k
        params.append(
            ParamSpec(
                f"{name}.weight",
                TensorType("float32", w_shape),
                InitSpec(o["init"], fan_in=fan_in, fan_out=fan_out),
                span,
            )
        )
        params.append(
            ParamSpec(
                f"{name}.bias",
                TensorType("float32", (o["out"],)),
                InitSpec("zeros", fan_in=fan_in, fan_out=fan_out),
                span,
            )
        )
    elif kind in ("max_pool2d", "avg_pool2d"):
        o.setdefault("stride", o["kernel"])
    elif kind == "layer_norm":
        o.setdefault("eps", 1e-5)
        d = o["dim"]
        params.append(
            ParamSpec(f"{name}.weight", TensorType("float32", (d,)), InitSpec("ones", fan_in=d, fan_out=d), span)
        )
        params.append(
            ParamSpec(f"{name}.bias", TensorType("float32", (d,)), InitSpec("zeros", fan_in=d, fan_out=d), span)
        )
    elif kind == "embedding":
        v, d = o["vocab"], o["dim"]
        params.append(
            ParamSpec(
                f"{name}.weight", TensorType("float32", (v, d)), InitSpec("normal", std=1.0, fan_in=v, fan_out=d), span
            )
        )
    in_shape, out_shape = _declared_shapes(kind, o)
    return LayerInfo(kind, name, span, o, in_shape, out_shape, params)


def _declared_shapes(kind: str, o: dict[str, Any]) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
    """Per-sample shapes known from the declaration alone (refined by the first forward call)."""
    match kind:
        case "dense":
            return (o["in"],), (o["out"],)
        case "conv2d":
            return (o["in"], None, None), (o["out"], None, None)
        case "layer_norm":
            return (o["dim"],), (o["dim"],)
        case "embedding":
            return (None,), (None, o["dim"])
        case "flatten":
            return (None, None, None), (None,)
    return (None,), (None,)


# ---------------------------------------------------------------------------------------------
# Forward shape rule


def forward_shape(layers: list[LayerInfo], x: TensorType, span: ast.Span) -> TensorType:
    """The output type of a sequential model on input `x`; refines the layers' recorded shapes."""
    t = x
    for i, layer in enumerate(layers):
        src = f"the input {show(x)}" if i == 0 else f"the previous layer's output {show(t)}"
        out = layer_shape(layer, t, src, span)
        if t.rank >= 2 and out.rank >= 1:
            layer.in_shape, layer.out_shape = t.shape[1:], out.shape[1:]
        t = out
    return t


def layer_shape(layer: LayerInfo, t: TensorType, src: str, span: ast.Span) -> TensorType:
    """One layer's output type (errors are located at the forward call)."""
    o, kind = layer.options, layer.kind
    head = (
        f"{layer.name}: {describe(kind, o)}" if kind in ("dense", "conv2d", "layer_norm", "embedding") else layer.name
    )
    if kind == "embedding":
        if not t.is_int:
            raise CharlError(span, f"{head} takes int token ids, but {src} is {t.dtype}")
        return TensorType("float32", (*t.shape, o["dim"]))
    if t.dtype != "float32":
        raise CharlError(span, f"{head} takes float32 input, but {src} is {t.dtype}")
    if kind in ("dense", "layer_norm"):
        want = o["in"] if kind == "dense" else o["dim"]
        if t.is_scalar or not shapes.dims_unify(t.shape[-1], want):
            have = "no features" if t.is_scalar else f"{t.shape[-1]}"
            raise CharlError(span, f"{head} expects {want} input features, but {src} has {have}")
        return t.with_shape((*t.shape[:-1], o["out"] if kind == "dense" else want))
    if kind in ("conv2d", "max_pool2d", "avg_pool2d"):
        return _spatial(layer, t, head, src, span)
    if kind == "flatten":
        if t.rank < 2:
            raise CharlError(span, f"{head} (flatten) needs a batch of at least rank 2, but {src} is {show(t)}")
        n = shapes.num_elements(t.shape[1:])
        return t.with_shape((t.shape[0], n))
    return t


def _spatial(layer: LayerInfo, t: TensorType, head: str, src: str, span: ast.Span) -> TensorType:
    from charlc.check_builtins_nn import conv_out

    o = layer.options
    if t.rank != 4:
        raise CharlError(span, f"{head} takes [N, C, H, W] input, but {src} is {show(t)}")
    if layer.kind == "conv2d":
        if not shapes.dims_unify(t.shape[1], o["in"]):
            raise CharlError(span, f"{head} expects {o['in']} input channels, but {src} has {t.shape[1]}")
        k, s, p, c = o["kernel"], o["stride"], o["padding"], o["out"]
    else:
        k, s, p, c = o["kernel"], o["stride"], 0, t.shape[1]
    h, w = conv_out(t.shape[2], k, s, p), conv_out(t.shape[3], k, s, p)
    if any(isinstance(d, int) and d <= 0 for d in (h, w)):
        raise CharlError(span, f"{head}: the {k}x{k} window is larger than {src}")
    return t.with_shape((t.shape[0], c, h, w))
