"""VJP rules of the charl nn ops (softmax, layer_norm, select, cast, conv2d, pool2d) and of the
indexing ops, plus the zero-gradient ops; `nn_rules()` is the table `charl-autodiff` merges.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Operation, SSAValue

from dialects.charl import (
    AddOp,
    ArgmaxOp,
    CastOp,
    CeilOp,
    CompareOp,
    ConcatOp,
    Conv2dOp,
    DequantizeOp,
    DimOp,
    ExpOp,
    ExtractOp,
    FloorOp,
    FromElementsOp,
    GatherOp,
    IotaOp,
    LayerNormOp,
    MulOp,
    Pool2dOp,
    QMatmulOp,
    QuantizeOp,
    RandomOp,
    RoundOp,
    RsqrtOp,
    SelectOp,
    SignOp,
    SliceOp,
    SoftmaxOp,
    StopGradientOp,
    SubOp,
    UpdateSliceOp,
)
from dialects.charl_base import element_of, is_float, shape_of
from passes._autodiff_api import Adjoint, VjpRule, no_gradient
from passes._autodiff_rules_nn_index import (
    concat_vjp,
    extract_vjp,
    from_elements_vjp,
    gather_vjp,
    slice_vjp,
    update_slice_vjp,
)
from passes._autodiff_rules_nn_util import broadcast, reduce_drop, reduce_keep
from passes._autodiff_rules_nn_window import conv2d_vjp, pool2d_vjp

Grads = Sequence[SSAValue | None]


def softmax_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """softmax: dx = y * (g - sum(g * y, axis, keepdims)); log: dx = g - exp(y) * sum(g, axis, keepdims)."""
    assert isinstance(op, SoftmaxOp)
    g, y, axis = gs[0], op.result, op.axis.value.data
    if g is None:
        return [None]
    if op.log is not None:
        total = broadcast(adj, reduce_keep(adj, g, "sum", [axis]), y)
        return [adj.emit(SubOp(g, adj.emit(MulOp(adj.emit(ExpOp(y)), total))))]
    total = broadcast(adj, reduce_keep(adj, adj.emit(MulOp(g, y)), "sum", [axis]), y)
    return [adj.emit(MulOp(y, adj.emit(SubOp(g, total))))]


def layer_norm_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """layer_norm: dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)) with gh = g * gamma,
    dgamma = sum(g * xhat) over the leading axes, dbeta = sum(g) over the leading axes."""
    assert isinstance(op, LayerNormOp)
    g, x = gs[0], op.input
    if g is None:
        return [None, None, None]
    last = len(shape_of(x.type)) - 1
    centered = adj.emit(SubOp(x, broadcast(adj, reduce_keep(adj, x, "mean", [last]), x)))
    var = reduce_keep(adj, adj.emit(MulOp(centered, centered)), "mean", [last])
    eps = broadcast(adj, adj.const(op.eps.value.data, element_of(x.type)), var)
    rstd = adj.emit(RsqrtOp(adj.emit(AddOp(var, eps))))
    rstd_full = broadcast(adj, rstd, x)
    xhat = adj.emit(MulOp(centered, rstd_full))
    gh = adj.emit(MulOp(g, broadcast(adj, op.gamma, x)))
    mean_gh = broadcast(adj, reduce_keep(adj, gh, "mean", [last]), x)
    mean_ghx = broadcast(adj, reduce_keep(adj, adj.emit(MulOp(gh, xhat)), "mean", [last]), x)
    inner = adj.emit(SubOp(adj.emit(SubOp(gh, mean_gh)), adj.emit(MulOp(xhat, mean_ghx))))
    leading = list(range(last))
    dgamma = reduce_drop(adj, adj.emit(MulOp(g, xhat)), leading)
    return [adj.emit(MulOp(rstd_full, inner)), dgamma, reduce_drop(adj, g, leading)]


def select_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """select: dcond = none, da = select(c, g, 0), db = select(c, 0, g)."""
    assert isinstance(op, SelectOp)
    g = gs[0]
    if g is None:
        return [None, None, None]
    zero = adj.zeros_like(g)
    return [None, adj.emit(SelectOp(op.cond, g, zero)), adj.emit(SelectOp(op.cond, zero, g))]


def cast_vjp(adj: Adjoint, op: Operation, gs: Grads) -> Grads:
    """cast: float -> float: dx = cast(g) back to x's type; to or from an integer type: none."""
    assert isinstance(op, CastOp)
    g = gs[0]
    if g is None or not (is_float(op.input.type) and is_float(op.result.type)):
        return [None]
    return [adj.emit(CastOp(g, op.input.type))]


def _zero_ops() -> list[type[Operation]]:
    """The ops whose operands never get a gradient."""
    return [
        CompareOp,
        ArgmaxOp,
        FloorOp,
        CeilOp,
        RoundOp,
        SignOp,
        RandomOp,
        IotaOp,
        StopGradientOp,
        DimOp,
        QuantizeOp,
        DequantizeOp,
        QMatmulOp,
    ]


def nn_rules() -> dict[type[Operation], VjpRule]:
    """The VJP rules of the nn and indexing ops, and the zero-gradient ops."""
    rules: dict[type[Operation], VjpRule] = {
        SoftmaxOp: softmax_vjp,
        LayerNormOp: layer_norm_vjp,
        SelectOp: select_vjp,
        CastOp: cast_vjp,
        SliceOp: slice_vjp,
        UpdateSliceOp: update_slice_vjp,
        ExtractOp: extract_vjp,
        FromElementsOp: from_elements_vjp,
        ConcatOp: concat_vjp,
        GatherOp: gather_vjp,
        Conv2dOp: conv2d_vjp,
        Pool2dOp: pool2d_vjp,
    }
    rules.update({op: no_gradient for op in _zero_ops()})
    return rules
