"""The matmul micro-kernel path: `convert-linalg-to-loops` turns an f32 `linalg.matmul` into a call
of the runtime's `charl_rt_sgemm_f32` (runtime/c/gemm.c), JIT-compiled with convert-to-llvm and run
against NumPy: square and ragged shapes, strided views (slices), 1 and 2 threads (bit-identical
results), `ukernels=false` (the loops), the narrower kernels (forced in a subprocess), the option's
parsing and the lit file's CHECK lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from loops_util import check_lit_file, context
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from passes._llvm_emit import signatures, to_llvm_ir
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuFunction, CpuModule
from runtime.native import NativeRuntime

LIT_FILE = Path(__file__).parents[1] / "filecheck" / "passes" / "convert-linalg-to-loops-ukernel.mlir"
DYN = "memref<?x?xf32>"
VIEW = "memref<?x?xf32, strided<[?, 1], offset: ?>>"
SHAPES = [
    (1, 1, 1),
    (7, 13, 5),
    (33, 65, 17),
    (130, 257, 100),
    (256, 256, 256),
    (300, 70, 40),
    (5, 600, 300),
    (40, 1024, 64),
]
"""(M, K, N): tiny, ragged in every kernel dimension, square, M > N (rows split), N > M (columns); N <= 256
reads A's rows in place (edge rows packed), except with a row stride of 1024 floats (packed)."""


def module_text() -> str:
    """`mm` on contiguous memrefs, `mm_views` on strided row-major views: both `c += a @ b`."""
    funcs = []
    for name, t in (("mm", DYN), ("mm_views", VIEW)):
        op = f"linalg.matmul ins(%a, %b : {t}, {t}) outs(%c : {t})"
        funcs.append(f"func.func @{name}(%a: {t}, %b: {t}, %c: {t}) {{\n  {op}\n  func.return\n}}")
    return "\n".join(funcs)


def compile_module(ukernels: bool) -> dict[str, CpuFunction]:
    """The two functions, lowered with or without the micro-kernel path and JIT-compiled."""
    ctx = context()
    module = Parser(ctx, module_text()).parse_module()
    ConvertLinalgToLoopsPass(ukernels=ukernels).apply(ctx, module)
    calls = [op for op in module.walk() if op.name == "func.call"]
    assert len(calls) == (2 if ukernels else 0)
    ConvertToLlvmPass().apply(ctx, module)
    sigs = signatures(module)
    NativeRuntime().load()
    cpu = CpuModule(to_llvm_ir(module))
    return {name: cpu.function(name, sigs[name]) for name in ("mm", "mm_views")}


@pytest.fixture(scope="module")
def ukernel() -> dict[str, CpuFunction]:
    return compile_module(ukernels=True)


def operands(m: int, k: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + m * 7 + k * 3 + n)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = rng.uniform(-1, 1, (m, n)).astype(np.float32)
    return a, b, c


