"""The example programs that train, differentiate or quantize run end to end on the CPU (`python -m
charlc run`, each in a fresh cache) and reach the results they state: losses that fall, accuracies
over a bar, recovered parameters, quantization errors that agree with a NumPy version.

`digits.ch` and `cnn.ch` read the 8x8 digits that `examples/prepare_digits.py` writes (with
scikit-learn); they run with fewer epochs than the examples have (their `let epochs = N` line is
substituted), from a working directory holding `examples/data/`, as `load_npy` paths are relative
to the working directory.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_builtins_numeric_util import random_normal

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)|\bnan\b|\binf\b")

# The examples this file runs (test_examples checks that every example runs somewhere).
TRAINED = frozenset(
    {
        "mlp_synthetic.ch",
        "xor.ch",
        "linear_regression.ch",
        "digits.ch",
        "cnn.ch",
        "transformer_block.ch",
        "quantized_inference.ch",
    }
)


def charl_run(source: Path, cwd: Path, cache: Path) -> str:
    """`python -m charlc run source` in `cwd` with its own cache; the stdout of a clean run."""
    env = {**os.environ, "CHARL_CACHE_DIR": str(cache)}
    r = subprocess.run(
        [sys.executable, "-m", "charlc", "run", str(source)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert r.stderr == ""
    return r.stdout


def run_example(name: str, tmp_path: Path) -> str:
    return charl_run(EXAMPLES / name, tmp_path, tmp_path / "cache")


def numbers(text: str) -> list[float]:
    """Every number in `text`, in order."""
    return [float(t) for t in NUMBER.findall(text)]


def line(out: str, label: str) -> str:
    """The one line of `out` that starts with `label`, without it."""
    found = [s[len(label) :] for s in out.splitlines() if s.startswith(label + " ")]
    assert len(found) == 1, f"expected one line starting with {label!r} in:\n{out}"
    return found[0]


def value(out: str, label: str) -> float:
    """The single number on the line that starts with `label`."""
    [v] = numbers(line(out, label))
    assert math.isfinite(v), f"{label}: {v}"
    return v


def losses(out: str, label: str) -> list[float]:
    """The loss of every `<label> i loss x` line, checking that `i` counts 0, 1, ... (or by a step)."""
    rows = [numbers(s) for s in out.splitlines() if s.startswith(label + " ")]
    assert len(rows) >= 2 and all(len(r) == 2 for r in rows), out
    counts = [int(r[0]) for r in rows]
    assert counts == list(range(0, counts[1] * len(rows), counts[1])), counts
    values = [r[1] for r in rows]
    assert all(math.isfinite(v) for v in values), values
    return values


def test_mlp_synthetic_learns_its_labels(tmp_path: Path) -> None:
    out = run_example("mlp_synthetic.ch", tmp_path)
    epoch = losses(out, "epoch")
    assert len(epoch) == 5
    assert all(b < a for a, b in zip(epoch, epoch[1:], strict=False)), epoch
    assert epoch[-1] < 0.5 * epoch[0], epoch
    assert value(out, "accuracy") >= 0.95
    assert value(out, "samples/s") > 0


def test_xor_predicts_xor(tmp_path: Path) -> None:
    out = run_example("xor.ch", tmp_path)
    step = losses(out, "step")
    assert step[-1] < 0.01 < step[0], step
    predictions = numbers(out[out.index("predictions") : out.index("parameters")])
    assert [round(p) for p in predictions] == [0, 1, 1, 0], predictions
    assert value(out, "parameters") == 2 * 8 + 8 + 8 * 1 + 1


def test_linear_regression_recovers_its_parameters(tmp_path: Path) -> None:
    out = run_example("linear_regression.ch", tmp_path)
    step = losses(out, "step")
    assert step[-1] < 1e-3 < step[0], step
    w0, w1, b = numbers(line(out, "w").replace(" b ", " "))
    # y = 3 x0 - 2 x1 + 0.5 with noise of std 0.01 on 256 points.
    np.testing.assert_allclose([w0, w1, b], [3.0, -2.0, 0.5], atol=0.01)


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory whose `examples/data/` holds the digits written by prepare_digits.py."""
    pytest.importorskip("sklearn", reason="examples/prepare_digits.py needs scikit-learn (the `test` extra)")
    cwd = tmp_path_factory.mktemp("digits")
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "prepare_digits.py"), "--out", str(cwd / "examples" / "data")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    shapes = {p.name: np.load(p).shape for p in (cwd / "examples" / "data").glob("*.npy")}
    assert shapes == {"train_x.npy": (1437, 64), "train_y.npy": (1437,), "test_x.npy": (360, 64), "test_y.npy": (360,)}
    return cwd


