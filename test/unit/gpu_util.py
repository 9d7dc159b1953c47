"""Shared helpers of the WGSL and GPU runtime tests: kernel IR from short MLIR snippets, ctypes
memref descriptors of NumPy arrays, and running kernels through `GpuRuntime` on NumPy data.

xDSL 0.74 reads and prints `gpu` ops only in generic form; `kernel_ir` wraps a body written with
the readable `gpu.global_id x` into the generic `gpu.module`/`gpu.func` syntax.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

import numpy as np
import pytest

from runtime.abi import split_top
from runtime.gpu_kernels import KernelSpec

_GLOBAL_ID = re.compile(r"gpu\.global_id x")


def kernel_ir(args: str, body: str, number: int = 0, workgroup_size: int | None = None) -> str:
    """A generic-form `gpu.func` kernel `@k<number>` with arguments `args` (`%x: memref<?xf32>, ...`)
    and `body` (ending before `gpu.return`)."""
    types = ", ".join(a.split(":", 1)[1].strip() for a in split_top(args))
    body = _GLOBAL_ID.sub('"gpu.global_id"() <{dimension = #gpu<dim x>}> : () -> index', body)
    attrs = f'sym_name = "k{number}", charl.kernel = {number} : i32'
    if workgroup_size is not None:
        attrs += f", charl.workgroup_size = {workgroup_size} : i32"
    return f"""  "gpu.func"() <{{function_type = ({types}) -> (), kernel}}> ({{
  ^bb0({args}):
{body}
    "gpu.return"() : () -> ()
  }}) {{{attrs}}} : () -> ()
"""


def module_ir(*kernels: str) -> str:
    """A builtin module holding `gpu.module @charl_kernels` with `kernels`."""
    inner = "".join(kernels)
    return f"""builtin.module {{
  "gpu.module"() <{{sym_name = "charl_kernels"}}> ({{
{inner}  }}) : () -> ()
}}
"""


def compile_kernels(text: str) -> list[KernelSpec]:
    """Parse, verify and emit the kernels of a module."""
    from xdsl.dialects.gpu import GPU
    from xdsl.parser import Parser

    from charlc.api import make_context
    from charlc.wgsl import emit_kernels

    ctx = make_context()
    if ctx.get_optional_dialect("gpu") is None:
        ctx.load_dialect(GPU)
    module = Parser(ctx, text).parse_module()
    module.verify()
    return emit_kernels(module)


def kernel(args: str, body: str, workgroup_size: int | None = None) -> KernelSpec:
    """The one kernel of `args` and `body` (see `kernel_ir`)."""
    (spec,) = compile_kernels(module_ir(kernel_ir(args, body, 0, workgroup_size)))
    return spec


def descriptor(array: np.ndarray[Any, Any], base: np.ndarray[Any, Any] | None = None) -> Any:
    """A ranked memref descriptor (ctypes struct) of `array`; `allocated` is the data pointer of
    `base` (default: `array` itself) and the offset is counted from it."""
    from runtime.abi import descriptor_struct

    base = array if base is None else base
    itemsize = array.dtype.itemsize
    start = base.ctypes.data
    delta = array.ctypes.data - start
    assert delta % itemsize == 0
    rank = array.ndim
    return descriptor_struct(rank)(
        start,
        start,
        delta // itemsize,
        (ctypes.c_int64 * rank)(*array.shape),
        (ctypes.c_int64 * rank)(*[s // itemsize for s in array.strides]),
    )


ELEMENT_OF = {
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.int8): "i8",
    np.dtype(np.bool_): "i1",
}


def _array_and_base(arg: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """An argument is an array, or `(view, base)`: a view whose descriptor points at `base`."""
    return (arg[0], arg[1]) if isinstance(arg, tuple) else (arg, None)


def stage(rt: Any, spec: KernelSpec, args: list[Any]) -> list[Any]:
    """Stage `args` (arrays, `(view, base)` pairs and Python scalars, in the kernel's order) on `rt`
    through its C entry points; returns the descriptors (keep them alive until the launch)."""
    from runtime.gpu_kernels import MemRefArg

    symbols = rt.functions()
    keep = []
    for arg_spec, arg in zip(spec.args, args, strict=True):
        if isinstance(arg_spec, MemRefArg):
            array, base = _array_and_base(arg)
            desc = descriptor(array, base)
            keep.append((desc, array))
            symbols[f"charl_gpu_memref_{ELEMENT_OF[array.dtype]}"](array.ndim, ctypes.addressof(desc))
        else:
            symbols[f"charl_gpu_scalar_{arg_spec.type}"](arg)
    return keep


def run(rt: Any, spec: KernelSpec, args: list[Any], invocations: int | None = None) -> None:
    """Launch kernel `spec` (registered in `rt`) on `args` (see `stage`); the last argument is the
    invocation count unless `invocations` overrides it. Reads every array argument back."""
    keep = stage(rt, spec, args)
    n = args[-1] if invocations is None else invocations
    rt.functions()["charl_gpu_launch"](spec.number, n)
    for desc, array in keep:
        rt.functions()[f"charl_gpu_access_{ELEMENT_OF[array.dtype]}"](array.ndim, ctypes.addressof(desc), 0)
    rt.check()


def gpu_context() -> Any:
    """A `GpuContext` with an adapter, or a pytest skip saying why there is none."""
    from runtime.gpu_device import GpuContext, adapter_or_none

    adapter, reason = adapter_or_none()
    if adapter is None:
        pytest.skip(f"no wgpu adapter: {reason}")
    return GpuContext(adapter)


_NAME = re.compile(r"%([A-Za-z_][\w.]*)")


def rows_kernel(inputs: list[str], out: str, rows: list[str]) -> KernelSpec:
    """A kernel over `%n` invocations that loads `%a`, `%b`, ... from 1-D memrefs of the types
    `inputs` and, for each row k, runs the snippet `rows[k]` (defining `%r` of type `out`; its other
    names are made unique) and stores `%r` to `%out[k, t]`."""
    letters = "abcdefgh"[: len(inputs)]
    lines = [f"      %{x} = memref.load %in_{x}[%t] : memref<?x{ty}>" for x, ty in zip(letters, inputs, strict=True)]
    for k, row in enumerate(rows):
        renamed = _NAME.sub(lambda m, k=k: m.group(0) if m.group(1) in letters else f"%{m.group(1)}_{k}", row)
        lines.append("      " + renamed.strip().replace("\n", "\n      "))
        lines.append(f"      %row_{k} = arith.constant {k} : index")
        lines.append(f"      memref.store %r_{k}, %out[%row_{k}, %t] : memref<?x?x{out}>")
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
{chr(10).join(lines)}
    }}"""
    args = [f"%in_{x}: memref<?x{ty}>" for x, ty in zip(letters, inputs, strict=True)]
    return kernel(", ".join([*args, f"%out: memref<?x?x{out}>", "%n: index"]), body)


def run_rows(
    rt: Any, spec: KernelSpec, inputs: list[np.ndarray[Any, Any]], dtype: Any, rows: int
) -> np.ndarray[Any, Any]:
    """Run a `rows_kernel` of `rows` rows on 1-D `inputs` of one length; the output rows."""
    out = np.zeros((rows, inputs[0].size), dtype)
    run(rt, spec, [*inputs, out, inputs[0].size])
    return out
