"""What the benchmark scripts share: the machine they ran on, their JSON record under
bench/results/ and their markdown table between their markers in bench/README.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent

MLP_DECLARATIONS = """
model Mlp {
    layers {
        dense(784, 128, activation: relu)
        dense(128, 64, activation: relu)
        dense(64, 10)
    }
}
fn loss(m: Mlp, x: tensor<float32, [B, 784]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(x), y)
}
"""
"""The 784-128-64-10 MLP and its cross-entropy loss, in Charl: the model the training benchmarks time."""


def machine() -> str:
    """The CPU model and core count."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores"


def write_json(name: str, record: dict[str, object]) -> None:
    """Write `record` to bench/results/`name`.json (indented, newline-terminated)."""
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")


def update_readme(marker: str, text: str) -> None:
    """Replace the text between the `marker` markers of bench/README.md (append them if absent)."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    readme = HERE / "README.md"
    current = readme.read_text() if readme.exists() else "# Benchmarks\n"
    block = f"{begin}\n{text}\n{end}"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(current)


def pinned_env(threads: int) -> dict[str, str]:
    """The environment with every BLAS/OpenMP thread count, and Charl's, set to `threads`."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "CHARL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def run_charl(source: str, name: str, command: Sequence[str], env: Mapping[str, str]) -> str:
    """Writes the Charl program `source` to a fresh directory as `name`, runs `python COMMAND FILE`
    there with its own program cache (from the repository root), and returns what it printed; a
    `RuntimeError` with the end of its stderr when it fails."""
    with tempfile.TemporaryDirectory(prefix="charl-bench-") as tmp:
        path = Path(tmp) / name
        path.write_text(source)
        done = subprocess.run(
            [sys.executable, *command, str(path)],
            capture_output=True,
            text=True,
            env={**env, "CHARL_CACHE_DIR": str(Path(tmp) / "cache")},
            cwd=HERE.parent,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} {name} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def values(printed: str, key: str) -> list[float]:
    """The numbers after `key` on the lines of `printed` that start with it (`seconds 0.25 ...`)."""
    return [float(line.split()[1]) for line in printed.splitlines() if line.startswith(key)]
