"""Round trips between source and syntax tree: random trees unparse to Charl that parses back to
the same tree, and the language reference's programs survive parse -> unparse -> parse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charlc import syntax as s
from charlc.diagnostics import Source
from charlc.lexer import KEYWORDS
from charlc.parser import parse, parse_expr
from charlc.unparse import ast_equal, unparse, unparse_expr

ROOT = Path(__file__).resolve().parents[2]
S0 = s.Span(0, 0, 0, 0)
BINARY_OPS = ["+", "-", "*", "/", "%", "**", "@", "==", "!=", "<", "<=", ">", ">=", "and", "or"]
SCALARS = ["float32", "float64", "int32", "int64", "bool", "int8", "int4"]


def language_blocks() -> list[str]:
    return re.findall(r"```charl\n(.*?)```", (ROOT / "docs" / "language.md").read_text(), re.S)


def roundtrip(program: s.Program) -> s.Program:
    return parse(Source("u.ch", unparse(program)))


# ---------------------------------------------------------------------------------------------
# Strategies: syntax trees with placeholder spans

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).filter(
    lambda n: n not in KEYWORDS and n != "tensor"
)
expr_names = st.one_of(names, st.sampled_from(["self", "grad", "value_and_grad", "autograd"]))


def _int_lit(v: int, grouped: bool) -> s.IntLit:
    return s.IntLit(S0, v, f"{v:_}" if grouped else str(v))


def _float_text(whole: int, frac: str, exp: int, form: int) -> str:
    return [f"{whole}.{frac}", f"{whole}.", f"{whole}e{exp}", f"{whole}.{frac}e{exp}", f"{whole}E+{abs(exp)}"][form]


int_lits = st.builds(_int_lit, st.integers(0, 10**12), st.booleans())
float_lits = st.builds(
    _float_text, st.integers(0, 9999), st.from_regex(r"[0-9]{1,4}", fullmatch=True), st.integers(-30, 30),
    st.integers(0, 4),
).map(lambda t: s.FloatLit(S0, float(t), t))  # fmt: skip
str_lits = st.text(max_size=8).map(lambda v: s.StrLit(S0, v))
bool_lits = st.booleans().map(lambda v: s.BoolLit(S0, v))
leaves = st.one_of(int_lits, float_lits, str_lits, bool_lits, expr_names.map(lambda n: s.Name(S0, n)))


def _kwargs(values: st.SearchStrategy[s.Expr]) -> st.SearchStrategy[list[s.Keyword]]:
    pairs = st.lists(st.tuples(names, values), max_size=2, unique_by=lambda p: p[0])
    return pairs.map(lambda ps: [s.Keyword(S0, n, v) for n, v in ps])


def _index_items(e: st.SearchStrategy[s.Expr]) -> st.SearchStrategy[list[s.Expr | s.SliceItem]]:
    slices = st.builds(lambda lo, hi: s.SliceItem(S0, lo, hi), st.none() | e, st.none() | e)
    return st.lists(st.one_of(e, slices), min_size=1, max_size=3)


def _compound_exprs(e: st.SearchStrategy[s.Expr]) -> st.SearchStrategy[s.Expr]:
    return st.one_of(
        st.builds(lambda op, a, b: s.Binary(S0, op, a, b), st.sampled_from(BINARY_OPS), e, e),
        st.builds(lambda op, a: s.Unary(S0, op, a), st.sampled_from(["-", "not"]), e),
        st.builds(lambda f, a, k: s.Call(S0, f, a, k), e, st.lists(e, max_size=3), _kwargs(e)),
        st.builds(lambda b, items: s.Index(S0, b, items), e, _index_items(e)),
        st.builds(lambda b, n: s.Attribute(S0, b, n), e, names),
        st.builds(lambda b, i: s.TupleGet(S0, b, i), e, st.integers(0, 20)),
        st.lists(e, max_size=3).map(lambda xs: s.TensorLit(S0, xs)),
        st.lists(e, min_size=2, max_size=3).map(lambda xs: s.TupleLit(S0, xs)),
    )


exprs = st.recursive(leaves, _compound_exprs, max_leaves=10)
small_exprs = st.recursive(leaves, _compound_exprs, max_leaves=4)


def _name_expr(n: str) -> s.Expr:
    return s.Name(S0, n)


types = st.recursive(
    st.one_of(
        st.sampled_from(SCALARS).map(lambda n: s.NamedTypeExpr(S0, n)),
        names.map(lambda n: s.NamedTypeExpr(S0, n)),
        st.builds(
            lambda dt, dims: s.TensorTypeExpr(S0, dt, [s.DimExpr(S0, d) for d in dims]),
            st.sampled_from(SCALARS),
            st.lists(st.one_of(st.integers(0, 4096), names, st.none()), max_size=4),
        ),
    ),
    lambda t: st.lists(t, min_size=2, max_size=3).map(lambda xs: s.TupleTypeExpr(S0, xs)),
    max_leaves=4,
)
patterns = st.recursive(
    names.map(lambda n: s.NameTarget(S0, n)),
    lambda p: st.lists(p, min_size=2, max_size=3).map(lambda xs: s.TupleTarget(S0, xs)),
    max_leaves=4,
)
targets = st.one_of(
    names.map(_name_expr),
    st.builds(lambda n, items: s.Index(S0, _name_expr(n), items), names, _index_items(small_exprs)),
    st.lists(names.map(_name_expr), min_size=2, max_size=3).map(lambda xs: s.TupleLit(S0, xs)),
)
simple_stmts = st.one_of(
    st.builds(lambda t, m, ty, v: s.Let(S0, t, m, ty, v), patterns, st.booleans(), st.none() | types, exprs),
    st.builds(lambda t, v: s.Assign(S0, t, v), targets, exprs),
    exprs.map(lambda e: s.ExprStmt(S0, e)),
    st.just(s.Break(S0)),
    st.just(s.Continue(S0)),
    (st.none() | exprs).map(lambda v: s.Return(S0, v)),
)


def _compound_stmts(stmt: st.SearchStrategy[s.Stmt]) -> st.SearchStrategy[s.Stmt]:
    block = st.lists(stmt, max_size=3).map(lambda xs: s.Block(S0, xs))
    last_if = st.builds(lambda c, b, e: s.If(S0, c, b, e), small_exprs, block, st.none() | block)
    if_chain = st.builds(lambda c, b, e: s.If(S0, c, b, e), small_exprs, block, st.none() | block | last_if)
    return st.one_of(
        block,
        if_chain,
        st.builds(
            lambda v, a, b, body: s.For(S0, s.NameTarget(S0, v), a, b, body), names, small_exprs, small_exprs, block
        ),
        st.builds(lambda c, body: s.While(S0, c, body), small_exprs, block),
    )


stmts = st.recursive(simple_stmts, _compound_stmts, max_leaves=6)
blocks = st.lists(stmts, max_size=4).map(lambda xs: s.Block(S0, xs))
typed_params = st.lists(st.builds(lambda n, t: s.Param(S0, n, t), names, types), max_size=3)


def _fn(name: str, has_self: bool, params: list[s.Param], ret: s.TypeExpr | None, body: s.Block) -> s.FnDecl:
    full = [s.Param(S0, "self", None), *params] if has_self else params
    return s.FnDecl(S0, name, S0, full, ret, body)


fns = st.builds(_fn, names, st.booleans(), typed_params, st.none() | types, blocks)
simple_calls = st.builds(
    lambda n, a, k: s.Call(S0, _name_expr(n), a, k), names, st.lists(small_exprs, max_size=3), _kwargs(small_exprs)
)
param_fields = st.one_of(
    st.builds(lambda n, c: s.ParamField(S0, n, None, None, c), names, simple_calls),
    st.builds(lambda n, t, i: s.ParamField(S0, n, t, i, None), names, types, st.none() | small_exprs),
)


def _model(
    name: str, args: list[s.Param], form: int, layers: list[s.Call], params: list[s.ParamField], methods: list[s.FnDecl]
) -> s.ModelDecl:
    """A sequential model (`form` 1), a model with parameters (2), or one with methods only (0)."""
    return s.ModelDecl(S0, name, S0, args, layers if form == 1 else None, params if form == 2 else None, methods)


models = st.builds(
    _model,
    names,
    typed_params,
    st.integers(0, 2),
    st.lists(simple_calls, max_size=3),
    st.lists(param_fields, max_size=3),
    st.lists(fns, max_size=2),
)
programs = st.lists(st.one_of(stmts, fns, models), max_size=4).map(lambda xs: s.Program(S0, xs))


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=200, deadline=None)
@given(exprs)
def test_expression_roundtrip(e: s.Expr) -> None:
    text = unparse_expr(e)
    back = parse_expr(Source("u.ch", text))
    assert ast_equal(back, e), text


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # hypothesis describing the strategy
@settings(max_examples=200, deadline=None)
@given(programs)
def test_program_roundtrip(program: s.Program) -> None:
    text = unparse(program)
    back = parse(Source("u.ch", text))
    assert ast_equal(back, program), text
    assert unparse(back) == text


@pytest.mark.parametrize("block", language_blocks(), ids=lambda b: b.split("\n")[0][:40])
def test_language_reference_roundtrip(block: str) -> None:
    first = parse(Source("a.ch", block))
    second = roundtrip(first)
    assert ast_equal(first, second)
    assert unparse(second) == unparse(first)


def test_ast_equal_ignores_spans_but_not_values() -> None:
    a = parse(Source("a.ch", "let x = f(1, k: 2.0)"))
    b = parse(Source("b.ch", "\n\n  let   x=f( 1,k:2.0 )"))
    c = parse(Source("c.ch", "let x = f(1, k: 2.5)"))
    assert ast_equal(a, b)
    assert not ast_equal(a, c)
    assert not ast_equal(parse(Source("d.ch", "1 + 2")), parse(Source("e.ch", "1 - 2")))


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("(a + b) * c", "(a + b) * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("-x ** 2", "-x ** 2"),
        ("(-x) ** 2", "(-x) ** 2"),
        ("(a ** b) ** c", "(a ** b) ** c"),
        ("a ** (b ** c)", "a ** b ** c"),
        ("2 ** -1", "2 ** -1"),
        ("(a < b) == c", "(a < b) == c"),
        ("a == (b < c)", "a == (b < c)"),
        ("not (a and b)", "not (a and b)"),
        ("(a or b) and c", "(a or b) and c"),
        ("(1).w", "(1).w"),
        ("(2.).0", "(2.).0"),
        ("t.0.1", "t.0.1"),
        ("(a + b)[0]", "(a + b)[0]"),
        ("x[a:, :b, :]", "x[a:, :b, :]"),
        ("f(x, k: (a, b))", "f(x, k: (a, b))"),
        ('"a\\"b\\\\c\\n\\t"', '"a\\"b\\\\c\\n\\t"'),
        ("1_000 + 1e-5", "1_000 + 1e-5"),
    ],
)
def test_unparse_uses_minimal_parentheses(text: str, printed: str) -> None:
    assert unparse_expr(parse_expr(Source("t.ch", text))) == printed


def test_unparse_layout() -> None:
    text = (
        "fn f(x: tensor<float32, [N, ?]>) -> (float32, int32) {\n"
        "    for i in 2. .. n {\n"
        "        if i == 1 {\n"
        "            continue\n"
        "        } else if i > 2 {\n"
        "            break\n"
        "        } else {\n"
        "            let mut (a, (b, c)): (int32, (int32, int32)) = t\n"
        "        }\n"
        "    }\n"
        "    return (1.0, 2)\n"
        "}\n"
        "model M(d: int32) {\n"
        "    params {\n"
        "        w: tensor<float32, [d]> = zeros()\n"
        "        l: Linear(d, 2)\n"
        "    }\n"
        "    fn forward(self, x: tensor<float32, [d]>) {\n"
        "        return self.l(x * self.w)\n"
        "    }\n"
        "}\n"
    )
    assert unparse(parse(Source("t.ch", text))) == text
