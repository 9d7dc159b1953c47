"""fp32 matmul throughput: Charl's micro-kernel path against NumPy/OpenBLAS, in GFLOP/s.

For n in 256, 512, 1024, 2048 a compiled Charl program times `c = c @ b` (n x n, float32; b scaled
by 1/sqrt(n) so that values stay in range; a chain, so that no matmul is loop-invariant) in a loop
with `clock()`, at CHARL_NUM_THREADS=1 and =2; `convert-linalg-to-loops` lowers the matmul to
`charl_rt_sgemm_f32` (runtime/c/gemm.c). NumPy runs `c = c @ b` the same way in a subprocess with
OpenBLAS pinned to 1 and to 2 threads, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that
command alone (/work/.library/env/README.md), and reports its kernel through threadpoolctl when
installed. Each ratio is Charl's best over the best reference; every figure is the best of
`--repeat` runs, all measured in the same invocation.

    .venv/bin/python bench/matmul.py            # --repeat N, --seconds S
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
SIZES = (256, 512, 1024, 2048)
THREADS = (1, 2)

CHARL = """
let b = random_normal([{n}, {n}], seed: 2) * {scale}
let mut c = random_normal([{n}, {n}], seed: 1)
c = c @ b
print("warm", sum(c[0:1, 0:1]))
for r in 0..{repeat} {{
    let start = clock()
    for i in 0..{reps} {{ c = c @ b }}
    let seconds = (clock() - start) / {reps}.0
    print("seconds", seconds, sum(c[0:1, 0:1]))
}}
"""

# The reference runs in a subprocess so that its thread count is pinned before numpy loads.
REFERENCE = r"""
import json, sys, time
n, reps, repeat = map(int, sys.argv[1:4])
import numpy as np
rng = np.random.default_rng(0)
b = (rng.standard_normal((n, n), dtype=np.float32) / np.float32(np.sqrt(n))).astype(np.float32)
c = rng.standard_normal((n, n), dtype=np.float32)
c = c @ b
best = float("inf")
for _ in range(repeat):
    start = time.perf_counter()
    for _ in range(reps):
        c = c @ b
    best = min(best, (time.perf_counter() - start) / reps)
try:
    from threadpoolctl import threadpool_info
    info = [f"{p.get('internal_api')} {p.get('version')} {p.get('architecture')}" for p in threadpool_info()]
except ImportError:
    info = []
print(json.dumps({"seconds": best, "blas": info}))
"""


def gflops(n: int, seconds: float) -> float:
    return 2.0 * n**3 / seconds / 1e9


def reference(n: int, reps: int, repeat: int, threads: int) -> tuple[float, list[str]]:
    """NumPy's best GFLOP/s at `threads` threads, and the BLAS it used."""
    env = pinned_env(threads)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # for this command alone
        env.pop(var, None)
    out = subprocess.run(
        [sys.executable, "-c", REFERENCE, str(n), str(reps), str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    record = json.loads(out.stdout)
    return gflops(n, float(record["seconds"])), list(record["blas"])


def charl(n: int, reps: int, repeat: int, threads: int) -> float:
    """Charl's best GFLOP/s at `threads` threads, as the program measures it (compile time excluded)."""
    source = CHARL.format(n=n, scale=1.0 / n**0.5, reps=reps, repeat=repeat)
    printed = run_charl(source, f"matmul_{n}.ch", ["-m", "charlc", "run"], pinned_env(threads))
    return gflops(n, min(values(printed, "seconds")))


def reps_for(n: int, seconds: float) -> int:
    """Matmuls that take about `seconds` at 100 GFLOP/s."""
    return max(3, int(seconds * 1e11 / (2.0 * n**3)))


def measure(n: int, repeat: int, seconds: float) -> tuple[dict[str, object], list[str]]:
    """The figures of size `n`, and the BLAS of the best reference."""
    reps = reps_for(n, seconds)
    print(f"n {n}: {reps} matmuls per run, best of {repeat}", file=sys.stderr, flush=True)
    ours = {t: charl(n, reps, repeat, t) for t in THREADS}
    refs = {t: reference(n, reps, repeat, t) for t in THREADS}
    theirs = {t: g for t, (g, _) in refs.items()}
    best_t = max(theirs, key=lambda t: theirs[t])
    row: dict[str, object] = {
        "reps": reps,
        "charl": ours,
        "openblas": theirs,
        "blas": refs[best_t][1],
        "ratio_best": max(ours.values()) / theirs[best_t],
        "ratio_1_thread": ours[1] / theirs[1],
    }
    print(f"  charl {ours}  openblas {theirs}  {refs[best_t][1]}", file=sys.stderr, flush=True)
    return row, refs[best_t][1]


def table(results: dict[int, dict[str, object]], repeat: int, blas: list[str]) -> str:
    rows = [
        f"fp32 matmul n x n, `c = c @ b` ({machine()}), GFLOP/s, best of {repeat}; Charl through"
        f" `charl_rt_sgemm`, NumPy through {', '.join(blas) or 'its BLAS'}; ratio: Charl's best over"
        " the best reference (and at 1 thread each):",
        "",
        "| n | charl 1 thr | charl 2 thr | OpenBLAS 1 thr | OpenBLAS 2 thr | ratio | ratio 1 thr |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, r in results.items():
        c, o = r["charl"], r["openblas"]
        assert isinstance(c, dict) and isinstance(o, dict)
        rows.append(
            f"| {n} | {c[1]:.1f} | {c[2]:.1f} | {o[1]:.1f} | {o[2]:.1f} | {r['ratio_best']:.2f}x"
            f" | {r['ratio_1_thread']:.2f}x |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the best counts)")
    parser.add_argument("--seconds", type=float, default=0.5, help="rough length of one timed run")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="matrix sizes n")
    args = parser.parse_args()
    started = time.perf_counter()
    measured = {n: measure(n, args.repeat, args.seconds) for n in args.sizes}
    results = {n: row for n, (row, _) in measured.items()}
    blas = next((info for _, info in measured.values() if info), [])
    md = table(results, args.repeat, blas)
    print(md)
    write_json("matmul", {"machine": machine(), "repeat": args.repeat, "sizes": results})
    if list(args.sizes) == list(SIZES):
        update_readme("matmul", md)
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
