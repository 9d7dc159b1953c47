"""Type checker: every program of the language document checks, every expression gets a type, and
every error lit test of the checker (test/filecheck/frontend/<area>-<kind>.ch) states the exact
message and position that parse + check + render produce."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from typecheck_util import checked

from charlc import syntax as ast
from charlc.diagnostics import CharlError, Source, render
from charlc.parser import parse
from charlc.typecheck import check
from charlc.types import DTYPES

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = ROOT / "docs" / "language.md"
LIT_DIR = ROOT / "test" / "filecheck" / "frontend"
AREAS = ("type", "shape", "mut", "model", "grad", "name", "control")
BLOCKS = re.findall(r"^```charl[ \t]*\n(.*?)^```", LANGUAGE.read_text(), re.MULTILINE | re.DOTALL)
LIT_FILES = sorted(p for p in LIT_DIR.glob("*.ch") if p.name.split("-")[0] in AREAS)


def _nodes(n: Any, out: list[Any]) -> list[Any]:
    """Every syntax node below `n` (statements and expressions)."""
    if isinstance(n, list):
        for x in n:
            _nodes(x, out)
    elif dataclasses.is_dataclass(n) and not isinstance(n, ast.Span):
        out.append(n)
        for f in dataclasses.fields(n):
            _nodes(getattr(n, f.name), out)
    return out


def test_the_document_has_programs() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_language_block_checks(code: str) -> None:
    cp = checked(code)
    assert cp.instances[-1] is cp.main
    expr_types = tuple(ast.Expr.__args__)  # type: ignore[attr-defined]
    for inst in cp.instances:
        nodes = _nodes(inst.decl.body.stmts, [])
        callees = {id(c.callee) for c in nodes if isinstance(c, ast.Call)}
        for n in nodes:
            if isinstance(n, expr_types) and id(n) not in callees:
                dtype_name = isinstance(n, ast.Name) and n.id in DTYPES
                assert n in inst.types or dtype_name, f"{inst.symbol}: no type for {n}"
            if isinstance(n, ast.Let | ast.Assign | ast.For | ast.Return):
                assert n in inst.types
            if isinstance(n, ast.Call) and not (isinstance(n.callee, ast.Name) and n.callee.id == "grad"):
                inner_grad = any(isinstance(c, ast.Call) and c.callee is n for c in nodes)
                assert n in inst.targets or inner_grad, f"{inst.symbol}: no target for call at {n.span}"


def test_there_is_a_lit_test_per_error_kind() -> None:
    assert len(LIT_FILES) >= 25
    assert {p.name.split("-")[0] for p in LIT_FILES} == set(AREAS)


@pytest.mark.parametrize("path", LIT_FILES, ids=[p.name for p in LIT_FILES])
def test_lit_test_states_the_checker_error(path: Path) -> None:
    text = path.read_text()
    lines = text.splitlines()
    assert lines[0] == "// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s"
    check_line = lines[1]
    prefix = "// CHECK: {{.*}}"
    assert check_line.startswith(prefix)
    src = Source(path.name, text)
    program = parse(src)
    with pytest.raises(CharlError) as info:
        check(program, src)
    first = render(src, info.value).splitlines()[0]
    assert check_line[len(prefix) :] == first
