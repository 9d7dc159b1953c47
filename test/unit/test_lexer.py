"""Tests of the Charl lexer: token kinds, values, spans, newline rules and lexical errors."""

from __future__ import annotations

import pytest

from charlc.diagnostics import CharlError, Source
from charlc.lexer import KEYWORDS, Token, lex, tokenize
from charlc.syntax import Span


def toks(text: str) -> list[Token]:
    return tokenize(Source("t.ch", text))


def kinds(text: str) -> list[str]:
    return [t.kind for t in toks(text)][:-1]  # without the final `eof`


def pairs(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in toks(text)][:-1]


def lex_error(text: str) -> str:
    with pytest.raises(CharlError) as info:
        toks(text)
    span = info.value.span
    return f"{span.line}:{span.col}: {info.value.message}"


# ---------------------------------------------------------------------------------------------
# Words and literals


def test_every_keyword_is_its_own_kind() -> None:
    spec = (
        "let mut fn return if else for in while break continue true false and or not "
        "model layers params self grad value_and_grad autograd"
    ).split()
    assert KEYWORDS == frozenset(spec)
    assert kinds(" ".join(spec)) == spec


def test_identifiers() -> None:
    assert pairs("x _tmp Hidden d_in float32 tensor lets") == [
        ("name", "x"),
        ("name", "_tmp"),
        ("name", "Hidden"),
        ("name", "d_in"),
        ("name", "float32"),
        ("name", "tensor"),
        ("name", "lets"),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("42", 42), ("1_000", 1000), ("1_000_000", 1_000_000), ("007", 7)],
)
def test_integer_literals(text: str, value: int) -> None:
    [t] = toks(text)[:-1]
    assert (t.kind, t.text, t.value) == ("int", text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3.14", 3.14),
        ("1e-5", 1e-5),
        ("2.", 2.0),
        ("1.5e3", 1500.0),
        ("1E+2", 100.0),
        ("1_000.5", 1000.5),
        ("2.e3", 2000.0),
    ],
)
def test_float_literals(text: str, value: float) -> None:
    [t] = toks(text)[:-1]
    assert (t.kind, t.text, t.value) == ("float", text, value)


def test_string_escapes_are_decoded() -> None:
    [t] = toks(r'"a\nb\tc\"d\\e"')[:-1]
    assert t.kind == "string"
    assert t.value == 'a\nb\tc"d\\e'
    assert t.text == r'"a\nb\tc\"d\\e"'


def test_every_operator() -> None:
    ops = "+ - * / % ** @ == != < <= > >= = -> .. . , : ; ( ) [ ] { } ?".split()
    assert kinds(" ".join(ops)) == ops


def test_operators_without_spaces() -> None:
    assert kinds("a**-b->c<=d") == ["name", "**", "-", "name", "->", "name", "<=", "name"]


# ---------------------------------------------------------------------------------------------
# The careful cases around `.`


def test_range_is_int_dotdot_int() -> None:
    assert pairs("0..10") == [("int", "0"), ("..", ".."), ("int", "10")]
    assert pairs("i..n+1") == [("name", "i"), ("..", ".."), ("name", "n"), ("+", "+"), ("int", "1")]


def test_tuple_field_after_dot_is_an_integer() -> None:
    assert pairs("t.0") == [("name", "t"), (".", "."), ("int", "0")]
    assert pairs("t.0.1") == [("name", "t"), (".", "."), ("int", "0"), (".", "."), ("int", "1")]
    assert pairs("f(x).1") == [("name", "f"), ("(", "("), ("name", "x"), (")", ")"), (".", "."), ("int", "1")]


def test_bare_dot_float() -> None:
    assert pairs("2. + x") == [("float", "2."), ("+", "+"), ("name", "x")]
    assert pairs("[2., 3.]") == [("[", "["), ("float", "2."), (",", ","), ("float", "3."), ("]", "]")]
    assert pairs("2.x") == [("float", "2."), ("name", "x")]


def test_float_range_bounds() -> None:
    assert pairs("1.5..2") == [("float", "1.5"), ("..", ".."), ("int", "2")]


# ---------------------------------------------------------------------------------------------
# Comments and newlines


def test_comments_are_skipped() -> None:
    assert kinds("a // comment\nb /* inline */ c") == ["name", "newline", "name", "name"]


def test_block_comment_spanning_lines_is_a_newline() -> None:
    assert kinds("a /* one\ntwo */ b") == ["name", "newline", "name"]


def test_block_comments_do_not_nest() -> None:
    assert kinds("/* /* */ x") == ["name"]
    assert kinds("/* /* */ x */") == ["name", "*", "/"]


def test_newlines_are_collapsed_and_leading_ones_dropped() -> None:
    assert kinds("\n\n a \n\n\n b \n") == ["name", "newline", "name", "newline"]


def test_no_newlines_inside_parentheses_and_brackets() -> None:
    assert kinds("f(a,\n b\n)\n[1,\n 2\n]") == [
        "name",
        "(",
        "name",
        ",",
        "name",
        ")",
        "newline",
        "[",
        "int",
        ",",
        "int",
        "]",
    ]


