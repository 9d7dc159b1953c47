"""Shared helpers of the test_gpu_target* modules, which run programs on both targets (`--target=cpu`
and `--target=gpu`) and compare what they print or return.

Programs run in this process (`printed`: `charlc.api.load(...).run()` with the output captured)
unless they must stop with a run-time error, which ends the process: those run as `charlc run`
subprocesses (`charl_run`). Printed output is compared by `same_printed`: the same text around the
numbers, and numbers that agree to a float32 tolerance (the rule of test_examples' `same_output`),
whitespace aside: NumPy pads and wraps an array by the width of its numbers' shortest round-trip
forms, which differ when the last digit does. Lines that report a speed (`samples/s`) are dropped
first. Subprocesses get their own `CHARL_CACHE_DIR` and an `XDG_RUNTIME_DIR`, without which Mesa's
Vulkan driver prints warnings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_examples import NUMBER

from charlc.api import load
from charlc.options import Options

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("cpu", "gpu")
TIMED = re.compile(r"samples/s")
"""Lines that report how fast a program ran: they differ from run to run."""
MESA_NOISE = re.compile(r"(?m)^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.\n")

__all__ = [
    "ROOT",
    "TARGETS",
    "Run",
    "charl_run",
    "deterministic",
    "printed",
    "require_adapter",
    "same_arrays",
    "same_printed",
]


def require_adapter() -> None:
    """Skip the calling test module when wgpu finds no adapter (no GPU and no llvmpipe)."""
    from runtime.gpu_device import adapter_or_none

    adapter, reason = adapter_or_none()
    if adapter is None:
        pytest.skip(
            f"no wgpu adapter ({reason}): install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers",
            allow_module_level=True,
        )
    missing = [f for f in ("shader-f64", "shader-int64") if f not in adapter.features]
    if missing:
        pytest.skip(
            f"the wgpu adapter {adapter.info['device']!r} lacks {', '.join(missing)} (the programs use"
            " float64 and counter-based random numbers): install a Vulkan driver, e.g. mesa-vulkan-drivers",
            allow_module_level=True,
        )


def deterministic(text: str) -> str:
    """`text` without the lines that report a speed."""
    return "".join(line for line in text.splitlines(keepends=True) if not TIMED.search(line))


def same_printed(got: str, want: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """`got` is `want` with numbers that agree (to `rtol`, `atol`), up to whitespace."""
    skeleton = [re.sub(r"\s+", "", NUMBER.sub("#", text)) for text in (got, want)]
    assert skeleton[0] == skeleton[1], f"got:\n{got}\nexpected:\n{want}"
    numbers = [np.array([float(t) for t in NUMBER.findall(text)]) for text in (got, want)]
    np.testing.assert_allclose(numbers[0], numbers[1], rtol=rtol, atol=atol, err_msg=f"got:\n{got}\nexpected:\n{want}")


def printed(text: str, path: str, target: str, capfd: pytest.CaptureFixture[str]) -> str:
    """What the program `text` (named `path`) prints when it runs on `target` in this process."""
    program = load(text, Options(target=target), path=path)
    capfd.readouterr()
    program.run()
    return capfd.readouterr().out


@dataclass(frozen=True)
class Run:
    """What one `charlc run` printed and its exit status."""

    status: int
    out: str
    err: str


def charl_run(source: Path, target: str, cwd: Path, cache: Path, args: Sequence[str] = (), timeout: float = 300) -> Run:
    """`python -m charlc run --target=TARGET source ARGS` in `cwd`, with the program cache `cache`."""
    runtime = cache / "xdg"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {**os.environ, "CHARL_CACHE_DIR": str(cache), "XDG_RUNTIME_DIR": str(runtime)}
    r = subprocess.run(
        [sys.executable, "-m", "charlc", "run", f"--target={target}", str(source), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    return Run(r.returncode, r.stdout, MESA_NOISE.sub("", r.stderr))


def same_arrays(got: Any, want: Any, rtol: float | None = None) -> None:
    """Two results of a compiled function (arrays, scalars, nested tuples) agree: same structure,
    shapes and dtypes; integers and booleans exactly, floats to `rtol` (default: 1e-5 for float32,
    1e-9 for float64), entries near zero to `rtol / 10` of the largest magnitude: summation order
    moves them by a few ulp of the terms that cancel (in float32, the transformer block's gradients
    on either target are within 6e-7 of the largest magnitude of the float64 gradients)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"got {got!r}, expected {want!r}"
        for g, w in zip(got, want, strict=True):
            same_arrays(g, w, rtol)
        return
    g, w = np.asarray(got), np.asarray(want)
    assert g.shape == w.shape and g.dtype == w.dtype, f"got {g.dtype}{g.shape}, expected {w.dtype}{w.shape}"
    if not np.issubdtype(w.dtype, np.floating):
        np.testing.assert_array_equal(g, w)
        return
    tolerance = rtol if rtol is not None else (1e-5 if w.dtype == np.float32 else 1e-9)
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    np.testing.assert_allclose(g, w, rtol=tolerance, atol=tolerance * 0.1 * scale)
