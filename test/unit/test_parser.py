"""Tests of the Charl parser: every construct, precedence, spans, errors and their positions, the
code blocks of the language reference, and the syntax lit tests' expected messages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charlc import syntax as s
from charlc.diagnostics import CharlError, Source, render
from charlc.parser import parse, parse_expr

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = ROOT / "docs" / "language.md"
LIT_DIR = ROOT / "test" / "filecheck" / "frontend"
ASSIGN = "the left side of '=' must be a name, an indexed name ('x[i] = v') or a tuple of names ('(a, b) = v')"
DTYPES = "float32, float64, int32, int64, bool, int8 or int4"


def language_blocks() -> list[str]:
    """Every ```charl code block of the language reference."""
    return re.findall(r"```charl\n(.*?)```", LANGUAGE.read_text(), re.S)


def prog(text: str) -> s.Program:
    return parse(Source("t.ch", text))


def expr(text: str) -> s.Expr:
    return parse_expr(Source("t.ch", text))


def sx(e: object) -> str:
    """A compact S-expression of an expression, for precedence and structure checks."""
    if isinstance(e, s.Name):
        return e.id
    if isinstance(e, s.IntLit | s.FloatLit):
        return e.text
    if isinstance(e, s.BoolLit):
        return str(e.value).lower()
    if isinstance(e, s.StrLit):
        return repr(e.value)
    if isinstance(e, s.Binary):
        return f"({e.op} {sx(e.lhs)} {sx(e.rhs)})"
    if isinstance(e, s.Unary):
        return f"({e.op} {sx(e.operand)})"
    if isinstance(e, s.Call):
        parts = [sx(a) for a in e.args] + [f"{k.name}={sx(k.value)}" for k in e.kwargs]
        return f"(call {' '.join([sx(e.callee), *parts])})"
    if isinstance(e, s.Index):
        return f"(index {' '.join([sx(e.base), *(sx(i) for i in e.items)])})"
    if isinstance(e, s.SliceItem):
        return f"(slice {'_' if e.lo is None else sx(e.lo)} {'_' if e.hi is None else sx(e.hi)})"
    if isinstance(e, s.Attribute):
        return f"(. {sx(e.base)} {e.name})"
    if isinstance(e, s.TupleGet):
        return f"(.{e.index} {sx(e.base)})"
    if isinstance(e, s.TensorLit):
        return "[" + " ".join(sx(x) for x in e.elems) + "]"
    if isinstance(e, s.TupleLit):
        return "(tuple " + " ".join(sx(x) for x in e.elems) + ")"
    raise TypeError(type(e).__name__)


def error_at(text: str) -> str:
    """`line:col: message` of the error that parsing `text` raises."""
    with pytest.raises(CharlError) as info:
        prog(text)
    span = info.value.span
    return f"{span.line}:{span.col}: {info.value.message}"


# ---------------------------------------------------------------------------------------------
# The language reference


@pytest.mark.parametrize("block", language_blocks(), ids=lambda b: b.split("\n")[0][:40])
def test_language_reference_blocks_parse(block: str) -> None:
    program = prog(block)
    assert program.items


def test_language_reference_has_blocks() -> None:
    assert len(language_blocks()) >= 7


# ---------------------------------------------------------------------------------------------
# Expressions and precedence


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a + b * c", "(+ a (* b c))"),
        ("a * b + c", "(+ (* a b) c)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b % c @ d", "(@ (% (/ a b) c) d)"),
        ("a ** b ** c", "(** a (** b c))"),
        ("-x ** 2", "(- (** x 2))"),
        ("2 ** -1", "(** 2 (- 1))"),
        ("-x * y", "(* (- x) y)"),
        ("- - x", "(- (- x))"),
        ("not a and b", "(and (not a) b)"),
        ("not a == b", "(== (not a) b)"),
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a < b and b <= c", "(and (< a b) (<= b c))"),
        ("a + 1 == b * 2", "(== (+ a 1) (* b 2))"),
        ("(a < b) == c", "(== (< a b) c)"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("x @ w + b", "(+ (@ x w) b)"),
        ("-f(x)[0].y", "(- (. (index (call f x) 0) y))"),
        ("a.b ** 2", "(** (. a b) 2)"),
        ("x != y", "(!= x y)"),
        ("x >= y", "(>= x y)"),
        ("x > y", "(> x y)"),
    ],
)
def test_precedence(text: str, tree: str) -> None:
    assert sx(expr(text)) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("grad(f, wrt: 1)(x)", "(call (call grad f wrt=1) x)"),
        ("value_and_grad(loss)(m, xb, yb)", "(call (call value_and_grad loss) m xb yb)"),
        ("autograd(f, w)", "(call autograd f w)"),
        ("self.l2(relu(self.l1(x)))", "(call (. self l2) (call relu (call (. self l1) x)))"),
        ("dense(784, 128, activation: relu)", "(call dense 784 128 activation=relu)"),
        ("f()", "(call f)"),
        ("f(a, b,)", "(call f a b)"),
        ("t.0", "(.0 t)"),
        ("t.0.1", "(.1 (.0 t))"),
        ("f(x).1.w", "(. (.1 (call f x)) w)"),
        ("x[i]", "(index x i)"),
        ("x[i, j]", "(index x i j)"),
        ("x[a:b, :]", "(index x (slice a b) (slice _ _))"),
        ("x[:b]", "(index x (slice _ b))"),
        ("x[a:]", "(index x (slice a _))"),
        ("x[i*32 : i*32 + 32]", "(index x (slice (* i 32) (+ (* i 32) 32)))"),
        ("x[0][1]", "(index (index x 0) 1)"),
        ("[1.0, 2.0, 3.0]", "[1.0 2.0 3.0]"),
        ("[[1, 2], [3, 4]]", "[[1 2] [3 4]]"),
        ("[x, 2.0 * y]", "[x (* 2.0 y)]"),
        ("[]", "[]"),
        ("[[1, 2], [3]]", "[[1 2] [3]]"),
        ("(a, b)", "(tuple a b)"),
        ("(a, (b, c),)", "(tuple a (tuple b c))"),
        ("(a)", "a"),
        ("((a))", "a"),
        ('"hi\\n"', "'hi\\n'"),
        ("true", "true"),
        ("false", "false"),
        ("1_000", "1_000"),
        ("2.", "2."),
        ("1e-5", "1e-5"),
        ("f(\n  a,\n  b\n)", "(call f a b)"),
    ],
)
def test_expressions(text: str, tree: str) -> None:
    assert sx(expr(text)) == tree


def test_literal_values() -> None:
    e = expr('f(1_000, 2., 1.5e3, true, "a\\tb")')
    assert isinstance(e, s.Call)
    a, b, c, d, f = e.args
    assert isinstance(a, s.IntLit) and a.value == 1000 and a.text == "1_000"
    assert isinstance(b, s.FloatLit) and b.value == 2.0 and b.text == "2."
    assert isinstance(c, s.FloatLit) and c.value == 1500.0
    assert isinstance(d, s.BoolLit) and d.value is True
    assert isinstance(f, s.StrLit) and f.value == "a\tb"


def test_keyword_names_parse_as_names() -> None:
    for word in ("self", "grad", "value_and_grad", "autograd"):
        e = expr(word)
        assert isinstance(e, s.Name) and e.id == word


# ---------------------------------------------------------------------------------------------
# Statements


def test_let_forms() -> None:
    a, b, c, d = prog(
        "let x = 3.0\nlet mut w: tensor<float32, [2]> = [0.0, 0.0]\n"
        "let (loss, g) = f(w)\nlet mut (a, (b, c)): (int32, (int32, int32)) = t"
    ).items
    assert isinstance(a, s.Let) and not a.mutable and a.type_ann is None
    assert isinstance(a.target, s.NameTarget) and a.target.name == "x"
    assert isinstance(b, s.Let) and b.mutable and isinstance(b.type_ann, s.TensorTypeExpr)
    assert isinstance(c, s.Let) and isinstance(c.target, s.TupleTarget)
    assert [t.name for t in c.target.elems if isinstance(t, s.NameTarget)] == ["loss", "g"]
    assert isinstance(d, s.Let) and d.mutable and isinstance(d.target, s.TupleTarget)
    inner = d.target.elems[1]
    assert isinstance(inner, s.TupleTarget) and len(inner.elems) == 2
    assert isinstance(d.type_ann, s.TupleTypeExpr) and isinstance(d.type_ann.elems[1], s.TupleTypeExpr)


def test_assignment_forms() -> None:
    a, b, c, d = prog(
        "w = w - 1\nkv[t] = k_new\nx[0:2, :] = zeros([2, 4])\n(m, opt) = adam(m, g, opt, lr: 0.001)"
    ).items
    assert isinstance(a, s.Assign) and isinstance(a.target, s.Name)
    assert isinstance(b, s.Assign) and sx(b.target) == "(index kv t)"
    assert isinstance(c, s.Assign) and sx(c.target) == "(index x (slice 0 2) (slice _ _))"
    assert isinstance(d, s.Assign) and sx(d.target) == "(tuple m opt)"
    assert sx(d.value) == "(call adam m g opt lr=0.001)"


def test_expression_statement_and_semicolons() -> None:
    items = prog("print(x); print(y);; f(1)\n").items
    assert [type(i) for i in items] == [s.ExprStmt, s.ExprStmt, s.ExprStmt]


def test_if_else_chain() -> None:
    [stmt] = prog("if a { f() } else if b { g() } else { h() }").items
    assert isinstance(stmt, s.If) and sx(stmt.cond) == "a"
    assert isinstance(stmt.orelse, s.If) and sx(stmt.orelse.cond) == "b"
    assert isinstance(stmt.orelse.orelse, s.Block) and len(stmt.orelse.orelse.stmts) == 1


def test_if_allows_newlines_before_brace_and_else() -> None:
    [stmt] = prog("if a\n{\n  f()\n}\nelse\n{\n  g()\n}\n").items
    assert isinstance(stmt, s.If) and isinstance(stmt.orelse, s.Block)
    a, b = prog("if a { f() }\nx = 1").items
    assert isinstance(a, s.If) and a.orelse is None and isinstance(b, s.Assign)


def test_loops_and_jumps() -> None:
    a, b = prog("for i in 0..n + 1 {\n  if i == 1 { continue }\n  break\n}\nwhile i < 10 { i = i + 1 }").items
    assert isinstance(a, s.For) and a.var.name == "i" and sx(a.start) == "0" and sx(a.end) == "(+ n 1)"
    assert [type(x) for x in a.body.stmts] == [s.If, s.Break]
    first = a.body.stmts[0]
    assert isinstance(first, s.If) and isinstance(first.then.stmts[0], s.Continue)
    assert isinstance(b, s.While) and sx(b.cond) == "(< i 10)"


def test_return_with_and_without_value() -> None:
    [fn] = prog("fn f() { return }\n").items
    assert isinstance(fn, s.FnDecl) and isinstance(fn.body.stmts[0], s.Return) and fn.body.stmts[0].value is None
    [fn] = prog("fn f() {\n  return (a, b)\n}").items
    assert isinstance(fn, s.FnDecl)
    ret = fn.body.stmts[0]
    assert isinstance(ret, s.Return) and sx(ret.value) == "(tuple a b)"


def test_nested_blocks() -> None:
    [b] = prog("{\n  let x = 1\n  {\n    print(x)\n  }\n}").items
    assert isinstance(b, s.Block) and isinstance(b.stmts[1], s.Block)


# ---------------------------------------------------------------------------------------------
# Declarations and types


def test_function_declaration() -> None:
    [fn] = prog("fn f(a: tensor<float32, [N, K]>, b: tensor<float32, [K, ?]>, n: int64) -> (float32, bool) { }").items
    assert isinstance(fn, s.FnDecl) and fn.name == "f" and [p.name for p in fn.params] == ["a", "b", "n"]
    a, b, n = (p.type for p in fn.params)
    assert isinstance(a, s.TensorTypeExpr) and a.dtype == "float32" and [d.value for d in a.dims] == ["N", "K"]
    assert isinstance(b, s.TensorTypeExpr) and [d.value for d in b.dims] == ["K", None]
    assert isinstance(n, s.NamedTypeExpr) and n.name == "int64"
    assert isinstance(fn.ret, s.TupleTypeExpr) and [getattr(t, "name", "") for t in fn.ret.elems] == ["float32", "bool"]


def test_every_scalar_type_and_model_type() -> None:
    for name in ("float32", "float64", "int32", "int64", "bool", "int8", "int4", "Mlp"):
        [fn] = prog(f"fn f(x: {name}, y: tensor<{name if name != 'Mlp' else 'int8'}, []>) {{ }}").items
        assert isinstance(fn, s.FnDecl) and isinstance(fn.params[0].type, s.NamedTypeExpr)
        assert fn.params[0].type.name == name


def test_tensor_type_followed_by_greater_equal() -> None:
    [let] = prog("let x: tensor<float32, [2]>= zeros([2])").items
    assert isinstance(let, s.Let) and isinstance(let.type_ann, s.TensorTypeExpr)


def test_sequential_model() -> None:
    [m] = prog(
        "model Mlp {\n  layers {\n    dense(784, 128, activation: relu)\n    dropout(0.2); flatten()\n  }\n}"
    ).items
    assert isinstance(m, s.ModelDecl) and m.name == "Mlp" and m.args == [] and m.params is None
    assert m.layers is not None and [sx(c) for c in m.layers] == [
        "(call dense 784 128 activation=relu)",
        "(call dropout 0.2)",
        "(call flatten)",
    ]


def test_params_model_with_methods() -> None:
    text = (
        "model Linear(d_in: int32, d_out: int32) {\n  params {\n"
        "    w: tensor<float32, [d_in, d_out]> = xavier_uniform()\n"
        "    b: tensor<float32, [d_out]>\n    l1: Linear(4, 8)\n  }\n"
        "  fn forward(self, x: tensor<float32, [B, d_in]>) { return x @ self.w + self.b }\n"
        "  fn other(self) { }\n}"
    )
    [m] = prog(text).items
    assert isinstance(m, s.ModelDecl) and [a.name for a in m.args] == ["d_in", "d_out"] and m.layers is None
    assert m.params is not None
    w, b, l1 = m.params
    assert isinstance(w.type, s.TensorTypeExpr) and w.init is not None and sx(w.init) == "(call xavier_uniform)"
    assert b.init is None and b.model is None
    assert l1.type is None and l1.model is not None and sx(l1.model) == "(call Linear 4 8)"
    assert [f.name for f in m.methods] == ["forward", "other"]
    assert m.methods[0].params[0].name == "self" and m.methods[0].params[0].type is None


def test_items_keep_source_order() -> None:
    items = prog("let a = 1\nfn f() { }\nmodel M { layers { flatten() } }\nprint(a)").items
    assert [type(i) for i in items] == [s.Let, s.FnDecl, s.ModelDecl, s.ExprStmt]


# ---------------------------------------------------------------------------------------------
# Spans


def test_spans() -> None:
    [let] = prog("let y = (a + b) * f(x, k: 2)\n").items
    assert isinstance(let, s.Let) and let.span == s.Span(1, 1, 1, 29)
    mul = let.value
    assert isinstance(mul, s.Binary) and mul.span == s.Span(1, 9, 1, 29)
    add = mul.lhs
    assert isinstance(add, s.Binary) and add.span == s.Span(1, 10, 1, 15)
    call = mul.rhs
    assert isinstance(call, s.Call) and call.span == s.Span(1, 19, 1, 29)
    assert call.callee.span == s.Span(1, 19, 1, 20)
    assert call.kwargs[0].span == s.Span(1, 24, 1, 28)
    assert isinstance(add.lhs, s.Name) and add.lhs.span == s.Span(1, 10, 1, 11)


def test_declaration_spans() -> None:
    [fn] = prog("\n  fn sq(x: float32) -> float32 {\n    return x * x\n  }\n").items
    assert isinstance(fn, s.FnDecl) and fn.span == s.Span(2, 3, 4, 4) and fn.name_span == s.Span(2, 6, 2, 8)
    assert fn.params[0].span == s.Span(2, 9, 2, 19)
    ret = fn.body.stmts[0]
    assert isinstance(ret, s.Return) and ret.span == s.Span(3, 5, 3, 17)


def test_postfix_and_slice_spans() -> None:
    e = expr("x[1:, :].w.0")
    assert isinstance(e, s.TupleGet) and e.span == s.Span(1, 1, 1, 13)
    attr = e.base
    assert isinstance(attr, s.Attribute) and attr.span == s.Span(1, 1, 1, 11)
    index = attr.base
    assert isinstance(index, s.Index) and index.span == s.Span(1, 1, 1, 9)
    assert [i.span for i in index.items] == [s.Span(1, 3, 1, 5), s.Span(1, 7, 1, 8)]


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("let y = f(x, 2\nlet z = 1", "1:15: expected ')' to close '(' at 1:10, found newline"),
        ("let y = f(x", "1:12: expected ')' to close '(' at 1:10, found end of file"),
        ("let w = [1, 2\nprint(w)", "1:14: expected ']' to close '[' at 1:9, found newline"),
        ("f(a]", "1:4: expected ')' to close '(' at 1:2, found ']'"),
        ("fn f() {\n  x = 1\n", "3:1: expected '}' to close '{' at 1:8, found end of file"),
        ("let x = }", "1:9: expected an expression, found '}'"),
        ("let x = (2 * )", "1:14: expected an expression, found ')'"),
        ("if a < b < c { }", "1:10: 'a < b < c': comparisons do not chain; use 'and'"),
        ("x = a == b != c", "1:12: 'a == b != c': comparisons do not chain; use 'and'"),
        ("x = a < b < )", "1:11: comparisons do not chain; use 'and'"),
        ("f(k: 1, x)", "1:9: positional argument after keyword argument 'k'; put positional arguments first"),
        ("f(k: 1, k: 2)", "1:9: keyword argument 'k' is given twice"),
        ("let a = 1 let b = 2", "1:11: expected a newline or ';' after the statement, found keyword 'let'"),
        ("{ a = 1 b }", "1:9: expected a newline, ';' or '}' after the statement, found 'b'"),
        ("let = 3", "1:5: expected a name or '(' after 'let', found '='"),
        ("let x 3", "1:7: expected '=' and a value in 'let', found '3'"),
        ("let (a,) = t", "1:7: a tuple pattern needs at least two names; remove the ','"),
        ("let t = (x,)", "1:11: a tuple needs at least two elements; remove the ','"),
        ("let x: (int32,) = t", "1:14: a tuple type needs at least two elements; remove the ','"),
        ("let x: = 3", "1:8: expected a type, found '='"),
        ("let x: tensor<float16, [2]> = y", f"1:15: expected an element type ({DTYPES}), found 'float16'"),
        (
            "let x: tensor<float32, [2.0]> = y",
            "1:25: expected a dimension (an integer, a size variable or '?'), found '2.0'",
        ),
        ("let x: tensor<float32 [2]> = y", "1:23: expected ',' and the dimensions after the element type, found '['"),
        ("let x: tensor<float32, [2] = y", "1:28: expected '>' to close '<' at 1:14, found '='"),
        ("f(x) = 1", f"1:1: cannot assign to a call; {ASSIGN}"),
        ("(a, b.c) = t", f"1:5: cannot assign to the field 'c'; {ASSIGN}"),
        ("x += 1", "1:3: compound assignment '+=' is not supported; write 'x = x + ...'"),
        ("if x = 1 { }", "1:6: expected '{' after the condition of 'if', found '='; use '==' to compare"),
        ("if x { } else y", "1:15: expected '{' after 'else', found 'y'"),
        ("while x\n\n y", "1:8: expected '{' after the condition of 'while', found newline"),
        ("for 1 in 0..2 { }", "1:5: expected a loop variable name after 'for', found '1'"),
        ("for i of 0..2 { }", "1:7: expected 'in' after 'for i', found 'of'"),
        ("for i in range(3) { }", "1:19: expected '..' in the range of 'for' (as in 'for i in 0..n'), found '{'"),
        ("t.", "1:3: expected a field name or a tuple index after '.', found end of file"),
        ("fn (x: int32) { }", "1:4: expected a function name after 'fn', found '('"),
        ("fn f { }", "1:6: expected '(' and the parameters of 'f', found '{'"),
        ("fn f(x) { }", "1:7: expected ':' and a type after parameter 'x', found ')'"),
        ("fn f(x: int32, self) { }", "1:16: 'self' must be the first parameter"),
        ("fn f(self: M) { }", "1:10: 'self' takes no type annotation"),
        ("fn f() -> { }", "1:11: expected a type, found '{'"),
        ("fn f() { fn g() { } }", "1:10: 'fn' declarations are only allowed at the top level"),
        ("{ model M { } }", "1:3: 'model' declarations are only allowed at the top level"),
        ("model { }", "1:7: expected a model name after 'model', found '{'"),
        ("model M(self) { }", "1:9: 'self' is only a parameter of a model's methods"),
        ("model M { w: float32 }", "1:11: expected 'layers', 'params' or 'fn' in the body of model 'M', found 'w'"),
        ("model M { layers { }; layers { } }", "1:23: model 'M' has two 'layers' sections"),
        (
            "model M { params { }\n layers { } }",
            "2:2: model 'M' has both 'layers' and 'params'; a model has one or the other",
        ),
        (
            "model M { layers { flatten } }",
            "1:28: expected '(' after layer 'flatten' (write 'flatten(...)'), found '}'",
        ),
        ("model M { layers { 3 } }", "1:20: expected a layer such as 'dense(784, 128)', found '3'"),
        ("model M { layers { f() g() } }", "1:24: expected a newline, ';' or '}' after the entry, found 'g'"),
        ("model M { params { w float32 } }", "1:22: expected ':' and a type after parameter 'w', found 'float32'"),
        ("model M { params { w: float32 }", "1:32: expected '}' to close '{' at 1:9, found end of file"),
        ("model M { layers { f() }", "1:25: expected '}' to close '{' at 1:9, found end of file"),
        ("model M { layers { f() } x }", "1:26: expected a newline or '}' after the model member, found 'x'"),
        ("let params = 1", "1:5: expected a name or '(' after 'let', found keyword 'params'"),
        ("let x = 1 $", "1:11: unexpected character '$'"),
        ("let x = )\nlet y = $", "1:9: expected an expression, found ')'"),
        ('print("a\\qb")', "1:9: unknown escape sequence '\\q' in string; use \\n, \\t, \\\" or \\\\"),
    ],
)
def test_syntax_errors(text: str, expected: str) -> None:
    assert error_at(text) == expected


def test_parse_expr_rejects_trailing_tokens() -> None:
    with pytest.raises(CharlError, match="expected the end of the expression, found 'b'"):
        expr("a b")


@pytest.mark.parametrize(
    "text",
    [
        "let x = " + "(" * 5000 + "1" + ")" * 5000,
        "let x = " + "[" * 5000,
        "let x = " + "-" * 5000 + "1",
        "let x = " + "not " * 5000 + "a",
        "let x = 2" + " ** 2" * 5000,
        "{" * 5000 + "}" * 5000,
        "let x: " + "(" * 5000 + "int32" + ")" * 5000 + " = 1",
        "let " + "(" * 5000 + "a" + ")" * 5000 + " = 1",
        "let x = a" + " + a" * 5000,
        "let x = f" + "(1)" * 5000,
        "let x = t" + ".0" * 5000,
    ],
    ids=["parens", "brackets", "minus", "not", "power", "braces", "types", "patterns", "chain", "calls", "fields"],
)
def test_deep_nesting_is_a_located_error(text: str) -> None:
    with pytest.raises(CharlError, match="too deeply nested") as info:
        prog(text)
    assert info.value.span.line == 1 and info.value.span.col > 1


def test_moderate_nesting_is_fine() -> None:
    prog("let x = " + "(" * 40 + "1" + ")" * 40 + "\nlet y = a" + " + a" * 150)


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "// only a comment", "/* c */", ";;"])
def test_empty_programs(text: str) -> None:
    assert prog(text).items == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        prog(text)
    except CharlError as err:
        render(Source("t.ch", text), err)


_SOUP = st.lists(
    st.sampled_from(
        "let mut fn return if else for in while break continue true false and or not model layers params "
        "self grad ( ) [ ] { } , : ; = -> .. . + - * ** @ == < > >= ? 1 2. 1e3 x y tensor float32".split()
        + ["\n", '"', "/*", "*/", "//"]
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_SOUP, st.sampled_from(["", " "]))
def test_token_soup_never_crashes(words: list[str], sep: str) -> None:
    text = sep.join(words)
    try:
        prog(text)
    except CharlError as err:
        assert err.span.line >= 1 and err.span.col >= 1


# ---------------------------------------------------------------------------------------------
# The lit tests of syntax errors


def lit_files() -> list[Path]:
    return sorted(LIT_DIR.glob("syntax-*.ch"))


def test_there_is_a_lit_test_per_error_kind() -> None:
    assert len(lit_files()) >= 10


@pytest.mark.parametrize("path", lit_files(), ids=lambda p: p.name)
def test_lit_test_expectations_hold(path: Path) -> None:
    """Runs each lit test's CHECK lines against the rendered error, without the driver."""
    text = path.read_text()
    assert text.startswith("// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s\n")
    assert re.search(r"^// CHECK: \{\{\.\*\}\}" + re.escape(path.name) + r":\d+:\d+: error: ", text, re.M)
    source = Source(str(path), text)
    with pytest.raises(CharlError) as info:
        parse(source)
    rendered = render(source, info.value)
    filecheck = Path(sys.executable).parent / "filecheck"
    result = subprocess.run([str(filecheck), str(path)], input=rendered, text=True, capture_output=True)
    assert result.returncode == 0, result.stdout + result.stderr
