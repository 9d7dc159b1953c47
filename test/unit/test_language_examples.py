"""Every ```charl block of docs/language.md compiles (`--emit=mlir --mlir-print-debuginfo`) to
verified charl IR in which every op carries a `FileLineColLoc` inside the block, and every block
runs on the CPU through `charlc.api.load(...).run()`: those whose output is exact print what `RUNS`
says (also as an `--emit=exe` executable); the training block prints finite, falling losses.

The Python API runs in-process (one pytest parameter per block); the printed IR must parse back.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp

from charlc.api import compile_source, load, make_context, parse_ir, print_ir
from charlc.diagnostics import Source
from charlc.options import Options
from charlc.pipeline import Stage

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = ROOT / "docs" / "language.md"

# Ops allowed at the charl level besides charl.* (docs/charl-dialect.md, Types).
UPSTREAM_OPS = frozenset(
    {
        "func.func",
        "func.return",
        "func.call",
        "scf.if",
        "scf.for",
        "scf.while",
        "scf.yield",
        "scf.condition",
        "arith.constant",
        "arith.index_cast",
        "arith.addi",
        "arith.muli",
        "arith.subi",
    }
)


def charl_blocks(markdown: str) -> list[tuple[int, str]]:
    """(line of the block's first code line, code) for every ```charl block."""
    blocks = []
    for m in re.finditer(r"^```charl[ \t]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL):
        blocks.append((markdown.count("\n", 0, m.start(1)) + 1, m.group(1)))
    return blocks


def check_charl_ir(module: ModuleOp, path: str, text: str) -> None:
    """Every op but the module: a charl op or an allowed upstream op, located in `path` inside `text`."""
    n_lines = len(text.split("\n"))  # a location may be the end of the text
    for op in module.walk():
        if op is module:
            continue
        assert op.name.startswith("charl.") or op.name in UPSTREAM_OPS, f"{op.name} is not allowed in charl IR"
        loc = op.location
        assert isinstance(loc, FileLineColLoc), f"{op.name} has no FileLineColLoc: {loc}"
        assert loc.filename.data == path, f"{op.name} is located in {loc.filename.data}"
        assert 1 <= loc.line.data <= n_lines and loc.column.data >= 1, f"{op.name} at {loc} is outside the source"


def check_compiles(text: str, path: str) -> None:
    """`charlc PATH --emit=mlir --mlir-print-debuginfo` gives verified, located charl IR, also at the
    `charl` stage (irgen's own output); the IR printed without locations parses back to as many ops."""
    for stage in (Stage.CHARL, None):
        options = Options(stop_after=stage, print_debuginfo=True)
        module = compile_source(text, path, options)
        module.verify()
        check_charl_ir(module, path, text)
        assert "loc(" in print_ir(module, options)
        plain = print_ir(module, Options())
        again = parse_ir(make_context(), Source(path.replace(".ch", ".mlir"), plain))
        assert len(list(again.walk())) == len(list(module.walk()))


BLOCKS = charl_blocks(LANGUAGE.read_text())


def test_the_document_has_charl_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"language.md:{line}" for line, _ in BLOCKS])
def test_language_example_compiles(line: int, code: str) -> None:
    check_compiles(code, f"language-{line}.ch")


# What each block prints, by a piece of its code found in that block only. Exact for all but the
# blocks that train (`TRAINING`), whose loss values depend on summation order: `check_training`.
RUNS: dict[str, str] = {
    "let (loss, g) = value_and_grad(f)(w)": "3.0 0.020000001 [-0.2 -0.2]\n",
    "let loss = 0.5": "training\n0\n2\n",
    "fn mse(pred: tensor<float32, [N]>, target: tensor<float32, [N]>) -> float32 {": "",
    "model TwoLayer {": "",
    "let gw = autograd(f, w)": "",
    "let q8 = quantize(m, int8)": "",
}
TRAINING = frozenset({"(m, opt) = adam(m, g, opt, lr: 0.001)"})
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)|\bnan\b|\binf\b")


def expected(code: str) -> str | None:
    """What the block `code` prints by `RUNS`, or None for a block in `TRAINING`."""
    keys = [key for key in (*RUNS, *TRAINING) if key in code]
    assert len(keys) == 1, f"the block matches {keys} of RUNS and TRAINING, not one key:\n{code}"
    return RUNS.get(keys[0])


def check_training(out: str) -> None:
    """`step i loss x` lines for i = 0, 100, ...: finite losses, the last well below the first."""
    rows = [[float(t) for t in NUMBER.findall(s)] for s in out.splitlines()]
    assert len(rows) >= 2 and all(s.startswith("step ") and " loss " in s for s in out.splitlines()), out
    assert [int(r[0]) for r in rows] == list(range(0, 100 * len(rows), 100)), out
    losses = [r[1] for r in rows]
    assert all(math.isfinite(v) for v in losses), losses
    assert losses[-1] < 0.1 * losses[0], losses


EXACT = [(line, code) for line, code in BLOCKS if not any(key in code for key in TRAINING)]


def test_every_block_has_its_output() -> None:
    """Each block matches one key of `RUNS` or `TRAINING`, and each key one block."""
    assert EXACT
    for key in (*RUNS, *TRAINING):
        assert sum(key in code for _, code in BLOCKS) == 1, f"{key!r} is in no block or in several"
    for _, code in BLOCKS:
        expected(code)


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"language.md:{line}" for line, _ in BLOCKS])
def test_language_example_runs(line: int, code: str, capfd: pytest.CaptureFixture[str]) -> None:
    program = load(code, path=f"language-{line}.ch")
    capfd.readouterr()
    program.run()
    out = capfd.readouterr().out
    want = expected(code)
    if want is None:
        check_training(out)
    else:
        assert out == want


@pytest.mark.parametrize("line, code", EXACT, ids=[f"language.md:{line}" for line, _ in EXACT])
def test_language_example_executable_prints_the_same(line: int, code: str, tmp_path: Path) -> None:
    """The same block built with `--emit=exe` runs without Python and prints the same bytes."""
    source = tmp_path / f"language-{line}.ch"
    source.write_text(code)
    exe = tmp_path / f"language-{line}"
    built = subprocess.run(
        [sys.executable, "-m", "charlc", str(source), "--emit=exe", "-o", str(exe)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    native = subprocess.run([str(exe)], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert native.returncode == 0, native.stderr
    assert native.stdout == expected(code)
