"""Type expressions: resolving annotations to types, and matching call arguments against a
generic function's parameter types (binding size variables)."""

from __future__ import annotations

from dataclasses import dataclass, field

from charlc import check_expr, shapes
from charlc import syntax as ast
from charlc.check_env import FnCtx
from charlc.diagnostics import CharlError
from charlc.types import DTYPES, Dim, ModelType, QuantModelType, TensorType, TupleType, Type, show, show_dim


def show_texpr(t: ast.TypeExpr, fixed: dict[str, int] | None = None) -> str:
    """A type expression as written (`tensor<float32, [N, 4]>`), with the names in `fixed` (model
    arguments) replaced by their values."""
    env = fixed or {}
    match t:
        case ast.TensorTypeExpr(dtype=dtype, dims=dims):
            shown = [show_dim(env.get(d.value, d.value) if isinstance(d.value, str) else d.value) for d in dims]
            return f"tensor<{dtype}, [{', '.join(shown)}]>"
        case ast.NamedTypeExpr(name=name):
            return name
        case ast.TupleTypeExpr(elems=elems):
            return "(" + ", ".join(show_texpr(e, env) for e in elems) + ")"
    return "?"


def resolve_annotation(cx: FnCtx, t: ast.TypeExpr) -> Type:
    """The type an annotation inside a body denotes; its size names must be in scope (size
    variables, model arguments or immutable integer constants). A bare model name with arguments
    (`Linear`) matches that model with any arguments."""
    match t:
        case ast.TensorTypeExpr():
            check_dtype(t.dtype, t.span)
            return TensorType(t.dtype, tuple(_dim(cx, d) for d in t.dims))
        case ast.NamedTypeExpr():
            return named_type(cx.prog.model_decls, t)
        case ast.TupleTypeExpr():
            return TupleType(tuple(resolve_annotation(cx, e) for e in t.elems))
    raise CharlError(t.span, "unsupported type")


def check_dtype(dtype: str, span: ast.Span) -> None:
    if dtype not in DTYPES:
        raise CharlError(span, f"unknown element type `{dtype}`; use one of {', '.join(DTYPES)}")


def named_type(models: dict[str, ast.ModelDecl], t: ast.NamedTypeExpr) -> Type:
    if t.name in DTYPES:
        return TensorType(t.name)
    if t.name in models:
        return ModelType(t.name, ())
    raise CharlError(t.span, f"unknown type `{t.name}`")


def _dim(cx: FnCtx, d: ast.DimExpr) -> Dim:
    if not isinstance(d.value, str):
        if isinstance(d.value, int) and d.value < 0:
            raise CharlError(d.span, f"negative dimension {d.value}")
        return d.value
    b = cx.lookup(d.value)
    if b is not None and isinstance(b.node, ast.DimExpr):
        return b.const if b.const is not None else d.value
    if b is not None and isinstance(b.const, int) and not isinstance(b.const, bool):
        return b.const
    raise CharlError(
        d.span, f"unknown size variable `{d.value}`: size variables are bound by a function's parameter types"
    )


def refine(declared: Type, actual: Type) -> Type:
    """The type a binding gets from its annotation: the annotation, except that a bare model name
    takes the value's model type."""
    if isinstance(declared, ModelType) and isinstance(actual, ModelType | QuantModelType):
        return actual
    if isinstance(declared, TupleType) and isinstance(actual, TupleType):
        return TupleType(tuple(refine(d, a) for d, a in zip(declared.elems, actual.elems, strict=True)))
    return declared


# ---------------------------------------------------------------------------------------------
# Matching arguments against parameter types


