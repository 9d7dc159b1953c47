"""Models (LANGUAGE.md section 8): declaration checks and one `ModelInfo` per model type and
constructor arguments, with every parameter's path, type and initializer.

Calls involving models (constructors, forward passes, attributes) are in `check_model_calls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charlc import check_layers
from charlc import syntax as ast
from charlc.check_env import plural
from charlc.checked import InitSpec, ModelInfo, ParamSpec
from charlc.diagnostics import CharlError
from charlc.types import DTYPES, FLOAT_DTYPES, INT_DTYPES, Dim, ModelType, TensorType

if TYPE_CHECKING:
    from charlc.typecheck import ProgramChecker

INITIALIZERS = ("zeros", "ones", "normal", "he_normal", "xavier_uniform", "uniform")


def check_declaration(prog: ProgramChecker, decl: ast.ModelDecl) -> None:
    """Checks that need no constructor arguments; a model without arguments is built right away."""
    if (decl.layers is None) == (decl.params is None):
        raise CharlError(
            decl.name_span, f"model `{decl.name}` must have exactly one of `layers {{ }}` or `params {{ }}`"
        )
    seen: set[str] = set()
    for p in decl.args:
        if p.name in seen:
            raise CharlError(p.span, f"duplicate model argument `{p.name}`")
        seen.add(p.name)
        if not (isinstance(p.type, ast.NamedTypeExpr) and p.type.name in INT_DTYPES):
            raise CharlError(p.span, f"model argument `{p.name}` must be declared `int32` or `int64`")
    for m in decl.methods:
        if decl.layers is not None:
            raise CharlError(
                m.name_span, f"sequential model `{decl.name}` cannot define functions; its layers are its forward pass"
            )
        if m.name != "forward":
            raise CharlError(m.name_span, f"a model defines only `fn forward(self, ...)`, not `{m.name}`")
        if not m.params or m.params[0].name != "self" or m.params[0].type is not None:
            raise CharlError(m.name_span, "`forward` must take `self` as its first parameter")
    if len([m for m in decl.methods if m.name == "forward"]) > 1:
        raise CharlError(decl.methods[1].name_span, f"model `{decl.name}` defines `forward` twice")
    if not decl.args:
        model_info(prog, ModelType(decl.name, ()), decl.name_span)


def model_info(prog: ProgramChecker, t: ModelType, span: ast.Span) -> ModelInfo:
    """The `ModelInfo` of a model type (built and checked on first use)."""
    if t in prog.models:
        return prog.models[t]
    decl = prog.model_decls.get(t.name)
    if decl is None:
        raise CharlError(span, f"unknown model `{t.name}`")
    if len(t.args) != len(decl.args):
        raise CharlError(span, f"model `{t.name}` takes {plural(len(decl.args), 'argument')}, got {len(t.args)}")
    if t.name in prog.model_stack:
        raise CharlError(span, f"model `{t.name}` contains itself")
    env = {p.name: v for p, v in zip(decl.args, t.args, strict=True)}
    prog.model_stack.append(t.name)
    try:
        if decl.layers is not None:
            layers = check_layers.build_layers(decl, env)
            info = ModelInfo(t, decl, env, [p for layer in layers for p in layer.params], layers, {})
        else:
            info = _params_model(prog, t, decl, env)
    finally:
        prog.model_stack.pop()
    prog.models[t] = info
    return info


def _params_model(prog: ProgramChecker, t: ModelType, decl: ast.ModelDecl, env: dict[str, int]) -> ModelInfo:
    params: list[ParamSpec] = []
    subs: dict[str, ModelInfo] = {}
    seen: set[str] = set()
    for f in decl.params or []:
        if f.name in seen:
            raise CharlError(f.span, f"duplicate parameter `{f.name}` in model `{decl.name}`")
        seen.add(f.name)
        if f.model is not None:
            sub = model_info(prog, _sub_type(prog, f.model, env), f.model.span)
            subs[f.name] = sub
            params.extend(ParamSpec(f"{f.name}.{p.path}", p.type, p.init, p.span) for p in sub.params)
            continue
        pt = _param_type(f, env, prog.model_decls)
        params.append(ParamSpec(f.name, pt, init_spec(f.init, pt, env, f.span), f.span))
    return ModelInfo(t, decl, env, params, None, subs)


def _sub_type(prog: ProgramChecker, c: ast.Call, env: dict[str, int]) -> ModelType:
    if not isinstance(c.callee, ast.Name) or c.callee.id not in prog.model_decls:
        raise CharlError(c.callee.span, "a sub-model field needs a model constructor: `l1: Linear(4, 8)`")
    if c.kwargs:
        raise CharlError(c.kwargs[0].span, "a sub-model is initialized from its parent's seed; remove the keyword")
    return ModelType(c.callee.id, tuple(static_int(a, env) for a in c.args))


def _param_type(f: ast.ParamField, env: dict[str, int], models: dict[str, ast.ModelDecl]) -> TensorType:
    match f.type:
        case ast.TensorTypeExpr(dtype=dtype, dims=dims):
            if dtype not in FLOAT_DTYPES:
                raise CharlError(f.type.span, f"model parameters are float32 or float64, not {dtype}")
            return TensorType(dtype, tuple(_param_dim(d, env) for d in dims))
        case ast.NamedTypeExpr(name=name) if name in FLOAT_DTYPES:
            return TensorType(name)
        case ast.NamedTypeExpr(name=name) if name in DTYPES:
            raise CharlError(f.type.span, f"model parameters are float32 or float64, not {name}")
    span = f.type.span if f.type is not None else f.span
    if isinstance(f.type, ast.NamedTypeExpr) and f.type.name in models:
        raise CharlError(span, f"a sub-model field is written with its constructor: `{f.name}: {f.type.name}()`")
    raise CharlError(span, f"parameter `{f.name}` needs a tensor type: `{f.name}: tensor<float32, [4, 8]>`")


def _param_dim(d: ast.DimExpr, env: dict[str, int]) -> Dim:
    if isinstance(d.value, int):
        return d.value
    if isinstance(d.value, str) and d.value in env:
        return env[d.value]
    what = "`?`" if d.value is None else f"`{d.value}`"
    raise CharlError(d.span, f"a parameter's dimensions must be integers or model arguments, not {what}")


def static_int(e: ast.Expr, env: dict[str, int]) -> int:
    """A compile-time integer inside a model declaration (literals and model arguments)."""
    v = static_value(e, env)
    if not isinstance(v, int) or isinstance(v, bool):
        raise CharlError(e.span, "model arguments must be compile-time integers")
    return v


def static_value(e: ast.Expr, env: dict[str, int]) -> Any:
    """Fold a constant expression of a model declaration, or `None`."""
    from charlc.shapes import fold_binary

    match e:
        case ast.IntLit(value=v) | ast.FloatLit(value=v) | ast.BoolLit(value=v):
            return v
        case ast.Name(id=ident):
            return env.get(ident)
        case ast.Unary(op="-", operand=x):
            v = static_value(x, env)
            return -v if isinstance(v, int | float) and not isinstance(v, bool) else None
        case ast.Binary(op=op, lhs=a, rhs=b):
            va, vb = static_value(a, env), static_value(b, env)
            if isinstance(va, int | float) and isinstance(vb, int | float):
                return fold_binary(op, va, vb, isinstance(va, float) or isinstance(vb, float))
    return None


def fans(shape: tuple[Dim, ...]) -> tuple[int, int]:
    """fan_in/fan_out: `[in, out]` for rank 2, `[o, i, kh, kw]` (OIHW) for rank >= 3."""
    dims = [d if isinstance(d, int) else 1 for d in shape]
    if not dims:
        return 1, 1
    if len(dims) == 1:
        return dims[0], dims[0]
    if len(dims) == 2:
        return dims[0], dims[1]
    receptive = 1
    for d in dims[2:]:
        receptive *= d
    return dims[1] * receptive, dims[0] * receptive


def init_spec(init: ast.Expr | None, t: TensorType, env: dict[str, int], span: ast.Span) -> InitSpec:
    """The initializer of a `params` field (`zeros()` when omitted)."""
    fan_in, fan_out = fans(t.shape)
    if init is None:
        return InitSpec("zeros", fan_in=fan_in, fan_out=fan_out)
    if not (isinstance(init, ast.Call) and isinstance(init.callee, ast.Name) and init.callee.id in INITIALIZERS):
        raise CharlError(init.span, f"unknown initializer; use one of {', '.join(f'{n}()' for n in INITIALIZERS)}")
    kind = init.callee.id
    names = {"normal": ("std",), "uniform": ("low", "high")}.get(kind, ())
    values = _init_args(init, names, env)
    std = values.get("std", 1.0)
    if std < 0:
        raise CharlError(init.span, f"`normal` needs a non-negative std, got {std}")
    return InitSpec(
        kind,
        std=std,
        low=values.get("low", 0.0),
        high=values.get("high", 1.0 if kind == "uniform" else 0.0),
        fan_in=fan_in,
        fan_out=fan_out,
    )


def _init_args(c: ast.Call, names: tuple[str, ...], env: dict[str, int]) -> dict[str, float]:
    fname = c.callee.id if isinstance(c.callee, ast.Name) else "?"
    if len(c.args) > len(names):
        raise CharlError(c.args[len(names)].span, f"`{fname}` takes {plural(len(names), 'argument')}")
    given: dict[str, ast.Expr] = dict(zip(names, c.args, strict=False))
    for kw in c.kwargs:
        if kw.name not in names or kw.name in given:
            raise CharlError(kw.span, f"unexpected keyword argument `{kw.name}` for `{fname}`")
        given[kw.name] = kw.value
    out: dict[str, float] = {}
    for n, e in given.items():
        v = static_value(e, env)
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise CharlError(e.span, f"`{n}` of `{fname}` must be a compile-time number")
        out[n] = float(v)
    if fname == "uniform" and len(out) != 2:
        raise CharlError(c.span, "`uniform` takes `low` and `high`")
    return out
