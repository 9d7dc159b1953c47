"""Shapes at run time for irgen: dimension values, explicit broadcasts, static <-> dynamic casts.

A dimension of a value is a `DV`: a Python `int` when static, else a `DimRef` (axis of a value,
read with `charl.dim` only when needed) or an `index` SSA value. Size variables (`N` in a generic
function) are read once from the parameter that binds them, at the start of the function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import arith
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, IntegerAttr
from xdsl.dialects.builtin import TensorType as IRTensorType
from xdsl.ir import SSAValue

from charlc import irgen_types as types
from charlc import syntax as ast
from charlc.irgen_types import IRGenInternalError, PyTree, iter_leaves, layout, unflatten_like
from charlc.types import Dim, TensorType, Type
from dialects.charl import BroadcastToOp, DimOp, ReshapeOp

if TYPE_CHECKING:
    from charlc.irgen import FnGen


@dataclass(frozen=True)
class DimRef:
    """Dimension `axis` of `value`, not read yet."""

    value: SSAValue
    axis: int


DV = int | DimRef | SSAValue


def as_tensor(t: Type) -> TensorType:
    """`t`, which must be a tensor or scalar type."""
    if not isinstance(t, TensorType):
        raise IRGenInternalError(f"irgen: expected a tensor or scalar type, got {t}")
    return t


def dvals(g: FnGen, value: SSAValue, t: Type, span: ast.Span) -> list[DV]:
    """The dimensions of `value` (of Charl type `t`)."""
    out: list[DV] = []
    for axis, d in enumerate(as_tensor(t).shape):
        if isinstance(d, int):
            out.append(d)
        elif isinstance(d, str) and (sym := sym_dim(g, d, span)) is not None:
            out.append(sym)
        else:
            out.append(DimRef(value, axis))
    return out


def materialize(g: FnGen, d: DV, span: ast.Span) -> SSAValue:
    """An `index` value for a dimension."""
    if isinstance(d, int):
        return g.index(d, span)
    if isinstance(d, DimRef):
        return g.value(DimOp(d.value, d.axis), span, "dim")
    return d


def dyn(g: FnGen, dims: Sequence[DV], span: ast.Span) -> list[SSAValue]:
    """`index` values for the non-static entries of `dims`."""
    return [materialize(g, d, span) for d in dims if not isinstance(d, int)]


def dims_for(g: FnGen, shape: Sequence[Dim], dims: Sequence[DV], span: ast.Span) -> list[SSAValue]:
    """The dynamic-dim operands for a result of `shape` whose dimensions are `dims`."""
    return [materialize(g, dv, span) for d, dv in zip(shape, dims, strict=True) if not isinstance(d, int)]


def sym_dim(g: FnGen, name: str, span: ast.Span) -> SSAValue | None:
    """The `index` value of size variable `name` in the current instance, if it binds one."""
    got = g.sym_dims.get(name)
    if got is not None:
        return got
    bound = g.inst.bindings.get(name)
    if isinstance(bound, int):
        got = g.emit_at_entry(_index_const(bound), span, name)
    else:
        got = _sym_from_params(g, name, span)
    if got is not None:
        g.sym_dims[name] = got
    return got


def _index_const(n: int) -> arith.ConstantOp:
    return arith.ConstantOp(IntegerAttr(n, IndexType()))


def _sym_from_params(g: FnGen, name: str, span: ast.Span) -> SSAValue | None:
    pos = 0
    for param, ptype in zip(g.inst.decl.params, g.inst.param_types, strict=True):
        n = len(g.ir_types(ptype))
        texpr = param.type
        if isinstance(texpr, ast.TensorTypeExpr) and n == 1:
            for axis, d in enumerate(texpr.dims):
                if d.value == name:
                    arg = g.entry.args[pos]
                    return g.emit_at_entry(DimOp(arg, axis), span, name)
        pos += n
    return None


def bcast_dvals(g: FnGen, dst: Sequence[Dim], operands: Sequence[Sequence[DV]], span: ast.Span) -> list[DV]:
    """The dimensions of a NumPy broadcast of `operands` (right-aligned) to the shape `dst`.

    A static `dst` dim is taken as is; a dynamic one comes from the size variable it names, else
    from the first operand whose aligned dim is not a static 1.
    """
    out: list[DV] = []
    for j, d in enumerate(dst):
        if isinstance(d, int):
            out.append(d)
            continue
        if isinstance(d, str) and (sym := sym_dim(g, d, span)) is not None:
            out.append(sym)
            continue
        out.append(_pick(operands, j - len(dst), d))
    return out


def _pick(operands: Sequence[Sequence[DV]], k: int, d: Dim) -> DV:
    statics: list[int] = []
    for dims in operands:
        if -k > len(dims):
            continue
        dv = dims[k]
        if not isinstance(dv, int):
            return dv
        if dv != 1:
            statics.append(dv)
    if statics:
        return statics[0]
    raise IRGenInternalError(f"irgen: cannot find the run-time size of broadcast dimension {d}")


def broadcast(
    g: FnGen, value: SSAValue, src: Type, dst: Type, span: ast.Span, dyn_dims: Sequence[SSAValue] = ()
) -> SSAValue:
    """`value` (of `src`) broadcast to `dst` with an explicit `charl.broadcast_to`."""
    s, t = as_tensor(src), as_tensor(dst)
    target = g.ir_type(t)
    if value.type == target:
        return value
    if s.dtype != t.dtype:
        raise IRGenInternalError(f"irgen: broadcast from {s.dtype} to {t.dtype}")
    if not dyn_dims and not t.is_static:
        dyn_dims = dims_for(g, t.shape, bcast_dvals(g, t.shape, [dvals(g, value, s, span)], span), span)
    return g.value(BroadcastToOp(value, target, dyn_dims), span, "broadcast_to")


def dims_of(g: FnGen, value: SSAValue, t: Type, span: ast.Span) -> list[SSAValue]:
    """`index` values for the dynamic dims of `t`, read from `value`."""
    tt = as_tensor(t)
    return dims_for(g, tt.shape, dvals(g, value, tt, span), span)


def ir_shape(v: SSAValue) -> tuple[int, ...]:
    """The IR shape of a tensor value (`()` for a scalar)."""
    return tuple(v.type.get_shape()) if isinstance(v.type, IRTensorType) else ()


def coerce(g: FnGen, value: PyTree, t: Type, span: ast.Span) -> PyTree:
    """`value` with each leaf converted to the IR type that `t` gives it.

    A leaf whose static and dynamic dims differ from the target's is reshaped (a shape cast); the
    type checker guarantees equal element types and ranks (anything else is a compiler bug).
    """
    leaf_types = list(iter_leaves(layout(t, g.program.models)))
    leaves = list(iter_leaves(value))
    if len(leaf_types) != len(leaves):
        raise IRGenInternalError(f"irgen: a value with {len(leaves)} leaves used as {t}")
    out = [_coerce_leaf(g, v, lt, span) for v, lt in zip(leaves, leaf_types, strict=True)]
    return unflatten_like(value, out)


def _coerce_leaf(g: FnGen, v: SSAValue, t: TensorType, span: ast.Span) -> SSAValue:
    target = g.ir_type(t)
    if v.type == target:
        return v
    src = ir_shape(v)
    if len(src) != t.rank:
        raise IRGenInternalError(f"irgen: cannot convert {v.type} to {target}")
    if not isinstance(v.type, IRTensorType) or v.type.get_element_type() != types.elem_type(t.dtype):
        raise IRGenInternalError(f"irgen: cannot convert {v.type} to {target}")
    dims: list[SSAValue] = []
    for axis, (a, b) in enumerate(zip(src, t.shape, strict=True)):
        if not isinstance(b, int):
            dims.append(g.index(a, span) if a != DYNAMIC_INDEX else g.value(DimOp(v, axis), span, "dim"))
    return g.value(ReshapeOp(v, target, dims), span, "reshape")


def zeros(g: FnGen, t: Type, span: ast.Span) -> PyTree:
    """A value of type `t` made of zeros; a dynamic dim gets size 0 (a placeholder value)."""
    tree = layout(t, g.program.models)
    leaves = [_zero_leaf(g, lt, span) for lt in iter_leaves(tree)]
    return unflatten_like(tree, leaves)


def _zero_leaf(g: FnGen, t: TensorType, span: ast.Span) -> SSAValue:
    if t.is_static:
        return g.constant(0, t, span)
    scalar = g.constant(0, TensorType(t.dtype), span)
    zero = g.index(0, span)
    n = sum(1 for d in t.shape if not isinstance(d, int))
    return g.value(BroadcastToOp(scalar, g.ir_type(t), [zero] * n), span, "zeros")
