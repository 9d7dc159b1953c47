"""`charlc run --quantize=int8|int4 [--group G]`: every model the program creates (a constructor
call or `load`) is quantized, as if written `quantize(Mlp(seed: 0), int8)` (LANGUAGE.md 11).

The quantized runs print what the program with explicit `quantize` calls prints, exactly, and
logits close to the float ones (int8 closer than int4); a program that trains, or one that
quantizes a model itself, is a located compile error naming `--quantize`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_examples import NUMBER

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mlp_classifier.ch"

TRAINING = """model Mlp {
    layers {
        dense(4, 8, activation: relu)
        dense(8, 1)
    }
}
fn loss(m: Mlp, x: tensor<float32, [B, 4]>, y: tensor<float32, [B, 1]>) -> float32 {
    return mean((m(x) - y) ** 2)
}
let x = random_normal([16, 4], seed: 1)
let y = random_normal([16, 1], seed: 2)
let mut m = Mlp(seed: 0)
for i in 0..10 {
    let g = grad(loss)(m, x, y)
    m = sgd(m, g, lr: 0.1)
}
print(loss(m, x, y))
"""


def charlc(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "charlc", "run", "--no-cache", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)


def logits(stdout: str) -> np.ndarray:
    first = stdout.split("first predictions")[0]
    return np.array([float(n) for n in NUMBER.findall(first)])


def explicit(kind: str, group: int | None = None) -> str:
    """mlp_classifier.ch with the quantization written in the program."""
    spec = f"{kind}, group: {group}" if group else kind
    text = EXAMPLE.read_text()
    assert "let m = Mlp(seed: 0)" in text
    return text.replace("let m = Mlp(seed: 0)", f"let m = quantize(Mlp(seed: 0), {spec})")


@pytest.fixture(scope="module")
def float_run() -> str:
    done = charlc(EXAMPLE)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("kind", "group", "bound"), [("int8", None, 0.03), ("int4", 32, 0.3), ("int4", 64, 0.3)])
def test_quantized_runs_match_explicit_quantize_calls(
    kind: str, group: int | None, bound: float, float_run: str, tmp_path: Path
) -> None:
    flags = [f"--quantize={kind}", *([f"--group={group}"] if group and group != 32 else [])]
    done = charlc(EXAMPLE, *flags)
    assert done.returncode == 0, done.stderr
    program = tmp_path / "explicit.ch"
    program.write_text(explicit(kind, group))
    written = charlc(program)
    assert written.returncode == 0, written.stderr
    assert done.stdout == written.stdout
    want, got = logits(float_run), logits(done.stdout)
    error = np.linalg.norm(got - want) / np.linalg.norm(want)
    assert 0 < error < bound, error


def test_int8_is_closer_to_float_than_int4(float_run: str) -> None:
    want = logits(float_run)
    errors = [np.linalg.norm(logits(charlc(EXAMPLE, f"--quantize={k}").stdout) - want) for k in ("int8", "int4")]
    assert errors[0] < errors[1], errors


def test_loaded_models_are_quantized_also_through_a_function(tmp_path: Path) -> None:
    model = EXAMPLE.read_text().split("let m =")[0]
    (tmp_path / "save.ch").write_text(model + 'save(Mlp(seed: 4), "m.npz")\n')
    assert charlc(tmp_path / "save.ch", cwd=tmp_path).returncode == 0
    x = "let x = random_normal([3, 256], seed: 1)\n"
    make = 'fn make() -> Mlp {\n    return load(Mlp, "m.npz")\n}\nlet q = make()\nprint(q(x))\n'
    (tmp_path / "load.ch").write_text(model + x + make)
    (tmp_path / "explicit.ch").write_text(model + x + 'let q = quantize(load(Mlp, "m.npz"), int4)\nprint(q(x))\n')
    done = charlc(tmp_path / "load.ch", "--quantize=int4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == charlc(tmp_path / "explicit.ch", cwd=tmp_path).stdout
    assert done.stdout != charlc(tmp_path / "load.ch", cwd=tmp_path).stdout


def test_a_training_program_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "train.ch").write_text(TRAINING)
    assert charlc(tmp_path / "train.ch").returncode == 0
    done = charlc(tmp_path / "train.ch", "--quantize=int8")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    located = f"{tmp_path / 'train.ch'}:14:24: error: cannot take the gradient of a quantized model"
    assert done.stderr.startswith(located)
    assert "--quantize=int8 quantizes every model the program creates, so run a training program without it" in (
        done.stderr
    )


def test_an_explicit_quantize_call_is_an_error_under_quantize(tmp_path: Path) -> None:
    (tmp_path / "q.ch").write_text(explicit("int8"))
    done = charlc(tmp_path / "q.ch", "--quantize=int4")
    assert done.returncode == 1
    assert "error: quantized<Mlp, int4, group: 32> is already quantized: --quantize=int4 quantizes every" in done.stderr


def test_a_group_that_does_not_divide_names_the_option(tmp_path: Path) -> None:
    (tmp_path / "g.ch").write_text(EXAMPLE.read_text())
    done = charlc(tmp_path / "g.ch", "--quantize=int4", "--group=48")
    assert done.returncode == 1
    assert ":14:9: error: --quantize=int4 with group 48: the 256 input features of `layers.0.weight`" in done.stderr
    assert "pass --group with a divisor of 256" in done.stderr
