"""The WGSL target: each `gpu.func ... kernel` of a `gpu.module` becomes one WGSL compute shader
and a `KernelSpec` (`runtime/gpu_kernels.py`) telling the runtime how to bind and launch it.

A kernel's shader has the entry point `main`, `@compute @workgroup_size(N)` (`charl.workgroup_size`,
default 64), a storage binding per memref argument and a parameter block (see `gpu_kernels` for
both layouts). `gpu.global_id x` is the linear invocation index of a possibly 2-D grid of
workgroups: `gid.x + gid.y * num_workgroups.x * N`. Helper functions (`wgsl_lib`) are included
only when used. f64 values need the features `shader-f64` and `shader-int64`, i64 values
`shader-int64`; `KernelSpec.features` lists what the text uses.
"""

from __future__ import annotations

import re
from typing import Any

from xdsl.dialects import builtin, gpu
from xdsl.dialects.builtin import DYNAMIC_INDEX, ArrayAttr, IntegerAttr, MemRefType, StringAttr

from charlc.wgsl_emit import KernelEmitter, compute_shader
from charlc.wgsl_lib import closure, library
from charlc.wgsl_types import WgslError
from runtime.gpu_kernels import KernelSpec

__all__ = ["WgslError", "emit_kernel", "emit_kernels"]

DEFAULT_WORKGROUP_SIZE = 64
MAX_WORKGROUP_SIZE = 1024

_USES_F64 = re.compile(r"\bf64\b")
_USES_I64 = re.compile(r"\b[iu]64\b|\b0x[0-9a-f]+lu\b|\b\d+l[iu]\b")


def emit_kernels(module: gpu.ModuleOp | builtin.ModuleOp) -> list[KernelSpec]:
    """One `KernelSpec` per kernel function of `module` (a `gpu.module`, or a builtin module whose
    `gpu.module`s are searched), in order. Raises `WgslError` (with the offending op) for IR that
    kernels cannot hold."""
    if isinstance(module, gpu.ModuleOp):
        modules = [module]
    else:
        modules = [m for m in module.walk() if isinstance(m, gpu.ModuleOp)]
    specs: list[KernelSpec] = []
    for gpu_module in modules:
        for op in gpu_module.body.ops:
            if isinstance(op, gpu.FuncOp) and op.kernel is not None:
                specs.append(emit_kernel(op, default_number=len(specs)))
    return specs


def emit_kernel(func: gpu.FuncOp, default_number: int = 0) -> KernelSpec:
    """The WGSL and launch description of one kernel function."""
    number = _int_attr(func, "charl.kernel", default_number)
    workgroup = _int_attr(func, "charl.workgroup_size", DEFAULT_WORKGROUP_SIZE)
    if not 1 <= workgroup <= MAX_WORKGROUP_SIZE:
        raise WgslError(f"workgroup size {workgroup} of kernel @{func.sym_name.data} is not in 1..1024", func)
    if len(func.body.blocks) != 1:
        raise WgslError("a GPU kernel must have a single block (structured control flow only)", func)
    if "charl.template" in func.attributes:
        return _template_kernel(func, number, workgroup)
    emitter = KernelEmitter(func)
    emitter.declare_args()
    emitter.block(func.body.blocks[0])
    name = func.sym_name.data
    helpers = library(emitter.helpers)
    used = closure(emitter.helpers)
    opaque = [f"  opq_{u} = {u}(nwg.z - 1u);" for t, u in (("f32", "u32"), ("f64", "u64")) if f"hide_{t}" in used]
    text = compute_shader(
        f"// kernel {number}: @{name}", emitter, [helpers] if helpers else [], workgroup, [*opaque, *emitter.lines]
    )
    return _spec(func, number, workgroup, emitter, text)