@dataclass
class Matcher:
    """Matches the arguments of one call against a function's parameter types.

    `fixed` are names with known values (a model's constructor arguments). `binds` collects, for
    each size variable, the caller's dimension and the argument that bound it.
    """

    cx: FnCtx
    fn_name: str
    call: ast.Call
    fixed: dict[str, int]
    binds: dict[str, tuple[Dim, int, Type]] = field(default_factory=dict)
    first_dim: dict[str, ast.DimExpr] = field(default_factory=dict)

    def arg(self, pattern: ast.TypeExpr, e: ast.Expr, i: int) -> None:
        """Match argument `i` (0-based) against `pattern`, adopting weak literals."""
        t = self.cx.type_of(e)
        if isinstance(e, ast.TupleLit) and isinstance(pattern, ast.TupleTypeExpr):
            if len(e.elems) == len(pattern.elems):
                for sub, x in zip(pattern.elems, e.elems, strict=True):
                    self.arg(sub, x, i)
                self.cx.record(e, TupleType(tuple(self.cx.type_of(x) for x in e.elems)))
                return
        self._match(pattern, e, t, i)

    def _fail(self, pattern: ast.TypeExpr, t: Type, i: int) -> CharlError:
        return CharlError(
            self.call.args[i].span,
            f"argument {i + 1} of `{self.fn_name}` must be {show_texpr(pattern, self.fixed)}, got {show(t)}",
        )

    def _match(self, pattern: ast.TypeExpr, e: ast.Expr, t: Type, i: int) -> None:
        match pattern:
            case ast.TensorTypeExpr() | ast.NamedTypeExpr() if _is_tensor_pattern(self.cx, pattern):
                dtype = pattern.dtype if isinstance(pattern, ast.TensorTypeExpr) else pattern.name
                if isinstance(t, TensorType) and t.dtype != dtype and check_expr.can_adopt(self.cx, e, dtype):
                    check_expr.adopt(self.cx, e, dtype)
                    t = self.cx.type_of(e)
                dims = pattern.dims if isinstance(pattern, ast.TensorTypeExpr) else []
                if not isinstance(t, TensorType) or t.dtype != dtype or t.rank != len(dims):
                    raise self._fail(pattern, t, i)
                for d, actual in zip(dims, t.shape, strict=True):
                    self._dim(pattern, d, actual, t, i)
            case ast.NamedTypeExpr(name=name):
                if name not in self.cx.prog.model_decls:
                    raise CharlError(pattern.span, f"unknown type `{name}`")
                base = t.base if isinstance(t, QuantModelType) else t
                if not isinstance(base, ModelType) or base.name != name:
                    raise self._fail(pattern, t, i)
            case ast.TupleTypeExpr(elems=elems):
                if not isinstance(t, TupleType) or len(t.elems) != len(elems):
                    raise self._fail(pattern, t, i)
                for sub, st in zip(elems, t.elems, strict=True):
                    self._match(sub, e, st, i)

    def _dim(self, pattern: ast.TypeExpr, d: ast.DimExpr, actual: Dim, t: Type, i: int) -> None:
        v = d.value
        if isinstance(v, str) and v in self.fixed:
            v = self.fixed[v]
        if v is None:
            return
        if isinstance(v, int):
            if not shapes.dims_unify(v, actual):
                raise self._fail(pattern, t, i)
            return
        self.first_dim.setdefault(v, d)
        if v not in self.binds:
            self.binds[v] = (actual, i, t)
            return
        prev, j, pt = self.binds[v]
        if not shapes.dims_unify(prev, actual):
            raise CharlError(
                self.call.span,
                f"size variable `{v}` of `{self.fn_name}` is {prev} in argument {j + 1} ({show(pt)}) "
                f"but {actual} in argument {i + 1} ({show(t)})",
            )
        self.binds[v] = (shapes.dim_join(prev, actual), j, pt)

    def bindings(self) -> dict[str, Dim]:
        """Size variable -> its value inside the instance: static, or its own name (symbolic)."""
        return {v: (d if isinstance(d, int) else v) for v, (d, _, _) in self.binds.items()}

    def caller_dims(self) -> dict[str, Dim]:
        """Size variable -> the caller's dimension (to map the instance's result back)."""
        return {v: d for v, (d, _, _) in self.binds.items()}


def _is_tensor_pattern(cx: FnCtx, pattern: ast.TypeExpr) -> bool:
    if isinstance(pattern, ast.TensorTypeExpr):
        check_dtype(pattern.dtype, pattern.span)
        return True
    return isinstance(pattern, ast.NamedTypeExpr) and pattern.name in DTYPES


def instance_type(pattern: ast.TypeExpr, actual: Type, binds: dict[str, Dim], fixed: dict[str, int]) -> Type:
    """The parameter type inside the instance: the pattern with size variables substituted (model
    parameters take the argument's model type)."""
    match pattern:
        case ast.TensorTypeExpr(dtype=dtype, dims=dims):
            return TensorType(dtype, tuple(_sub(d.value, binds, fixed) for d in dims))
        case ast.NamedTypeExpr(name=name) if name in DTYPES:
            return TensorType(name)
        case ast.TupleTypeExpr(elems=elems):
            assert isinstance(actual, TupleType)
            return TupleType(tuple(instance_type(p, a, binds, fixed) for p, a in zip(elems, actual.elems, strict=True)))
    return actual


def _sub(v: Dim, binds: dict[str, Dim], fixed: dict[str, int]) -> Dim:
    if isinstance(v, str):
        return fixed[v] if v in fixed else binds.get(v, v)
    return v


def substitute(t: Type, dims: dict[str, Dim]) -> Type:
    """Replace symbolic dimensions of `t` by `dims` (an instance's result seen by its caller)."""
    match t:
        case TensorType(dtype, shape):
            return TensorType(dtype, tuple(dims.get(d, d) if isinstance(d, str) else d for d in shape))
        case TupleType(elems):
            return TupleType(tuple(substitute(e, dims) for e in elems))
    return t


def is_generic(decl: ast.FnDecl, models: dict[str, ast.ModelDecl], fixed: dict[str, int]) -> bool:
    """Whether a function's parameter types use size variables or models with arguments."""
    return any(_generic(p.type, models, fixed) for p in decl.params if p.type is not None)


def _generic(t: ast.TypeExpr, models: dict[str, ast.ModelDecl], fixed: dict[str, int]) -> bool:
    match t:
        case ast.TensorTypeExpr(dims=dims):
            return any(isinstance(d.value, str) and d.value not in fixed for d in dims)
        case ast.NamedTypeExpr(name=name):
            return name in models and bool(models[name].args)
        case ast.TupleTypeExpr(elems=elems):
            return any(_generic(e, models, fixed) for e in elems)
    return False


def default_args(decl: ast.FnDecl, models: dict[str, ast.ModelDecl]) -> list[Type]:
    """The parameter types of a non-generic function, for checking it without a call."""
    out: list[Type] = []
    for p in decl.params:
        if p.type is None:
            raise CharlError(p.span, f"parameter `{p.name}` needs a type")
        out.append(_plain(p.type, models))
    return out


def _plain(t: ast.TypeExpr, models: dict[str, ast.ModelDecl]) -> Type:
    match t:
        case ast.TensorTypeExpr(dtype=dtype, dims=dims):
            check_dtype(dtype, t.span)
            return TensorType(dtype, tuple(d.value for d in dims))
        case ast.NamedTypeExpr():
            return named_type(models, t)
        case ast.TupleTypeExpr(elems=elems):
            return TupleType(tuple(_plain(e, models) for e in elems))
    raise CharlError(t.span, "unsupported type")
