"""Expressions involving models: constructors (`Mlp(seed: 0)`), forward passes (`m(x)`,
`m.forward(x)`, `self.l1(x)`, quantized models too) and parameter attributes (`self.w`)."""

from __future__ import annotations

from charlc import check_args, check_expr, check_layers, check_models, check_quant
from charlc import syntax as ast
from charlc.check_env import FnCtx, plural
from charlc.checked import ForwardTarget, ModelCtorTarget, ModelInfo
from charlc.types import ModelType, QuantModelType, TensorType, Type, show


def ctor_call(cx: FnCtx, e: ast.Call, decl: ast.ModelDecl) -> Type:
    """`Linear(784, 128, seed: 1)`: arguments are compile-time integers; `seed:` a run-time int."""
    names = [p.name for p in decl.args]
    if len(e.args) > len(names):
        raise cx.err(
            e.args[len(names)].span, f"model `{decl.name}` takes {plural(len(names), 'argument')}, got {len(e.args)}"
        )
    given: dict[str, ast.Expr] = dict(zip(names, e.args, strict=False))
    seed: ast.Expr | None = None
    for kw in e.kwargs:
        if kw.name == "seed":
            check_args.scalar(cx, kw.value, f"`seed` of `{decl.name}`", "int")
            seed = kw.value
        elif kw.name in names and kw.name not in given:
            given[kw.name] = kw.value
        else:
            raise cx.err(kw.span, f"unknown keyword argument `{kw.name}` for model `{decl.name}` (it takes `seed`)")
    missing = [n for n in names if n not in given]
    if missing:
        raise cx.err(e.span, f"model `{decl.name}` is missing its argument `{missing[0]}`")
    values = tuple(check_args.int_const(cx, given[n], f"model argument `{n}` of `{decl.name}`") for n in names)
    info = check_models.model_info(cx.prog, ModelType(decl.name, values), e.span)
    quant = check_quant.quantize_all(cx, e.span, info.type)
    cx.inst.targets[e] = ModelCtorTarget(info, seed, quant)
    return cx.record(e, quant or info.type)


def model_attribute(cx: FnCtx, e: ast.Attribute, t: ModelType) -> Type:
    """`self.w` (a parameter's tensor type) or `self.l1` (a sub-model's type)."""
    info = cx.prog.models[t]
    if info.layers is not None:
        raise cx.err(e.span, f"sequential model `{t.name}` has no attribute `{e.name}`")
    if e.name in info.submodels:
        return info.submodels[e.name].type
    for p in info.params:
        if p.path == e.name:
            return p.type
    if e.name == "forward":
        raise cx.err(e.span, f"call the forward pass: `{cx.text(e.base, 'm')}(x)`")
    raise cx.err(e.span, f"model `{t.name}` has no parameter `{e.name}`")


def method_call(cx: FnCtx, e: ast.Call, callee: ast.Attribute) -> Type:
    """`m.forward(x)` or `self.l1(x)`."""
    t = check_expr.infer(cx, callee.base)
    if isinstance(t, ModelType | QuantModelType) and callee.name == "forward":
        return forward_call(cx, e, callee.base, t, e.args)
    if isinstance(t, QuantModelType):
        raise cx.err(callee.span, f"a quantized model has no attribute `{callee.name}`; call it: `m(x)`")
    if not isinstance(t, ModelType):
        raise cx.err(callee.span, f"{show(t)} has no method `{callee.name}`")
    sub = cx.record(callee, model_attribute(cx, callee, t))
    if not isinstance(sub, ModelType):
        raise cx.err(callee.span, f"`{cx.text(callee)}` is a parameter of type {show(sub)}, not a model")
    return forward_call(cx, e, callee, sub, e.args)


def forward_call(cx: FnCtx, e: ast.Call, model_expr: ast.Expr, t: Type, args: list[ast.Expr]) -> Type:
    """A forward pass of the model value `model_expr` (of type `t`) on `args`."""
    assert isinstance(t, ModelType | QuantModelType)
    quant = t if isinstance(t, QuantModelType) else None
    base = t.base if isinstance(t, QuantModelType) else t
    info = cx.prog.models[base]
    training, seed = _forward_kwargs(cx, e, base.name)
    if info.layers is not None:
        result = _sequential(cx, e, info, args)
        inst = None
    else:
        fwd = next((m for m in info.decl.methods if m.name == "forward"), None)
        if fwd is None:
            raise cx.err(e.span, f"model `{base.name}` has no `fn forward(self, ...)`")
        inst, result = cx.prog.call_instance(cx, e, fwd, args, self_type=base, model=info)
    target = ForwardTarget(info, model_expr, tuple(args), inst, training, seed, result, quant)
    cx.inst.targets[e] = target
    return cx.record(e, result)


def _forward_kwargs(cx: FnCtx, e: ast.Call, name: str) -> tuple[ast.Expr | None, ast.Expr | None]:
    training = seed = None
    for kw in e.kwargs:
        if kw.name == "training":
            t = check_expr.infer(cx, kw.value)
            if not (isinstance(t, TensorType) and t.dtype == "bool" and t.is_scalar):
                raise cx.err(kw.value.span, f"`training` must be a bool scalar, got {show(t)}")
            training = kw.value
        elif kw.name == "seed":
            check_args.scalar(cx, kw.value, "`seed` of a forward pass", "int")
            seed = kw.value
        else:
            raise cx.err(
                kw.span, f"unknown keyword argument `{kw.name}` for model `{name}` (it takes `training`, `seed`)"
            )
    return training, seed


def _sequential(cx: FnCtx, e: ast.Call, info: ModelInfo, args: list[ast.Expr]) -> Type:
    if len(args) != 1:
        raise cx.err(e.span, f"model `{info.type.name}` takes 1 input, got {len(args)}")
    x = args[0]
    t = check_expr.infer(cx, x)
    assert info.layers is not None
    first = info.layers[0].kind if info.layers else ""
    want = "int32" if first == "embedding" else "float32"
    if isinstance(t, TensorType) and t.dtype != want and check_expr.can_adopt(cx, x, want):
        check_expr.adopt(cx, x, want)
        t = cx.type_of(x)
    if not isinstance(t, TensorType):
        raise cx.err(x.span, f"the input of model `{info.type.name}` must be a tensor, got {show(t)}")
    return check_layers.forward_shape(info.layers, t, e.span)
