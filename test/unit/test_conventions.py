"""The project's mechanical rules (ARCHITECTURE.md, Conventions and Testing).

- A pass `convert-charl-to-linalg` lives in `passes/convert_charl_to_linalg.py` as class
  `ConvertCharlToLinalgPass`, states what it requires and guarantees in its docstring, is in the
  registry, and has the lit test `test/filecheck/passes/convert-charl-to-linalg.mlir`.
- Every CHECK-like directive in a test has its colon (the Python filecheck silently ignores one
  without), and a RUN line that expects failure (`not ...`) checks the message with filecheck.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
from xdsl.passes import ModulePass

from charlc.pipeline import STAGE_PASSES, Stage
from passes import available_passes

ROOT = Path(__file__).resolve().parents[2]
PASS_FILES = sorted(p for p in (ROOT / "passes").glob("*.py") if not p.name.startswith("_"))
TEST_FILES = sorted(p for p in (ROOT / "test").rglob("*") if p.suffix in (".mlir", ".ch", ".charl") and p.is_file())
SUFFIXES = r"(?:-(?:NEXT|SAME|NOT|DAG|LABEL|EMPTY|COUNT-\d+))?"


def camel(pass_name: str) -> str:
    """`convert-charl-to-linalg` -> `ConvertCharlToLinalg`."""
    return "".join(part[:1].upper() + part[1:] for part in pass_name.split("-"))


def passes_in(file: Path) -> list[type[ModulePass]]:
    """The ModulePass classes defined (not imported) in a passes/ file."""
    module = importlib.import_module(f"passes.{file.stem}")
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ModulePass) and cls is not ModulePass and cls.__module__ == module.__name__
    ]


@pytest.mark.parametrize("file", PASS_FILES, ids=lambda p: p.name)
def test_pass_file_follows_the_naming_rule(file: Path) -> None:
    found = passes_in(file)
    assert len(found) == 1, f"{file.name}: one pass per file (helpers go in files starting with `_`), found {found}"
    cls = found[0]
    assert cls.name.replace("-", "_") == file.stem, f"{file.name} holds pass '{cls.name}'"
    assert cls.__name__ == camel(cls.name) + "Pass", f"pass '{cls.name}' must be class {camel(cls.name)}Pass"


@pytest.mark.parametrize("file", PASS_FILES, ids=lambda p: p.name)
def test_pass_docstring_states_requires_and_guarantees(file: Path) -> None:
    for cls in passes_in(file):
        doc = inspect.getdoc(cls) or ""
        assert doc.strip(), f"{cls.__name__} has no docstring"
        assert "Requires:" in doc and "Guarantees:" in doc, (
            f"{cls.__name__}'s docstring must state Requires:/Guarantees:"
        )


@pytest.mark.parametrize("file", PASS_FILES, ids=lambda p: p.name)
def test_pass_is_registered_and_has_a_lit_test(file: Path) -> None:
    registry = available_passes()
    for cls in passes_in(file):
        assert registry.get(cls.name) is cls, f"pass '{cls.name}' is missing from passes/__init__.py"
        test = ROOT / "test" / "filecheck" / "passes" / f"{cls.name}.mlir"
        assert test.is_file(), f"pass '{cls.name}' has no lit test {test.relative_to(ROOT)}"


def test_registry_names_are_the_pass_names_and_ours_have_files() -> None:
    for name, cls in available_passes().items():
        assert cls.name == name
        if cls.__module__.startswith("passes."):
            assert (ROOT / "passes" / f"{name.replace('-', '_')}.py").is_file()


def check_prefixes(text: str) -> set[str]:
    """CHECK plus every prefix a RUN line passes to filecheck."""
    prefixes = {"CHECK"}
    for value in re.findall(r"--check-prefix(?:es)?[= ]([\w,-]+)", text):
        prefixes.update(v for v in value.split(",") if v)
    return prefixes


def colonless_directives(text: str) -> list[str]:
    """Lines whose comment starts with a check prefix (or RUN) not followed by a colon."""
    names = "|".join(sorted(map(re.escape, check_prefixes(text) | {"RUN"}), key=len, reverse=True))
    directive = re.compile(rf"^\s*(?://|#|;)\s*(?:{names}){SUFFIXES}(?![\w:-])")
    return [line for line in text.splitlines() if directive.match(line)]


@pytest.mark.parametrize("file", TEST_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_directive_has_its_colon(file: Path) -> None:
    bad = colonless_directives(file.read_text())
    assert not bad, f"{file.relative_to(ROOT)}: directives without a colon are silently ignored: {bad}"


@pytest.mark.parametrize("file", TEST_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_expected_failures_check_their_message(file: Path) -> None:
    runs = re.findall(r"RUN:(.*)", file.read_text())
    for run in runs:
        if re.match(r"\s*not\b", run):
            assert "filecheck" in run, f"{file.relative_to(ROOT)}: a bare `not` checks only the exit status: {run}"


def test_the_directive_scan_catches_what_filecheck_ignores() -> None:
    text = "// RUN: charlc %s | filecheck %s --check-prefix=OPT\n// CHECK foo\n// OPT-NEXT bar\n// CHECK: ok\n"
    assert colonless_directives(text) == ["// CHECK foo", "// OPT-NEXT bar"]
    assert colonless_directives("// CHECKS that x\n// CHECK-LABEL: f\n// CHECK-COUNT-2: g\n") == []


def test_readme_pipeline_table_matches_the_stage_table() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([\w-]+)` \| ([^|]*) \|", readme, re.MULTILINE)}
    for stage in Stage:
        assert stage.value in rows, f"README.md's pipeline table has no row for stage '{stage.value}'"
        cell = rows[stage.value]
        if ("cpu", stage) not in STAGE_PASSES:
            assert "not yet" in cell, f"README.md lists stage '{stage.value}' as available"
            continue
        named = re.findall(r"`([\w-]+)`", cell)
        assert named == list(STAGE_PASSES[("cpu", stage)]), f"README.md's passes of '{stage.value}': {cell}"
