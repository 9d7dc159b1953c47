"""The state of the type checker while it checks one function instance: scopes of bindings, the
instance's side tables, loop nesting, and which expressions are still weakly typed literals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from charlc import syntax as ast
from charlc.checked import FnInstance
from charlc.diagnostics import CharlError
from charlc.types import Type

if TYPE_CHECKING:
    from charlc.typecheck import ProgramChecker

DTYPE_ORDER = ("bool", "int4", "int8", "int32", "int64", "float32", "float64")


@dataclass(frozen=True)
class Sig:
    """A built-in's parameters. `pos` may be given by position or keyword; `kw` only by keyword.
    A trailing `?` marks an optional parameter; keyword-only ones are optional unless marked `!`."""

    pos: tuple[str, ...] = ()
    kw: tuple[str, ...] = ()
    varargs: bool = False

    def names(self) -> list[str]:
        return [n.rstrip("?!") for n in (*self.pos, *self.kw)]


@dataclass
class Binding:
    """What a name in scope stands for: a variable, a size variable or a model argument.

    `node` is what bound it (`NameTarget`, `Param`, `For`, or the `DimExpr` that introduced a size
    variable); `const` its compile-time value when known (immutable bindings only)."""

    type: Type
    mutable: bool
    node: Any
    const: Any = None


@dataclass
class FnCtx:
    """Checking state of one function instance (or of `main`)."""

    prog: ProgramChecker
    inst: FnInstance
    in_function: bool
    declared_ret: Type | None = None
    scopes: list[dict[str, Binding]] = field(default_factory=lambda: [{}])
    loop_depth: int = 0
    returns: list[tuple[ast.Return, Type]] = field(default_factory=list)
    weak: set[Any] = field(default_factory=set)

    # -- errors and source text ----------------------------------------------------------------

    def err(self, span: ast.Span, message: str) -> CharlError:
        """A located error to raise."""
        return CharlError(span, message)

    def text(self, node: Any, fallback: str = "x") -> str:
        """The source text of a one-line node (for messages), or `fallback`."""
        span: ast.Span = node.span
        if span.line != span.end_line:
            return fallback
        line = self.prog.source.line(span.line)
        snippet = line[span.col - 1 : span.end_col - 1]
        return snippet if snippet and len(snippet) <= 40 else fallback

    # -- side tables ---------------------------------------------------------------------------

    def record(self, node: Any, t: Type, weak: bool = False) -> Type:
        """Set the type of `node` (an expression or statement)."""
        self.inst.types[node] = t
        if weak:
            self.weak.add(node)
        else:
            self.weak.discard(node)
        return t

    def type_of(self, node: Any) -> Type:
        return self.inst.types[node]

    def is_weak(self, node: Any) -> bool:
        return node in self.weak

    def const(self, node: Any) -> Any:
        """The folded compile-time value of `node`, or `None`."""
        return self.inst.consts.get(node)

    def set_const(self, node: Any, value: Any) -> None:
        self.inst.consts[node] = value

    # -- scopes --------------------------------------------------------------------------------

    def lookup(self, name: str) -> Binding | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def declare(self, name: str, binding: Binding) -> None:
        self.scopes[-1][name] = binding

    def push(self) -> None:
        self.scopes.append({})

    def pop(self) -> None:
        self.scopes.pop()


def wider_dtype(a: str, b: str) -> str:
    """The dtype a cast should target when `a` and `b` meet (`float64` over `float32` over ints)."""
    ia = DTYPE_ORDER.index(a) if a in DTYPE_ORDER else 0
    ib = DTYPE_ORDER.index(b) if b in DTYPE_ORDER else 0
    return a if ia >= ib else b


def plural(n: int, word: str) -> str:
    """`1 argument`, `2 arguments`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
