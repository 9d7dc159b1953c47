"""Both targets print the same for every ```charl block of docs/language.md and every program under
test/filecheck/run (the lit tests that `charlc run`): numbers to a float32 tolerance, everything else
exactly (`gpu_target_util.same_printed`). The blocks whose results are not printed get a `print`
of them appended (`PRINTS`), and the training block runs 200 steps instead of 1000 (`SHORTER`).

The blocks and the programs that end normally run in this process (`printed`); those that stop with
a run-time error (`error-*.ch`, run by lit under `not`) run as `charlc run --target=...`
subprocesses, which must stop the same way: same exit status, same message, same output before it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gpu_target_util import ROOT, TARGETS, charl_run, printed, require_adapter, same_printed
from test_language_examples import BLOCKS

require_adapter()

PRINTS = {
    "let gw = autograd(f, w)": "print(l, sum(gx), gx[3, 0:4], gw)\n",
    "let q8 = quantize(m, int8)": "print(logits[0], q4(x)[1, 0:5], max(abs(w2 - w)), q[0, 0:8], scale[0:3])\n",
}
"""Lines appended to the block holding the key, printing what it computes."""
SHORTER = {"for step in 0..1000 {": "for step in 0..200 {"}
"""Replacements in the block holding the key: fewer training steps."""
RUN_PROGRAMS = sorted((ROOT / "test" / "filecheck" / "run").glob("*.ch"))
FAILING = [p for p in RUN_PROGRAMS if p.name.startswith("error-")]
ENDING = [p for p in RUN_PROGRAMS if p not in FAILING]


def edited(code: str) -> str:
    """A block with its `PRINTS` line appended and its `SHORTER` replacements made."""
    for key, line in PRINTS.items():
        code = code + line if key in code else code
    for key, replacement in SHORTER.items():
        code = code.replace(key, replacement)
    return code


def test_the_programs_are_found() -> None:
    assert len(BLOCKS) >= 5 and len(ENDING) >= 8 and len(FAILING) >= 3
    for key in (*PRINTS, *SHORTER):
        assert sum(code.count(key) for _, code in BLOCKS) == 1, f"{key!r} is in no block or in several"
    for path in RUN_PROGRAMS:  # the lit RUN lines expect a failure exactly for error-*.ch
        assert (plain_run_fails(path.read_text())) == (path in FAILING), path.name


def plain_run_fails(text: str) -> bool:
    """Whether a RUN line expects `charlc run` of the program as it is (no `--` option that changes
    what it computes, such as `--quantize`) to fail."""
    runs = [line for line in text.splitlines() if line.startswith("// RUN:") and "not charlc run %s" in line]
    return any("--quantize" not in line and "--group" not in line for line in runs)


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"language.md:{line}" for line, _ in BLOCKS])
def test_language_block_prints_the_same_on_both_targets(
    line: int, code: str, capfd: pytest.CaptureFixture[str]
) -> None:
    out = {t: printed(edited(code), f"language-{line}.ch", t, capfd) for t in TARGETS}
    same_printed(out["gpu"], out["cpu"])


@pytest.mark.parametrize("path", ENDING, ids=lambda p: p.name)
def test_run_program_prints_the_same_on_both_targets(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    out: dict[str, str] = {}
    for target in TARGETS:
        cwd = tmp_path / target
        cwd.mkdir()
        monkeypatch.chdir(cwd)  # npy.ch writes grid.npy into the working directory
        out[target] = printed(path.read_text(), str(path.relative_to(ROOT)), target, capfd)
    assert out["cpu"].strip(), "the program printed nothing"
    same_printed(out["gpu"], out["cpu"])
    if path.name == "npy.ch":
        grids = [np.load(tmp_path / t / "grid.npy") for t in TARGETS]
        np.testing.assert_array_equal(grids[1], grids[0])


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One program cache for the subprocesses of this module (the C runtime is built once)."""
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("path", FAILING, ids=lambda p: p.name)
def test_run_program_fails_the_same_on_both_targets(path: Path, tmp_path: Path, cache: Path) -> None:
    runs = {}
    for target in TARGETS:
        cwd = tmp_path / target
        cwd.mkdir()
        # error-npy.ch reads data.npy (int32 declared, float32 here: a run-time error).
        np.save(cwd / "data.npy", np.zeros((3, 4), np.float32))
        runs[target] = charl_run(path, target, cwd, cache)
    cpu, gpu = runs["cpu"], runs["gpu"]
    assert cpu.status == 1 and "runtime error" in cpu.err, f"exit {cpu.status}\n{cpu.err}"
    assert (gpu.status, gpu.err) == (cpu.status, cpu.err)
    same_printed(gpu.out, cpu.out)
