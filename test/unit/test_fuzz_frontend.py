"""Property test of the front end: a mutated program is either compiled to verified IR or rejected
with a located, one-line `CharlError` whose span lies inside the text; never any other exception.

Mutants come from the ```charl blocks of docs/language.md: tokens deleted, duplicated or swapped,
numbers and names changed, lines dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_language_examples import BLOCKS

from charlc.api import compile_source
from charlc.diagnostics import CharlError, Source, render
from charlc.syntax import Span

TOKEN = re.compile(
    r"""(?P<skip>\s+|//[^\n]*|/\*.*?\*/)
      | (?P<str>"(?:\\.|[^"\\\n])*")
      | (?P<num>\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_]\w*)
      | (?P<op>\.\.|\*\*|==|!=|<=|>=|->|.)""",
    re.VERBOSE | re.DOTALL,
)
NUMBERS = ("0", "1", "-1", "2", "3", "7", "0.0", "2.5", "1e-5", "1_000", "4294967296", "1e40", "99999999999999999999")
NAMES = ("x", "zz", "self", "grad", "relu", "float64", "int4", "tensor", "model", "let", "fn", "Mlp", "N", "axis")
KINDS = ("delete", "duplicate", "swap", "number", "name", "drop_line")


@dataclass
class Piece:
    """A piece of the program text: a token (`kind` str/num/name/op) or skipped text (`skip`)."""

    kind: str
    text: str


def pieces(program: str) -> list[Piece]:
    """The program cut into tokens and the whitespace and comments between them."""
    return [Piece(m.lastgroup or "op", m.group()) for m in TOKEN.finditer(program)]


def mutate(program: str, kind: str, a: int, b: int, choice: int) -> str:
    """One mutation of `kind`; `a`, `b` pick tokens (or a line), `choice` a replacement."""
    if kind == "drop_line":
        lines = program.split("\n")
        del lines[a % len(lines)]
        return "\n".join(lines)
    ps = pieces(program)
    tokens = [i for i, p in enumerate(ps) if p.kind != "skip"]
    i, j = tokens[a % len(tokens)], tokens[b % len(tokens)]
    if kind == "delete":
        ps[i].text = ""
    elif kind == "duplicate":
        ps[i].text = f"{ps[i].text} {ps[i].text}"
    elif kind == "swap":
        ps[i].text, ps[j].text = ps[j].text, ps[i].text
    elif kind == "number":
        numbers = [k for k in tokens if ps[k].kind == "num"] or [i]
        ps[numbers[a % len(numbers)]].text = NUMBERS[choice % len(NUMBERS)]
    elif kind == "name":
        names = [k for k in tokens if ps[k].kind == "name"] or [i]
        pool = NAMES + tuple(sorted({ps[k].text for k in names}))
        ps[names[a % len(names)]].text = pool[choice % len(pool)]
    return "".join(p.text for p in ps)


def inside(text: str, line: int, col: int) -> bool:
    """Whether 1-based (line, col) is a position of `text` (one past a line's end included)."""
    lines = text.split("\n")
    return 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]) + 1


def check_error(program: str, err: CharlError) -> None:
    span: Span = err.span
    assert inside(program, span.line, span.col), f"error span {span} is outside the program: {err.message}"
    assert inside(program, span.end_line, span.end_col), f"error span {span} ends outside the program"
    assert (span.line, span.col) <= (span.end_line, span.end_col), f"error span {span} ends before it starts"
    assert err.message and "\n" not in err.message, f"not a one-line message: {err.message!r}"
    assert render(Source("fuzz.ch", program), err).startswith(f"fuzz.ch:{span.line}:{span.col}: error: ")


mutation = st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 1_000))


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(block=st.sampled_from([code for _, code in BLOCKS]), mutations=st.lists(mutation, min_size=1, max_size=3))
def test_mutated_programs_compile_or_fail_with_a_located_error(
    block: str, mutations: list[tuple[str, int, int, int]]
) -> None:
    program = block
    for kind, a, b, choice in mutations:
        program = mutate(program, kind, a, b, choice)
    try:
        module = compile_source(program, "fuzz.ch")
    except CharlError as err:
        check_error(program, err)
        return
    module.verify()


def test_mutations_change_the_program() -> None:
    code = "let x = 1.0 + y\nprint(x)\n"
    assert mutate(code, "delete", 0, 0, 0) == " x = 1.0 + y\nprint(x)\n"
    assert mutate(code, "swap", 1, 3, 0) == "let 1.0 = x + y\nprint(x)\n"
    assert mutate(code, "number", 0, 0, 5) == "let x = 7 + y\nprint(x)\n"
    assert mutate(code, "drop_line", 1, 0, 0) == "let x = 1.0 + y\n"
    assert "zz" in mutate(code, "name", 0, 0, 1)
    assert inside(code, 3, 1) and not inside(code, 2, 10) and not inside(code, 4, 1)
