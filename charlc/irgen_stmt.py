"""irgen of statements: `let`, assignment, blocks, `return`/`break`/`continue`, and function bodies.

Statements that follow one that may `break`, `continue` or `return` run under an `scf.if` on the
flags those statements set. A function that returns anywhere but in its last top-level statement
keeps a `returned` flag and a result variable (zeros until a `return` assigns it) and returns the
result at its end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xdsl.dialects import func
from xdsl.ir import Attribute, Block, Operation, SSAValue

from charlc import syntax as ast
from charlc.diagnostics import CharlError
from charlc.irgen_control import bool_or, branch, gen_for, gen_while
from charlc.irgen_index import assign_index
from charlc.irgen_scope import ReturnCtx, Var, has_early_return
from charlc.irgen_types import IRGenInternalError, PyTree, flatten, leaf_names
from charlc.types import BOOL, TupleType, Type, UnitType
from dialects.charl import NotOp

if TYPE_CHECKING:
    from charlc.irgen import FnGen


def gen_function_body(g: FnGen, res_types: list[Attribute]) -> None:
    """The statements of the current instance, ending with `func.return`."""
    body = g.inst.decl.body
    end = ast.Span(body.span.end_line, max(body.span.end_col - 1, 1), body.span.end_line, body.span.end_col)
    if has_early_return(body, g.exits):
        returned = Var("%returned", BOOL, g.bool_constant(False, body.span), True, hint="returned")
        g.scope.declare(returned)
        result = None
        if res_types:
            result = Var("%result", g.inst.ret, g.zeros(g.inst.ret, body.span), True, hint="result")
            g.scope.declare(result)
        g.ret = ReturnCtx(returned, result)
    gen_stmts(g, body.stmts)
    if isinstance(g.entry.last_op, func.ReturnOp):
        return
    if g.ret is not None and g.ret.result is not None:
        g.emit(func.ReturnOp(*flatten(g.ret.result.value)), end)
    elif res_types:
        raise IRGenInternalError(f"irgen: {g.inst.symbol} ends without returning a value")
    else:
        g.emit(func.ReturnOp(), end)


def gen_stmts(g: FnGen, stmts: list[ast.Stmt]) -> None:
    """A statement list; the rest of it is guarded after a statement that may leave early."""
    for i, s in enumerate(stmts):
        gen_stmt(g, s)
        if isinstance(s, ast.Break | ast.Continue | ast.Return):
            return  # the rest is unreachable
        kinds = g.exits.exits(s)
        rest = stmts[i + 1 :]
        if kinds and rest:
            guard(g, kinds, rest)
            return


def guard(g: FnGen, kinds: frozenset[str], rest: list[ast.Stmt]) -> None:
    """Run `rest` only if no flag of `kinds` is set."""
    flags: list[SSAValue] = []
    loop = g.loops[-1] if g.loops else None
    if "break" in kinds and loop is not None and loop.brk is not None:
        flags.append(loop.brk.value)
    if "continue" in kinds and loop is not None and loop.cont is not None:
        flags.append(loop.cont.value)
    if "return" in kinds and g.ret is not None:
        flags.append(g.ret.flag.value)
    if not flags:
        raise IRGenInternalError(f"irgen: no flag for {sorted(kinds)}")
    span = rest[0].span
    go = g.value(NotOp(bool_or(g, flags, span)), span, "not")
    branch(g, go, span, lambda: gen_stmts(g, rest), None)


def gen_stmt(g: FnGen, s: ast.Stmt) -> None:
    """One statement."""
    match s:
        case ast.Let():
            gen_let(g, s)
        case ast.Assign():
            gen_assign(g, s)
        case ast.ExprStmt():
            g.expr(s.expr)
        case ast.Block():
            with g.scope.push():
                gen_stmts(g, s.stmts)
        case ast.If():
            gen_if(g, s)
        case ast.For():
            gen_for(g, s)
        case ast.While():
            gen_while(g, s)
        case ast.Break() | ast.Continue():
            gen_jump(g, s)
        case ast.Return():
            gen_return(g, s)
        case _:
            raise IRGenInternalError(f"irgen: unexpected statement {type(s).__name__}")


def stmt_type(g: FnGen, s: ast.Let | ast.Assign | ast.Return, value: ast.Expr) -> Type:
    """The checked type of a statement's value."""
    t = g.inst.types.get(s)
    return t if t is not None else g.type_of(value)


def since(block: Block, mark: Operation | None) -> set[Operation]:
    """The ops appended to `block` after `mark` (all of them when `mark` is None)."""
    out: set[Operation] = set()
    op = block.first_op if mark is None else mark.next_op
    while op is not None:
        out.add(op)
        op = op.next_op
    return out


