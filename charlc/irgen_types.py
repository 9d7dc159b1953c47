"""The Charl -> IR type map and pytree helpers of irgen (docs/charl-dialect.md, Types).

A value is a *pytree*: one `SSAValue` per tensor or scalar, a `list` per tuple, and a
`dict[str, PyTree]` per model (parameter path -> value, in path order) or optimizer state. The
flattened form of a value lists its leaves in that order; `ir_types` gives the matching IR types.

Layouts fixed here (other lowering modules build values of these shapes):
- a model of `ModelType`: `{path: tensor}` for every `ParamSpec` of its `ModelInfo`, in path order;
- an optimizer state `OptStateType("sgd", of)`: `{"velocity": tree(of)}`; for `"adam"`/`"adamw"`:
  `{"step": int32, "m": tree(of), "v": tree(of)}` (`tree(of)` is the layout of `of`);
- a quantized model `QuantModelType`: for every parameter of the base model, in path order, either
  `{path: tensor}` (kept in float) or, for a quantized weight (see `quantized_paths`),
  `{path: int8/int4 tensor, path + ".scale": float32 tensor}`. The scale is `[out]` without a
  group and `[in / group, out]` with one (int4 defaults to groups of 32).

These are the rules of `charlc.irgen_api`'s module docstring.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
)
from xdsl.dialects.builtin import TensorType as IRTensorType
from xdsl.ir import Attribute, SSAValue

from charlc.checked import ModelInfo
from charlc.types import (
    INT32,
    FnRefType,
    ModelType,
    OptStateType,
    QuantModelType,
    StringType,
    TensorType,
    TupleType,
    Type,
    UnitType,
)

PyTree = Any  # SSAValue | list[PyTree] | dict[str, PyTree]

INT4_GROUP_DEFAULT = 32


class IRGenInternalError(RuntimeError):
    """A bug of the compiler found while generating IR (never a user's mistake)."""


def elem_type(dtype: str) -> Attribute:
    """The IR element type of a Charl dtype."""
    match dtype:
        case "float32":
            return Float32Type()
        case "float64":
            return Float64Type()
        case "int32":
            return IntegerType(32)
        case "int64":
            return IntegerType(64)
        case "bool":
            return IntegerType(1)
        case "int8":
            return IntegerType(8)
        case "int4":
            return IntegerType(4)
    raise IRGenInternalError(f"irgen: unknown dtype {dtype!r}")


def ir_type(t: Type) -> Attribute:
    """The IR type of a tensor or scalar Charl type: a builtin scalar type or a ranked tensor."""
    if not isinstance(t, TensorType):
        raise IRGenInternalError(f"irgen: {t} is not a tensor or scalar type")
    if t.is_scalar:
        return elem_type(t.dtype)
    dims = [d if isinstance(d, int) else DYNAMIC_INDEX for d in t.shape]
    return IRTensorType(elem_type(t.dtype), dims)


def const_attr(t: TensorType, values: Sequence[float | int | bool]) -> Attribute:
    """The attribute of a constant of static type `t`: a float/integer attribute for a scalar, a
    dense elements attribute (one value: a splat) for a tensor."""
    elem = elem_type(t.dtype)
    data: list[float] | list[int] = [float(v) for v in values] if t.is_float else [int(v) for v in values]
    if t.is_scalar:
        if isinstance(elem, Float32Type | Float64Type):
            return FloatAttr(data[0], elem)
        if isinstance(elem, IntegerType):
            return IntegerAttr(int(data[0]), elem)
    dims = [d for d in t.shape if isinstance(d, int)]
    if len(dims) != t.rank:
        raise IRGenInternalError(f"irgen: constant of non-static type {t}")
    if isinstance(elem, Float32Type | Float64Type):
        return DenseIntOrFPElementsAttr.from_list(IRTensorType(elem, dims), [float(v) for v in data])
    if isinstance(elem, IntegerType):
        return DenseIntOrFPElementsAttr.from_list(IRTensorType(elem, dims), [int(v) for v in data])
    raise IRGenInternalError(f"irgen: constant of type {t}")


def layout(t: Type, models: dict[ModelType, ModelInfo]) -> PyTree:
    """The pytree of Charl leaf types of `t` (same structure as a value of type `t`)."""
    match t:
        case TensorType():
            return t
        case TupleType(elems):
            return [layout(e, models) for e in elems]
        case ModelType():
            return {p.path: p.type for p in model_info(t, models).params}
        case OptStateType(kind, of):
            if kind == "sgd":
                return {"velocity": layout(of, models)}
            return {"step": INT32, "m": layout(of, models), "v": layout(of, models)}
        case QuantModelType():
            return quant_layout(t, model_info(t.base, models))
        case StringType() | UnitType() | FnRefType():
            return []
    raise IRGenInternalError(f"irgen: no IR layout for {t}")


def model_info(t: ModelType, models: dict[ModelType, ModelInfo]) -> ModelInfo:
    """The `ModelInfo` of a model type."""
    info = models.get(t)
    if info is None:
        raise IRGenInternalError(f"irgen: model {t} is missing from the checked program")
    return info


def quantized_paths(info: ModelInfo) -> set[str]:
    """The parameters `quantize(m, ...)` stores as integers with scales: the weights of `dense`
    layers in a sequential model; every rank-2 float parameter of a `params` model."""
    if info.layers is not None:
        return {
            p.path
            for layer in info.layers
            if layer.kind == "dense"
            for p in layer.params
            if p.type.rank == 2 and p.path.endswith(".weight")
        }
    return {p.path for p in info.params if p.type.rank == 2 and p.type.is_float}


def quant_layout(t: QuantModelType, info: ModelInfo) -> dict[str, TensorType]:
    """The leaves of a quantized model (see the module docstring)."""
    out: dict[str, TensorType] = {}
    quantized = quantized_paths(info)
    for p in info.params:
        if p.path not in quantized:
            out[p.path] = p.type
            continue
        rows, cols = p.type.shape
        group = t.group if t.group is not None else (INT4_GROUP_DEFAULT if t.qdtype == "int4" else None)
        scale_shape: tuple[Any, ...] = (cols,)
        if group is not None:
            scale_shape = (rows // group if isinstance(rows, int) else None, cols)
        out[p.path] = p.type.with_dtype(t.qdtype)
        out[p.path + ".scale"] = TensorType("float32", scale_shape)
    return out


def leaf_types(t: Type, models: dict[ModelType, ModelInfo]) -> list[TensorType]:
    """The Charl types of the leaves of `t`, in flattening order."""
    return list(iter_leaves(layout(t, models)))


def ir_types(t: Type, models: dict[ModelType, ModelInfo]) -> list[Attribute]:
    """The flattened IR types of any Charl type."""
    return [ir_type(x) for x in leaf_types(t, models)]


def iter_leaves(tree: PyTree) -> Iterator[Any]:
    """The leaves of a pytree (SSA values or leaf types), in order; a string (a compile-time
    value, printed inline) has none."""
    if isinstance(tree, str):
        return
    if isinstance(tree, list):
        for x in tree:
            yield from iter_leaves(x)
    elif isinstance(tree, dict):
        for x in tree.values():
            yield from iter_leaves(x)
    else:
        yield tree


def flatten(tree: PyTree) -> list[SSAValue]:
    """The SSA leaves of a value, in order."""
    return list(iter_leaves(tree))


def unflatten_like(template: PyTree, leaves: Sequence[Any]) -> PyTree:
    """A pytree of `template`'s structure whose leaves are `leaves` (in flattening order)."""
    it = iter(leaves)
    tree = _rebuild(template, it)
    if next(it, None) is not None:
        raise IRGenInternalError("irgen: too many leaves for the pytree")
    return tree


def _rebuild(template: PyTree, it: Iterator[Any]) -> PyTree:
    if isinstance(template, str):
        return template
    if isinstance(template, list):
        return [_rebuild(x, it) for x in template]
    if isinstance(template, dict):
        return {k: _rebuild(x, it) for k, x in template.items()}
    leaf = next(it, None)
    if leaf is None:
        raise IRGenInternalError("irgen: too few leaves for the pytree")
    return leaf


def unflatten(t: Type, leaves: Sequence[SSAValue], models: dict[ModelType, ModelInfo]) -> PyTree:
    """Rebuild a value of type `t` from its leaves (inverse of `flatten`)."""
    return unflatten_like(layout(t, models), leaves)


def valid_name(name: str) -> str:
    """`name` made acceptable as an SSA name hint."""
    out = "".join(c if c.isalnum() or c in "_$.-" else "_" for c in name)
    return out if out and not out[0].isdigit() else "v" + out


def leaf_names(tree: PyTree, name: str) -> list[str]:
    """A name hint per leaf of a value bound to `name`: the name itself, for every leaf."""
    return [valid_name(name)] * len(flatten(tree))


def sub_model(tree: dict[str, PyTree], prefix: str) -> dict[str, PyTree]:
    """The parameters of a sub-model (`self.l1`): the entries under `prefix.`, prefix removed."""
    head = prefix + "."
    return {k[len(head) :]: v for k, v in tree.items() if k.startswith(head)}
