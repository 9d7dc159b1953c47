"""Kernels printed from a template: `linalg.matmul` through `convert-linalg-to-gpu` becomes a kernel
marked `charl.template = "matmul"`, which `emit_kernels` prints with `charlc/wgsl_matmul.py`; run
on the GPU runtime, it computes `C += A @ B` like NumPy for every tile shape, ragged or not, and
`C = A @ B` when it absorbed a zero fill of C."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_util import gpu_context, run

from runtime.gpu import GpuRuntime
from runtime.gpu_kernels import KernelSpec

MATMUL = """func.func @mm(%a: {a}, %b: {b}, %c: {c}) {{
  linalg.matmul ins(%a, %b : {a}, {b}) outs(%c : {c})
  func.return
}}
"""

FILLED = """func.func @mm(%a: {a}, %b: {b}, %c: {c}) {{
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : {c})
  linalg.matmul ins(%a, %b : {a}, {b}) outs(%c : {c})
  func.return
}}
"""


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def matmul_kernel(a: str, b: str, c: str, source: str = MATMUL) -> KernelSpec:
    from xdsl.dialects import gpu
    from xdsl.dialects.gpu import GPU
    from xdsl.parser import Parser

    from charlc.api import make_context
    from charlc.wgsl import emit_kernels
    from passes.convert_linalg_to_gpu import ConvertLinalgToGpuPass

    ctx = make_context()
    if ctx.get_optional_dialect("gpu") is None:
        ctx.load_dialect(GPU)
    module = Parser(ctx, source.format(a=a, b=b, c=c)).parse_module()
    ConvertLinalgToGpuPass().apply(ctx, module)
    (kernels,) = [op for op in module.ops if isinstance(op, gpu.ModuleOp)]
    (spec,) = emit_kernels(kernels)
    return spec


@pytest.mark.parametrize(
    ("m", "k", "n", "dynamic"),
    [(256, 40, 256, False), (70, 33, 90, False), (8, 16, 200, False), (100, 17, 130, True)],
)
@pytest.mark.parametrize("filled", [False, True], ids=["accumulate", "overwrite"])
def test_matmul_template_matches_numpy(ctx: Any, m: int, k: int, n: int, dynamic: bool, filled: bool) -> None:
    def t(rows: int, cols: int) -> str:
        return "memref<?x?xf32>" if dynamic else f"memref<{rows}x{cols}xf32>"

    spec = matmul_kernel(t(m, k), t(k, n), t(m, n), FILLED if filled else MATMUL)  # one kernel: the fill is absorbed
    assert "matmul template" in spec.wgsl and spec.workgroup_size == 256
    tiles = [int(x) for x in spec.wgsl.split("tiles (")[1].split(")")[0].split(",")]
    rng = np.random.default_rng(11)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    c = rng.standard_normal((m, n)).astype(np.float32)
    want = (0 if filled else c) + a.astype(np.float64) @ b.astype(np.float64)
    invocations = 256 * -(-m // tiles[0]) * -(-n // tiles[1])
    run(GpuRuntime([spec], ctx), spec, [a, b, c, invocations])
    np.testing.assert_allclose(c, want, rtol=1e-4, atol=1e-4)


def test_aligned_static_tiles_load_vec4s() -> None:
    """Static sizes that are multiples of the 128x128x8 tile: A and B are read as `vec4`s; ragged or
    dynamic sizes read elements."""
    aligned = matmul_kernel("memref<256x40xf32>", "memref<40x256xf32>", "memref<256x256xf32>").wgsl
    assert "array<vec4<f32>>" in aligned and "let v = a4[" in aligned
    ragged = matmul_kernel("memref<70x33xf32>", "memref<33x90xf32>", "memref<70x90xf32>").wgsl
    assert "a4" not in ragged and "array<vec4<f32>>" not in ragged


def test_absorbed_fill_stores_vec4s() -> None:
    """An aligned matmul that absorbed its zero fill stores `vec4`s of C without reading C."""
    shapes = ("memref<256x40xf32>", "memref<40x256xf32>", "memref<256x256xf32>")
    wgsl = matmul_kernel(*shapes, FILLED).wgsl
    assert "c4[row4 + 0 + tx] = acc_0_0;" in wgsl and "c[" not in wgsl
    ragged = matmul_kernel("memref<70x33xf32>", "memref<33x90xf32>", "memref<70x90xf32>", FILLED).wgsl
    assert "c4[" not in ragged and "= c[" not in ragged and "] = acc_0_0.x;" in ragged
