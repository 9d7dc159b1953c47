"""VJP rules of `charl-autodiff` for the elementwise, shape, matmul and reduction ops (the
interface is `_autodiff_api`). `g` is the result's adjoint, `r` the forward result."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from xdsl.ir import Operation, SSAValue

from dialects.charl import (
    AbsOp,
    AddOp,
    BroadcastToOp,
    CeilOp,
    CompareOp,
    ConstantOp,
    CosOp,
    DimOp,
    DivOp,
    ExpOp,
    FloorOp,
    GeluOp,
    LogOp,
    MatmulOp,
    MaximumOp,
    MinimumOp,
    MulOp,
    NegOp,
    PowOp,
    ReduceOp,
    ReluOp,
    RemOp,
    ReshapeOp,
    RsqrtOp,
    SelectOp,
    SigmoidOp,
    SignOp,
    SiluOp,
    SinOp,
    SqrtOp,
    SubOp,
    TanhOp,
    TransposeOp,
)
from dialects.charl_base import element_of, is_dynamic, shape_of, static_count, with_shape
from passes._autodiff_api import Adjoint, VjpRule
from passes._autodiff_builder import AdjointBuilder

Grads = Sequence[SSAValue | None]
Out = list[SSAValue | None]


def _b(adj: Adjoint) -> AdjointBuilder:
    if not isinstance(adj, AdjointBuilder):
        raise TypeError("charl-autodiff rules need the AdjointBuilder")
    return adj


def _mul(adj: Adjoint, a: SSAValue, b: SSAValue) -> SSAValue:
    return adj.emit(MulOp(a, b))


def _scaled(adj: Adjoint, g: SSAValue, k: float, like: SSAValue) -> SSAValue:
    return _mul(adj, g, adj.const(k, like.type))


def _masked(adj: Adjoint, cond: SSAValue, g: SSAValue) -> SSAValue:
    return adj.emit(SelectOp(cond, g, adj.zeros_like(g)))


def add_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """add: da = g, db = g"""
    return [gs[0], gs[0]]


def sub_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """sub: da = g, db = -g"""
    g = gs[0]
    assert g is not None
    return [g, adj.emit(NegOp(g))]


def mul_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """mul: da = g * b, db = g * a"""
    g, (a, b) = gs[0], op.operands
    assert g is not None
    return [_mul(adj, g, b), _mul(adj, g, a)]


def div_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """div: da = g / b, db = -g * r / b"""
    g, (_, b), r = gs[0], op.operands, op.results[0]
    assert g is not None
    da = adj.emit(DivOp(g, b))
    return [da, adj.emit(NegOp(adj.emit(DivOp(_mul(adj, g, r), b))))]


def rem_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """rem: da = g, db = -g * trunc(a / b)"""
    g, (a, b) = gs[0], op.operands
    assert g is not None
    q = adj.emit(DivOp(a, b))
    negative = adj.emit(CompareOp(q, adj.zeros_like(q), "lt"))
    trunc = adj.emit(SelectOp(negative, adj.emit(CeilOp(q)), adj.emit(FloorOp(q))))
    return [g, adj.emit(NegOp(_mul(adj, g, trunc)))]


def pow_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """pow: da = g * b * a^(b - 1), db = g * r * log(a)"""
    g, (a, b), r = gs[0], op.operands, op.results[0]
    assert g is not None
    bm1 = adj.emit(SubOp(b, adj.const(1.0, b.type)))
    da = _mul(adj, _mul(adj, g, b), adj.emit(PowOp(a, bm1)))
    return [da, _mul(adj, _mul(adj, g, r), adj.emit(LogOp(a)))]


def _extremum(adj: Adjoint, op: Operation, gs: Grads, pred: str) -> Out:
    g, (a, b) = gs[0], op.operands
    assert g is not None
    takes_a = adj.emit(CompareOp(a, b, pred))
    return [_masked(adj, takes_a, g), adj.emit(SelectOp(takes_a, adj.zeros_like(g), g))]


def maximum_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """maximum: da = g * (a >= b), db = g * (a < b)"""
    return _extremum(adj, op, gs, "ge")


def minimum_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """minimum: da = g * (a <= b), db = g * (a > b)"""
    return _extremum(adj, op, gs, "le")


def _unary(formula: Callable[[Adjoint, SSAValue, SSAValue, SSAValue], SSAValue], doc: str) -> VjpRule:
    def rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
        g = gs[0]
        assert g is not None
        return [formula(adj, g, op.operands[0], op.results[0])]

    rule.__doc__ = doc
    return rule


def _sigmoid_d(adj: Adjoint, g: SSAValue, r: SSAValue) -> SSAValue:
    one_minus = adj.emit(SubOp(adj.const(1.0, r.type), r))
    return _mul(adj, _mul(adj, g, r), one_minus)


def _silu(adj: Adjoint, g: SSAValue, x: SSAValue, r: SSAValue) -> SSAValue:
    s = adj.emit(SigmoidOp(x))
    one = adj.const(1.0, x.type)
    inner = adj.emit(AddOp(one, _mul(adj, x, adj.emit(SubOp(one, s)))))
    return _mul(adj, g, _mul(adj, s, inner))


def _gelu(adj: Adjoint, g: SSAValue, x: SSAValue, r: SSAValue) -> SSAValue:
    c, k = math.sqrt(2.0 / math.pi), 0.044715
    x2 = _mul(adj, x, x)
    u = _scaled(adj, adj.emit(AddOp(x, _scaled(adj, _mul(adj, x2, x), k, x))), c, x)
    t = adj.emit(TanhOp(u))
    one = adj.const(1.0, x.type)
    left = _scaled(adj, adj.emit(AddOp(one, t)), 0.5, x)
    sech2 = adj.emit(SubOp(one, _mul(adj, t, t)))
    du = _scaled(adj, adj.emit(AddOp(one, _scaled(adj, x2, 3.0 * k, x))), c, x)
    right = _mul(adj, _scaled(adj, x, 0.5, x), _mul(adj, sech2, du))
    return _mul(adj, g, adj.emit(AddOp(left, right)))


UNARY: dict[type[Operation], VjpRule] = {
    NegOp: _unary(lambda a, g, x, r: a.emit(NegOp(g)), "neg: dx = -g"),
    AbsOp: _unary(lambda a, g, x, r: _mul(a, g, a.emit(SignOp(x))), "abs: dx = g * sign(x)"),
    ExpOp: _unary(lambda a, g, x, r: _mul(a, g, r), "exp: dx = g * r"),
    LogOp: _unary(lambda a, g, x, r: a.emit(DivOp(g, x)), "log: dx = g / x"),
    SqrtOp: _unary(lambda a, g, x, r: a.emit(DivOp(_scaled(a, g, 0.5, x), r)), "sqrt: dx = 0.5 * g / r"),
    RsqrtOp: _unary(
        lambda a, g, x, r: _mul(a, _scaled(a, g, -0.5, x), _mul(a, r, _mul(a, r, r))), "rsqrt: dx = -0.5 * g * r^3"
    ),
    SinOp: _unary(lambda a, g, x, r: _mul(a, g, a.emit(CosOp(x))), "sin: dx = g * cos(x)"),
    CosOp: _unary(lambda a, g, x, r: a.emit(NegOp(_mul(a, g, a.emit(SinOp(x))))), "cos: dx = -g * sin(x)"),
    TanhOp: _unary(
        lambda a, g, x, r: _mul(a, g, a.emit(SubOp(a.const(1.0, r.type), _mul(a, r, r)))), "tanh: dx = g * (1 - r^2)"
    ),
    SigmoidOp: _unary(lambda a, g, x, r: _sigmoid_d(a, g, r), "sigmoid: dx = g * r * (1 - r)"),
    ReluOp: _unary(
        lambda a, g, x, r: _masked(a, a.emit(CompareOp(r, a.zeros_like(r), "gt")), g), "relu: dx = g * (r > 0)"
    ),
    SiluOp: _unary(_silu, "silu: dx = g * s * (1 + x * (1 - s)), s = sigmoid(x)"),
    GeluOp: _unary(_gelu, "gelu: dx = g * (0.5 * (1 + t) + 0.5 * x * (1 - t^2) * c * (1 + 3k x^2)), t = tanh(u)"),
}


def broadcast_to_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """broadcast_to: dx = unbroadcast(g, type(x))"""
    g = gs[0]
    assert g is not None
    return [adj.unbroadcast(g, op.operands[0].type), *([None] * (len(op.operands) - 1))]


def reshape_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """reshape: dx = reshape(g, shape(x))"""
    g = gs[0]
    assert g is not None
    return [_b(adj).reshape(g, op.operands[0]), *([None] * (len(op.operands) - 1))]


def transpose_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """transpose: dx = transpose(g, inverse(perm))"""
    g = gs[0]
    assert g is not None and isinstance(op, TransposeOp)
    perm = list(op.perm.get_values())
    inverse = [perm.index(i) for i in range(len(perm))]
    return [adj.emit(TransposeOp(g, inverse, op.operands[0].type))]


def _swap_last(adj: Adjoint, x: SSAValue) -> SSAValue:
    shape = list(shape_of(x.type))
    perm = [*range(len(shape) - 2), len(shape) - 1, len(shape) - 2]
    return adj.emit(TransposeOp(x, perm, with_shape(element_of(x.type), [shape[p] for p in perm])))


def _matmul_into(adj: Adjoint, a: SSAValue, b: SSAValue, like: SSAValue) -> SSAValue:
    sa, sb = shape_of(a.type), shape_of(b.type)
    out = with_shape(element_of(a.type), [*sa[:-1], sb[-1]])
    return adj.unbroadcast(adj.emit(MatmulOp(a, b, out)), like.type)


def matmul_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """matmul: dA = g @ B^T, dB = A^T @ g (batch broadcast summed)"""
    g, (a, b) = gs[0], op.operands
    assert g is not None
    return [_matmul_into(adj, g, _swap_last(adj, b), a), _matmul_into(adj, _swap_last(adj, a), g, b)]


def _kept(adj: Adjoint, op: ReduceOp, v: SSAValue) -> SSAValue:
    """A reduce result (or its adjoint) reshaped to the keepdims shape."""
    x = op.input
    if op.keepdims is not None:
        return v
    axes = set(op.axes.get_values())
    kept = [1 if i in axes else d for i, d in enumerate(shape_of(x.type))]
    t = with_shape(element_of(x.type), kept)
    b = _b(adj)
    dyn = [b.emit(DimOp(x, i)) for i, d in enumerate(kept) if is_dynamic(d)]
    return adj.emit(ReshapeOp(v, t, dyn))


def _count(adj: Adjoint, op: ReduceOp) -> SSAValue:
    x, axes = op.input, list(op.axes.get_values())
    n = static_count([shape_of(x.type)[a] for a in axes])
    if n is not None:
        return adj.const(float(n), x.type)
    ones = _b(adj).const_like(1.0, x)
    kept = [1 if i in axes else d for i, d in enumerate(shape_of(x.type))]
    counts = adj.emit(ReduceOp(ones, "sum", axes, True, with_shape(element_of(x.type), kept)))
    return _b(adj).broadcast(counts, x)


def reduce_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """reduce: sum dx = g; mean dx = g / n; max/min dx = g * (x == r), all broadcast to x"""
    g = gs[0]
    assert g is not None and isinstance(op, ReduceOp)
    x, b = op.input, _b(adj)
    spread = b.broadcast(_kept(adj, op, g), x)
    kind = op.kind.data
    if kind == "sum":
        return [spread]
    if kind == "mean":
        return [adj.emit(DivOp(spread, _count(adj, op)))]
    hits = adj.emit(CompareOp(x, b.broadcast(_kept(adj, op, op.result), x), "eq"))
    return [_masked(adj, hits, spread)]


def constant_rule(adj: Adjoint, op: Operation, gs: Grads) -> Out:
    """constant: no operands"""
    return []


def core_rules() -> dict[type[Operation], VjpRule]:
    """The rules of this module, by op class."""
    return {
        AddOp: add_rule,
        SubOp: sub_rule,
        MulOp: mul_rule,
        DivOp: div_rule,
        RemOp: rem_rule,
        PowOp: pow_rule,
        MaximumOp: maximum_rule,
        MinimumOp: minimum_rule,
        **UNARY,
        BroadcastToOp: broadcast_to_rule,
        ReshapeOp: reshape_rule,
        TransposeOp: transpose_rule,
        MatmulOp: matmul_rule,
        ReduceOp: reduce_rule,
        ConstantOp: constant_rule,
    }