def _template_kernel(func: gpu.FuncOp, number: int, workgroup: int) -> KernelSpec:
    """A kernel printed from a template (`charl.template`): `reduce` and `rows`
    (`charlc/wgsl_reduce.py`) and `vec4` (`charlc/wgsl_vector.py`) print their IR body with
    workgroup memory or on vectors;
    `matmul` (`charlc/wgsl_matmul.py`), its tiles in `charl.tiles`, replaces its IR body, which only
    says what it computes (and which memrefs it writes).
    The arguments and the parameter block are laid out as for any kernel, every dynamic size a
    parameter."""
    template = func.attributes["charl.template"]
    if isinstance(template, StringAttr) and template.data in ("reduce", "rows", "vec4"):
        from charlc.wgsl_reduce import reduce_wgsl
        from charlc.wgsl_vector import vector_wgsl

        printer = vector_wgsl if template.data == "vec4" else reduce_wgsl
        emitter, text = printer(func, number, workgroup)
        return _spec(func, number, workgroup, emitter, text)
    if isinstance(template, StringAttr) and template.data == "qgemm":
        from charlc.wgsl_qgemm import qgemm_wgsl

        group, overwrite = _int_attr(func, "charl.group", 0), "charl.overwrite" in func.attributes
        store_y = "charl.store_y" in func.attributes
        emitter, text = qgemm_wgsl(func, number, workgroup, group, overwrite, store_y)
        return _spec(func, number, workgroup, emitter, text)
    tiles_attr = func.attributes.get("charl.tiles")
    if not (isinstance(template, StringAttr) and template.data == "matmul" and isinstance(tiles_attr, ArrayAttr)):
        raise WgslError(f"unknown kernel template {template} (with tiles {tiles_attr})", func)
    from charlc.wgsl_matmul import MatmulShape, matmul_wgsl
    from passes._gpu_matmul import Tiles

    tiles = Tiles(*(a.value.data for a in tiles_attr.data if isinstance(a, IntegerAttr)))
    emitter = KernelEmitter(func)
    emitter.declare_args(measure_all=True)
    memrefs = [(k, a.type) for k, a in enumerate(func.body.blocks[0].args) if isinstance(a.type, MemRefType)]
    if len(memrefs) != 3:
        raise WgslError("the matmul template takes three memrefs (A, B, C)", func)
    words = {(p.arg, p.field, p.dim): p.word for p in emitter.params}

    def read(arg: int, fld: str, dim: int = 0) -> str:
        return f"bitcast<i32>(params[{words[(arg, fld, dim)]}])"

    def size(which: int, dim: int) -> tuple[str, int | None]:
        arg, t = memrefs[which]
        static = t.get_shape()[dim]
        return (read(arg, "size", dim), None) if static == DYNAMIC_INDEX else (f"{static}i", static)

    (m, sm), (n, sn), (k, sk) = size(2, 0), size(2, 1), size(0, 1)
    offsets = (read(memrefs[0][0], "offset"), read(memrefs[1][0], "offset"), read(memrefs[2][0], "offset"))
    shape = MatmulShape(m, n, k, offsets, (sm, sn, sk))
    text = f"// kernel {number}: @{func.sym_name.data} (matmul template, tiles {tiles.values})\n"
    text += matmul_wgsl(shape, tiles, overwrite="charl.overwrite" in func.attributes)
    return _spec(func, number, workgroup, emitter, text)


def _spec(func: gpu.FuncOp, number: int, workgroup: int, emitter: Any, text: str) -> KernelSpec:
    """The kernel's spec: its WGSL `text` and the arguments and parameter slots `emitter` laid out."""
    return KernelSpec(
        number=number,
        name=func.sym_name.data,
        wgsl=text,
        workgroup_size=workgroup,
        args=tuple(emitter.args),
        params=tuple(emitter.params),
        param_words=emitter.words,
        features=_features(text),
    )


def _features(text: str) -> tuple[str, ...]:
    if _USES_F64.search(text):
        return ("shader-f64", "shader-int64")
    if _USES_I64.search(text):
        return ("shader-int64",)
    return ()


def _int_attr(func: gpu.FuncOp, name: str, default: int) -> int:
    attr = func.attributes.get(name)
    if attr is None:
        return default
    if not isinstance(attr, IntegerAttr):
        raise WgslError(f"`{name}` of kernel @{func.sym_name.data} must be an integer, not {attr}", func)
    return attr.value.data
