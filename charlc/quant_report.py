"""`charlc quant-report FILE.ch [--quantize=int8|int4] [--group G]`: what quantizing costs, per layer.

The program is compiled and run twice on the cpu, as written (float32) and under `--quantize`,
each saving what `charlc.irgen_capture` lists (every dense layer's input and product, the float
weights, every model's output) into a temporary folder; its own output is discarded. Per dense
layer the report gives:

- `rel err`, `max abs err`: the layer alone. Its weight quantized as the compiler does and the
  float run's input quantized per row to int8 as the qgemm kernel does (`qgemm_reference`, NumPy),
  against the float run's product `x @ w`: the error that layer adds on the program's own inputs.
- `in model`: the quantized run's product (the compiled integer kernel, on the input that the
  quantized layers before it produced) against the float run's: the error accumulated so far.

and per model its output, quantized run against float run (both compiled). The last line is the
largest difference between `qgemm_reference` and the compiled kernel on the same input, relative
to the product's largest value: it says the per-layer numbers are the kernel's.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import numpy as np

from charlc.diagnostics import Source
from charlc.options import Options

INT4_DEFAULT_GROUP = 32


def quantize_weight(w: np.ndarray, qdtype: str, group: int) -> np.ndarray:
    """`w` `[K, N]` as the integers times the scales the compiler stores (LANGUAGE.md 11):
    symmetric, round half to even, one scale per output channel (`group` 0) or per `group` rows."""
    high, low = (127, -127) if qdtype == "int8" else (7, -8)
    k, n = w.shape
    g = group or k
    blocks = w.reshape(k // g, g, n)
    scale = (np.abs(blocks).max(axis=1, keepdims=True) / np.float32(high)).astype(np.float32)
    q = np.clip(np.round(blocks / np.where(scale == 0, 1, scale)), low, high)
    return (q * scale).reshape(k, n)


def qgemm_reference(x: np.ndarray, w: np.ndarray, qdtype: str, group: int) -> np.ndarray:
    """`x @ w` as the qgemm kernel computes it: `x`'s rows quantized to int8 (scale max|row| / 127),
    `w` quantized as `quantize_weight`, sums in float64."""
    rows = x.reshape(-1, x.shape[-1]).astype(np.float32)
    xs = (np.abs(rows).max(axis=1, keepdims=True) / np.float32(127)).astype(np.float32)
    xq = np.clip(np.round(rows / np.where(xs == 0, 1, xs)), -127, 127)
    return ((xq * xs).astype(np.float64) @ quantize_weight(w, qdtype, group).astype(np.float64)).reshape(
        *x.shape[:-1], w.shape[1]
    )


def errors(got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """(relative L2 error, max abs error) of `got` against `want`."""
    diff = got.astype(np.float64) - want.astype(np.float64)
    norm = float(np.linalg.norm(want))
    return (float(np.linalg.norm(diff)) / norm if norm else float(np.linalg.norm(diff)), float(np.abs(diff).max()))


@dataclass(frozen=True)
class Row:
    """One line of the report: a dense layer (`alone` set) or a model's output."""

    name: str
    shape: tuple[int, ...]
    kind: str
    alone: tuple[float, float] | None
    in_model: tuple[float, float]


@dataclass(frozen=True)
class Report:
    """The rows, the quantization they measure and how far `qgemm_reference` is from the kernel."""

    qdtype: str
    group: int
    rows: list[Row]
    kernel_gap: float

    def table(self) -> str:
        """The report as text (the numbers in `%.2e`)."""
        header = ("layer", "shape", "kind", "rel err", "max abs err", "in model rel", "in model max abs")
        cells = [header]
        for r in self.rows:
            alone = [f"{v:.2e}" for v in r.alone] if r.alone else ["-", "-"]
            shape = "[" + ", ".join(map(str, r.shape)) + "]"
            cells.append((r.name, shape, r.kind, *alone, f"{r.in_model[0]:.2e}", f"{r.in_model[1]:.2e}"))
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                 for r in cells]  # fmt: skip
        lines.insert(1, "  ".join("-" * w for w in widths))
        if not any(r.alone for r in self.rows):
            lines.append("(no dense layer ran: only models' outputs are compared)")
        lines.append(f"NumPy model of the qgemm kernel vs the compiled kernel: {self.kernel_gap:.1e} (relative)")
        return "\n".join(line.rstrip() for line in lines)


