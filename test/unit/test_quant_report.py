"""`charlc quant-report`: per dense layer and per model output, the error of the quantized values
against float32 on the program's own inputs (charlc/quant_report.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from charlc.quant_report import errors, qgemm_reference, quantize_weight

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mlp_classifier.ch"
ROW = re.compile(r"^(\S+(?: output)?)\s+\[([\d, ]+)\]\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$", re.M)


def report(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "charlc", "quant-report", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


def rows(stdout: str) -> dict[str, tuple[str, str, list[float]]]:
    """name -> (shape, kind, [rel, max abs, in model rel, in model max abs]) (nan for `-`)."""
    out = {}
    for name, shape, kind, *numbers in ROW.findall(stdout):
        out[name] = (shape, kind, [float("nan") if n == "-" else float(n) for n in numbers])
    return out


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    done = {kind: report(EXAMPLE, f"--quantize={kind}") for kind in ("int8", "int4")}
    for d in done.values():
        assert d.returncode == 0 and d.stderr == "", d.stderr
    return {kind: d.stdout for kind, d in done.items()}


def test_every_dense_layer_and_the_output_has_a_row(reports: dict[str, str]) -> None:
    got = rows(reports["int8"])
    assert list(got) == ["Mlp.layers.0", "Mlp.layers.1", "Mlp.layers.2", "Mlp output"], reports["int8"]
    assert [got[n][0] for n in got] == ["256, 128", "128, 64", "64, 10", "128, 10"]
    assert {got[n][1] for n in got} == {"int8/channel", "model"}
    assert rows(reports["int4"])["Mlp.layers.0"][1] == "int4/g32"
    assert reports["int8"].startswith("quant-report ")
    assert "weights int8 (one scale per output channel), activations int8 per row" in reports["int8"]


def test_errors_are_small_and_int8_beats_int4(reports: dict[str, str]) -> None:
    int8, int4 = rows(reports["int8"]), rows(reports["int4"])
    for name in ("Mlp.layers.0", "Mlp.layers.1", "Mlp.layers.2"):
        rel8, abs8, model8, _ = int8[name][2]
        rel4, abs4, model4, _ = int4[name][2]
        assert 0 < rel8 < 0.02 and 0 < rel4 < 0.15, (name, rel8, rel4)
        assert rel8 < rel4 and abs8 < abs4 and model8 < model4
        assert rel8 <= model8 * 1.0001  # the error accumulates through the model
    assert 0 < int8["Mlp output"][2][2] < int4["Mlp output"][2][2] < 0.3
    assert np.isnan(int8["Mlp output"][2][0])


def test_the_numpy_model_is_the_compiled_kernel(reports: dict[str, str]) -> None:
    for text in reports.values():
        gap = float(re.search(r"compiled kernel: (\S+) \(relative\)", text).group(1))  # type: ignore[union-attr]
        assert gap < 1e-5, text


def test_the_output_row_matches_run_quantize(reports: dict[str, str], tmp_path: Path) -> None:
    """The model output error is the one between `charlc run` and `charlc run --quantize=int8`."""
    program = tmp_path / "p.ch"
    program.write_text(EXAMPLE.read_text().split("let probs")[0] + 'save_npy("logits.npy", logits)\n')

    def logits(*flags: str) -> np.ndarray:
        command = [sys.executable, "-m", "charlc", "run", "--no-cache", str(program), *flags]
        subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)
        return np.load(tmp_path / "logits.npy")

    rel, _ = errors(logits("--quantize=int8"), logits())
    assert rows(reports["int8"])["Mlp output"][2][2] == pytest.approx(rel, rel=0.02)


def test_group_and_errors(tmp_path: Path) -> None:
    done = report(EXAMPLE, "--quantize=int4", "--group=64")
    assert done.returncode == 0 and "int4/g64" in done.stdout
    bad = report(EXAMPLE, "--quantize=int4", "--group=48")
    assert bad.returncode == 1 and "--quantize=int4 with group 48" in bad.stderr and "Traceback" not in bad.stderr
    plain = tmp_path / "plain.ch"
    plain.write_text("print(1.0)\n")
    none = report(plain)
    assert none.returncode == 0 and "(no dense layer ran" in none.stdout


def test_reference_math() -> None:
    """Symmetric round-half-even weights (per channel or group) and per-row int8 activations."""
    w = np.array([[1.0, -0.5], [0.25, 2.0], [-1.0, 0.0], [0.5, 1.0]], np.float32)
    np.testing.assert_allclose(
        quantize_weight(w, "int8", 0), np.round(w / (np.abs(w).max(0) / 127)) * (np.abs(w).max(0) / 127)
    )
    four = quantize_weight(w, "int4", 2)
    assert four[0, 0] == pytest.approx(1.0) and four[1, 0] == pytest.approx(round(0.25 / (1 / 7)) / 7)
    x = np.array([[0.5, -1.0, 0.25, 0.0]], np.float32)
    got = qgemm_reference(x, w, "int8", 0)
    assert got.shape == (1, 2) and errors(got, x @ w)[0] < 0.02
