"""Quantization: `quantize(m, int8|int4, group:)`, `quantize_tensor`, `dequantize`, and the layout
of quantized models shared with the model lowering.

Which parameters of a model are stored quantized, and the shapes of their scales, are read from
`Gen.ir_types` of the `QuantModelType` (the core's flattening rule), so a quantized value built
here always has the leaves its type promises: per quantized parameter the int8/int4 data and then
its float32 scale (`[out]` per output channel, `[in / group, out]` with groups along the input).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from xdsl.ir import SSAValue

from charlc.checked import ModelInfo, ParamSpec
from charlc.irgen_api import Gen, PyTree
from charlc.irgen_builtins_call import BCall, Table
from charlc.irgen_builtins_shape import over_rows
from charlc.irgen_builtins_util import TV, Ir, charl_type, internal
from charlc.types import ModelType, QuantModelType, TensorType, TupleType, Type, show
from dialects import charl as C

INT4_DEFAULT_GROUP = 32


@dataclass(frozen=True)
class QParam:
    """One parameter of a quantized model: kept in float, or stored as `(q, scale)`."""

    spec: ParamSpec
    q_type: TensorType | None = None  # None: kept in float
    scale_type: TensorType | None = None
    group: int = 0  # 0: one scale per output channel

    @property
    def quantized(self) -> bool:
        return self.q_type is not None


def _group_of(t: QuantModelType, spec: ParamSpec, scale: TensorType) -> int:
    if scale.rank < 2:
        return 0
    if t.group:
        return t.group
    rows, groups = spec.type.shape[0], scale.shape[0]
    if isinstance(rows, int) and isinstance(groups, int) and groups:
        return rows // groups
    return INT4_DEFAULT_GROUP


def quant_layout(g: Gen, t: QuantModelType) -> list[QParam]:
    """The parameters of the base model with their quantized storage, in flattening order."""
    info = g.program.models[t.base]
    leaf_types = [charl_type(a) for a in g.ir_types(t)]
    out: list[QParam] = []
    i = 0
    for spec in info.params:
        lt = leaf_types[i]
        if lt.dtype in ("int8", "int4") and spec.type.is_float:
            scale = leaf_types[i + 1]
            out.append(QParam(spec, lt, scale, _group_of(t, spec, scale)))
            i += 2
        else:
            out.append(QParam(spec))
            i += 1
    return out


def param_names(g: Gen, t: Type) -> list[str]:
    """The `.npz` array names of a model's leaves: the parameter paths (`path.scale` for scales)."""
    if isinstance(t, ModelType):
        return [p.path for p in g.program.models[t].params]
    if isinstance(t, QuantModelType):
        names: list[str] = []
        for qp in quant_layout(g, t):
            names += [qp.spec.path, qp.spec.path + ".scale"] if qp.quantized else [qp.spec.path]
        return names
    raise internal(g.inst.decl.span, f"{show(t)} is not a model")


def quantized_leaves(g: Gen, t: QuantModelType, value: PyTree) -> list[tuple[QParam, list[SSAValue]]]:
    """Each parameter of a quantized model value with its leaves (`[w]` or `[q, scale]`)."""
    leaves = g.flatten(value)
    out: list[tuple[QParam, list[SSAValue]]] = []
    i = 0
    for qp in quant_layout(g, t):
        n = 2 if qp.quantized else 1
        out.append((qp, leaves[i : i + n]))
        i += n
    return out


def dequantize_model(ir: Ir, t: QuantModelType, value: PyTree) -> PyTree:
    """The float model (of type `t.base`) whose parameters are the dequantized ones of `value`."""
    leaves: list[SSAValue] = []
    for qp, vs in quantized_leaves(ir.g, t, value):
        if not qp.quantized:
            leaves.append(vs[0])
            continue
        w = ir.emit(C.DequantizeOp(vs[0], vs[1], 1, qp.group, ir.ir(qp.spec.type)), qp.spec.path).results[0]
        leaves.append(w)
    return ir.g.unflatten(t.base, leaves)


def quantize_model(ir: Ir, info: ModelInfo, t: QuantModelType, value: PyTree) -> PyTree:
    """`quantize(m, ...)`: each quantized parameter becomes `charl.quantize` along axis 1."""
    leaves: list[SSAValue] = []
    for qp, w in zip(quant_layout(ir.g, t), ir.g.flatten(value), strict=True):
        if qp.q_type is None or qp.scale_type is None:
            leaves.append(w)
            continue
        rows = qp.spec.type.shape[0]
        if qp.group and isinstance(rows, int) and rows % qp.group:
            raise ir.fail(
                f"cannot quantize `{qp.spec.path}` of {show(info.type)} with group {qp.group}: its input "
                f"dimension {rows} is not a multiple of it; pass `group:` with a divisor of {rows}"
            )
        op = C.QuantizeOp(w, t.qdtype, 1, qp.group, ir.ir(qp.q_type), ir.ir(qp.scale_type))
        leaves += list(ir.emit(op, qp.spec.path).results)
    return ir.g.unflatten(t, leaves)


def _quantize(b: BCall) -> PyTree:
    t = b.result
    if not isinstance(t, QuantModelType):
        raise b.ir.internal(f"`quantize` of a model returns {show(t)}")
    return quantize_model(b.ir, b.g.program.models[t.base], t, b.value("m"))


def _qtensor_args(b: BCall, x: TV) -> tuple[int, int]:
    axis = int(b.axis(x.t.rank, default=x.t.rank - 1))
    group = b.static("group", 0)
    return axis, int(group or 0)


def _quantize_tensor(b: BCall) -> PyTree:
    t = b.result
    if not isinstance(t, TupleType) or len(t.elems) != 2:
        raise b.ir.internal(f"`quantize_tensor` returns {show(t)}")
    qt, st = t.elems
    x = b.arg("w")
    axis, group = _qtensor_args(b, x)
    qdtype = qt.dtype if isinstance(qt, TensorType) else "int8"
    op = b.ir.emit(C.QuantizeOp(x.v, qdtype, axis, group, b.g.ir_type(qt), b.g.ir_type(st)))
    return list(op.results)


def _dequantize(b: BCall) -> TV:
    t = b.rt()
    q, scale = b.arg("q"), b.arg("scale")
    axis, group = _qtensor_args(b, q)
    return b.ir.tv(C.DequantizeOp(q.v, scale.v, axis, group, b.ir.ir(t)), t)


def _qmatmul(b: BCall) -> TV:
    """`qmatmul(x, q, scale)`: a `charl.qmatmul` on `x`'s rows (`[1, in]` for a vector), so that
    `charl-quantize` makes it the integer kernel."""
    x, q, scale = b.arg("x"), b.arg("q"), b.arg("scale")
    group = int(b.static("group", 0) or 0)
    ir = b.ir
    return over_rows(ir, x, q, 1, lambda flat, t: ir.tv(C.QMatmulOp(flat.v, q.v, scale.v, group, ir.ir(t)), t))


TABLE: Table = MappingProxyType(
    {
        "quantize": (("m", "dtype"), _quantize),
        "quantize_tensor": (("w", "dtype"), _quantize_tensor),
        "dequantize": (("q", "scale"), _dequantize),
        "qmatmul": (("x", "q", "scale"), _qmatmul),
    }
)