def name_fresh(value: PyTree, fresh: set[Operation], name: str) -> None:
    """Name the leaves of `value` computed by `fresh` ops after the variable they are bound to."""
    for leaf, leaf_name in zip(flatten(value), leaf_names(value, name), strict=True):
        if leaf.owner in fresh:
            leaf.name_hint = leaf_name


def gen_let(g: FnGen, s: ast.Let) -> None:
    """`let [mut] target [: type] = value`."""
    mark = g.block.last_op
    t = stmt_type(g, s, s.value)
    value = g.coerce(g.expr(s.value), t, s.span)
    bind(g, s.target, t, value, s.mutable, since(g.block, mark))


def bind(
    g: FnGen, target: ast.NameTarget | ast.TupleTarget, t: Type, value: PyTree, mutable: bool, fresh: set[Operation]
) -> None:
    """Declare the names of a `let` target (destructuring tuples)."""
    if isinstance(target, ast.NameTarget):
        name_fresh(value, fresh, target.name)
        g.scope.declare(Var(target.name, t, value, mutable))
        return
    if not isinstance(t, TupleType) or not isinstance(value, list) or len(value) != len(target.elems):
        raise IRGenInternalError(f"irgen: cannot destructure {t} at {target.span.line}:{target.span.col}")
    for sub, st, sv in zip(target.elems, t.elems, value, strict=True):
        bind(g, sub, st, sv, mutable, fresh)


def lookup(g: FnGen, name: ast.Name) -> Var:
    """The variable an assignment target names."""
    var = g.scope.lookup(name.id)
    if var is None:
        raise IRGenInternalError(f"irgen: assignment to unbound `{name.id}`")
    return var


def gen_assign(g: FnGen, s: ast.Assign) -> None:
    """`x = e`, `x[i] = e`, `(a, b) = e`."""
    if isinstance(s.target, ast.Index):
        if not isinstance(s.target.base, ast.Name):
            raise IRGenInternalError("irgen: indexed assignment to a non-variable")
        assign_index(g, s.target, s.value, lookup(g, s.target.base))
        return
    mark = g.block.last_op
    value = g.expr(s.value)
    assign(g, s.target, value, mark)


def assign(g: FnGen, target: ast.Expr, value: PyTree, mark: Operation | None) -> None:
    """Rebind the variables of an assignment target to `value` (ops after `mark` are fresh)."""
    if isinstance(target, ast.Name):
        var = lookup(g, target)
        if isinstance(value, str) and g.block is not g.entry:
            raise CharlError(
                target.span,
                f"cannot assign a string to `{target.id}` inside `if`, `for` or `while`: strings are "
                "compile-time values; print the text inside the branch instead",
            )
        value = g.coerce(value, var.type, target.span)
        name_fresh(value, since(g.block, mark), var.label)
        var.value = value
        return
    if isinstance(target, ast.TupleLit) and isinstance(value, list) and len(value) == len(target.elems):
        for sub, sv in zip(target.elems, value, strict=True):
            assign(g, sub, sv, mark)
        return
    raise IRGenInternalError(f"irgen: unsupported assignment target at {target.span.line}:{target.span.col}")


def gen_if(g: FnGen, s: ast.If) -> None:
    """`if c { } else if d { } else { }` -> nested `scf.if`."""
    cond = g.expr(s.cond)
    orelse = s.orelse
    else_fn = None
    if isinstance(orelse, ast.Block):

        def else_fn() -> None:
            gen_stmts(g, orelse.stmts)
    elif isinstance(orelse, ast.If):

        def else_fn() -> None:
            gen_if(g, orelse)

    branch(g, cond, s.span, lambda: gen_stmts(g, s.then.stmts), else_fn)


def gen_jump(g: FnGen, s: ast.Break | ast.Continue) -> None:
    """`break` / `continue`: set the innermost loop's flag."""
    loop = g.loops[-1] if g.loops else None
    var = None
    if loop is not None:
        var = loop.brk if isinstance(s, ast.Break) else loop.cont
    if var is None:
        raise IRGenInternalError(f"irgen: {type(s).__name__.lower()} outside a loop")
    var.value = g.bool_constant(True, s.span)


def gen_return(g: FnGen, s: ast.Return) -> None:
    """`return e`: `func.return`, or (inside control flow) set the result and the flag."""
    ret = g.inst.ret
    value: PyTree = []
    if s.value is not None:
        value = g.coerce(g.expr(s.value), ret, s.span)
    elif not isinstance(ret, UnitType) and g.ir_types(ret):
        raise IRGenInternalError(f"irgen: `return` without a value in {g.inst.symbol}")
    if g.ret is None:
        g.emit(func.ReturnOp(*flatten(value)), s.span)
        return
    if g.ret.result is not None:
        g.ret.result.value = value
    g.ret.flag.value = g.bool_constant(True, s.span)
