"""MLP training throughput: Charl against PyTorch eager and NumPy, as samples/s ratios.

The 784-128-64-10 MLP (relu, cross-entropy, plain SGD) trains on generated float32 batches of 32
and of 256. Charl runs a compiled program whose training loop is timed inside the program with
`clock()` (forward, backward and update compiled whole; no Python per step). PyTorch eager and a
hand-written NumPy forward/backward run in subprocesses pinned to 1 and to 2 threads (OMP, OpenBLAS
and MKL variables, `torch.set_num_threads`); each reference counts at its best thread count. Every
figure is the best of `--repeat` runs, all measured in the same invocation.

    .venv/bin/python bench/mlp_train.py            # --repeat N, --seconds S
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from report import MLP_DECLARATIONS, machine, pinned_env, run_charl, update_readme, values, write_json

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (32, 256)
THREADS = (1, 2)
N_ROWS = 4096  # distinct training rows the batches cycle through

CHARL = """
let x = random_normal([{rows}, 784], seed: 1)
let y = random_int([{rows}], 0, 10, seed: 2)
let mut m = Mlp(seed: 0)
let per_epoch = {rows} / {batch}
for repeat in 0..{repeat} {{
    let start = clock()
    let mut total = 0.0
    for step in 0..{steps} {{
        let lo = (step % per_epoch) * {batch}
        let (l, g) = value_and_grad(loss)(m, x[lo : lo + {batch}, :], y[lo : lo + {batch}])
        m = sgd(m, g, lr: 0.01)
        total = total + l
    }}
    print("samples/s", cast({steps} * {batch}, float64) / (clock() - start), "loss", total / {steps}.0)
}}
"""

# The reference runs in a subprocess so that its thread count is pinned before numpy/torch load.
REFERENCE = r"""
import json, sys, time
kind, batch, steps, repeat, rows, threads = sys.argv[1], *map(int, sys.argv[2:7])
import numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((rows, 784), dtype=np.float32)
y = rng.integers(0, 10, rows).astype(np.int64)
sizes = [(784, 128), (128, 64), (64, 10)]
ws = [(rng.standard_normal(s, dtype=np.float32) * np.sqrt(2.0 / s[0])).astype(np.float32) for s in sizes]
bs = [np.zeros(s[1], np.float32) for s in sizes]
per_epoch = rows // batch
best = 0.0
if kind == "torch":
    import torch
    torch.set_num_threads(threads)
    net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    def step(lo):
        loss = torch.nn.functional.cross_entropy(net(tx[lo:lo + batch]), ty[lo:lo + batch])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
else:
    def step(lo):
        xb, yb = x[lo:lo + batch], y[lo:lo + batch]
        acts = [xb]
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = acts[-1] @ w + b
            acts.append(np.maximum(z, 0) if i < 2 else z)
        z = acts[-1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(batch), yb] -= 1.0
        d = p / np.float32(batch)
        for i in (2, 1, 0):
            gw, gb = acts[i].T @ d, d.sum(axis=0)
            if i:
                d = (d @ ws[i].T) * (acts[i] > 0)
            ws[i] -= np.float32(0.01) * gw
            bs[i] -= np.float32(0.01) * gb
for _ in range(5):
    step(0)
for _ in range(repeat):
    start = time.perf_counter()
    for s in range(steps):
        step((s % per_epoch) * batch)
    best = max(best, steps * batch / (time.perf_counter() - start))
print(json.dumps(best))
"""


def reference(kind: str, batch: int, steps: int, repeat: int, threads: int) -> float:
    """Best samples/s of the PyTorch (`torch`) or NumPy (`numpy`) reference at `threads` threads."""
    args = [kind, batch, steps, repeat, N_ROWS, threads]
    out = subprocess.run(
        [sys.executable, "-c", REFERENCE, *map(str, args)],
        capture_output=True,
        text=True,
        env=pinned_env(threads),
        check=True,
    )
    return float(json.loads(out.stdout))


def charl(batch: int, steps: int, repeat: int) -> float:
    """Best samples/s printed by the compiled Charl program (compile time excluded)."""
    source = MLP_DECLARATIONS + CHARL.format(rows=N_ROWS, batch=batch, steps=steps, repeat=repeat)
    return max(values(run_charl(source, f"mlp_train_{batch}.ch", ["-m", "charlc", "run"], os.environ), "samples/s"))


def steps_for(batch: int, seconds: float) -> int:
    """Steps that take about `seconds` for a reference near 50,000 samples/s."""
    return max(20, int(seconds * 50_000 / batch))


def measure(batch: int, repeat: int, seconds: float) -> dict[str, object]:
    steps = steps_for(batch, seconds)
    print(f"batch {batch}: {steps} steps per run, best of {repeat}", file=sys.stderr, flush=True)
    row: dict[str, object] = {"steps": steps, "charl": charl(batch, steps, repeat)}
    for kind in ("torch", "numpy"):
        per_thread = {t: reference(kind, batch, steps, repeat, t) for t in THREADS}
        best = max(per_thread, key=lambda t: per_thread[t])
        row[kind] = {"per_thread": per_thread, "best": per_thread[best], "threads": best}
        print(f"  {kind}: {per_thread}", file=sys.stderr, flush=True)
    print(f"  charl: {row['charl']:.0f}", file=sys.stderr, flush=True)
    return row


def table(results: dict[int, dict[str, object]], repeat: int) -> str:
    rows = [
        f"MLP 784-128-64-10 training step, SGD, float32 ({machine()}), samples/s, best of {repeat};"
        " each reference at its best thread count (1 or 2):",
        "",
        "| batch | charl | PyTorch eager | ratio | NumPy | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for batch, r in results.items():
        c = float(r["charl"])  # type: ignore[arg-type]
        t, n = r["torch"], r["numpy"]
        assert isinstance(t, dict) and isinstance(n, dict)
        rows.append(
            f"| {batch} | {c:,.0f} | {t['best']:,.0f} ({t['threads']} thr) | {c / t['best']:.2f}x"
            f" | {n['best']:,.0f} ({n['threads']} thr) | {c / n['best']:.2f}x |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the best counts)")
    parser.add_argument("--seconds", type=float, default=1.0, help="rough length of one timed run")
    args = parser.parse_args()
    started = time.perf_counter()
    results = {b: measure(b, args.repeat, args.seconds) for b in BATCHES}
    md = table(results, args.repeat)
    print(md)
    write_json("mlp_train", {"machine": machine(), "repeat": args.repeat, "batches": results})
    update_readme("mlp_train", md)
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
