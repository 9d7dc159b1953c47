"""Sizes known only at run time are checked where they must agree (LANGUAGE.md section 2): the
operands of an elementwise op and the inner dimensions of a matmul. A mismatch is a located
run-time error (status 1) instead of a read out of range."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


def _run(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    np.save(tmp_path / "three.npy", np.arange(3, dtype=np.float32))
    np.save(tmp_path / "five.npy", np.arange(5, dtype=np.float32))
    np.save(tmp_path / "m23.npy", np.ones((2, 3), np.float32))
    (tmp_path / "p.ch").write_text(text)
    env = {**os.environ, "CHARL_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "charlc", "run", "p.ch"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )


LOADS = 'let a: tensor<float32, [?]> = load_npy("three.npy")\nlet b: tensor<float32, [?]> = load_npy("five.npy")\n'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("print(a + b)", "p.ch:3:7: runtime error: the operands of add have sizes 5 and 3 along axis 0"),
        ("print(b * a)", "p.ch:3:7: runtime error: the operands of mul have sizes 3 and 5 along axis 0"),
        ("print(where(a > 1.0, a, b))", "p.ch:3:7: runtime error: the operands of select have sizes 5 and 3"),
    ],
)
def test_elementwise_operands_of_different_run_time_sizes_are_an_error(tmp_path: Path, line: str, message: str) -> None:
    done = _run(tmp_path, LOADS + line + "\n")
    assert done.returncode == 1
    assert done.stderr.startswith(message), done.stderr


def test_matmul_inner_sizes_are_checked(tmp_path: Path) -> None:
    text = 'let a: tensor<float32, [2, ?]> = load_npy("m23.npy")\nprint(a @ ones([4, 2]))\n'
    done = _run(tmp_path, text)
    assert done.returncode == 1
    assert done.stderr.startswith("p.ch:2:7: runtime error: matmul inner dimensions 3 and 4 differ"), done.stderr


def test_agreeing_sizes_run(tmp_path: Path) -> None:
    text = (
        LOADS
        + "print(a + a, b * b)\n"
        + 'let m: tensor<float32, [2, ?]> = load_npy("m23.npy")\nprint(m @ ones([3, 2]))\n'
    )
    done = _run(tmp_path, text)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[0. 2. 4.] [ 0.  1.  4.  9. 16.]\n[[3. 3.]\n [3. 3.]]\n"
