"""GPU benchmarks: Charl's `--target=gpu` against PyTorch CUDA, run on a real GPU.

Three measurements, each a ratio against PyTorch in the same run on the same GPU:
- fp32 matmul `c = c @ b`, n x n for n in 1024, 2048, 4096 (b scaled by 1/sqrt(n); PyTorch with
  `allow_tf32 = False`, so cuBLAS computes in fp32), TFLOP/s;
- an elementwise chain `y = relu(y * 2 + 1) * 0.5 - y` on 2^24 float32 values (PyTorch eager runs it
  as separate kernels), effective bandwidth counting one read of y and one write of the result;
- the 784-128-64-10 MLP training step (cross-entropy, SGD), batch 256, samples/s.

Each timed iteration consumes the previous one's result, as in the CPU benchmarks, so no compiler
can hoist the work out of the loop (a loop-invariant `a @ b` is computed once and the loop copies).

Charl's figures come from compiled programs that time their own loops with `clock()` and end each
timed loop by reading back one element, which waits for the GPU; compile time is excluded. Run it
on the GPU machine from the repository root:

    python bench/gpu.py            # --repeat N
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import MLP_DECLARATIONS, run_charl, update_readme, values, write_json  # noqa: E402

MATMUL = """
let b = random_normal([{n}, {n}], seed: 2) * {scale}
let mut c = random_normal([{n}, {n}], seed: 1)
c = c @ b
print("warm", sum(c[0:1, 0:1]))
for r in 0..{repeat} {{
    let start = clock()
    for i in 0..{reps} {{ c = c @ b }}
    let check = sum(c[0:1, 0:1])
    print("seconds", (clock() - start) / {reps}.0, check)
}}
"""

CHAIN = """
let mut y = random_normal([{n}], seed: 1)
y = relu(y * 2.0 + 1.0) * 0.5 - y
print("warm", sum(y[0:1]))
for r in 0..{repeat} {{
    let start = clock()
    for i in 0..{reps} {{ y = relu(y * 2.0 + 1.0) * 0.5 - y }}
    let check = sum(y[0:1])
    print("seconds", (clock() - start) / {reps}.0, check)
}}
"""

MLP = """
let x = random_normal([{batch}, 784], seed: 1)
let y = random_int([{batch}], 0, 10, seed: 2)
let mut m = Mlp(seed: 0)
let mut l = 0.0
for step in 0..5 {{
    let (v, g) = value_and_grad(loss)(m, x, y)
    m = sgd(m, g, lr: 0.01)
    l = v
}}
print("warm", l)
for r in 0..{repeat} {{
    let start = clock()
    for step in 0..{reps} {{
        let (v, g) = value_and_grad(loss)(m, x, y)
        m = sgd(m, g, lr: 0.01)
        l = v
    }}
    print("seconds", (clock() - start) / {reps}.0, l)
}}
"""


def charl_seconds(source: str) -> float:
    """The best per-iteration time a Charl program prints (`seconds S ...` lines), run with
    `charlc run --target=gpu`."""
    return min(values(run_charl(source, "bench.ch", ["-m", "charlc", "run", "--target=gpu"], os.environ), "seconds"))


def torch_seconds(fn: Any, reps: int, repeat: int) -> float:
    """The best per-call time of `fn` on the GPU (synchronized)."""
    import torch

    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - start) / reps)
    return best


def matmul(n: int, repeat: int) -> dict[str, float]:
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    reps = max(5, int(2e11 / n**3))
    b = torch.randn(n, n, device="cuda") / n**0.5
    c = [torch.randn(n, n, device="cuda")]

    def step() -> None:
        c[0] = c[0] @ b

    ref = torch_seconds(step, reps, repeat)
    ours = charl_seconds(MATMUL.format(n=n, scale=1.0 / n**0.5, reps=reps, repeat=repeat))
    flops = 2 * n**3
    return {"charl_tflops": flops / ours / 1e12, "torch_tflops": flops / ref / 1e12, "ratio": ref / ours}


def chain(n: int, repeat: int) -> dict[str, float]:
    import torch

    y = [torch.randn(n, device="cuda")]
    reps = 50

    def step() -> None:
        y[0] = torch.relu(y[0] * 2.0 + 1.0) * 0.5 - y[0]

    ref = torch_seconds(step, reps, repeat)
    ours = charl_seconds(CHAIN.format(n=n, reps=reps, repeat=repeat))
    nbytes = 8 * n
    return {"charl_gbs": nbytes / ours / 1e9, "torch_gbs": nbytes / ref / 1e9, "ratio": ref / ours}


def mlp(batch: int, repeat: int) -> dict[str, float]:
    import torch

    nn = torch.nn
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)).cuda()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x, y = torch.randn(batch, 784, device="cuda"), torch.randint(0, 10, (batch,), device="cuda")

    def step() -> None:
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    reps = 50
    ref = torch_seconds(step, reps, repeat)
    ours = charl_seconds(MLP_DECLARATIONS + MLP.format(batch=batch, reps=reps, repeat=repeat))
    return {"charl_samples_s": batch / ours, "torch_samples_s": batch / ref, "ratio": ref / ours}


def table(gpu: str, results: dict[str, Any]) -> str:
    rows = [
        f"GPU benchmarks on {gpu} (Charl `--target=gpu` through wgpu/Vulkan; PyTorch CUDA eager, TF32 off):",
        "",
        "| benchmark | charl | PyTorch | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for n, r in results["matmul"].items():
        rows.append(
            f"| fp32 matmul {n}x{n} (TFLOP/s) | {r['charl_tflops']:.1f} | {r['torch_tflops']:.1f} | {r['ratio']:.2f}x |"
        )
    c = results["chain"]
    rows.append(f"| elementwise chain, 2^24 (GB/s) | {c['charl_gbs']:.0f} | {c['torch_gbs']:.0f} | {c['ratio']:.2f}x |")
    m = results["mlp"]
    rows.append(
        f"| MLP training step, batch 256 (samples/s) | {m['charl_samples_s']:,.0f} | {m['torch_samples_s']:,.0f}"
        f" | {m['ratio']:.2f}x |"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the best counts)")
    parser.add_argument("--only", choices=["matmul", "chain", "mlp"], help="run one benchmark")
    args = parser.parse_args()
    import torch

    gpu = torch.cuda.get_device_name()
    results: dict[str, Any] = {"gpu": gpu}
    if args.only in (None, "matmul"):
        results["matmul"] = {n: matmul(n, args.repeat) for n in (1024, 2048, 4096)}
        print(results["matmul"], file=sys.stderr, flush=True)
    if args.only in (None, "chain"):
        results["chain"] = chain(1 << 24, args.repeat)
        print(results["chain"], file=sys.stderr, flush=True)
    if args.only in (None, "mlp"):
        results["mlp"] = mlp(256, args.repeat)
        print(results["mlp"], file=sys.stderr, flush=True)
    write_json("gpu", results)
    if args.only is None:
        md = table(gpu, results)
        print(md)
        update_readme("gpu", md)


if __name__ == "__main__":
    main()
