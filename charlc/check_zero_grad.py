"""The zero-gradient warning of LANGUAGE.md section 9.

A syntactic dataflow over a function body: for each value it tracks which parameters reach it along a
differentiable path (`live`) and which reach it only through a zero-gradient op (`dead`: comparisons,
`argmax`, `floor ceil round sign`, a cast to an integer or bool type, `stop_gradient`). Calls of other
functions are treated as differentiable, control flow conditions carry no gradient, and assignments
merge into the old value (conservative: a parameter with any differentiable path is never warned about).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from charlc import syntax as ast
from charlc.types import INT_DTYPES

_ZERO_FNS = frozenset({"argmax", "floor", "ceil", "round", "sign", "stop_gradient"})
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">=", "and", "or"})
_ZERO_CASTS = frozenset(INT_DTYPES + ("bool",))
_MAX_PASSES = 32


@dataclass(frozen=True)
class Flow:
    """Parameters reaching a value: differentiably (`live`) or only through a zero-gradient op
    (`dead`: parameter index -> description of the first such op and its span)."""

    live: frozenset[int] = frozenset()
    dead: tuple[tuple[int, str, ast.Span], ...] = ()

    def merge(self, other: Flow) -> Flow:
        """Both flows together (the first recorded zero-gradient op of a parameter wins)."""
        known = {i for i, _, _ in self.dead}
        dead = self.dead + tuple(d for d in other.dead if d[0] not in known)
        return Flow(self.live | other.live, dead)

    def kill(self, what: str, span: ast.Span) -> Flow:
        """This flow after a zero-gradient op: every live parameter becomes dead."""
        known = {i for i, _, _ in self.dead}
        dead = self.dead + tuple((i, what, span) for i in sorted(self.live) if i not in known)
        return Flow(frozenset(), dead)


@dataclass
class _Walker:
    """Walks one function body, tracking the flow of every variable and of the returned values."""

    scopes: list[dict[str, Flow]] = field(default_factory=lambda: [{}])
    result: Flow = field(default_factory=Flow)

    def lookup(self, name: str) -> Flow:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return Flow()

    def assign(self, name: str, flow: Flow) -> None:
        for scope in reversed(self.scopes):
            if name in scope:
                scope[name] = scope[name].merge(flow)
                return

    def bind(self, target: ast.NameTarget | ast.TupleTarget, flow: Flow) -> None:
        if isinstance(target, ast.NameTarget):
            self.scopes[-1][target.name] = flow
        else:
            for t in target.elems:
                self.bind(t, flow)

    def snapshot(self) -> tuple[object, ...]:
        return (self.result, tuple(tuple(s.items()) for s in self.scopes))

    # -- statements ----------------------------------------------------------------------------

    def block(self, b: ast.Block) -> None:
        self.scopes.append({})
        for s in b.stmts:
            self.stmt(s)
        self.scopes.pop()

    def stmt(self, s: ast.Stmt) -> None:
        match s:
            case ast.Let():
                self.bind(s.target, self.expr(s.value))
            case ast.Assign():
                self.assign_to(s.target, self.expr(s.value))
            case ast.ExprStmt():
                self.expr(s.expr)
            case ast.Return():
                if s.value is not None:
                    self.result = self.result.merge(self.expr(s.value))
            case ast.Block():
                self.block(s)
            case ast.If():
                self.expr(s.cond)
                self.block(s.then)
                if s.orelse is not None:
                    self.stmt(s.orelse)
            case ast.For() | ast.While():
                self.loop(s)
            case _:
                pass

    def assign_to(self, target: ast.Expr, flow: Flow) -> None:
        match target:
            case ast.Name():
                self.assign(target.id, flow)
            case ast.Index():
                self.assign_to(target.base, flow)
            case ast.TupleLit():
                for t in target.elems:
                    self.assign_to(t, flow)
            case _:
                pass

    def loop(self, s: ast.For | ast.While) -> None:
        """Run the body until the outer variables stop changing (values flow across iterations)."""
        for _ in range(_MAX_PASSES):
            before = self.snapshot()
            self.scopes.append({})
            if isinstance(s, ast.For):
                self.bind(s.var, Flow())
            self.block(s.body)
            self.scopes.pop()
            if self.snapshot() == before:
                return

    # -- expressions ---------------------------------------------------------------------------

    def expr(self, e: ast.Expr | ast.SliceItem | None) -> Flow:
        match e:
            case ast.Name():
                return self.lookup(e.id)
            case ast.Unary():
                f = self.expr(e.operand)
                return f.kill("`not`", e.span) if e.op == "not" else f
            case ast.Binary():
                f = self.expr(e.lhs).merge(self.expr(e.rhs))
                return f.kill(f"the comparison `{e.op}`", e.span) if e.op in _COMPARE else f
            case ast.Call():
                return self.call(e)
            case ast.SliceItem():
                return self.expr(e.lo).merge(self.expr(e.hi))
            case ast.Index():
                return self.all([e.base, *e.items])
            case ast.Attribute() | ast.TupleGet():
                return self.expr(e.base)
            case ast.TensorLit() | ast.TupleLit():
                return self.all(e.elems)
            case _:
                return Flow()

    def all(self, es: list[ast.Expr] | list[ast.Expr | ast.SliceItem]) -> Flow:
        out = Flow()
        for x in es:
            out = out.merge(self.expr(x))
        return out

    def call(self, e: ast.Call) -> Flow:
        f = self.all([e.callee, *e.args, *(k.value for k in e.kwargs)])
        if not isinstance(e.callee, ast.Name) or any(e.callee.id in scope for scope in self.scopes):
            return f
        name = e.callee.id
        if name in _ZERO_FNS:
            return f.kill(name, e.span)
        if name == "cast" and len(e.args) == 2:
            dtype = e.args[1]
            if isinstance(dtype, ast.Name) and dtype.id in _ZERO_CASTS:
                return f.kill(f"a cast to {dtype.id}", e.span)
        return f


def zero_gradient_reason(decl: ast.FnDecl, i: int) -> str | None:
    """Why the gradient of `decl` with respect to parameter `i` is identically zero (the first
    zero-gradient op on its way to the result and that op's line), or None when it may not be."""
    walker = _Walker()
    for j, p in enumerate(decl.params):
        walker.scopes[0][p.name] = Flow(frozenset({j}))
    walker.block(decl.body)
    result = walker.result
    if i in result.live:
        return None
    for j, what, span in result.dead:
        if j == i:
            return f"{what} (line {span.line})"
    return None


def zero_gradient_message(decl: ast.FnDecl, i: int) -> str | None:
    """The warning text for `grad(decl, wrt: i)` when that gradient is always zero, else None."""
    reason = zero_gradient_reason(decl, i)
    if reason is None:
        return None
    name = decl.params[i].name
    return (
        f"the gradient of `{decl.name}` with respect to argument {i + 1} (`{name}`) is always zero: "
        f"`{name}` reaches the result only through {reason}"
    )
