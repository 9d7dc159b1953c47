"""Elementwise chain on the CPU: Charl (fused by `linalg-fuse-elementwise`) against NumPy, 1 thread.

The chain `y = relu(y * 2.0 + 1.0) * 0.5 - y` is five elementwise ops on 2^22 float32 values,
applied to its own result in a loop: each step reads the last, so no step can be skipped (LLVM
drops a step whose result is overwritten unread). Charl runs a compiled program that times its own
loop with `clock()` (compile time excluded); fused, the chain is one kernel that reads y once and
writes it once. For reference the same program is also compiled without the fusion pass (the stage
table patched in the subprocess that compiles it), and NumPy runs the chain in a subprocess pinned
to 1 thread, both as the natural expression (a temporary per op) and in place into one
preallocated buffer; the better of the two counts. Every figure is the best of `--repeat` runs,
all measured in the same invocation; the ratio is NumPy's time over Charl's.

    .venv/bin/python bench/elementwise.py            # --repeat N, --seconds S, --no-readme
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from report import machine, pinned_env, run_charl, update_readme, values, write_json

ROOT = Path(__file__).resolve().parents[1]
N = 1 << 22
CHAIN = "relu(y * 2.0 + 1.0) * 0.5 - y"

CHARL = """
let mut y = random_normal([{n}], seed: 1)
y = {chain}
print("warm", sum(y[0:1]))
for r in 0..{repeat} {{
    let start = clock()
    for i in 0..{reps} {{ y = {chain} }}
    let seconds = (clock() - start) / {reps}.0
    print("seconds", seconds, sum(y[0:1]))
}}
"""

# `charlc run` in a subprocess, optionally with linalg-fuse-elementwise left out of the stage table.
RUN_CHARL = r"""
import sys
from charlc import cli, pipeline
if sys.argv[1] == "unfused":
    pipeline.STAGE_PASSES = {
        key: tuple(p for p in names if p != "linalg-fuse-elementwise") for key, names in pipeline.STAGE_PASSES.items()
    }
sys.exit(cli.main(["run", "--no-cache", sys.argv[2]]))
"""

# The reference runs in a subprocess so that its thread count is pinned before numpy loads.
REFERENCE = r"""
import json, sys, time
n, reps, repeat = map(int, sys.argv[1:4])
import numpy as np
y0 = np.random.default_rng(1).standard_normal(n, dtype=np.float32)
t = np.empty_like(y0)
def natural(y):
    return np.maximum(y * np.float32(2.0) + np.float32(1.0), np.float32(0.0)) * np.float32(0.5) - y
def in_place(y):
    np.multiply(y, np.float32(2.0), out=t)
    np.add(t, np.float32(1.0), out=t)
    np.maximum(t, np.float32(0.0), out=t)
    np.multiply(t, np.float32(0.5), out=t)
    return np.subtract(t, y, out=y)
best = {}
for name, f in (("natural", natural), ("in_place", in_place)):
    y = f(y0.copy())
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(reps):
            y = f(y)
        times.append((time.perf_counter() - start) / reps)
    best[name] = min(times)
print(json.dumps(best))
"""


def charl(variant: str, reps: int, repeat: int) -> float:
    """Best seconds per chain printed by the compiled Charl program (`fused` or `unfused`)."""
    source = CHARL.format(n=N, chain=CHAIN, reps=reps, repeat=repeat)
    return min(values(run_charl(source, "elementwise.ch", ["-c", RUN_CHARL, variant], pinned_env(1)), "seconds"))


def numpy(reps: int, repeat: int) -> dict[str, float]:
    """Best seconds per chain of NumPy on 1 thread: the natural expression and the in-place one."""
    out = subprocess.run(
        [sys.executable, "-c", REFERENCE, str(N), str(reps), str(repeat)],
        capture_output=True,
        text=True,
        env=pinned_env(1),
        check=True,
    )
    return {k: float(v) for k, v in json.loads(out.stdout).items()}


def gbs(seconds: float) -> float:
    """Effective bandwidth: one read and one write of y, in GB/s."""
    return 2 * 4 * N / seconds / 1e9


def table(r: dict[str, object], repeat: int) -> str:
    fused, unfused = float(r["charl"]), float(r["charl_unfused"])  # type: ignore[arg-type]
    ref = r["numpy"]
    assert isinstance(ref, dict)
    best = min(ref.values())
    rows = [
        f"Elementwise chain `{CHAIN}` on 2^22 float32 ({machine()}), 1 thread, best of {repeat};"
        " time per step, effective bandwidth counting one read and one write of y:",
        "",
        "| variant | ms | GB/s | ratio (NumPy / variant) |",
        "| --- | ---: | ---: | ---: |",
        f"| Charl (fused: one kernel) | {fused * 1e3:.2f} | {gbs(fused):.1f} | {best / fused:.2f}x |",
        f"| Charl without fusion (five kernels) | {unfused * 1e3:.2f} | {gbs(unfused):.1f} | {best / unfused:.2f}x |",
        f"| NumPy, natural expression | {ref['natural'] * 1e3:.2f} | {gbs(ref['natural']):.1f} | |",
        f"| NumPy, in place | {ref['in_place'] * 1e3:.2f} | {gbs(ref['in_place']):.1f} | |",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the best counts)")
    parser.add_argument("--seconds", type=float, default=1.0, help="rough length of one timed run")
    parser.add_argument("--no-readme", action="store_true", help="print the table without updating bench/README.md")
    args = parser.parse_args()
    started = time.perf_counter()
    reps = max(5, int(args.seconds / 0.01))  # a chain takes about 10 ms without fusion
    result: dict[str, object] = {"n": N, "reps": reps}
    result["charl"] = charl("fused", reps, args.repeat)
    result["charl_unfused"] = charl("unfused", reps, args.repeat)
    result["numpy"] = numpy(reps, args.repeat)
    print(result, file=sys.stderr, flush=True)
    md = table(result, args.repeat)
    print(md)
    write_json("elementwise", {"machine": machine(), "repeat": args.repeat, **result})
    if not args.no_readme:
        update_readme("elementwise", md)
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
