"""irgen of control flow: `if` -> `scf.if`, `for` -> `scf.for`, `while` -> `scf.while`.

A region carries the mutable variables it assigns: an `scf.if` yields every visible mutable variable
that either branch changes; a loop starts with every visible mutable variable as a loop-carried
value and, once its body is generated, drops those the body leaves unchanged (their uses go back to
the value before the loop). `break` and `continue` set boolean flags; a `for` with a `break` or a
`return` becomes an `scf.while` on an integer counter whose condition also tests the flags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IndexType
from xdsl.ir import Attribute, Block, Region, SSAValue

from charlc import syntax as ast
from charlc.irgen_scope import LoopCtx, Var
from charlc.irgen_types import PyTree, flatten, leaf_names, unflatten_like
from charlc.types import BOOL, TensorType, Type
from dialects.charl import AddOp, AndOp, CompareOp, NotOp, OrOp

if TYPE_CHECKING:
    from charlc.irgen import FnGen


@dataclass
class Carry:
    """The mutable variables visible before a region, their values there, and their leaves."""

    vars: list[Var]
    inits: list[PyTree] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.inits = [v.value for v in self.vars]

    def init_leaves(self) -> list[SSAValue]:
        """The leaves of the values before the region, in order."""
        return [x for tree in self.inits for x in flatten(tree)]

    def types(self) -> list[Attribute]:
        """The IR types of those leaves."""
        return [x.type for x in self.init_leaves()]

    def current_leaves(self) -> list[SSAValue]:
        """The leaves of the variables' values at the current point."""
        return [x for v in self.vars for x in flatten(v.value)]

    def bind(self, leaves: list[SSAValue]) -> None:
        """Give the variables the values `leaves` (one per leaf of their values before)."""
        pos = 0
        for var, init in zip(self.vars, self.inits, strict=True):
            n = len(flatten(init))
            var.value = unflatten_like(init, leaves[pos : pos + n])
            pos += n

    def names(self) -> list[str]:
        """A name hint per leaf: the name of the variable it belongs to."""
        return [n for var, init in zip(self.vars, self.inits, strict=True) for n in leaf_names(init, var.label)]

    def name_args(self, args: list[SSAValue]) -> None:
        """Name fresh block arguments after the variables they carry."""
        for a, name in zip(args, self.names(), strict=True):
            a.name_hint = name

    def restore(self) -> None:
        """Give the variables back their values from before the region."""
        for var, init in zip(self.vars, self.inits, strict=True):
            var.value = init

    def finish(self, kept: list[bool], results: list[SSAValue]) -> None:
        """Bind the variables to the region's results (kept leaves) or their values before."""
        it = iter(results)
        out = [next(it) if k else x for x, k in zip(self.init_leaves(), kept, strict=True)]
        self.bind(out)
        names = self.names()
        for x, k, name in zip(out, kept, names, strict=True):
            if k:
                x.name_hint = name


def bool_or(g: FnGen, values: list[SSAValue], span: ast.Span) -> SSAValue:
    """`values[0] or values[1] or ...` on `i1` scalars."""
    out = values[0]
    for v in values[1:]:
        out = g.value(OrOp(out, v), span, "or")
    return out


def branch(
    g: FnGen, cond: SSAValue, span: ast.Span, then_fn: Callable[[], None], else_fn: Callable[[], None] | None
) -> None:
    """An `scf.if` on `cond` whose regions run `then_fn` / `else_fn`, yielding changed variables."""
    carry = Carry(g.scope.mutable_vars())
    before = carry.init_leaves()
    then_blk, then_vals = _region(g, carry, then_fn)
    else_blk, else_vals = _region(g, carry, else_fn)
    kept = [t is not b or e is not b for t, e, b in zip(then_vals, else_vals, before, strict=True)]
    then_yield = [x for x, k in zip(then_vals, kept, strict=True) if k]
    else_yield = [x for x, k in zip(else_vals, kept, strict=True) if k]
    then_blk.add_op(g.locate(scf.YieldOp(*then_yield), span))
    regions = [Region(then_blk)]
    if else_fn is not None or then_yield:
        else_blk.add_op(g.locate(scf.YieldOp(*else_yield), span))
        regions.append(Region(else_blk))
    else:
        regions.append(Region())
    op = scf.IfOp(cond, [x.type for x in then_yield], regions[0], regions[1])
    g.emit(op, span, "if")
    carry.finish(kept, list(op.results))


