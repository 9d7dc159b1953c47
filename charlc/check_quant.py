"""Quantization built-ins (LANGUAGE.md section 11): `quantize(m, int8|int4, group:)`,
`quantize_tensor(w, int8|int4, axis:, group:)`, `dequantize(q, scale, axis:, group:)`,
`qmatmul(x, q, scale, group:)` (the product with a quantized `[in, out]` weight on the integer kernels).

Scale shapes: without `group`, one scale per index of `axis`: `[w.shape[axis]]`. With `group: g`
(2-D tensors only) the other dimension is split into groups of `g`: on `[in, out]` with `axis: 1`
the scale is `[in / g, out]`, with `axis: 0` it is `[in, out / g]`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from charlc import check_args, check_expr, shapes
from charlc import syntax as ast
from charlc.check_builtins import Table, floating, make
from charlc.check_env import FnCtx, Sig
from charlc.checked import BuiltinTarget
from charlc.types import Dim, ModelType, QuantModelType, TensorType, TupleType, Type, show, show_dim

QDTYPES = ("int8", "int4")
INT4_DEFAULT_GROUP = 32


def _qdtype(cx: FnCtx, e: ast.Expr, fname: str) -> str:
    if isinstance(e, ast.Name) and e.id in QDTYPES and cx.lookup(e.id) is None:
        return e.id
    raise cx.err(e.span, f"`{fname}` quantizes to int8 or int4")


def _group(cx: FnCtx, a: dict[str, ast.Expr], fname: str, default: int | None) -> int | None:
    if "group" not in a:
        return default
    g = check_args.int_const(cx, a["group"], f"`group` of `{fname}`")
    if g <= 0:
        raise cx.err(a["group"].span, f"`group` of `{fname}` must be positive, got {g}")
    return g


def quantize(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    t = check_expr.infer(cx, a["m"])
    if isinstance(t, QuantModelType):
        hint = ""
        if cx.prog.quantize_all is not None:
            hint = f": --quantize={cx.prog.quantize_all.qdtype} quantizes every model the program creates"
        raise cx.err(a["m"].span, f"{show(t)} is already quantized{hint}")
    if not isinstance(t, ModelType):
        raise cx.err(a["m"].span, f"`quantize` takes a model, got {show(t)}; use quantize_tensor for tensors")
    qdtype = _qdtype(cx, a["dtype"], "quantize")
    group = _group(cx, a, "quantize", None)
    result = quant_model_type(cx, c.span, t, qdtype, group)
    return make("quantize", a, ("m",), {"qdtype": qdtype, "group": result.group}, result)


def quant_model_type(cx: FnCtx, span: ast.Span, t: ModelType, qdtype: str, group: int | None) -> QuantModelType:
    """The type of `quantize(m, qdtype, group: group)` for `m` of type `t` (`group` None: the
    default, 32 for int4). The message of a group that does not divide names `--group` under
    `--quantize`."""
    if group is None and qdtype == "int4":
        group = INT4_DEFAULT_GROUP
    info = cx.prog.models[t]
    if group is not None:
        for p in info.params:
            rows = p.type.shape[0] if p.type.rank == 2 else None
            if isinstance(rows, int) and rows % group:
                what = f"--quantize={qdtype}" if cx.prog.quantize_all else "`quantize`"
                fix = f"; pass --group with a divisor of {rows}" if cx.prog.quantize_all else ""
                raise cx.err(
                    span,
                    f"{what} with group {group}: the {rows} input features of `{p.path}` ({show(p.type)}) "
                    f"do not split into groups of {group}{fix}",
                )
    return QuantModelType(t, qdtype, group)


def quantized_return(declared: Type, actual: Type) -> Type:
    """Under `--quantize`, a function declared to return a model returns it quantized: each model
    type of `declared` that `actual` has quantized becomes the quantized type."""
    if isinstance(declared, ModelType) and isinstance(actual, QuantModelType) and actual.base == declared:
        return actual
    if isinstance(declared, TupleType) and isinstance(actual, TupleType) and len(declared.elems) == len(actual.elems):
        return TupleType(tuple(quantized_return(d, a) for d, a in zip(declared.elems, actual.elems, strict=True)))
    return declared


def training_note(cx: FnCtx, t: Type, advice: str = "run a training program without it") -> str:
    """What to add to the message of a training step (or a `save`) given the quantized model type
    `t` under `--quantize` (which quantizes the models a training program updates)."""
    q = cx.prog.quantize_all
    if q is None or not isinstance(t, QuantModelType):
        return ""
    return f"; --quantize={q.qdtype} quantizes every model the program creates, so {advice}"


def quantize_all(cx: FnCtx, span: ast.Span, t: ModelType) -> QuantModelType | None:
    """Under `--quantize`, the quantized type a model of type `t` created at `span` becomes."""
    q = cx.prog.quantize_all
    return None if q is None else quant_model_type(cx, span, t, q.qdtype, q.group)


def scale_shape(
    cx: FnCtx, span: ast.Span, shape: tuple[Dim, ...], axis: int, group: int | None, fname: str
) -> tuple[Dim, ...]:
    """The shape of the scales of a tensor of `shape` quantized along `axis` (see the module doc)."""
    if group is None:
        return (shape[axis],)
    if len(shape) != 2:
        raise cx.err(span, f"`{fname}` with `group` needs a 2-D tensor, got rank {len(shape)}")
    other = 1 - axis
    d = shape[other]
    if isinstance(d, int) and d % group:
        raise cx.err(span, f"`{fname}`: dimension {other} of size {d} does not split into groups of {group}")
    out = list(shape)
    out[other] = d // group if isinstance(d, int) else None
    return tuple(out)


def _axis(cx: FnCtx, a: dict[str, ast.Expr], rank: int, fname: str) -> int:
    if "axis" in a:
        return check_args.axis_const(cx, a["axis"], rank, fname)
    return rank - 1


def quantize_tensor(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    w = floating(cx, a["w"], "quantize_tensor")
    if w.is_scalar:
        raise cx.err(a["w"].span, "`quantize_tensor` needs a tensor of rank >= 1, got a scalar")
    qdtype = _qdtype(cx, a["dtype"], "quantize_tensor")
    axis = _axis(cx, a, w.rank, "quantize_tensor")
    group = _group(cx, a, "quantize_tensor", None)
    scale = TensorType("float32", scale_shape(cx, c.span, w.shape, axis, group, "quantize_tensor"))
    result = TupleType((TensorType(qdtype, w.shape), scale))
    static: dict[str, Any] = {"qdtype": qdtype, "axis": axis, "group": group}
    return make("quantize_tensor", a, ("w",), static, result)


def dequantize(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    q = check_expr.infer(cx, a["q"])
    if not isinstance(q, TensorType) or q.dtype not in QDTYPES or q.is_scalar:
        raise cx.err(a["q"].span, f"`dequantize` takes an int8 or int4 tensor, got {show(q)}")
    s = floating(cx, a["scale"], "dequantize")
    axis = _axis(cx, a, q.rank, "dequantize")
    group = _group(cx, a, "dequantize", None)
    want = scale_shape(cx, c.span, q.shape, axis, group, "dequantize")
    if s.dtype != "float32" or not shapes.shapes_unify(s.shape, want):
        raise cx.err(
            a["scale"].span,
            f"the scale of `dequantize` for {show(q)} must be {show(TensorType('float32', want))}, got {show(s)}",
        )
    static: dict[str, Any] = {"axis": axis, "group": group}
    return make("dequantize", a, ("q", "scale"), static, TensorType("float32", q.shape))


def qmatmul(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    """`qmatmul(x, q, scale, group:)`: `x @ dequantize(q, scale, axis: 1, group:)` for x `[..., in]`
    float32 and q `[in, out]` int8/int4, the result `[..., out]`."""
    x = floating(cx, a["x"], "qmatmul")
    if x.dtype != "float32" or x.is_scalar:
        raise cx.err(a["x"].span, f"`qmatmul` takes a float32 input of rank >= 1, got {show(x)}")
    q = check_expr.infer(cx, a["q"])
    if not isinstance(q, TensorType) or q.dtype not in QDTYPES or q.rank != 2:
        raise cx.err(a["q"].span, f"`qmatmul` takes a 2-D int8 or int4 weight [in, out], got {show(q)}")
    s = floating(cx, a["scale"], "qmatmul")
    group = _group(cx, a, "qmatmul", None)
    if not shapes.dims_unify(x.shape[-1], q.shape[0]):
        raise cx.err(
            c.span,
            f"qmatmul of {show(x)} and {show(q)}: inner dimensions {show_dim(x.shape[-1])} and "
            f"{show_dim(q.shape[0])} differ",
        )
    want = scale_shape(cx, c.span, q.shape, 1, group, "qmatmul")
    if s.dtype != "float32" or not shapes.shapes_unify(s.shape, want):
        raise cx.err(
            a["scale"].span,
            f"the scale of `qmatmul` for {show(q)} must be {show(TensorType('float32', want))}"
            f"{'' if group else ' (pass `group:` for grouped scales)'}, got {show(s)}",
        )
    result = TensorType("float32", (*x.shape[:-1], q.shape[1]))
    return make("qmatmul", a, ("x", "q", "scale"), {"group": group}, result)


TABLE: Table = MappingProxyType(
    {
        "quantize": (Sig(("m", "dtype"), ("group",)), quantize),
        "quantize_tensor": (Sig(("w", "dtype"), ("axis", "group")), quantize_tensor),
        "dequantize": (Sig(("q", "scale"), ("axis", "group")), dequantize),
        "qmatmul": (Sig(("x", "q", "scale"), ("group",)), qmatmul),
    }
)
