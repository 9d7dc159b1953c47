"""Shared helpers of the tests of the GPU kernel forms (test_gpu_reduce*, test_gpu_vector): the
kernels `convert-linalg-to-gpu` makes of an MLIR function, the form of each launch of a Charl
program (read from `--emit=wgsl`), and a Charl program loaded for both targets.
"""

from __future__ import annotations

import re
from typing import Any

from gpu_util import gpu_context

from runtime.gpu_kernels import KernelSpec

_HEADER = re.compile(r"^// kernel (\d+): @k\d+(?: \((\w+) template)?", re.M)
_FUNCTION = re.compile(r"^// @(\w+):$")
_LAUNCH = re.compile(r"^//\s+k(\d+)  invocations (\S+)")


def lowered(mlir: str) -> list[KernelSpec]:
    """The kernels of the MLIR module text `mlir` after `convert-linalg-to-gpu`, printed as WGSL."""
    from xdsl.dialects import gpu
    from xdsl.dialects.gpu import GPU
    from xdsl.parser import Parser

    from charlc.api import make_context
    from charlc.wgsl import emit_kernels
    from passes.convert_linalg_to_gpu import ConvertLinalgToGpuPass

    ctx = make_context()
    if ctx.get_optional_dialect("gpu") is None:
        ctx.load_dialect(GPU)
    module = Parser(ctx, mlir).parse_module()
    ConvertLinalgToGpuPass().apply(ctx, module)
    module.verify()
    (kernels,) = [op for op in module.ops if isinstance(op, gpu.ModuleOp)]
    return emit_kernels(kernels)


def form(spec: KernelSpec) -> str:
    """`reduce`, `vec4` or `matmul` for a kernel printed from a template, else `plain`."""
    match = _HEADER.search(spec.wgsl)
    assert match is not None, spec.wgsl[:200]
    return match.group(2) or "plain"


def launches(source: str) -> dict[str, list[tuple[str, str]]]:
    """For each function of the Charl program `source`, its launches in order: (form, invocations),
    from `--target=gpu --emit=wgsl`."""
    from charlc.api import compile_source
    from charlc.options import Options
    from charlc.wgsl_plan import wgsl_listing

    text = wgsl_listing(compile_source(source, "forms.ch", Options(target="gpu", emit="wgsl")))
    forms = {int(n): f or "plain" for n, f in _HEADER.findall(text)}
    plan = text.split("// dispatch plan\n", 1)[1]
    result: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in plan.splitlines():
        if (f := _FUNCTION.match(line)) is not None:
            current = result.setdefault(f.group(1), [])
        elif (launch := _LAUNCH.match(line)) is not None:
            current.append((forms[int(launch.group(1))], launch.group(2)))
    return result


def both_targets(source: str) -> tuple[Any, Any]:
    """The Charl program `source` loaded for the CPU and for the GPU (a skip without an adapter)."""
    from charlc.api import load
    from charlc.options import Options

    gpu_context()
    return load(source, path="forms.ch"), load(source, Options(target="gpu"), path="forms.ch")
