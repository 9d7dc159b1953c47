"""One built-in call being lowered: argument lookup by the documented signature, static folding.

Arguments are found in the call's own syntax: a keyword argument by name, else a positional one by
its position in the built-in's documented parameter list (LANGUAGE.md section 7). Compile-time
arguments come from the checker's `BuiltinTarget.static` when it resolved them, else they are
folded here from literals and the instance's `consts`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from charlc import syntax as ast
from charlc.checked import BuiltinTarget
from charlc.irgen_api import Gen, PyTree
from charlc.irgen_builtins_util import TV, Ir, internal
from charlc.types import StringType, TensorType, Type, show

_MISSING: Any = object()


def fold(g: Gen, e: ast.Expr) -> Any:
    """The compile-time value of `e` (number, bool, name, tuple of them), or None."""
    if e in g.inst.consts:
        return g.inst.consts[e]
    match e:
        case ast.IntLit(value=v) | ast.FloatLit(value=v) | ast.BoolLit(value=v) | ast.StrLit(value=v):
            return v
        case ast.Unary(op="-", operand=inner):
            v = fold(g, inner)
            return -v if isinstance(v, int | float) and not isinstance(v, bool) else None
        case ast.TensorLit(elems=elems):
            vals = [fold(g, x) for x in elems]
            return None if any(v is None for v in vals) else tuple(vals)
        case ast.Name(id=name) if e not in g.inst.defs:
            return name
    return None


@dataclass
class BCall:
    """A built-in call with its documented positional parameter names."""

    g: Gen
    call: ast.Call
    target: BuiltinTarget
    params: tuple[str, ...]

    def __post_init__(self) -> None:
        self.ir = Ir(self.g, self.call.span)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def span(self) -> ast.Span:
        return self.call.span

    @property
    def result(self) -> Type:
        return self.target.result

    def rt(self) -> TensorType:
        """The result type as a tensor type."""
        t = self.target.result
        if not isinstance(t, TensorType):
            raise self.ir.internal(f"`{self.name}` was expected to return a tensor, not {show(t)}")
        return t

    def expr(self, name: str) -> ast.Expr | None:
        """The argument expression for parameter `name`, if written."""
        kw = self.call.kwarg(name)
        if kw is not None:
            return kw.value
        if name in self.params:
            i = self.params.index(name)
            if i < len(self.call.args):
                return self.call.args[i]
        return None

    def need(self, name: str) -> ast.Expr:
        """The argument expression for `name`; an error when it is missing."""
        e = self.expr(name)
        if e is None:
            raise internal(self.span, f"`{self.name}` without its argument `{name}`")
        return e

    def value(self, name: str) -> PyTree:
        """The generated value of argument `name`."""
        return self.g.expr(self.need(name))

    def type(self, name: str) -> Type:
        """The checked type of argument `name`."""
        return self.g.type_of(self.need(name))

    def arg(self, name: str) -> TV:
        """A tensor or scalar argument as a typed value."""
        e = self.need(name)
        t = self.g.type_of(e)
        if not isinstance(t, TensorType):
            raise internal(e.span, f"`{self.name}` with {show(t)} for `{name}`")
        return TV(self.g.expr(e), t)

    def opt(self, name: str) -> TV | None:
        """A tensor argument, or None when it is not written."""
        return self.arg(name) if self.expr(name) is not None else None

    def static(self, name: str, default: Any = _MISSING) -> Any:
        """A compile-time argument: the checker's resolution, else folded from the syntax."""
        if name in self.target.static:
            return self.target.static[name]
        e = self.expr(name)
        if e is None:
            if default is _MISSING:
                raise internal(self.span, f"`{self.name}` without its argument `{name}`")
            return default
        v = fold(self.g, e)
        if v is None:
            raise internal(e.span, f"`{name}` of `{self.name}` is not a compile-time constant")
        return v

    def axis(self, rank: int, name: str = "axis", default: Any = _MISSING) -> Any:
        """A normalized (non-negative) axis or tuple of axes; `default` when not given."""
        v = self.static(name, default)
        if v is None or v is default:
            return v
        if isinstance(v, tuple | list):
            return tuple(int(a) % rank if rank else int(a) for a in v)
        return int(v) % rank if rank else int(v)

    def number(self, name: str, default: float | None = None) -> float | TV | None:
        """A scalar argument: a Python number when it folds, else its typed value."""
        e = self.expr(name)
        if e is None:
            return self.target.static.get(name, default)
        v = fold(self.g, e)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return v
        return self.arg(name)

    def string(self, name: str) -> str:
        """A string argument (a literal, or a binding the checker folded)."""
        if isinstance(self.target.static.get(name), str):
            return str(self.target.static[name])
        e = self.need(name)
        v = fold(self.g, e)
        if isinstance(v, str) and (isinstance(e, ast.StrLit) or isinstance(self.g.type_of(e), StringType)):
            return v
        got = self.g.expr(e)
        if isinstance(got, str):
            return got
        raise internal(e.span, f"`{name}` of `{self.name}` is not a string literal")


Lowering = Callable[[BCall], PyTree]
Entry = tuple[tuple[str, ...], Lowering]
Table = Mapping[str, Entry]
