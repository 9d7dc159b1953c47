"""Helpers for the parser's tests: parse a text, show an expression as an S-expression, read back
the located error a text raises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from charlc import syntax as s
from charlc.diagnostics import CharlError, Source
from charlc.parser import parse, parse_expr

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = ROOT / "docs" / "language.md"


def language_blocks() -> list[str]:
    """Every ```charl code block of the language reference."""
    return re.findall(r"```charl\n(.*?)```", LANGUAGE.read_text(), re.S)


def prog(text: str) -> s.Program:
    """The syntax tree of a program."""
    return parse(Source("t.ch", text))


def expr(text: str) -> s.Expr:
    """The syntax tree of one expression."""
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
