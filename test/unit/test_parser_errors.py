"""Tests of the Charl parser's errors: messages and their positions, nesting limits, robustness on
arbitrary text, and the syntax lit tests' expected messages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parser_util import ROOT, error_at, expr, prog

from charlc.diagnostics import CharlError, Source, render
from charlc.parser import parse

LIT_DIR = ROOT / "test" / "filecheck" / "frontend"
ASSIGN = "the left side of '=' must be a name, an indexed name ('x[i] = v') or a tuple of names ('(a, b) = v')"
DTYPES = "float32, float64, int32, int64, bool, int8 or int4"


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
