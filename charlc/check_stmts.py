"""Statements: `let`, assignment (plain, indexed, tuple), `if`, `for`, `while`, `break`,
`continue`, `return`, blocks; and a function body's return type."""

from __future__ import annotations

from charlc import check_expr, check_index, check_returns, check_types
from charlc import syntax as ast
from charlc.check_env import Binding, FnCtx
from charlc.types import FnRefType, TensorType, TupleType, Type, UnitType, show


def function_body(cx: FnCtx, label: str) -> None:
    """Check a function's body and settle its return type."""
    cx.push()
    block_stmts(cx, cx.inst.decl.body.stmts)
    cx.pop()
    check_returns.settle(cx, label)


def block_stmts(cx: FnCtx, stmts: list[ast.Stmt]) -> None:
    for s in stmts:
        stmt(cx, s)


def block(cx: FnCtx, b: ast.Block) -> None:
    cx.push()
    try:
        block_stmts(cx, b.stmts)
    finally:
        cx.pop()


def stmt(cx: FnCtx, s: ast.Stmt) -> None:
    match s:
        case ast.Let():
            let(cx, s)
        case ast.Assign():
            assign(cx, s)
        case ast.ExprStmt(expr=e):
            check_expr.infer(cx, e)
        case ast.If():
            if_stmt(cx, s)
        case ast.For():
            for_stmt(cx, s)
        case ast.While():
            condition(cx, s.cond, "while")
            loop_body(cx, s.body)
        case ast.Break() | ast.Continue():
            if cx.loop_depth == 0:
                word = "break" if isinstance(s, ast.Break) else "continue"
                raise cx.err(s.span, f"`{word}` outside a loop")
        case ast.Return():
            check_returns.return_stmt(cx, s)
        case ast.Block():
            block(cx, s)
        case _:
            raise cx.err(s.span, "declarations are only allowed at the top level")


def value_type(cx: FnCtx, e: ast.Expr, expect: Type | None = None) -> Type:
    """Check an expression whose value is bound or stored: it must have a value."""
    t = check_expr.infer(cx, e, expect)
    if isinstance(t, UnitType):
        raise cx.err(e.span, f"`{cx.text(e, 'this expression')}` has no value")
    if isinstance(t, FnRefType):
        raise cx.err(e.span, f"function `{t.name}` used as a value")
    return t


def let(cx: FnCtx, s: ast.Let) -> None:
    declared = check_types.resolve_annotation(cx, s.type_ann) if s.type_ann is not None else None
    t = value_type(cx, s.value, declared)
    if declared is not None:
        if not check_expr.conform(cx, s.value, declared):
            raise cx.err(
                s.value.span,
                f"`{target_text(s.target)}` is declared {show(declared)} but the value is {show(cx.type_of(s.value))}",
            )
        t = check_types.refine(declared, cx.type_of(s.value))
    else:
        t = cx.type_of(s.value)
    cx.record(s, t)
    const = cx.const(s.value) if not s.mutable else None
    bind_target(cx, s.target, t, s.mutable, const if isinstance(const, int | float | bool | str) else None)


def target_text(t: ast.NameTarget | ast.TupleTarget) -> str:
    if isinstance(t, ast.NameTarget):
        return t.name
    return "(" + ", ".join(target_text(e) for e in t.elems) + ")"


def bind_target(cx: FnCtx, target: ast.NameTarget | ast.TupleTarget, t: Type, mutable: bool, const: object) -> None:
    """Declare the names of a `let` pattern."""
    if isinstance(target, ast.NameTarget):
        cx.declare(target.name, Binding(t, mutable, target, const))
        return
    if not isinstance(t, TupleType) or len(t.elems) != len(target.elems):
        what = f"a {len(t.elems)}-tuple" if isinstance(t, TupleType) else "not a tuple"
        raise cx.err(
            target.span,
            f"cannot destructure {show(t)} into {len(target.elems)} names: the value is {what}",
        )
    names = [n.name for n in target.elems if isinstance(n, ast.NameTarget)]
    for n in target.elems:
        if isinstance(n, ast.NameTarget) and names.count(n.name) > 1:
            raise cx.err(n.span, f"`{n.name}` is bound twice in the same pattern")
    for sub, st in zip(target.elems, t.elems, strict=True):
        bind_target(cx, sub, st, mutable, None)


# ---------------------------------------------------------------------------------------------
# Assignment


def mutable_binding(cx: FnCtx, name: ast.Name) -> Binding:
    b = cx.lookup(name.id)
    if b is None:
        raise cx.err(name.span, check_expr.not_a_value(cx, name.id))
    if not b.mutable:
        raise cx.err(
            name.span, f"cannot assign to `{name.id}`: it is declared without `mut`; write `let mut {name.id}`"
        )
    return b


