"""Compile time of the runnable examples for the CPU, cold and from the program cache.

    .venv/bin/python bench/compile_time.py [--repeat 3] [--profile]

In-process, for each example that uses no gradients, models or quantization (what `charlc run`
runs today): *cold* is `charlc.run.load_source` with an empty cache directory (front end, every
pass, LLVM, loading: everything `charlc run` does before running), *cached* the same call again
with the filled cache (the object is loaded directly). Each is the best of `--repeat` runs; the
C runtime is built beforehand (a one-time cost, not counted). Targets for mlp_inference.ch: cold
<= 3 s, cached <= 0.3 s. Prints a markdown table, writes bench/results/compile_time.json and puts
the table into bench/README.md between the `compile_time` markers. `--profile` also prints the
functions that take the most time in a cold compile of mlp_inference.ch (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import tempfile
import time
from pathlib import Path

from report import machine, update_readme, write_json

from charlc.cache import Cache
from charlc.diagnostics import Source
from charlc.options import Options
from charlc.run import Program, load_source, runtime_library

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAIN = "mlp_inference.ch"
COLD_TARGET_S, CACHED_TARGET_S = 3.0, 0.3
NOT_RUNNABLE = re.compile(r"\b(grad|value_and_grad|autograd|model|quantize|quantize_tensor|dequantize)\b")


def runnable_examples() -> list[Path]:
    """The examples without gradients, models or quantization, `mlp_inference.ch` first."""
    found = []
    for path in sorted((ROOT / "examples").glob("*.ch")):
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
        if NOT_RUNNABLE.search(code) is None:
            found.append(path)
    return sorted(found, key=lambda p: p.name != MAIN)


def timed_load(source: Source, cache: Cache) -> tuple[float, Program]:
    start = time.perf_counter()
    program = load_source(source, Options(), cache=cache)
    return time.perf_counter() - start, program


def measure(path: Path, repeat: int) -> dict[str, object]:
    """Best cold and cached times of one example, and the phases of its best cold compile."""
    source = Source(str(path.relative_to(ROOT)), path.read_text())
    cold: list[tuple[float, Program]] = []
    cached: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="charl-bench-") as tmp:
            cold.append(timed_load(source, Cache(Path(tmp))))
            for _ in range(repeat):
                seconds, program = timed_load(source, Cache(Path(tmp)))
                if not program.cache_hit:
                    raise RuntimeError(f"{path.name}: the second load missed the cache")
                cached.append(seconds)
    best_cold, program = min(cold, key=lambda c: c[0])
    phases = {k: v / 1e3 for k, v in program.timings.rows.items()}
    return {"cold_s": best_cold, "cached_s": min(cached), "kernels": program.kernels, "phases_s": phases}


def table(results: dict[str, dict[str, object]], repeat: int) -> str:
    rows = [
        f"`charlc run` compile time per example ({machine()}), in-process, best of {repeat}:",
        "",
        "| example | kernels | cold (s) | cached (s) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        rows.append(f"| {name} | {r['kernels']} | {r['cold_s']:.3f} | {r['cached_s']:.3f} |")
    main = results[MAIN]
    cold, cached = float(main["cold_s"]), float(main["cached_s"])  # type: ignore[arg-type]
    phases = main["phases_s"]
    assert isinstance(phases, dict)
    top = sorted(phases.items(), key=lambda kv: -kv[1])[:6]
    rows += [
        "",
        f"Cold {MAIN} by phase: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in top) + ".",
        "",
        f"Targets for {MAIN}: cold <= {COLD_TARGET_S:.0f} s ({'met' if cold <= COLD_TARGET_S else 'missed'}), "
        f"cached <= {CACHED_TARGET_S} s ({'met' if cached <= CACHED_TARGET_S else 'missed'}).",
    ]
    return "\n".join(rows)


def profile(path: Path, lines: int = 25) -> str:
    """cProfile of one cold compile of `path`: the functions with the most cumulative time."""
    source = Source(str(path.relative_to(ROOT)), path.read_text())
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="charl-bench-") as tmp:
        profiler.runcall(load_source, source, Options(), cache=Cache(Path(tmp)))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best counts)")
    parser.add_argument("--profile", action="store_true", help=f"print a cProfile of a cold compile of {MAIN}")
    args = parser.parse_args()
    runtime_library()  # build the C runtime once, outside the measurements
    results = {p.name: measure(p, args.repeat) for p in runnable_examples()}
    md = table(results, args.repeat)
    print(md)
    record: dict[str, object] = {"repeat": args.repeat, "machine": machine(), "examples": results}
    record["targets_s"] = {"cold": COLD_TARGET_S, "cached": CACHED_TARGET_S}
    write_json("compile_time", record)
    update_readme("compile_time", md)
    if args.profile:
        print(profile(ROOT / "examples" / MAIN))


if __name__ == "__main__":
    main()