def with_epochs(name: str, epochs: int, where: Path) -> Path:
    """The example `name` with its `let epochs = N` line set to `epochs`, written into `where`."""
    text, n = re.subn(r"(?m)^let epochs = \d+$", f"let epochs = {epochs}", (EXAMPLES / name).read_text())
    assert n == 1, f"{name} has {n} `let epochs = N` lines"
    path = where / name
    path.write_text(text)
    return path


def test_prepare_digits_writes_a_stratified_split(digits_dir: Path) -> None:
    data = digits_dir / "examples" / "data"
    x, y = np.load(data / "train_x.npy"), np.load(data / "train_y.npy")
    assert x.dtype == np.float32 and y.dtype == np.int32
    assert 0.0 <= x.min() and x.max() == 1.0
    test_counts = np.bincount(np.load(data / "test_y.npy"), minlength=10)
    assert test_counts.min() >= 35 and test_counts.max() <= 37, test_counts


def test_digits_mlp_reaches_its_test_accuracy(digits_dir: Path, tmp_path: Path) -> None:
    source = with_epochs("digits.ch", 8, tmp_path)
    out = charl_run(source, digits_dir, tmp_path / "cache")
    epoch = losses(out, "epoch")
    assert len(epoch) == 8
    assert all(b < a for a, b in zip(epoch, epoch[1:], strict=False)), epoch
    assert value(out, "train accuracy") >= 0.95
    assert value(out, "test accuracy") >= 0.90
    assert value(out, "samples/s") > 0


def test_cnn_learns_the_digits(digits_dir: Path, tmp_path: Path) -> None:
    source = with_epochs("cnn.ch", 4, tmp_path)
    out = charl_run(source, digits_dir, tmp_path / "cache")
    assert "total parameters: 1370" in out  # conv 8*1*3*3 + 8, dense 128*10 + 10
    epoch = losses(out, "epoch")
    assert len(epoch) == 4 and epoch[-1] < 0.5 * epoch[0], epoch
    assert value(out, "test accuracy") >= 0.80


def test_transformer_block_keeps_its_shape(tmp_path: Path) -> None:
    out = run_example("transformer_block.ch", tmp_path)
    assert numbers(line(out, "output shape")) == [16, 64]
    mean, std = numbers(line(out, "mean").replace(" std ", " "))
    assert math.isfinite(mean) and math.isfinite(std) and std > 0.1
    d, hidden = 64, 256
    assert value(out, "parameters") == 4 * d * d + 4 * d + d * hidden + hidden + hidden * d + d


def test_quantized_inference_errors_are_small(tmp_path: Path) -> None:
    out = run_example("quantized_inference.ch", tmp_path)
    int8, int4 = value(out, "int8 relative error"), value(out, "int4 relative error")
    assert 0 < int8 < 0.02 and int8 < int4 < 0.2, (int8, int4)
    assert value(out, "argmax agreement int8") >= 0.9
    # quantize_tensor(w, int8, axis: 1): one scale max|w[:, j]| / 127 per column, round half to even.
    w = random_normal((256, 128), 2).astype(np.float32)
    scale = np.abs(w).max(axis=0) / np.float32(127)
    error = np.abs(np.clip(np.rint(w / scale), -127, 127) * scale - w).max()
    np.testing.assert_allclose(value(out, "max abs error of one weight"), error, rtol=1e-4)
