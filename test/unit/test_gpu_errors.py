"""A machine that cannot run the kernels: `charlc run --target=gpu` stops with one `charlc: error:`
line (status 1), never a traceback, and prints nothing computed without its kernels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROGRAM = "let x = random_normal([4], seed: 1)\nprint(sum(x * x) >= 0.0)\n"


def test_no_adapter_is_a_one_line_error(tmp_path: Path) -> None:
    source = tmp_path / "p.ch"
    source.write_text(PROGRAM)
    # Only Vulkan, with no driver to load: wgpu finds no adapter.
    env = {**os.environ, "CHARL_CACHE_DIR": str(tmp_path / "cache"), "WGPU_BACKEND_TYPE": "Vulkan"}
    env["VK_ICD_FILENAMES"] = env["VK_DRIVER_FILES"] = str(tmp_path / "none.json")
    done = subprocess.run(
        [sys.executable, "-m", "charlc", "run", "--target=gpu", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("charlc:")]
    assert len(errors) == 1 and errors[0].startswith("charlc: error: no GPU available to run kernels"), done.stderr
    assert "mesa-vulkan-drivers" in errors[0]
    assert "Traceback" not in done.stderr