def test_newlines_count_inside_braces() -> None:
    assert kinds("{\na\nb\n}") == ["{", "newline", "name", "newline", "name", "newline", "}"]


def test_braces_inside_parentheses_restore_newlines() -> None:
    assert kinds("(\n{\na\n}\n)") == ["(", "{", "newline", "name", "newline", "}", ")"]


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "%", "**", "@", "==", "!=", "<", "<=", ">", ">=", "and", "or"])
def test_line_ending_with_binary_operator_continues(op: str) -> None:
    assert "newline" not in kinds(f"a {op}\n b")


@pytest.mark.parametrize("op", ["=", ",", "->"])
def test_line_ending_with_assign_comma_arrow_continues(op: str) -> None:
    assert "newline" not in kinds(f"a {op}\n b")


def test_line_ending_with_an_operand_ends_the_statement() -> None:
    assert kinds("a\n+ b") == ["name", "newline", "+", "name"]


def test_closing_angle_of_a_tensor_type_ends_the_line() -> None:
    text = "w: tensor<float32, [3]>\nb: float32"
    assert kinds(text).count("newline") == 1


def test_comparison_after_tensor_named_variable_still_continues() -> None:
    assert "newline" not in kinds("tensor < a and b >\n c")


# ---------------------------------------------------------------------------------------------
# Spans


def test_spans_are_one_based_and_end_exclusive() -> None:
    ts = toks("let x = 1_000\n  foo(2.5)")
    assert ts[0].span == Span(1, 1, 1, 4)
    assert ts[1].span == Span(1, 5, 1, 6)
    assert ts[3].span == Span(1, 9, 1, 14)
    assert ts[4].kind == "newline" and ts[4].span == Span(1, 14, 2, 1)
    assert ts[5].span == Span(2, 3, 2, 6)
    assert ts[7].span == Span(2, 7, 2, 10)


def test_string_span_includes_quotes() -> None:
    [t] = toks('  "a\\n"')[:-1]
    assert t.span == Span(1, 3, 1, 8)


def test_eof_span_is_end_of_text() -> None:
    assert toks("ab")[-1].span == Span(1, 3, 1, 3)
    assert toks("ab\n")[-1].span == Span(2, 1, 2, 1)
    assert toks("")[-1].span == Span(1, 1, 1, 1)


def test_newline_before_records_suppressed_line_breaks() -> None:
    ts = toks("f(a\n  b)")
    b = next(t for t in ts if t.text == "b")
    assert b.newline_before == Span(1, 4, 2, 1)
    assert ts[1].newline_before is None


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("let x = $", "1:9: unexpected character '$'"),
        ("a\n  b ! c", "2:5: unexpected character '!'; use 'not' for negation or '!=' for inequality"),
        ("a && b", "1:3: unexpected character '&'; use 'and'"),
        ("a || b", "1:3: unexpected character '|'; use 'or'"),
        ("# hi", "1:1: unexpected character '#'; comments start with '//'"),
        ("'a'", '1:1: unexpected character "\'"; strings use double quotes'),
        ("x\x00", "1:2: unexpected character '\\x00'"),
        ("caf\u00e9", "1:4: unexpected character '\u00e9'"),
        ('print("abc', "1:7: unterminated string literal: '\"' has no closing '\"' on its line"),
        ('print("ab\ncd")', "1:7: unterminated string literal: '\"' has no closing '\"' on its line"),
        ('"ab\\', "1:1: unterminated string literal: '\"' has no closing '\"' on its line"),
        ('x = "a\\qb"', "1:7: unknown escape sequence '\\q' in string; use \\n, \\t, \\\" or \\\\"),
        ("a\n/* open", "2:1: unterminated block comment: '/*' has no matching '*/'"),
        ("1_", "1:1: invalid number literal '1_': '_' must sit between two digits"),
        ("1__0", "1:1: invalid number literal '1__0': '_' must sit between two digits"),
        ("x = 1e", "1:5: invalid number literal '1e': the exponent has no digits"),
        ("1e+", "1:1: invalid number literal '1e+': the exponent has no digits"),
        ("12abc", "1:1: invalid number literal '12abc'"),
        ("2.5x", "1:1: invalid number literal '2.5x'"),
        ("t.0x", "1:3: invalid number literal '0x'"),
        ("1e999", "1:1: float literal '1e999' is out of range"),
    ],
)
def test_lexical_errors(text: str, expected: str) -> None:
    assert lex_error(text) == expected


def test_lex_ends_with_an_error_token_instead_of_raising() -> None:
    ts = lex(Source("t.ch", "a b $ c"))
    assert [t.kind for t in ts] == ["name", "name", "error"]
    assert ts[-1].error is not None and ts[-1].error.span == Span(1, 5, 1, 6)


def test_empty_and_blank_sources() -> None:
    assert kinds("") == []
    assert kinds(" \n\t\r\n // only a comment\n") == []