def kind_of(qdtype: str, group: int) -> str:
    return f"{qdtype}/g{group}" if group else f"{qdtype}/channel"


@contextmanager
def silenced_stdout() -> Iterator[None]:
    """File descriptor 1 goes to /dev/null (the compiled program prints through the C runtime)."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def run_captured(source: Source, options: Options) -> list[str]:
    """Compile `source` with `options` (its `capture` folder set) and run it, output discarded;
    returns the warnings. Raises `CharlError` for a mistake in the program."""
    from charlc.run import load_source

    program = load_source(source, options)
    with silenced_stdout():
        program.run()
    return list(program.warnings)


def build(source: Source, options: Options, folder: Path) -> tuple[Report, list[str]]:
    """Run `source` as written and quantized (`options.quantize`, `options.quantize_group`), capturing
    into `folder`, and compare; returns the report and the compile warnings."""
    qdtype = options.quantize or "int8"
    group = options.quantize_group or (INT4_DEFAULT_GROUP if qdtype == "int4" else 0)
    plain, quant = folder / "float", folder / "quantized"
    plain.mkdir()
    quant.mkdir()
    base = replace(options, target="cpu", quantize=None, quantize_group=None)
    warnings = run_captured(source, replace(base, capture=str(plain)))
    run_captured(source, replace(base, capture=str(quant), quantize=qdtype, quantize_group=options.quantize_group))
    rows, gap = compare(plain, quant, qdtype, group)
    return Report(qdtype, group, rows, gap), warnings


def _layer_key(stem: str) -> tuple[object, ...]:
    return tuple(int(p) if p.isdigit() else p for p in stem.split("."))


def compare(plain: Path, quant: Path, qdtype: str, group: int) -> tuple[list[Row], float]:
    """The rows of the report from the two captures, and the kernel gap."""
    rows: list[Row] = []
    gap = 0.0
    for w_file in sorted(plain.glob("*.w.npy"), key=lambda p: _layer_key(p.name)):
        stem = w_file.name.removesuffix(".w.npy")
        w, x, y = (np.load(plain / f"{stem}.{s}.npy") for s in ("w", "x", "y"))
        if not (quant / f"{stem}.y.npy").exists():
            continue
        xq_run, yq_run = np.load(quant / f"{stem}.x.npy"), np.load(quant / f"{stem}.y.npy")
        alone = errors(qgemm_reference(x, w, qdtype, group), y)
        kernel = qgemm_reference(xq_run, w, qdtype, group)
        peak = float(np.abs(kernel).max()) or 1.0
        gap = max(gap, float(np.abs(kernel - yq_run).max()) / peak)
        rows.append(Row(stem, tuple(w.shape), kind_of(qdtype, group), alone, errors(yq_run, y)))
    for out in sorted(plain.glob("*.output*.npy"), key=lambda p: _layer_key(p.name)):
        if (quant / out.name).exists():
            want, got = np.load(out), np.load(quant / out.name)
            name = out.name.removesuffix(".npy").replace(".output0", " output")
            rows.append(Row(name, tuple(want.shape), "model", None, errors(got, want)))
    return rows, gap


def describe(qdtype: str, group: int) -> str:
    scales = f"one scale per {group} input weights" if group else "one scale per output channel"
    return f"weights {qdtype} ({scales}), activations int8 per row"


def report_command(path: str, options: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`charlc quant-report FILE.ch`: the report on stdout; a compile error located on stderr (exit 1)."""
    from charlc.driver import EXIT_OK, EXIT_USER_ERROR, read_input, reporting_errors
    from charlc.options import UsageError, language_of

    out, err = out or sys.stdout, err or sys.stderr
    if language_of(path, Options(language="charl" if path == "-" else None)) != "charl":
        raise UsageError(f"charlc quant-report takes a Charl source (.ch, .charl), not '{path}'")
    source = read_input(path)
    with tempfile.TemporaryDirectory(prefix="charl-quant-") as folder:
        built = reporting_errors(source, err, lambda: build(source, options, Path(folder)))
    if built is None:
        return EXIT_USER_ERROR
    report, warnings = built
    for warning in warnings:
        err.write(warning + "\n")
    out.write(f"quant-report {path}: {describe(report.qdtype, report.group)}; quantized against float32\n")
    out.write(report.table() + "\n")
    out.flush()
    return EXIT_OK