def _region(g: FnGen, carry: Carry, fn: Callable[[], None] | None) -> tuple[Block, list[SSAValue]]:
    block = Block()
    if fn is not None:
        with g.at(block), g.scope.push():
            fn()
    vals = carry.current_leaves()
    carry.restore()
    return block, vals


def select_if(
    g: FnGen,
    cond: SSAValue,
    then_value: Callable[[], SSAValue],
    else_value: Callable[[], SSAValue],
    span: ast.Span,
    hint: str = "cond",
) -> SSAValue:
    """`cond ? then : else` evaluating only the chosen side (an `scf.if` with one result)."""
    then_blk, else_blk = Block(), Block()
    with g.at(then_blk):
        v = then_value()
        g.emit(scf.YieldOp(v), span)
    with g.at(else_blk):
        g.emit(scf.YieldOp(else_value()), span)
    return g.value(scf.IfOp(cond, [v.type], Region(then_blk), Region(else_blk)), span, hint)


# ---- loops -----------------------------------------------------------------------------------------


def flag(g: FnGen, name: str, span: ast.Span) -> Var:
    """A new mutable boolean flag, false, declared in the current scope."""
    var = Var("%" + name, BOOL, g.bool_constant(False, span), True, hint=name)
    g.scope.declare(var)
    return var


def loop_body(g: FnGen, body: ast.Block, brk: Var | None, exits: frozenset[str]) -> None:
    """The statements of one iteration (a `continue` flag is reset at its start)."""
    from charlc.irgen_stmt import gen_stmts

    with g.scope.push():
        cont = flag(g, "continue", body.span) if "continue" in exits else None
        g.loops.append(LoopCtx(brk, cont))
        try:
            gen_stmts(g, body.stmts)
        finally:
            g.loops.pop()


def exit_flags(g: FnGen, brk: Var | None, exits: frozenset[str]) -> list[SSAValue]:
    """The current values of the flags that end a loop: its `break` flag and the `returned` flag."""
    out = [brk.value] if brk is not None else []
    if "return" in exits and g.ret is not None:
        out.append(g.ret.flag.value)
    return out


def loop_var_type(g: FnGen, s: ast.For) -> TensorType:
    """The integer type of a `for` loop's variable."""
    t: Type | None = g.inst.types.get(s)
    if not isinstance(t, TensorType):
        t = g.tensor_type_of(s.start)
    return t


def gen_for(g: FnGen, s: ast.For) -> None:
    """`for i in a..b { }` -> `scf.for` over `index` (or `scf.while` when it may break or return)."""
    exits = g.exits.in_loop_body(s.body)
    if "break" in exits or "return" in exits:
        gen_for_while(g, s, exits)
        return
    vt = loop_var_type(g, s)
    lb = g.index(g.expr(s.start), s.start.span)
    ub = g.index(g.expr(s.end), s.end.span)
    step = g.index(1, s.span)
    carry = Carry(g.scope.mutable_vars())
    body = Block(arg_types=[IndexType(), *carry.types()])
    body.args[0].name_hint = s.var.name
    carry.name_args(list(body.args[1:]))
    carry.bind(list(body.args[1:]))
    with g.at(body), g.scope.push():
        iv = g.value(arith.IndexCastOp(body.args[0], g.ir_type(vt)), s.var.span, s.var.name)
        g.scope.declare(Var(s.var.name, vt, iv, False))
        loop_body(g, s.body, None, exits)
        finals = carry.current_leaves()
    kept = prune(body, list(body.args[1:]), [], finals, carry.init_leaves())
    with g.at(body):
        g.emit(scf.YieldOp(*[x for x, k in zip(finals, kept, strict=True) if k]), s.span)
    inits = [x for x, k in zip(carry.init_leaves(), kept, strict=True) if k]
    op = g.emit(scf.ForOp(lb, ub, step, inits, body), s.span, "for")
    carry.finish(kept, list(op.results))


