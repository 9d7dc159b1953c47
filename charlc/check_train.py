"""Gradients (`grad`, `value_and_grad`, `autograd`; LANGUAGE.md section 9) and optimizers (`sgd`,
`adam`, `adamw` and their `*_init`; section 10)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from charlc import check_args, check_expr, check_quant
from charlc import syntax as ast
from charlc.check_builtins import Table, make
from charlc.check_env import FnCtx, Sig, plural
from charlc.check_zero_grad import zero_gradient_message
from charlc.checked import BuiltinTarget, FnInstance, FnTarget, ForwardTarget, GradTarget
from charlc.diagnostics import CharlError
from charlc.types import FnRefType, ModelType, OptStateType, QuantModelType, TensorType, TupleType, Type, show


def grad_call(cx: FnCtx, outer: ast.Call, inner: ast.Call, kind: str) -> Type:
    """`grad(f, wrt: ...)(args)` / `value_and_grad(f, wrt: ...)(args)`."""
    if len(inner.args) != 1:
        raise cx.err(inner.span, f"`{kind}` takes one function: `{kind}(loss)` or `{kind}(loss, wrt: 1)`")
    wrt_expr: ast.Expr | None = None
    for kw in inner.kwargs:
        if kw.name != "wrt":
            raise cx.err(kw.span, f"unknown keyword argument `{kw.name}` for `{kind}` (it takes `wrt`)")
        wrt_expr = kw.value
    if outer.kwargs:
        raise cx.err(outer.kwargs[0].span, "a gradient takes the function's arguments by position")
    decl = _function(cx, inner.args[0], kind)
    return _gradient(cx, outer, inner, kind, decl, list(outer.args), wrt_expr)


def autograd_call(cx: FnCtx, e: ast.Call) -> Type:
    """`autograd(f, w, ...)`: the same as `grad(f)(w, ...)`."""
    if not e.args:
        raise cx.err(e.span, "`autograd` takes a function and its arguments: autograd(f, w)")
    if e.kwargs:
        raise cx.err(e.kwargs[0].span, f"unknown keyword argument `{e.kwargs[0].name}` for `autograd`")
    decl = _function(cx, e.args[0], "autograd")
    return _gradient(cx, e, e, "grad", decl, list(e.args[1:]), None)


def _function(cx: FnCtx, f: ast.Expr, kind: str) -> ast.FnDecl:
    if isinstance(f, ast.Name) and f.id in cx.prog.fns and cx.lookup(f.id) is None:
        cx.record(f, FnRefType(f.id))
        return cx.prog.fns[f.id]
    raise cx.err(f.span, f"`{kind}` takes the name of a function: `{kind}(loss)`")


def _wrt(cx: FnCtx, e: ast.Expr | None, n: int, fname: str) -> tuple[tuple[int, ...], bool]:
    """The argument positions, and whether they were given as a list."""
    if e is None:
        return (0,), False
    items = e.elems if isinstance(e, ast.TensorLit) else [e]
    out = []
    for x in items:
        v = check_args.int_const(cx, x, "`wrt`")
        if not 0 <= v < n:
            raise cx.err(x.span, f"`wrt: {v}` is out of range: `{fname}` takes {plural(n, 'argument')}")
        out.append(v)
    if len(set(out)) != len(out):
        raise cx.err(e.span, "`wrt` names an argument twice")
    if isinstance(e, ast.TensorLit):
        cx.record(e, TensorType("int32", (len(out),)))
        cx.set_const(e, tuple(out))
    return tuple(out), isinstance(e, ast.TensorLit)


def _gradient(
    cx: FnCtx,
    outer: ast.Call,
    at: ast.Call,
    kind: str,
    decl: ast.FnDecl,
    args: list[ast.Expr],
    wrt_expr: ast.Expr | None,
) -> Type:
    wrt, as_list = _wrt(cx, wrt_expr, len(decl.params), decl.name)
    for a in args:
        check_expr.infer(cx, a)
    for i in wrt:
        if i < len(args):
            _differentiable(cx, args[i], i, decl.name)
    inst, ret = cx.prog.call_instance(cx, outer, decl, args, inferred=True)
    if not (isinstance(ret, TensorType) and ret.is_scalar and ret.is_float):
        raise cx.err(
            at.span, f"`{kind}` needs `{decl.name}` to return a float32 or float64 scalar, but it returns {show(ret)}"
        )
    loop = find_while(inst, set())
    if loop is not None:
        raise cx.err(
            at.span,
            f"`{kind}` of `{decl.name}`: while loops cannot be differentiated in version 1 "
            f"(the loop at {loop.span.line}:{loop.span.col}); use a for loop",
        )
    _warn_zero(cx, at, decl, wrt)
    grads = [cx.type_of(args[i]) for i in wrt]
    g: Type = TupleType(tuple(grads)) if as_list else grads[0]
    result = TupleType((ret, g)) if kind == "value_and_grad" else g
    cx.inst.targets[outer] = GradTarget(kind, inst, wrt, tuple(args), result)
    return cx.record(outer, result)


def _warn_zero(cx: FnCtx, at: ast.Call, decl: ast.FnDecl, wrt: tuple[int, ...]) -> None:
    """Warn, at the gradient call, about each `wrt` argument whose gradient is identically zero."""
    for i in wrt:
        message = zero_gradient_message(decl, i)
        if message is None:
            continue
        warning = CharlError(at.span, message, kind="warning")
        key = (at.span, message)
        if all((w.span, w.message) != key for w in cx.prog.warnings):
            cx.prog.warnings.append(warning)


def _differentiable(cx: FnCtx, e: ast.Expr, i: int, fname: str) -> None:
    t = cx.type_of(e)
    if isinstance(t, QuantModelType):
        raise cx.err(
            e.span,
            f"cannot take the gradient of a quantized model ({show(t)}): quantized models are inference only"
            + check_quant.training_note(cx, t),
        )
    if not _float_valued(t):
        raise cx.err(
            e.span,
            f"cannot differentiate `{fname}` with respect to argument {i + 1} of type {show(t)}: "
            f"gradients need float values",
        )


def _float_valued(t: Type) -> bool:
    match t:
        case TensorType():
            return t.is_float
        case ModelType():
            return True
        case TupleType(elems):
            return all(_float_valued(e) for e in elems)
    return False


def find_while(inst: FnInstance, seen: set[int]) -> ast.While | None:
    """A `while` loop in `inst` or in anything it calls, or `None`."""
    if id(inst) in seen:
        return None
    seen.add(id(inst))
    found = _while_in(inst.decl.body.stmts)
    if found is not None:
        return found
    for t in inst.targets.values():
        callee = t.instance if isinstance(t, FnTarget | ForwardTarget) else t.fn if isinstance(t, GradTarget) else None
        if callee is not None:
            found = find_while(callee, seen)
            if found is not None:
                return found
    return None


def _while_in(stmts: list[ast.Stmt]) -> ast.While | None:
    for s in stmts:
        match s:
            case ast.While():
                return s
            case ast.Block(stmts=body) | ast.For(body=ast.Block(stmts=body)):
                found = _while_in(body)
            case ast.If():
                found = _while_in(s.then.stmts)
                if found is None and s.orelse is not None:
                    found = _while_in([s.orelse])
            case _:
                found = None
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------
# Optimizers


def trainable(cx: FnCtx, e: ast.Expr, fname: str) -> Type:
    """What an optimizer updates: a model, a float tensor or a tuple of float tensors."""
    t = check_expr.infer(cx, e)
    ok = isinstance(t, ModelType) or (isinstance(t, TensorType) and t.is_float)
    ok = ok or (isinstance(t, TupleType) and all(isinstance(x, TensorType) and x.is_float for x in t.elems))
    if not ok:
        message = f"`{fname}` updates a model, a float tensor or a tuple of float tensors, got {show(t)}"
        raise cx.err(e.span, message + check_quant.training_note(cx, t))
    return t


def _same(cx: FnCtx, e: ast.Expr, t: Type, fname: str, what: str) -> None:
    check_expr.infer(cx, e)
    if not check_expr.conform(cx, e, t):
        raise cx.err(e.span, f"{what} of `{fname}` must have the parameters' type {show(t)}, got {show(cx.type_of(e))}")


def _state(cx: FnCtx, e: ast.Expr, kind: str, of: Type, fname: str) -> OptStateType:
    st = OptStateType(kind, of)
    t = check_expr.infer(cx, e)
    if t != st:
        raise cx.err(e.span, f"`{fname}` needs the state from `{kind}_init` ({show(st)}), got {show(t)}")
    return st


def _hyper(cx: FnCtx, a: dict[str, ast.Expr], names: tuple[str, ...], fname: str) -> None:
    for n in names:
        if n in a:
            check_args.scalar(cx, a[n], f"`{n}` of `{fname}`", "float")


def sgd(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    m = trainable(cx, a["m"], "sgd")
    _same(cx, a["g"], m, "sgd", "the gradient")
    _hyper(cx, a, ("lr", "momentum", "weight_decay"), "sgd")
    runtime = {"lr": None, "momentum": 0.0, "weight_decay": 0.0}
    if "state" not in a:
        mom = cx.const(a["momentum"]) if "momentum" in a else 0.0
        if mom != 0.0:
            raise cx.err(
                a["momentum"].span,
                "`sgd` with momentum needs a state: `let mut s = sgd_init(m)`, then `(m, s) = sgd(m, g, s, lr: ...)`",
            )
        return make("sgd", a, ("m", "g"), {"kind": "sgd"}, m, runtime)
    st = _state(cx, a["state"], "sgd", m, "sgd")
    return make("sgd", a, ("m", "g", "state"), {"kind": "sgd"}, TupleType((m, st)), runtime)


def adam_handler(name: str) -> Any:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        m = trainable(cx, a["m"], name)
        _same(cx, a["g"], m, name, "the gradient")
        st = _state(cx, a["opt"], name, m, name)
        runtime: dict[str, Any] = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
        if name == "adamw":
            runtime["weight_decay"] = 0.01
        _hyper(cx, a, tuple(runtime), name)
        return make(name, a, ("m", "g", "opt"), {"kind": name}, TupleType((m, st)), runtime)

    return handler


def init_handler(kind: str) -> Any:
    def handler(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
        m = trainable(cx, a["m"], f"{kind}_init")
        return make(f"{kind}_init", a, ("m",), {"kind": kind}, OptStateType(kind, m))

    return handler


TABLE: Table = MappingProxyType(
    {
        "sgd": (Sig(("m", "g", "state?"), ("lr!", "momentum", "weight_decay")), sgd),
        "adam": (Sig(("m", "g", "opt"), ("lr", "beta1", "beta2", "eps")), adam_handler("adam")),
        "adamw": (Sig(("m", "g", "opt"), ("lr", "beta1", "beta2", "eps", "weight_decay")), adam_handler("adamw")),
        "sgd_init": (Sig(("m",)), init_handler("sgd")),
        "adam_init": (Sig(("m",)), init_handler("adam")),
        "adamw_init": (Sig(("m",)), init_handler("adamw")),
    }
)
