"""What the benchmark scripts share: the machine they ran on, their JSON record under
bench/results/ and their markdown table between their markers in bench/README.md."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

HERE = Path(__file__).resolve().parent


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
