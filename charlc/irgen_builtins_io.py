"""Lowering of the input/output built-ins and of the model utilities.

load_npy/save_npy/clock onto their ops, load_npz onto `charl.load_npz` (one name, or with a `*` one
name per index of the first dimension, stacked by `charl.concat`) (`print` is lowered by irgen's core);
stop_gradient per leaf; parameters(m) -> a constant; summary(m) -> one `charl.print` per layer or
parameter group plus a total (all static text); save/load -> `charl.save_npz`/`charl.load_npz`
named by the dotted parameter paths.
"""

from __future__ import annotations

import math
from types import MappingProxyType

from charlc.checked import LayerInfo, ModelInfo
from charlc.irgen_api import PyTree
from charlc.irgen_builtins_call import BCall, Table
from charlc.irgen_builtins_quant import param_names, quantize_model
from charlc.irgen_builtins_util import TV
from charlc.types import Dim, ModelType, QuantModelType, TensorType, Type, show
from dialects import charl as C


def escape(text: str) -> str:
    """`text` as literal `charl.print` format text."""
    return text.replace("{", "{{").replace("}", "}}")


def _load_npy(b: BCall) -> TV:
    t = b.rt()
    return b.ir.tv(C.LoadNpyOp(b.string("path"), b.ir.ir(t)), t)


def _load_npz(b: BCall) -> TV:
    t, name = b.rt(), str(b.target.static["name"])
    if "*" not in name:
        return b.ir.tv(C.LoadNpzOp(b.string("path"), [name], [b.ir.ir(t)]), t)
    count, item, row = int(t.shape[0]), TensorType(t.dtype, t.shape[1:]), TensorType(t.dtype, (1, *t.shape[1:]))
    names = [name.replace("*", str(i)) for i in range(count)]
    op = b.ir.emit(C.LoadNpzOp(b.string("path"), names, [b.ir.ir(item)] * count))
    rows = [b.ir.reshape(TV(r, item), row.shape, []).v for r in op.results]
    return b.ir.tv(C.ConcatOp(rows, 0, b.ir.ir(t)), t)


def _save_npy(b: BCall) -> PyTree:
    b.ir.emit(C.SaveNpyOp(b.string("path"), b.arg("x").v))
    return []


def _clock(b: BCall) -> TV:
    return b.ir.tv(C.ClockOp(), TensorType("float64"))


def _stop_gradient(b: BCall) -> PyTree:
    value = b.value("x")
    leaves = [b.ir.emit(C.StopGradientOp(v)).results[0] for v in b.g.flatten(value)]
    return b.g.unflatten(b.type("x"), leaves)


def model_info(b: BCall, t: Type) -> ModelInfo:
    """The `ModelInfo` of a model or quantized model type."""
    if isinstance(t, QuantModelType):
        t = t.base
    if not isinstance(t, ModelType):
        raise b.ir.internal(f"`{b.name}` of {show(t)}, not a model")
    return b.g.program.models[t]


def count(shape: tuple[Dim, ...]) -> int:
    """The number of elements of a static shape."""
    return math.prod(int(d) for d in shape if isinstance(d, int))


def _parameters(b: BCall) -> TV:
    info = model_info(b, b.type("m"))
    return b.ir.const(sum(count(p.type.shape) for p in info.params), b.rt())


def _show_shape(shape: tuple[Dim, ...]) -> str:
    return "[" + ", ".join("?" if not isinstance(d, int) else str(d) for d in shape) + "]"


def _layer_desc(kind: str, options: dict[str, object]) -> str:
    keys = ("in", "out", "in_ch", "out_ch", "kernel", "p", "vocab", "dim")
    args = [str(options[k]) for k in keys if k in options]
    stride = options.get("stride")
    if stride is not None and stride != options.get("kernel" if kind.endswith("pool2d") else "", 1):
        args.append(f"stride: {stride}")
    if options.get("padding"):
        args.append(f"padding: {options['padding']}")
    act = options.get("activation")
    if act not in (None, "none"):
        args.append(f"activation: {act}")
    return f"{kind}({', '.join(args)})"


