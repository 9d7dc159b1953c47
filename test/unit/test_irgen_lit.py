"""Every ```charl block of LANGUAGE.md gives a verified module, and the irgen lit files of the
built-ins, models, gradients, optimizers and quantization hold (checked in-process as well)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from charl_oracle import compile_module

# ---------------------------------------------------------------------------------------------
# LANGUAGE.md examples and the lit files of this component

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = Path("/work/shared/LANGUAGE.md") if Path("/work/shared/LANGUAGE.md").exists() else ROOT / "docs/language.md"
BLOCKS = re.findall(r"^```charl[ \t]*\n(.*?)^```", LANGUAGE.read_text(), re.MULTILINE | re.DOTALL)
LIT_PATTERNS = ("builtin-*.ch", "model-*.ch", "grad-*.ch", "optim-*.ch", "quant-*.ch")
LIT_FILES = sorted(f for pattern in LIT_PATTERNS for f in (ROOT / "test/filecheck/irgen").glob(pattern))


@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_language_examples_give_verified_modules(block: int) -> None:
    module = compile_module(BLOCKS[block])  # generate() verifies the module
    assert any(getattr(op, "sym_name", None) and op.sym_name.data == "main" for op in module.ops)


def test_lit_files_exist() -> None:
    assert len(LIT_FILES) >= 14


@pytest.mark.parametrize("path", LIT_FILES, ids=lambda p: p.name)
def test_lit_file(path: Path) -> None:
    text = path.read_text()
    run = re.search(r"^// RUN: charlc %s (--emit=mlir[^|]*?) \| filecheck %s$", text, re.MULTILINE)
    assert run is not None and "CHECK-LABEL:" in text
    assert not re.search(r"//\s*CHECK(-[A-Z]+)?(?!:)\s", text), "a CHECK directive without its colon is ignored"
    args = run.group(1).split()
    ir = subprocess.run(
        [sys.executable, "-m", "charlc", str(path), *args], capture_output=True, text=True, check=True
    ).stdout
    filecheck = Path(sys.executable).parent / "filecheck"
    done = subprocess.run([str(filecheck), "--enable-var-scope", str(path)], input=ir, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
