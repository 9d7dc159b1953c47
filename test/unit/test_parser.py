"""Tests of the Charl parser's expressions: precedence, every expression form, literal values, and
the code blocks of the language reference. Statements, declarations and spans are in
`test_parser_stmts`, errors in `test_parser_errors`."""

from __future__ import annotations

import pytest
from parser_util import expr, language_blocks, prog, sx

from charlc import syntax as s

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
