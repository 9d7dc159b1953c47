"""`--emit=wgsl`: every kernel of a gpu-target module as WGSL, and the dispatch plan of its host
functions.

The plan lists, per host function and in program order, each launch: the kernel, its invocation
count and workgroup counts (`?` when they depend on run-time sizes), and its bindings (the host
buffers staged for it, then the parameter block). Launches inside `scf.for`/`scf.while`/`scf.if`
are indented under their loop or branch, so a training loop shows the kernels of one step.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith, func, gpu, memref, scf
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Block, Operation, SSAValue

from runtime.gpu_kernels import KernelSpec


@dataclass(frozen=True)
class Launch:
    """One `charl_gpu_launch` of a host function."""

    kernel: int
    invocations: int | None
    bindings: tuple[str, ...]


def _static(v: SSAValue) -> int | None:
    owner = v.owner
    if isinstance(owner, arith.IndexCastOp):
        return _static(owner.input)
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    if isinstance(owner, arith.MuliOp | arith.AddiOp | arith.DivUIOp):
        a, b = _static(owner.lhs), _static(owner.rhs)
        if a is None or b is None:
            return None
        return a * b if isinstance(owner, arith.MuliOp) else a + b if isinstance(owner, arith.AddiOp) else a // b
    return None


def _name(v: SSAValue) -> str:
    """The host value's name (`%x`), looking through the cast to an unranked memref."""
    while isinstance(v.owner, memref.CastOp):
        v = v.owner.source
    if v.name_hint:
        return f"%{v.name_hint}"
    return "%" + (v.owner.name.split(".")[-1] if isinstance(v.owner, Operation) else "arg")


def _lines(block: Block, specs: dict[int, KernelSpec], depth: int) -> list[str]:
    out: list[str] = []
    staged: list[str] = []
    pad = "  " * depth
    for op in block.ops:
        if isinstance(op, func.CallOp):
            callee = op.callee.root_reference.data
            if callee.startswith("charl_gpu_memref_"):
                staged.append(_name(op.arguments[0]))
            elif callee == "charl_gpu_launch":
                number = _static(op.arguments[0])
                count = _static(op.arguments[1])
                spec = specs.get(number if number is not None else -1)
                out.append(pad + _describe(number, count, spec, staged))
                staged = []
            continue
        for kind, regions in _nested(op):
            inner = [line for r in regions for b in r.blocks for line in _lines(b, specs, depth + 1)]
            if inner:
                out += [pad + kind, *inner]
    return out


def _nested(op: Operation) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    if isinstance(op, scf.ForOp):
        trip = [_static(op.lb), _static(op.ub)]
        span = f"{trip[0]}..{trip[1]}" if None not in trip else "run-time range"
        return [(f"for ({span}):", [op.body])]
    if isinstance(op, scf.WhileOp):
        return [("while:", [op.before_region, op.after_region])]
    if isinstance(op, scf.IfOp):
        return [("if:", [op.true_region]), ("else:", [op.false_region])]
    return []


def _describe(number: int | None, count: int | None, spec: KernelSpec | None, staged: list[str]) -> str:
    size = spec.workgroup_size if spec else 64
    groups = "?" if count is None else str(-(-count // size))
    invocations = "?" if count is None else str(count)
    name = spec.name if spec else f"k{number}"
    binds = ", ".join(f"{i}: {b}" for i, b in enumerate(staged)) + f", {len(staged)}: params"
    return f"{name}  invocations {invocations}  workgroups {groups} x {size}  bindings [{binds}]"


def dispatch_plan(module: ModuleOp, specs: list[KernelSpec]) -> str:
    """The launches of every host function of `module`, one line each (see the module docstring)."""
    by_number = {s.number: s for s in specs}
    lines: list[str] = []
    for fn in module.ops:
        if isinstance(fn, func.FuncOp) and fn.body.blocks:
            body = _lines(fn.body.blocks[0], by_number, 1)
            lines += [f"@{fn.sym_name.data}:", *(body or ["  (no launches)"])]
    return "\n".join(lines) + "\n"


def wgsl_listing(module: ModuleOp) -> str:
    """`--emit=wgsl`: each kernel's WGSL under a `// kernel` header, then the dispatch plan."""
    from charlc.wgsl import emit_kernels

    kernels = [m for m in module.ops if isinstance(m, gpu.ModuleOp)]
    specs = emit_kernels(kernels[0]) if kernels else []
    parts = [f"{s.wgsl.rstrip()}\n" for s in specs]
    plan = dispatch_plan(module, specs)
    return "\n".join(parts) + "\n// dispatch plan\n" + "".join(f"// {line}\n" for line in plan.splitlines())