def prune(
    after: Block,
    after_args: Sequence[SSAValue],
    before_args: Sequence[SSAValue],
    finals: Sequence[SSAValue],
    inits: Sequence[SSAValue],
    before: Block | None = None,
) -> list[bool]:
    """Drop loop-carried leaves the body leaves unchanged; returns which leaves are kept."""
    kept: list[bool] = []
    for k, (arg, fin, init) in enumerate(zip(after_args, finals, inits, strict=True)):
        keep = fin is not arg
        kept.append(keep)
        if keep:
            continue
        arg.replace_all_uses_with(init)
        after.erase_arg(arg)  # type: ignore[arg-type]
        if before is not None:
            before_args[k].replace_all_uses_with(init)
            before.erase_arg(before_args[k])  # type: ignore[arg-type]
    return kept


def gen_while(g: FnGen, s: ast.While) -> None:
    """`while c { }` -> `scf.while`: the condition in the before-region, the body after."""
    exits = g.exits.in_loop_body(s.body)
    with g.scope.push():
        brk = flag(g, "break", s.span) if "break" in exits else None

        def cond() -> SSAValue:
            stop = exit_flags(g, brk, exits)
            if not stop:
                return g.expr(s.cond)
            return select_if(
                g,
                bool_or(g, stop, s.cond.span),
                lambda: g.bool_constant(False, s.cond.span),
                lambda: g.expr(s.cond),
                s.cond.span,
            )

        while_loop(g, s.span, cond, lambda: loop_body(g, s.body, brk, exits))


def gen_for_while(g: FnGen, s: ast.For, exits: frozenset[str]) -> None:
    """A `for` that may `break` or `return`: an `scf.while` on a counter of the loop var's type."""
    vt = loop_var_type(g, s)
    start = g.coerce(g.expr(s.start), vt, s.start.span)
    end = g.coerce(g.expr(s.end), vt, s.end.span)
    with g.scope.push():
        counter = Var("%counter", vt, start, True, hint=s.var.name)
        g.scope.declare(counter)
        brk = flag(g, "break", s.span) if "break" in exits else None

        def cond() -> SSAValue:
            c = g.value(CompareOp(counter.value, end, "lt"), s.span, "cmp")
            stop = exit_flags(g, brk, exits)
            if stop:
                go = g.value(NotOp(bool_or(g, stop, s.span)), s.span, "not")
                c = g.value(AndOp(c, go), s.span, "and")
            return c

        def body() -> None:
            i = counter.value
            with g.scope.push():
                g.scope.declare(Var(s.var.name, vt, i, False))
                loop_body(g, s.body, brk, exits)
            one = g.constant(1, vt, s.span)
            counter.value = g.value(AddOp(i, one), s.span, s.var.name)

        while_loop(g, s.span, cond, body)


def while_loop(g: FnGen, span: ast.Span, cond: Callable[[], SSAValue], body: Callable[[], None]) -> None:
    """An `scf.while` carrying the visible mutable variables the body changes."""
    carry = Carry(g.scope.mutable_vars())
    types = carry.types()
    before, after = Block(arg_types=types), Block(arg_types=types)
    carry.name_args(list(before.args))
    carry.name_args(list(after.args))
    carry.bind(list(before.args))
    with g.at(before):
        c = cond()
    carry.bind(list(after.args))
    with g.at(after), g.scope.push():
        body()
    finals = carry.current_leaves()
    before_args, after_args = list(before.args), list(after.args)
    kept = prune(after, after_args, before_args, finals, carry.init_leaves(), before)
    with g.at(before):
        g.emit(scf.ConditionOp(c, *[a for a, k in zip(before_args, kept, strict=True) if k]), span)
    with g.at(after):
        g.emit(scf.YieldOp(*[x for x, k in zip(finals, kept, strict=True) if k]), span)
    inits = [x for x, k in zip(carry.init_leaves(), kept, strict=True) if k]
    op = scf.WhileOp(inits, [x.type for x in inits], Region(before), Region(after))
    g.emit(op, span, "while")
    carry.finish(kept, list(op.results))