def expected(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return (c.astype(np.float64) + a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)


def check(actual: np.ndarray, want: np.ndarray, k: int) -> None:
    np.testing.assert_allclose(actual, want, rtol=1e-5, atol=1e-6 * max(k, 1) ** 0.5 * 4)


@pytest.mark.parametrize("mkn", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("threads", ["1", "2"])
def test_matmul_matches_numpy(
    ukernel: dict[str, CpuFunction], mkn: tuple[int, int, int], threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARL_NUM_THREADS", threads)
    m, k, n = mkn
    a, b, c = operands(m, k, n)
    want = expected(a, b, c)
    ukernel["mm"](a, b, c)
    check(c, want, k)


@pytest.mark.parametrize("mkn", [(7, 13, 5), (130, 257, 100), (300, 70, 40), (5, 600, 300)])
def test_strided_views(ukernel: dict[str, CpuFunction], mkn: tuple[int, int, int]) -> None:
    """Slices of larger arrays: offsets and row strides from the descriptors; C outside untouched."""
    m, k, n = mkn
    a_full, b_full, c_full = operands(m + 3, k + 5, n + 9, seed=1)
    big_a = np.concatenate([a_full, a_full], axis=1)
    a, b, c = big_a[2 : 2 + m, 3 : 3 + k], b_full[1 : 1 + k, 4 : 4 + n], c_full[3 : 3 + m, 5 : 5 + n]
    before = c_full.copy()
    want = expected(a, b, c)
    ukernel["mm_views"](a, b, c)
    check(c, want, k)
    outside = np.ones(c_full.shape, bool)
    outside[3 : 3 + m, 5 : 5 + n] = False
    np.testing.assert_array_equal(c_full[outside], before[outside])


# Each at least 2^20 multiply-adds, so that gemm.c splits it across threads.
@pytest.mark.parametrize("mkn", [(300, 257, 230), (130, 700, 257), (64, 600, 700), (256, 256, 256), (37, 784, 128)])
def test_thread_count_does_not_change_bits(
    ukernel: dict[str, CpuFunction], mkn: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("CHARL_NUM_THREADS", threads)
        a, b, c = operands(*mkn)
        ukernel["mm"](a, b, c)
        results.append(c)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


CONTRACTION = """
func.func @{name}(%a: {ta}, %b: {tb}, %c: {tc}) {{
  linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> ({ma})>, affine_map<(d0, d1, d2) -> ({mb})>,
    affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}}
    ins(%a, %b : {ta}, {tb}) outs(%c : {tc}) {{
  ^bb0(%x: f32, %y: f32, %out: f32):
    %zero = arith.constant 0 : index
    %k = linalg.index 2 : index
    %first = arith.cmpi eq, %k, %zero : index
    %init = arith.constant 0.000000e+00 : f32
    %acc = arith.select %first, %init, %out : f32
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }}
  func.return
}}
"""
TRANSPOSED = {
    "nn": ("d0, d2", "d2, d1"),
    "tn": ("d2, d0", "d2, d1"),
    "nt": ("d0, d2", "d1, d2"),
    "tt": ("d2, d0", "d1, d2"),
}
"""Contraction generics (passes/_contraction.py) with a fused zero init: A and B read as stored (n)
or transposed (t)."""


@pytest.fixture(scope="module")
def contractions() -> dict[str, CpuFunction]:
    """`c = a @ b` with each operand read as stored or transposed, through `@charl_rt_sgemm_ex_f32`."""
    text = "\n".join(
        CONTRACTION.format(name=name, ta=DYN, tb=DYN, tc=DYN, ma=ma, mb=mb) for name, (ma, mb) in TRANSPOSED.items()
    )
    ctx = context()
    module = Parser(ctx, text).parse_module()
    ConvertLinalgToLoopsPass().apply(ctx, module)
    assert str(module).count("func.call @charl_rt_sgemm_ex_f32") == 4
    ConvertToLlvmPass().apply(ctx, module)
    sigs = signatures(module)
    NativeRuntime().load()
    cpu = CpuModule(to_llvm_ir(module))
    return {name: cpu.function(name, sigs[name]) for name in TRANSPOSED}


@pytest.mark.parametrize("mkn", [(7, 13, 5), (37, 784, 128), (130, 257, 300)], ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("kind", list(TRANSPOSED))
def test_contractions_read_transposed_operands(
    contractions: dict[str, CpuFunction], mkn: tuple[int, int, int], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zero-initialized (C's old values ignored), any operand transposed, the same bits on 1 and 2 threads."""
    m, k, n = mkn
    a, b, _ = operands(m, k, n)
    stored_a = np.ascontiguousarray(a.T) if kind[0] == "t" else a
    stored_b = np.ascontiguousarray(b.T) if kind[1] == "t" else b
    results = []
    for threads in ("1", "2"):
        monkeypatch.setenv("CHARL_NUM_THREADS", threads)
        c = np.full((m, n), np.nan, np.float32)
        contractions[kind](stored_a, stored_b, c)
        results.append(c)
    check(results[0], expected(a, b, np.zeros((m, n), np.float32)), k)
    np.testing.assert_array_equal(results[0], results[1])


def test_loops_without_ukernels() -> None:
    loops = compile_module(ukernels=False)
    for m, k, n in [(7, 13, 5), (33, 65, 17)]:
        a, b, c = operands(m, k, n)
        want = expected(a, b, c)
        loops["mm"](a, b, c)
        check(c, want, k)


KERNEL_SCRIPT = """
import ctypes, sys
import numpy as np
lib = ctypes.CDLL(sys.argv[1])
lib.charl_rt_sgemm_kernel.restype = ctypes.c_char_p
print(lib.charl_rt_sgemm_kernel().decode())
f = ctypes.POINTER(ctypes.c_float)
rng = np.random.default_rng(0)
for m, k, n in [(1, 1, 1), (7, 13, 5), (33, 65, 17), (130, 257, 100)]:
    a = rng.uniform(-1, 1, (m, k + 3)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.zeros((m, n), np.float32)
    lib.charl_rt_sgemm(*(ctypes.c_int64(x) for x in (m, n, k)), a.ctypes.data_as(f), ctypes.c_int64(k + 3),
                       b.ctypes.data_as(f), ctypes.c_int64(n), c.ctypes.data_as(f), ctypes.c_int64(n))
    want = a[:, :k].astype(np.float64) @ b.astype(np.float64)
    assert np.allclose(c, want, rtol=1e-5, atol=1e-4), (m, k, n)
"""


@pytest.mark.parametrize("kernel", ["avx2", "c"])
def test_forced_narrower_kernel(kernel: str) -> None:
    """`CHARL_SGEMM_KERNEL` picks a narrower kernel (once per process, hence the subprocess)."""
    library = NativeRuntime().build().shared
    env = {**os.environ, "CHARL_SGEMM_KERNEL": kernel, "CHARL_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", KERNEL_SCRIPT, str(library)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if kernel == "c" or " avx2" in flags:
        assert done.stdout.split()[0] == kernel


def test_ukernels_option() -> None:
    spec = "convert-linalg-to-loops{ukernels=false}"
    pipeline = PassPipeline.parse_spec({"convert-linalg-to-loops": lambda: ConvertLinalgToLoopsPass}, spec)
    assert pipeline.passes == (ConvertLinalgToLoopsPass(ukernels=False),)
    assert ConvertLinalgToLoopsPass().ukernels


def test_lit_file_checks() -> None:
    """Runs the lit file's RUN pipeline in-process and feeds the printed module to filecheck."""
    check_lit_file(LIT_FILE)


def test_executable_links_sgemm(tmp_path: Path) -> None:
    """`--emit=exe` links gemm.c (and pthreads) from the runtime archive; 1 and 2 threads agree."""
    source = tmp_path / "mm.ch"
    source.write_text(
        "let a = random_normal([130, 257], seed: 1)\nlet b = random_normal([257, 100], seed: 2)\nprint(sum(a @ b))\n"
    )
    exe = tmp_path / "mm"
    env = {**os.environ, "CHARL_CACHE_DIR": str(tmp_path / "cache")}
    root = Path(__file__).parents[2]
    build = [sys.executable, "-m", "charlc", "compile", str(source), "--emit=exe", "-o", str(exe)]
    done = subprocess.run(build, capture_output=True, text=True, env=env, cwd=root, check=False)
    assert done.returncode == 0, done.stderr
    outputs = [
        subprocess.run([str(exe)], capture_output=True, text=True, env={**env, "CHARL_NUM_THREADS": t}, check=True)
        for t in ("1", "2")
    ]
    assert outputs[0].stdout == outputs[1].stdout and outputs[0].stdout.strip()