def _window(d: Dim, k: int, stride: int, padding: int) -> Dim:
    return (d + 2 * padding - k) // stride + 1 if isinstance(d, int) else None


def _infer_shape(layer: LayerInfo, prev: tuple[Dim, ...] | None) -> tuple[Dim, ...]:
    """A layer's per-sample output shape, completed from the previous layer's where it is unknown."""
    shape, o = layer.out_shape, layer.options
    if all(isinstance(d, int) for d in shape) or prev is None:
        return shape
    if layer.kind == "dropout":
        return prev
    if layer.kind == "flatten" and all(isinstance(d, int) for d in prev):
        return (count(prev),)
    if layer.kind in ("conv2d", "max_pool2d", "avg_pool2d") and len(prev) == 3:
        k, stride, pad = int(o.get("kernel", 1)), int(o.get("stride", 1)), int(o.get("padding", 0))
        channels = o["out"] if layer.kind == "conv2d" else prev[0]
        return (channels, _window(prev[1], k, stride, pad), _window(prev[2], k, stride, pad))
    return shape


def summary_rows(info: ModelInfo) -> list[tuple[str, str, str, int]]:
    """(name, kind, shape, parameter count) per layer, or per parameter group of a params model."""
    if info.layers is not None:
        rows: list[tuple[str, str, str, int]] = []
        prev: tuple[Dim, ...] | None = None
        for ly in info.layers:
            prev = _infer_shape(ly, prev)
            size = sum(count(p.type.shape) for p in ly.params)
            rows.append((ly.name, _layer_desc(ly.kind, ly.options), _show_shape((None, *prev)), size))
        return rows
    rows = []
    for f in info.decl.params or []:
        if f.name in info.submodels:
            sub = info.submodels[f.name]
            rows.append((f.name, show(sub.type), "", sum(count(p.type.shape) for p in sub.params)))
            continue
        for p in info.params:
            if p.path == f.name:
                rows.append((f.name, "param", _show_shape(p.type.shape), count(p.type.shape)))
    return rows


def summary_lines(info: ModelInfo) -> list[str]:
    """The lines `summary(m)` prints."""
    rows = [("layer", "type", "output shape" if info.layers is not None else "shape", "params")]
    rows += [(n, k, s, str(c)) for n, k, s, c in summary_rows(info)]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{show(info.type)}"]
    lines += ["  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    total = sum(count(p.type.shape) for p in info.params)
    return [*lines, f"total parameters: {total}"]


def _summary(b: BCall) -> PyTree:
    for line in summary_lines(model_info(b, b.type("m"))):
        b.ir.emit(C.PrintOp(escape(line.rstrip()), []))
    return []


def _save(b: BCall) -> PyTree:
    t = b.type("m")
    names = param_names(b.g, t)
    leaves = b.g.flatten(b.value("m"))
    b.ir.emit(C.SaveNpzOp(b.string("path"), names, leaves))
    return []


def _load(b: BCall) -> PyTree:
    t = b.result
    if b.target.static.get("quantize") and isinstance(t, QuantModelType):  # `--quantize`: load, then quantize
        model = _load_as(b, t.base)
        return quantize_model(b.ir, b.g.program.models[t.base], t, model)
    return _load_as(b, t)


def _load_as(b: BCall, t: Type) -> PyTree:
    names = param_names(b.g, t)
    op = b.ir.emit(C.LoadNpzOp(b.string("path"), names, b.g.ir_types(t)))
    return b.g.unflatten(t, list(op.results))


TABLE: Table = MappingProxyType(
    {
        "load_npy": (("path",), _load_npy),
        "load_npz": (("path", "name"), _load_npz),
        "save_npy": (("path", "x"), _save_npy),
        "clock": ((), _clock),
        "stop_gradient": (("x",), _stop_gradient),
        "parameters": (("m",), _parameters),
        "summary": (("m",), _summary),
        "save": (("m", "path"), _save),
        "load": (("model", "path"), _load),
    }
)
