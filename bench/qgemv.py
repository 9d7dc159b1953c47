"""Batch-1 decode (GEMV, M = 1): fp32 sgemm against the int8 and int4 integer kernels, in GB/s of
weight bytes and microseconds.

For K x N in 768 x 3072 (a GPT-2 MLP matrix) and 768 x 50257 (its vocabulary head) the runtime's
entry points are timed through ctypes on one row of activations: `charl_rt_sgemm` (fp32 weights,
4 bytes each, runtime/c/gemm.c), `charl_rt_qgemm` with int8 weights and one scale per output
channel (1 byte each) and with int4 weights packed two per byte and one scale per 32 rows (half a
byte each, runtime/c/qgemm.c; the time includes quantizing the activations), and NumPy's fp32
`x @ w` as a reference, at CHARL_NUM_THREADS=1 and at every core (NumPy's BLAS pinned alike, in a
subprocess). The qgemm kernel is the host's widest (`vnni` where AVX-512 VNNI is present) unless
`--kernel` names another. Every figure is the best of `--repeat` runs of about `--seconds` each.

    .venv/bin/python bench/qgemv.py            # --repeat N, --seconds S, --kernel vnni|avx2|c
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from report import machine, pinned_env, update_readme, write_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runtime.native import NativeRuntime  # noqa: E402

SHAPES = ((768, 3072), (768, 50257))
F32P = ctypes.POINTER(ctypes.c_float)

REFERENCE = r"""
import json, sys, time
import numpy as np
k, n, seconds, repeat = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
x = np.random.default_rng(0).standard_normal((1, k), dtype=np.float32)
w = np.random.default_rng(1).standard_normal((k, n), dtype=np.float32)
best = float("inf")
for _ in range(repeat):
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        x @ w
        calls += 1
    best = min(best, (time.perf_counter() - start) / calls)
print(json.dumps({"seconds": best}))
"""


def library() -> ctypes.CDLL:
    lib = ctypes.CDLL(str(NativeRuntime().build().shared))
    i64 = ctypes.c_int64
    lib.charl_rt_sgemm.argtypes = [i64, i64, i64, F32P, i64, F32P, i64, F32P, i64]
    lib.charl_rt_qgemm.argtypes = [
        ctypes.c_int, i64, i64, i64, F32P, i64, ctypes.c_void_p, i64, i64, F32P, i64, i64, F32P, i64, ctypes.c_char_p,
    ]  # fmt: skip
    lib.charl_rt_qgemm_kernel.argtypes = [ctypes.c_char_p]
    lib.charl_rt_qgemm_kernel.restype = ctypes.c_char_p
    return lib


def best_seconds(call: Callable[[], object], seconds: float, repeat: int) -> float:
    call()
    best = float("inf")
    for _ in range(repeat):
        start, calls = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            call()
            calls += 1
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def pack_int4(q: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    nibbles = (q.ravel() & 0xF).astype(np.uint8)
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return nibbles[0::2] | (nibbles[1::2] << 4)


def calls(lib: ctypes.CDLL, k: int, n: int, kernel: bytes) -> dict[str, tuple[Callable[[], object], int]]:
    """Each variant's call and its weight bytes."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, k), dtype=np.float32)
    w = rng.standard_normal((k, n), dtype=np.float32)
    q8 = rng.integers(-127, 128, (k, n)).astype(np.int8)
    q4 = pack_int4(rng.integers(-8, 8, (k, n)))
    s8 = rng.random(n, dtype=np.float32)
    s4 = rng.random((k // 32, n), dtype=np.float32)
    y = np.zeros((1, n), np.float32)
    xp, yp = x.ctypes.data_as(F32P), y.ctypes.data_as(F32P)
    keep = (x, w, q8, q4, s8, s4, y)

    def fp32() -> object:
        return keep, lib.charl_rt_sgemm(1, n, k, xp, k, w.ctypes.data_as(F32P), n, yp, n)

    def int8() -> object:
        return lib.charl_rt_qgemm(8, 1, n, k, xp, k, q8.ctypes.data, 0, n, s8.ctypes.data_as(F32P), 0, k, yp, n, kernel)

    def int4() -> object:
        s = s4.ctypes.data_as(F32P)
        return lib.charl_rt_qgemm(4, 1, n, k, xp, k, q4.ctypes.data, 0, n, s, n, 32, yp, n, kernel)

    return {"fp32": (fp32, 4 * k * n), "int8": (int8, k * n), "int4": (int4, k * n // 2)}


def numpy_seconds(k: int, n: int, threads: int, seconds: float, repeat: int) -> float:
    env = pinned_env(threads)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    command = [sys.executable, "-c", REFERENCE, str(k), str(n), str(seconds), str(repeat)]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return float(json.loads(out.stdout)["seconds"])


def measure(lib: ctypes.CDLL, args: argparse.Namespace) -> dict[str, Any]:
    threads = sorted({1, os.cpu_count() or 1})
    kernel = args.kernel.encode()
    results: dict[str, Any] = {}
    for k, n in SHAPES:
        variants = calls(lib, k, n, kernel)
        row: dict[str, Any] = {}
        for t in threads:
            os.environ["CHARL_NUM_THREADS"] = str(t)
            for name, (call, nbytes) in variants.items():
                s = best_seconds(call, args.seconds, args.repeat)
                row[f"{name} {t}t"] = {"us": s * 1e6, "GB/s": nbytes / s / 1e9}
            s = numpy_seconds(k, n, t, args.seconds, args.repeat)
            row[f"numpy fp32 {t}t"] = {"us": s * 1e6, "GB/s": 4 * k * n / s / 1e9}
            print(
                f"{k}x{n} {t} threads: " + ", ".join(f"{v} {r['us']:.0f} us" for v, r in row.items()), file=sys.stderr
            )
        results[f"{k}x{n}"] = row
    return results


def table(results: dict[str, Any], kernel: str, repeat: int) -> str:
    columns = list(next(iter(results.values())))
    lines = [
        f"Batch-1 GEMV (M = 1), weight bytes read per second; qgemm kernel `{kernel}`; best of {repeat}.",
        f"Machine: {machine()}.",
        "",
        "| K x N | " + " | ".join(columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for shape, row in results.items():
        cells = [f"{row[c]['GB/s']:.1f} GB/s, {row[c]['us']:.0f} us" for c in columns]
        lines.append(f"| {shape} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (the best counts)")
    parser.add_argument("--seconds", type=float, default=0.3, help="rough length of one timed run")
    parser.add_argument("--kernel", default="", help="force the qgemm kernel: vnni, avx2 or c")
    args = parser.parse_args()
    lib = library()
    kernel = lib.charl_rt_qgemm_kernel(args.kernel.encode()).decode()
    results = measure(lib, args)
    md = table(results, kernel, args.repeat)
    print(md)
    write_json("qgemv", {"machine": machine(), "kernel": kernel, "repeat": args.repeat, "shapes": results})
    if not args.kernel:
        update_readme("qgemv", md)


if __name__ == "__main__":
    main()
