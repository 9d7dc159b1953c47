"""The layers of a sequential (`layers { }`) model, emitted inline by the forward pass.

dense: `x @ weight + bias` (leading dims folded into one row dimension for the product) and the
activation; on a quantized model the product is `charl.qmatmul` on the int8/int4 weight. conv2d
and the pools are one op each; flatten keeps the batch dims; dropout is active only when
`training:` is true (a run-time flag selects between the two results); layer_norm over the last
axis; embedding gathers rows of its table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from xdsl.ir import SSAValue

from charlc.checked import ForwardTarget, LayerInfo, ModelInfo
from charlc.irgen_api import PyTree
from charlc.irgen_builtins_call import fold
from charlc.irgen_builtins_create import derived_seed, seed_base, seed_value
from charlc.irgen_builtins_math import UNARY
from charlc.irgen_builtins_nn import dropout, layer_norm, softmax
from charlc.irgen_builtins_quant import QParam, quantized_leaves
from charlc.irgen_builtins_shape import flatten_from, over_rows
from charlc.irgen_builtins_util import TV, Ir, fit, internal, tv
from charlc.irgen_capture import capture_dense
from charlc.types import Dim, QuantModelType, TensorType, show
from dialects import charl as C


@dataclass(frozen=True)
class QWeight:
    """A quantized dense weight: its data, scale and group."""

    q: SSAValue
    scale: SSAValue
    group: int


@dataclass
class LayerCtx:
    """What the layers of one forward pass share."""

    ir: Ir
    target: ForwardTarget
    params: dict[str, TV | QWeight]
    training: bool | TV
    seed: int | TV | None = None  # the seed base for dropout, read on first use
    index: int = 0

    def param(self, layer: LayerInfo, *names: str, rank: int | None = None) -> TV | QWeight | None:
        """The layer parameter whose last path component is one of `names` (else of rank `rank`)."""
        for spec in layer.params:
            if spec.path.rsplit(".", 1)[-1] in names:
                return self.params[spec.path]
        for spec in layer.params:
            if rank is not None and spec.type.rank == rank:
                return self.params[spec.path]
        return None

    def tensor(self, layer: LayerInfo, *names: str, rank: int | None = None) -> TV:
        """A float parameter of the layer (dequantized when it is stored quantized)."""
        p = self.param(layer, *names, rank=rank)
        if isinstance(p, QWeight):
            return dequantize(self.ir, p)
        if p is None:
            raise internal(layer.span, f"{layer.kind} layer `{layer.name}` has no parameter {names[0]}")
        return p


def dequantize(ir: Ir, w: QWeight) -> TV:
    """The float32 weight of a quantized one (for layers that do not multiply on integers)."""
    t = tv(w.q).t.with_dtype("float32")
    return ir.tv(C.DequantizeOp(w.q, w.scale, 1, w.group, ir.ir(t)), t)


def _param_map(ir: Ir, info: ModelInfo, model: PyTree, quant: QuantModelType | None) -> dict[str, TV | QWeight]:
    out: dict[str, TV | QWeight] = {}
    if quant is None:
        for spec, v in zip(info.params, ir.g.flatten(model), strict=True):
            out[spec.path] = tv(v)
        return out
    pairs: list[tuple[QParam, list[SSAValue]]] = quantized_leaves(ir.g, quant, model)
    for qp, vs in pairs:
        out[qp.spec.path] = QWeight(vs[0], vs[1], qp.group) if qp.quantized else tv(vs[0])
    return out


def activation(ir: Ir, name: object, x: TV) -> TV:
    """Apply a layer's `activation:` (`none` or absent: identity; `softmax` over the last axis)."""
    if name in (None, "none", "linear", "identity"):
        return x
    if name == "softmax":
        return softmax(ir, x, x.t.rank - 1, log=False)
    if name == "log_softmax":
        return softmax(ir, x, x.t.rank - 1, log=True)
    cls = UNARY.get(str(name))
    if cls is None:
        raise ir.internal(f"unknown activation `{name}`")
    return ir.unary(cls, x)


def matmul(ir: Ir, x: TV, w: TV) -> TV:
    """`x @ w` for `x` of shape `[..., in]` and `w` of `[in, out]`."""
    return over_rows(ir, x, w, 1, lambda flat, t: ir.tv(C.MatmulOp(flat.v, w.v, ir.ir(t)), t))


