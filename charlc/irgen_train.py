"""Lowering of gradients (`grad`, `value_and_grad`, `autograd`) and of the optimizers.

`lower_grad` emits one `charl.grad` over the flattened arguments of the differentiated function
and rebuilds the gradients shaped like the arguments they are taken with respect to. The
optimizers (`sgd`, `adam`, `adamw` and their `*_init` states) are composed elementwise per leaf of
the parameter pytree, following the flattening rules of `charlc.irgen_api`: parameters, gradients
and each part of a state are visited in the same leaf order.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from xdsl.ir import Attribute, SSAValue

from charlc import syntax as ast
from charlc.checked import GradTarget
from charlc.irgen_api import Gen, PyTree
from charlc.irgen_builtins_call import BCall, Table
from charlc.irgen_builtins_util import TV, Ir, charl_type, fit, leaf_tvs
from charlc.types import TupleType, Type, show
from dialects import charl as C


def lower_grad(g: Gen, call: ast.Call, target: GradTarget) -> PyTree:
    """`grad(f)(args)` / `value_and_grad(f)(args)`: one `charl.grad` of `@f` at the flattened args.

    Operands take the exact IR types of `@f`'s inputs (shape casts where the caller's types are
    more static); the gradients are cast back to the types of the caller's arguments.
    """
    ir = Ir(g, call.span)
    fn = target.fn
    operands: list[SSAValue] = []
    original: list[Attribute] = []
    spans: list[range] = []
    for arg, ptype in zip(target.args, fn.param_types, strict=True):
        leaves = g.flatten(g.expr(arg))
        start = len(operands)
        operands += [fit(ir, v, w) for v, w in zip(leaves, g.ir_types(ptype), strict=True)]
        original += [v.type for v in leaves]
        spans.append(range(start, len(operands)))
    wrt = [i for k in target.wrt for i in spans[k]]
    with_value = target.kind == "value_and_grad"
    value_types = g.ir_types(fn.ret)[:1] if with_value else []
    grad_types = [operands[i].type for i in wrt]
    op = ir.emit(C.GradOp(g.symbol(fn), operands, wrt, with_value, [*value_types, *grad_types]), "grad")
    results = list(op.results)
    value = results.pop(0) if with_value else None
    grads: list[PyTree] = []
    for k in target.wrt:
        leaves = [fit(ir, results.pop(0), original[i]) for i in spans[k]]
        grads.append(g.unflatten(g.type_of(target.args[k]), leaves))
    grad: PyTree = grads[0] if len(grads) == 1 else grads
    return [value, grad] if with_value else grad


# -- optimizers ----------------------------------------------------------------------------------


def _coef(ir: Ir, x: float | TV, dtype: str) -> TV:
    """A scalar hyper-parameter as a value of element type `dtype`."""
    return ir.cast(x, dtype) if isinstance(x, TV) else ir.const(x, dtype)


def _hyper(b: BCall, name: str, default: float | None) -> float | TV:
    v = b.number(name, default)
    if v is None:
        raise b.ir.fail(f"`{b.name}` needs `{name}:` (for example `{name}: 0.01`)")
    return v


def _is_zero(x: float | TV) -> bool:
    return not isinstance(x, TV) and x == 0.0


def _state_type(b: BCall) -> Type:
    t = b.result
    return t.elems[1] if isinstance(t, TupleType) else t


def _sgd(b: BCall) -> PyTree:
    check_pytrees(b, ("m", "g", "state"))
    ir = b.ir
    params, grads = leaf_tvs(b.g, b.value("m")), leaf_tvs(b.g, b.value("g"))
    state_expr = b.expr("state")
    lr, mom = _hyper(b, "lr", None), _hyper(b, "momentum", 0.0)
    wd = _hyper(b, "weight_decay", 0.0)
    if state_expr is None and not _is_zero(mom):
        raise ir.fail(
            "`sgd` with momentum needs a state: `let mut opt = sgd_init(m)`, then "
            "`(m, opt) = sgd(m, g, opt, lr: ..., momentum: ...)`"
        )
    velocity = leaf_tvs(b.g, b.g.expr(state_expr)) if state_expr is not None else [None] * len(params)
    new_p: list[SSAValue] = []
    new_v: list[SSAValue] = []
    for p, gr, v in zip(params, grads, velocity, strict=True):
        gr = ir.cast(gr, p.t.dtype)
        if not _is_zero(wd):
            gr = ir.add(gr, ir.mul(p, _coef(ir, wd, p.t.dtype)))
        if v is not None:
            gr = ir.add(ir.mul(v, _coef(ir, mom, p.t.dtype)), gr)
            new_v.append(gr.v)
        new_p.append(ir.sub(p, ir.mul(gr, _coef(ir, lr, p.t.dtype))).v)
    model = b.g.unflatten(b.type("m"), new_p)
    if state_expr is None:
        return model
    return [model, b.g.unflatten(_state_type(b), new_v)]


def _zero_state(b: BCall) -> PyTree:
    """`sgd_init(m)`, `adam_init(m)`, `adamw_init(m)`: zeros like every leaf (and step 0)."""
    t = b.result
    zeros = [b.ir.full_like(0, p).v for p in leaf_tvs(b.g, b.value("m"))]
    if b.name == "sgd_init":
        return b.g.unflatten(t, zeros)
    step = b.ir.const(0, charl_type(b.g.ir_types(t)[0]))
    return b.g.unflatten(t, [step.v, *zeros, *zeros])


class _Adam:
    """Scalars of one Adam update for one element type (computed once per dtype)."""

    def __init__(self, b: BCall, step: TV, dtype: str) -> None:
        ir = b.ir
        self.lr = _coef(ir, _hyper(b, "lr", None), dtype)
        b1, b2 = _hyper(b, "beta1", 0.9), _hyper(b, "beta2", 0.999)
        self.b1, self.b2 = _coef(ir, b1, dtype), _coef(ir, b2, dtype)
        self.c1 = _coef(ir, 1.0 - b1, dtype) if not isinstance(b1, TV) else ir.sub(1.0, self.b1)
        self.c2 = _coef(ir, 1.0 - b2, dtype) if not isinstance(b2, TV) else ir.sub(1.0, self.b2)
        self.eps = _coef(ir, _hyper(b, "eps", 1e-8), dtype)
        t = ir.cast(step, dtype)
        self.bc1 = ir.sub(1.0, ir.binary(C.PowOp, self.b1, t))
        self.bc2 = ir.sub(1.0, ir.binary(C.PowOp, self.b2, t))
        wd = _hyper(b, "weight_decay", 0.01 if b.name == "adamw" else 0.0)
        self.wd = None if _is_zero(wd) else _coef(ir, wd, dtype)


def _adam_leaf(ir: Ir, k: _Adam, decoupled: bool, p: TV, gr: TV, m: TV, v: TV) -> tuple[TV, TV, TV]:
    gr = ir.cast(gr, p.t.dtype)
    if k.wd is not None and not decoupled:
        gr = ir.add(gr, ir.mul(p, k.wd))
    m2 = ir.add(ir.mul(m, k.b1), ir.mul(gr, k.c1))
    v2 = ir.add(ir.mul(v, k.b2), ir.mul(ir.mul(gr, gr), k.c2))
    mhat, vhat = ir.div(m2, k.bc1), ir.div(v2, k.bc2)
    update = ir.div(mhat, ir.add(ir.unary(C.SqrtOp, vhat), k.eps))
    if k.wd is not None and decoupled:
        update = ir.add(update, ir.mul(p, k.wd))
    return ir.sub(p, ir.mul(update, k.lr)), m2, v2


def _adam(b: BCall) -> PyTree:
    check_pytrees(b, ("m", "g"))
    ir = b.ir
    params, grads = leaf_tvs(b.g, b.value("m")), leaf_tvs(b.g, b.value("g"))
    state = leaf_tvs(b.g, b.value("opt"))
    n = len(params)
    step = ir.add(state[0], 1)
    moments, variances = state[1 : 1 + n], state[1 + n :]
    scalars: dict[str, _Adam] = {}
    new_p: list[SSAValue] = []
    new_m: list[SSAValue] = []
    new_v: list[SSAValue] = []
    for p, gr, m, v in zip(params, grads, moments, variances, strict=True):
        k = scalars.get(p.t.dtype) or scalars.setdefault(p.t.dtype, _Adam(b, step, p.t.dtype))
        p2, m2, v2 = _adam_leaf(ir, k, b.name == "adamw", p, gr, m, v)
        new_p.append(p2.v)
        new_m.append(m2.v)
        new_v.append(v2.v)
    model = b.g.unflatten(b.type("m"), new_p)
    return [model, b.g.unflatten(_state_type(b), [step.v, *new_m, *new_v])]


def check_pytrees(b: BCall, names: Sequence[str]) -> None:
    """Raise when the pytree arguments `names` do not have the same number of leaves."""
    counts = {n: len(b.g.ir_types(b.type(n))) for n in names if b.expr(n) is not None}
    if len(set(counts.values())) > 1:
        shown = ", ".join(f"`{n}`: {show(b.type(n))}" for n in counts)
        raise b.ir.fail(f"`{b.name}` needs parameters, gradients and state of one structure; got {shown}")


TABLE: Table = MappingProxyType(
    {
        "sgd": (("m", "g", "state"), _sgd),
        "adam": (("m", "g", "opt"), _adam),
        "adamw": (("m", "g", "opt"), _adam),
        "sgd_init": (("m",), _zero_state),
        "adam_init": (("m",), _zero_state),
        "adamw_init": (("m",), _zero_state),
    }
)
