"""Every program in examples/ compiles to verified, located charl IR (see test_language_examples) and
runs: those in `EXPECTED` here with `charlc run`, printing what a NumPy version of the same program
prints (numbers to a float32 tolerance, everything else exactly); those that train, differentiate or
quantize in test_examples_training, which checks the results they state.

The examples are picked up by glob: a new `examples/*.ch` file is compiled without changing this
file, and must be run by one of the two (a NumPy version in `EXPECTED` or a test in
test_examples_training listed in its `TRAINED`) or by a test module of its own (`OWN_TEST`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_builtins_numeric_util import random_int, random_normal, random_uniform, softmax
from test_examples_training import TRAINED
from test_language_examples import check_compiles

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*(ROOT / "examples").glob("*.ch"), *(ROOT / "examples").glob("*.charl")])
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)|\bnan\b|\binf\b")


def show(value: Any) -> str:
    """A value as Charl's `print` shows it: NumPy's `str`, booleans as true/false."""
    array = np.asarray(value)
    if array.dtype == np.bool_:
        if array.ndim == 0:
            return "true" if array else "false"
        return "[" + " ".join("true" if v else "false" for v in array.ravel()) + "]"
    return str(array[()] if array.ndim == 0 else array)


def printed(*values: Any) -> str:
    """One `print(...)` line: strings as they are, values with `show`, separated by spaces."""
    return " ".join(v if isinstance(v, str) else show(v) for v in values) + "\n"


def basics() -> str:
    f32 = np.float32
    a = np.array([[1, 2, 3], [4, 5, 6]], f32)
    b = np.array([10, 20, 30], f32)
    out = printed("a + b =", a + b) + printed("a @ a^T =", a @ a.T)
    out += printed("row sums", a.sum(axis=1), "column means", a.mean(axis=0, keepdims=True))
    grid = np.zeros((4, 4), f32)
    for i in range(4):
        grid[i, i] = i + 1
    grid[0:2, 2:4] = 7
    out += printed(grid)
    x = random_normal((8,), 42).astype(f32)
    centered = x - x.mean()
    n = centered / np.sqrt((centered * centered).mean() + f32(1e-5))
    out += printed("normalized mean", np.round(n.mean() * f32(1000)) / f32(1000), "range", n.max() - n.min() > 0)
    out += printed("sum of odd numbers below 11:", np.int32(sum(range(1, 11, 2))))
    labels = random_int((6,), 0, 3, 7)
    out += printed("labels", labels, "one-hot", np.eye(3, dtype=f32)[labels])
    out += printed("where", np.where(x > 0, x, f32(0)) >= 0)
    return out + printed("round trip", grid.sum() == grid.sum(), np.array(grid.shape, np.int64))


def mlp_inference() -> str:
    f32 = np.float32
    w1 = random_normal((784, 128), 1, std=0.05).astype(f32)
    w2 = random_normal((128, 64), 2, std=0.1).astype(f32)
    w3 = random_normal((64, 10), 3, std=0.1).astype(f32)
    x = random_uniform((256, 784), 4)
    h1 = np.maximum(x @ w1, 0)
    h2 = np.maximum(h1 @ w2, 0)
    probs = softmax(h2 @ w3, axis=1)
    predicted = np.argmax(probs, axis=1).astype(np.int32)
    out = printed("first predictions", predicted[0:8])
    out += printed("mean confidence", probs.max(axis=1).mean(dtype=f32))
    return out + printed("class counts", np.eye(10, dtype=f32)[predicted].sum(axis=0))


EXPECTED: dict[str, Callable[[], str]] = {"basics.ch": basics, "mlp_inference.ch": mlp_inference}
WITH_NUMPY = [p for p in EXAMPLES if p.name in EXPECTED]
OWN_TEST = frozenset({"gpt2.ch", "mlp_classifier.ch"})
"""Examples run by a test module of their own: gpt2.ch by test_gpt2.py, against PyTorch;
mlp_classifier.ch by test_run_quantize.py and test_quant_report.py, float and quantized."""


def same_output(got: str, want: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """`got` has `want`'s lines, each with the same text around its numbers and numbers that agree."""
    got_lines, want_lines = got.splitlines(), want.splitlines()
    assert len(got_lines) == len(want_lines), f"got:\n{got}\nexpected:\n{want}"
    for g, w in zip(got_lines, want_lines, strict=True):
        skeleton = [re.sub(r"\s+", "", NUMBER.sub("#", line)) for line in (g, w)]
        assert skeleton[0] == skeleton[1], f"line {g!r}, expected {w!r}"
        numbers = [np.array([float(t) for t in NUMBER.findall(line)]) for line in (g, w)]
        np.testing.assert_allclose(numbers[0], numbers[1], rtol=rtol, atol=atol, err_msg=f"{g!r} vs {w!r}")


def test_there_are_examples() -> None:
    assert EXAMPLES, "examples/ holds no .ch programs"
    assert len(WITH_NUMPY) == len(EXPECTED), "an example in EXPECTED is missing from examples/"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_compiles(path: Path) -> None:
    check_compiles(path.read_text(), str(path.relative_to(ROOT)))


def test_every_example_runs_in_a_test() -> None:
    """Each example is run here (with its NumPy version) or in test_examples_training, not both."""
    assert not set(EXPECTED) & TRAINED and not (set(EXPECTED) | TRAINED) & OWN_TEST
    assert {p.name for p in EXAMPLES} == set(EXPECTED) | TRAINED | OWN_TEST


@pytest.mark.parametrize("path", WITH_NUMPY, ids=lambda p: p.name)
def test_example_runs_and_prints_the_right_values(path: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CHARL_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run(
        [sys.executable, "-m", "charlc", "run", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    same_output(r.stdout, EXPECTED[path.name]())
