"""Calls: resolves what a `Call` node calls (a user function, a built-in, a model constructor, a
model's forward pass, or a gradient) and records the `Target`."""

from __future__ import annotations

from charlc import check_builtins, check_expr, check_model_calls, check_train
from charlc import syntax as ast
from charlc.check_env import FnCtx
from charlc.checked import FnTarget
from charlc.types import ModelType, QuantModelType, Type, show

GRAD_NAMES = ("grad", "value_and_grad")


def call(cx: FnCtx, e: ast.Call, expect: Type | None) -> Type:
    """Check a call and record its target and result type."""
    callee = e.callee
    match callee:
        case ast.Name(id=ident):
            return named_call(cx, e, ident, expect)
        case ast.Attribute():
            return check_model_calls.method_call(cx, e, callee)
        case ast.Call(callee=ast.Name(id=inner)) if inner in GRAD_NAMES and cx.lookup(inner) is None:
            return check_train.grad_call(cx, e, callee, inner)
    t = check_expr.infer(cx, callee)
    raise cx.err(e.span, f"{show(t)} is not callable")


def named_call(cx: FnCtx, e: ast.Call, ident: str, expect: Type | None) -> Type:
    """`f(...)` where `f` is a name."""
    b = cx.lookup(ident)
    if b is not None:
        t = check_expr.infer(cx, e.callee)
        if isinstance(t, ModelType | QuantModelType):
            return check_model_calls.forward_call(cx, e, e.callee, t, e.args)
        raise cx.err(e.callee.span, f"`{ident}` is not a function: it is a value of type {show(t)}")
    if ident in cx.prog.fns:
        return fn_call(cx, e, cx.prog.fns[ident])
    if ident in cx.prog.model_decls:
        return check_model_calls.ctor_call(cx, e, cx.prog.model_decls[ident])
    if ident in GRAD_NAMES:
        raise cx.err(e.span, f"`{ident}(f)` must be called with the arguments of `f`: `{ident}(f)(x)`")
    if ident == "autograd":
        return check_train.autograd_call(cx, e)
    if check_builtins.is_builtin(ident):
        return check_builtins.builtin_call(cx, e, ident, expect)
    raise cx.err(e.callee.span, check_expr.not_a_value(cx, ident))


def fn_call(cx: FnCtx, e: ast.Call, decl: ast.FnDecl) -> Type:
    """A call of a user function: instantiate it for the argument types."""
    if e.kwargs:
        kw = e.kwargs[0]
        raise cx.err(kw.span, f"`{decl.name}` takes positional arguments only; remove `{kw.name}:`")
    inst, ret = cx.prog.call_instance(cx, e, decl, e.args)
    cx.inst.targets[e] = FnTarget(inst)
    return cx.record(e, ret)
