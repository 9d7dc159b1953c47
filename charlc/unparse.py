"""The syntax tree back to Charl source, and structural equality of syntax trees.

`unparse(parse(s))` is valid Charl that parses to a tree `ast_equal` to `parse(s)`: same node kinds
and values, spans aside. Expressions get the fewest parentheses the parser's precedence needs.
"""

from __future__ import annotations

import dataclasses

from charlc.syntax import (
    Assign,
    Attribute,
    Binary,
    Block,
    BoolLit,
    Break,
    Call,
    Continue,
    Expr,
    ExprStmt,
    FloatLit,
    FnDecl,
    For,
    If,
    Index,
    IntLit,
    Item,
    Keyword,
    Let,
    ModelDecl,
    Name,
    NameTarget,
    Param,
    ParamField,
    Program,
    Return,
    SliceItem,
    Span,
    Stmt,
    StrLit,
    TensorLit,
    TensorTypeExpr,
    TupleGet,
    TupleLit,
    TupleTarget,
    TupleTypeExpr,
    TypeExpr,
    Unary,
    While,
)

_PREC = {"or": 1, "and": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3}
_PREC.update({"+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "@": 5, "**": 7})
_CMP, _UNARY, _POSTFIX, _ATOM = 3, 6, 8, 9
_INDENT = "    "
_ESCAPE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def unparse(program: Program) -> str:
    """Charl source for a whole program, one item after another."""
    lines: list[str] = []
    for item in program.items:
        lines.extend(_item(item, 0))
    return "\n".join(lines) + "\n"


def unparse_expr(e: Expr) -> str:
    """Charl source for one expression."""
    if isinstance(e, Binary):
        return _binary(e)
    if isinstance(e, Unary):
        operand = _wrap(e.operand, _UNARY)
        return f"not {operand}" if e.op == "not" else f"-{operand}"
    if isinstance(e, Call | Index | Attribute | TupleGet):
        return _postfix(e)
    return _atom(e)


def unparse_type(t: TypeExpr) -> str:
    """Charl source for a type expression."""
    if isinstance(t, TensorTypeExpr):
        dims = ", ".join("?" if d.value is None else str(d.value) for d in t.dims)
        return f"tensor<{t.dtype}, [{dims}]>"
    if isinstance(t, TupleTypeExpr):
        return "(" + ", ".join(unparse_type(x) for x in t.elems) + ")"
    return t.name


# ---------------------------------------------------------------------------------------------
# Expressions


def _prec(e: Expr) -> int:
    if isinstance(e, Binary):
        return _PREC[e.op]
    if isinstance(e, Unary):
        return _UNARY
    if isinstance(e, Call | Index | Attribute | TupleGet):
        return _POSTFIX
    return _ATOM


def _wrap(e: Expr, min_prec: int) -> str:
    """`e`, in parentheses when it binds looser than `min_prec`."""
    s = unparse_expr(e)
    return s if _prec(e) >= min_prec else f"({s})"


def _binary(e: Binary) -> str:
    if e.op == "**":  # postfix ** unary
        return f"{_wrap(e.lhs, _POSTFIX)} ** {_wrap(e.rhs, _UNARY)}"
    p = _PREC[e.op]
    lhs = _wrap(e.lhs, p + 1 if p == _CMP else p)  # comparisons do not chain
    return f"{lhs} {e.op} {_wrap(e.rhs, p + 1)}"


def _postfix(e: Call | Index | Attribute | TupleGet) -> str:
    if isinstance(e, Call):
        args = [unparse_expr(a) for a in e.args] + [_keyword(k) for k in e.kwargs]
        return f"{_wrap(e.callee, _POSTFIX)}({', '.join(args)})"
    if isinstance(e, Index):
        return f"{_wrap(e.base, _POSTFIX)}[{', '.join(_index_item(i) for i in e.items)}]"
    base = _wrap(e.base, _POSTFIX)
    if isinstance(e.base, IntLit | FloatLit):  # `1.0` would lex as a float
        base = f"({base})"
    field = e.name if isinstance(e, Attribute) else str(e.index)
    return f"{base}.{field}"


def _keyword(k: Keyword) -> str:
    return f"{k.name}: {unparse_expr(k.value)}"


def _index_item(item: Expr | SliceItem) -> str:
    if isinstance(item, SliceItem):
        lo = "" if item.lo is None else unparse_expr(item.lo)
        hi = "" if item.hi is None else unparse_expr(item.hi)
        return f"{lo}:{hi}"
    return unparse_expr(item)


def _atom(e: Expr) -> str:
    if isinstance(e, IntLit | FloatLit):
        return e.text
    if isinstance(e, BoolLit):
        return "true" if e.value else "false"
    if isinstance(e, StrLit):
        return '"' + "".join(_ESCAPE.get(c, c) for c in e.value) + '"'
    if isinstance(e, Name):
        return e.id
    if isinstance(e, TensorLit):
        return "[" + ", ".join(unparse_expr(x) for x in e.elems) + "]"
    if isinstance(e, TupleLit):
        return "(" + ", ".join(unparse_expr(x) for x in e.elems) + ")"
    raise TypeError(f"not an expression node: {type(e).__name__}")


# ---------------------------------------------------------------------------------------------
# Statements and declarations


def _item(item: Item, depth: int) -> list[str]:
    if isinstance(item, FnDecl):
        return _fn(item, depth)
    if isinstance(item, ModelDecl):
        return _model(item, depth)
    return _stmt(item, depth)


def _stmt(s: Stmt, depth: int) -> list[str]:
    pad = _INDENT * depth
    if isinstance(s, If | For | While | Block):
        return _compound(s, depth)
    if isinstance(s, Let):
        ann = "" if s.type_ann is None else f": {unparse_type(s.type_ann)}"
        mut = "mut " if s.mutable else ""
        return [f"{pad}let {mut}{_target(s.target)}{ann} = {unparse_expr(s.value)}"]
    if isinstance(s, Assign):
        return [f"{pad}{unparse_expr(s.target)} = {unparse_expr(s.value)}"]
    if isinstance(s, ExprStmt):
        return [f"{pad}{unparse_expr(s.expr)}"]
    if isinstance(s, Break | Continue):
        return [pad + ("break" if isinstance(s, Break) else "continue")]
    if isinstance(s, Return):
        return [pad + ("return" if s.value is None else f"return {unparse_expr(s.value)}")]
    raise TypeError(f"not a statement node: {type(s).__name__}")


def _compound(s: If | For | While | Block, depth: int) -> list[str]:
    pad = _INDENT * depth
    if isinstance(s, Block):
        return _block(pad, s, depth)
    if isinstance(s, For):
        start = unparse_expr(s.start)
        sep = " .. " if start.endswith(".") else ".."  # `2. .. n`, not `2...n`
        return _block(f"{pad}for {s.var.name} in {start}{sep}{unparse_expr(s.end)} ", s.body, depth)
    if isinstance(s, While):
        return _block(f"{pad}while {unparse_expr(s.cond)} ", s.body, depth)
    lines = _block(f"{pad}if {unparse_expr(s.cond)} ", s.then, depth)
    orelse = s.orelse
    while orelse is not None:
        if isinstance(orelse, If):
            tail = _block(f"if {unparse_expr(orelse.cond)} ", orelse.then, depth)
            orelse = orelse.orelse
        else:
            tail = _block("", orelse, depth)
            orelse = None
        lines[-1] += " else " + tail[0]
        lines.extend(tail[1:])
    return lines


def _block(head: str, block: Block, depth: int) -> list[str]:
    """`head{`, the statements one level deeper, `}`."""
    lines = [head + "{"]
    for s in block.stmts:
        lines.extend(_stmt(s, depth + 1))
    lines.append(_INDENT * depth + "}")
    return lines


def _target(t: NameTarget | TupleTarget) -> str:
    if isinstance(t, NameTarget):
        return t.name
    return "(" + ", ".join(_target(x) for x in t.elems) + ")"


def _params(params: list[Param]) -> str:
    return ", ".join(p.name if p.type is None else f"{p.name}: {unparse_type(p.type)}" for p in params)


def _fn(f: FnDecl, depth: int) -> list[str]:
    ret = "" if f.ret is None else f" -> {unparse_type(f.ret)}"
    return _block(f"{_INDENT * depth}fn {f.name}({_params(f.params)}){ret} ", f.body, depth)


def _model(m: ModelDecl, depth: int) -> list[str]:
    pad, inner = _INDENT * depth, _INDENT * (depth + 1)
    args = f"({_params(m.args)})" if m.args else ""
    lines = [f"{pad}model {m.name}{args} {{"]
    if m.layers is not None:
        lines.append(f"{inner}layers {{")
        lines.extend(f"{inner}{_INDENT}{unparse_expr(c)}" for c in m.layers)
        lines.append(f"{inner}}}")
    if m.params is not None:
        lines.append(f"{inner}params {{")
        lines.extend(f"{inner}{_INDENT}{_param_field(p)}" for p in m.params)
        lines.append(f"{inner}}}")
    for method in m.methods:
        lines.extend(_fn(method, depth + 1))
    lines.append(pad + "}")
    return lines


def _param_field(p: ParamField) -> str:
    if p.model is not None:
        return f"{p.name}: {unparse_expr(p.model)}"
    ty = "" if p.type is None else unparse_type(p.type)
    init = "" if p.init is None else f" = {unparse_expr(p.init)}"
    return f"{p.name}: {ty}{init}"


# ---------------------------------------------------------------------------------------------
# Structural equality


def ast_equal(a: object, b: object) -> bool:
    """Whether two syntax trees have the same node kinds and values, spans aside."""
    stack: list[tuple[object, object]] = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, Span) and isinstance(y, Span):
            continue
        if type(x) is not type(y):
            return False
        if isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            stack.extend((getattr(x, f.name), getattr(y, f.name)) for f in dataclasses.fields(x))
        elif x != y:
            return False
    return True