def assign(cx: FnCtx, s: ast.Assign) -> None:
    target = s.target
    match target:
        case ast.Name():
            b = mutable_binding(cx, target)
            check_expr.infer(cx, target)
            value_type(cx, s.value, b.type)
            stored(cx, s.value, b.type, f"`{target.id}`")
            cx.record(s, b.type)
        case ast.Index(base=ast.Name() as base):
            indexed_assign(cx, s, target, base)
        case ast.TupleLit(elems=elems):
            tuple_assign(cx, s, elems)
        case _:
            raise cx.err(target.span, "cannot assign to this expression; assign to a `let mut` name or its elements")


def stored(cx: FnCtx, value: ast.Expr, t: Type, what: str) -> None:
    """The value of an assignment must have the binding's declared type (shape included)."""
    if not check_expr.conform(cx, value, t):
        raise cx.err(value.span, f"{what} has type {show(t)}; cannot assign {show(cx.type_of(value))}")


def indexed_assign(cx: FnCtx, s: ast.Assign, target: ast.Index, base: ast.Name) -> None:
    mutable_binding(cx, base)
    region = check_expr.infer(cx, target)
    assert isinstance(region, TensorType)
    t = value_type(cx, s.value)
    if not isinstance(t, TensorType):
        raise cx.err(s.value.span, f"cannot store {show(t)} into a tensor")
    if t.dtype != region.dtype and check_expr.can_adopt(cx, s.value, region.dtype):
        check_expr.adopt(cx, s.value, region.dtype)
        t = cx.type_of(s.value)
    assert isinstance(t, TensorType)
    if t.dtype != region.dtype:
        raise cx.err(s.value.span, check_expr.no_conversion(cx, target, region, s.value, t))
    if not check_index.region_fits(t, region):
        raise cx.err(s.value.span, f"cannot broadcast {show(t)} to the indexed region {show(region)} of `{base.id}`")
    cx.record(s, region)


def tuple_assign(cx: FnCtx, s: ast.Assign, elems: list[ast.Expr]) -> None:
    bindings: list[Binding] = []
    for e in elems:
        if not isinstance(e, ast.Name):
            raise cx.err(e.span, "a tuple assignment's targets must be names")
        bindings.append(mutable_binding(cx, e))
        check_expr.infer(cx, e)
    expect = TupleType(tuple(b.type for b in bindings))
    t = value_type(cx, s.value, expect)
    if not isinstance(t, TupleType) or len(t.elems) != len(elems):
        raise cx.err(s.value.span, f"cannot assign {show(t)} to {len(elems)} names")
    if not check_expr.conform(cx, s.value, expect):
        raise cx.err(s.value.span, f"cannot assign {show(cx.type_of(s.value))} to names of type {show(expect)}")
    cx.record(s.target, expect)
    cx.record(s, expect)


# ---------------------------------------------------------------------------------------------
# Control flow


def condition(cx: FnCtx, e: ast.Expr, word: str) -> None:
    """An `if`/`while` condition: a bool scalar."""
    t = check_expr.infer(cx, e)
    if isinstance(t, TensorType) and t.dtype == "bool" and not t.is_scalar:
        raise cx.err(
            e.span,
            f"the condition of `{word}` must be a bool scalar, got {show(t)}; "
            f"use where(cond, a, b) to select elementwise",
        )
    if not (isinstance(t, TensorType) and t.dtype == "bool"):
        raise cx.err(e.span, f"the condition of `{word}` must be bool, got {show(t)}; compare explicitly (`x != 0`)")


def if_stmt(cx: FnCtx, s: ast.If) -> None:
    condition(cx, s.cond, "if")
    block(cx, s.then)
    if isinstance(s.orelse, ast.If):
        if_stmt(cx, s.orelse)
    elif s.orelse is not None:
        block(cx, s.orelse)


def loop_body(cx: FnCtx, b: ast.Block) -> None:
    cx.loop_depth += 1
    try:
        block(cx, b)
    finally:
        cx.loop_depth -= 1


def for_stmt(cx: FnCtx, s: ast.For) -> None:
    for e in (s.start, s.end):
        t = check_expr.infer(cx, e)
        if not (isinstance(t, TensorType) and t.is_scalar and t.is_int):
            raise cx.err(e.span, f"a `for` range bound must be an int32 or int64 scalar, got {show(t)}")
    dtype = check_expr.unify_dtypes(cx, s.start, s.end)
    var_t = TensorType(dtype)
    cx.record(s, var_t)
    cx.push()
    cx.declare(s.var.name, Binding(var_t, False, s))
    try:
        loop_body(cx, s.body)
    finally:
        cx.pop()