def _dense(cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    ir = cx.ir
    w = cx.param(layer, "weight", "w", rank=2)
    if isinstance(w, QWeight):
        out = w.q.type.get_shape()[1]  # type: ignore[attr-defined]
        t = x.t.with_shape((*x.t.shape[:-1], out))
        y = ir.tv(C.QMatmulOp(x.v, w.q, w.scale, w.group, ir.ir(t)), t)
    elif isinstance(w, TV):
        y = matmul(ir, x, w)
    else:
        raise internal(layer.span, f"dense layer `{layer.name}` has no weight")
    capture_dense(ir, cx.target.model, layer.name, x, w if isinstance(w, TV) else None, y)
    bias = cx.param(layer, "bias", "b", rank=1)
    if isinstance(bias, TV):
        y = ir.add(y, bias)
    return activation(ir, layer.options.get("activation"), y)


def _spatial(d: Dim, k: int, stride: int, padding: int) -> Dim:
    return (d + 2 * padding - k) // stride + 1 if isinstance(d, int) else None


def _conv2d(cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    ir = cx.ir
    w, b = cx.tensor(layer, "weight", "w", rank=4), cx.tensor(layer, "bias", "b", rank=1)
    stride, padding = int(layer.options.get("stride", 1)), int(layer.options.get("padding", 0))
    o, _, kh, kw = w.t.shape
    n, _, h, wd = x.t.shape
    t = x.t.with_shape((n, o, _spatial(h, int(kh), stride, padding), _spatial(wd, int(kw), stride, padding)))  # type: ignore[arg-type]
    y = ir.tv(C.Conv2dOp(x.v, w.v, b.v, stride, padding, ir.ir(t)), t)
    return activation(ir, layer.options.get("activation"), y)


def _pool(kind: str, cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    k = int(layer.options.get("kernel", layer.options.get("k", 2)))
    stride = int(layer.options.get("stride") or k)
    n, c, h, w = x.t.shape
    t = x.t.with_shape((n, c, _spatial(h, k, stride, 0), _spatial(w, k, stride, 0)))
    return cx.ir.tv(C.Pool2dOp(x.v, kind, k, stride, cx.ir.ir(t)), t)


def _flatten(cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    return flatten_from(cx.ir, x, 1)


def _dropout(cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    if cx.training is False:
        return x
    if cx.seed is None:
        cx.seed = seed_base(cx.ir, seed_value(cx.ir.g, cx.ir, cx.target.seed))
    p = float(layer.options.get("p", 0.0))
    dropped = dropout(cx.ir, x, p, derived_seed(cx.ir, cx.seed, cx.index))
    if cx.training is True:
        return dropped
    return cx.ir.select(cx.training, dropped, x)


def _layer_norm(cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    gamma = cx.tensor(layer, "gamma", "weight", "scale", "g")
    beta = cx.tensor(layer, "beta", "bias", "shift", "b")
    return layer_norm(cx.ir, x, gamma, beta, float(layer.options.get("eps", 1e-5)))


def _embedding(cx: LayerCtx, layer: LayerInfo, x: TV) -> TV:
    table = cx.tensor(layer, "weight", "table", "embedding", rank=2)
    t = table.t.with_shape((*x.t.shape, table.t.shape[1]))
    return cx.ir.tv(C.GatherOp(table.v, x.v, 0, cx.ir.ir(t)), t)


Layer = Callable[[LayerCtx, LayerInfo, TV], TV]
LAYERS: MappingProxyType[str, Layer] = MappingProxyType(
    {
        "dense": _dense,
        "conv2d": _conv2d,
        "max_pool2d": lambda cx, ly, x: _pool("max", cx, ly, x),
        "avg_pool2d": lambda cx, ly, x: _pool("avg", cx, ly, x),
        "flatten": _flatten,
        "dropout": _dropout,
        "layer_norm": _layer_norm,
        "embedding": _embedding,
    }
)


def _training(ir: Ir, target: ForwardTarget) -> bool | TV:
    e = target.training
    if e is None:
        return False
    v = fold(ir.g, e)
    if isinstance(v, bool):
        return v
    t = ir.g.type_of(e)
    if not isinstance(t, TensorType) or t.dtype != "bool" or not t.is_scalar:
        raise internal(e.span, f"`training:` of type {show(t)}")
    return TV(ir.g.expr(e), t)


def emit_layers(ir: Ir, target: ForwardTarget, model: PyTree, quant: QuantModelType | None) -> SSAValue:
    """The forward pass of a sequential model: its layers in order on the first argument."""
    info = target.model
    if info.layers is None or not target.args:
        raise ir.internal(f"{show(info.type)} has no layers to run")
    x = TV(ir.g.expr(target.args[0]), ir.g.type_of(target.args[0]))  # type: ignore[arg-type]
    cx = LayerCtx(ir, target, _param_map(ir, info, model, quant), _training(ir, target))
    for i, layer in enumerate(info.layers):
        lower = LAYERS.get(layer.kind)
        if lower is None:
            raise internal(layer.span, f"unknown layer `{layer.kind}`")
        cx.index = i
        x = lower(cx, layer, x)
    return fit(ir, x.v, ir.g.ir_type(target.result))
