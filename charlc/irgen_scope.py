"""Variables, block scopes and control-flow bookkeeping of irgen.

A `Var` is a source binding (or a synthetic one: the `break`/`continue`/`returned` flags and the
early-return result); its `value` is the pytree it holds at the current point of generation. An
assignment replaces `value`; control flow (scf.if/for/while) carries every mutable variable whose
value changes inside a region out through the region's results.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from charlc import syntax as ast
from charlc.types import Type


@dataclass(eq=False)
class Var:
    """A binding: its name, Charl type, current value (a pytree) and whether it may be assigned."""

    name: str
    type: Type
    value: Any
    mutable: bool
    hint: str = ""  # the name_hint of values it holds; defaults to `name`

    @property
    def label(self) -> str:
        """The name hint of the values the variable holds."""
        return self.hint or self.name


@dataclass
class Scope:
    """Nested block scopes: the innermost binding of a name wins (shadowing)."""

    frames: list[dict[str, Var]] = field(default_factory=lambda: [{}])

    def lookup(self, name: str) -> Var | None:
        """The innermost visible binding of `name`."""
        for frame in reversed(self.frames):
            var = frame.get(name)
            if var is not None:
                return var
        return None

    def declare(self, var: Var) -> None:
        """Bind `var` in the innermost scope (shadowing outer bindings of its name)."""
        self.frames[-1][var.name] = var

    @contextmanager
    def push(self) -> Iterator[None]:
        """A nested scope for the duration of the `with`."""
        self.frames.append({})
        try:
            yield
        finally:
            self.frames.pop()

    def mutable_vars(self) -> list[Var]:
        """The visible (not shadowed) mutable variables, outermost first."""
        seen: dict[str, Var] = {}
        for frame in self.frames:
            seen.update(frame)
        return [v for v in seen.values() if v.mutable]


@dataclass
class LoopCtx:
    """The flags of the innermost loop: set by `break` / `continue` (None when not used)."""

    brk: Var | None
    cont: Var | None


@dataclass
class ReturnCtx:
    """Early return: `flag` says whether the function has returned, `result` holds the value."""

    flag: Var
    result: Var | None


@dataclass
class ExitAnalysis:
    """Which of `break`, `continue`, `return` a statement may execute (memoized per node).

    `break` and `continue` count only when they leave the statement's own loop level (those inside a
    nested loop belong to that loop); `return` counts at any depth.
    """

    memo: dict[Any, frozenset[str]] = field(default_factory=dict)

    def exits(self, s: ast.Stmt) -> frozenset[str]:
        """The ways statement `s` may leave early."""
        got = self.memo.get(s)
        if got is None:
            got = self._exits(s)
            self.memo[s] = got
        return got

    def _exits(self, s: ast.Stmt) -> frozenset[str]:
        match s:
            case ast.Break():
                return frozenset({"break"})
            case ast.Continue():
                return frozenset({"continue"})
            case ast.Return():
                return frozenset({"return"})
            case ast.Block():
                return self.block(s.stmts)
            case ast.If():
                kinds = self.block(s.then.stmts)
                if s.orelse is not None:
                    kinds |= self.exits(s.orelse)
                return kinds
            case ast.For() | ast.While():
                return self.block(s.body.stmts) & {"return"}
        return frozenset()

    def block(self, stmts: list[ast.Stmt]) -> frozenset[str]:
        """The ways a statement list may leave early."""
        out: frozenset[str] = frozenset()
        for s in stmts:
            out |= self.exits(s)
        return out

    def in_loop_body(self, body: ast.Block) -> frozenset[str]:
        """What a loop body may do to its own loop: `break`, `continue`, `return`."""
        return self.block(body.stmts)


def has_early_return(body: ast.Block, analysis: ExitAnalysis) -> bool:
    """Whether a function body returns anywhere but in its last top-level statement."""
    stmts = body.stmts
    for i, s in enumerate(stmts):
        last = i == len(stmts) - 1
        if isinstance(s, ast.Return):
            if not last:
                return True
        elif "return" in analysis.exits(s):
            return True
    return False
