"""Both targets print the same for every program in examples/: each runs in this process on
`--target=cpu` and on `--target=gpu` (`gpu_target_util.printed`), and the two outputs are compared
with `same_printed` (numbers to a float32 tolerance, everything else exactly; `samples/s` lines
dropped).

digits.ch and cnn.ch read the digits that examples/prepare_digits.py writes, from a working
directory holding `examples/data/` (as in test_examples_training); they and mlp_synthetic.ch run
one epoch (their `let epochs = N` line substituted): the GPU runs kernels on llvmpipe here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gpu_target_util import ROOT, TARGETS, deterministic, printed, require_adapter, same_printed

require_adapter()

OWN_TEST = frozenset({"gpt2.ch"})
"""Examples that a test module of their own runs on both targets (test_gpt2.py: a tiny configuration
of gpt2.ch, whose full size needs 500 MB of generated weights)."""
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.ch") if p.name not in OWN_TEST)
EPOCHS = {"digits.ch": 1, "cnn.ch": 1, "mlp_synthetic.ch": 1}
"""Examples run with fewer epochs than they have."""
DIGITS = frozenset({"digits.ch", "cnn.ch"})


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory whose `examples/data/` holds the digits."""
    pytest.importorskip("sklearn", reason="examples/prepare_digits.py needs scikit-learn (the `test` extra)")
    cwd = tmp_path_factory.mktemp("digits")
    r = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "prepare_digits.py"), "--out", str(cwd / "examples" / "data")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return cwd


def with_epochs(text: str, epochs: int) -> str:
    """`text` with its one `let epochs = N` line set to `epochs`."""
    lines = text.splitlines(keepends=True)
    found = [k for k, line in enumerate(lines) if line.startswith("let epochs = ")]
    assert len(found) == 1, f"{len(found)} `let epochs = N` lines"
    lines[found[0]] = f"let epochs = {epochs}\n"
    return "".join(lines)


def test_the_examples_are_found() -> None:
    assert len(EXAMPLES) >= 9 and {p.name for p in EXAMPLES} >= set(EPOCHS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_prints_the_same_on_both_targets(
    path: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    text = path.read_text()
    if path.name in EPOCHS:
        text = with_epochs(text, EPOCHS[path.name])
    monkeypatch.chdir(request.getfixturevalue("digits_dir") if path.name in DIGITS else tmp_path)
    out = {t: printed(text, f"examples/{path.name}", t, capfd) for t in TARGETS}
    assert out["cpu"].strip(), "the example printed nothing"
    same_printed(deterministic(out["gpu"]), deterministic(out["cpu"]))
