"""The WGSL of a reduction kernel (`charl.template = "reduce"`, built by `passes/_gpu_reduce.py`):
one workgroup of `charl.lanes` invocations per output element; and of a row kernel
(`charl.template = "rows"`, `passes/_gpu_rows_kernel.py`): one workgroup per row, its reductions
(`charl.stages`) each a tree in its own workgroup array.

The kernel's IR body already holds the whole algorithm in plain ops (each lane's strided partial,
the partials in a `memref.alloca` of memory space `"workgroup"`, the unrolled tree, lane 0's
store), so this printer is the statement emitter with four additions:

- the `"workgroup"` alloca becomes a module-scope `var<workgroup> red0: array<T, 256>;` and its
  loads and stores index that array;
- `gpu.barrier` becomes `workgroupBarrier();`;
- the entry point takes `workgroup_id` and `local_invocation_index`: the linear invocation index is
  `gl = wgi * lanes + lid`, `wgi` the linear workgroup index (the runtime may dispatch a 2-D grid);
- the kernel's guard `id < count` is printed as `wgi < count / lanes`, the same test (`count` is a
  multiple of `lanes`) on values WGSL's uniformity analysis sees as uniform, which barriers need.

`assemble` (shared with `wgsl_vector`) lays out a kernel's text: header, bindings, workgroup
variables, helpers, entry point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, gpu, memref, scf
from xdsl.dialects.builtin import IntegerAttr, MemRefType, StringAttr
from xdsl.ir import Operation, SSAValue

from charlc.wgsl_emit import KernelEmitter
from charlc.wgsl_lib import closure, library
from charlc.wgsl_types import WGSL_TYPE, WgslError, kind_of

MAIN_GLOBAL = "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {"
"""The entry point of kernels that only need the linear invocation index."""
MAIN_WORKGROUP = (
    "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,\n"
    "        @builtin(num_workgroups) nwg: vec3<u32>) {"
)
"""The entry point of kernels that need their workgroup and their place in it."""


def assemble(
    emitter: KernelEmitter,
    header: str,
    workgroup: int,
    main: str,
    prologue: list[str],
    bindings: list[str] | None = None,
    shared: list[str] | None = None,
) -> str:
    """A kernel's WGSL: `header`, the bindings (the emitter's unless given), the workgroup variables
    `shared`, the helpers the body uses, and `main` running `prologue` then the emitter's lines."""
    helpers = library(emitter.helpers)
    used = closure(emitter.helpers)
    opaque = [f"  opq_{u} = {u}(nwg.z - 1u);" for t, u in (("f32", "u32"), ("f64", "u64")) if f"hide_{t}" in used]
    return "\n".join(
        [
            header,
            *(emitter.bindings() if bindings is None else bindings),
            *(shared or []),
            "",
            *([helpers] if helpers else []),
            f"@compute @workgroup_size({workgroup})",
            main,
            *prologue,
            *opaque,
            *emitter.lines,
            "}",
            "",
        ]
    )


def guard_of(func: gpu.FuncOp) -> scf.IfOp:
    """The kernel's `scf.if (gpu.global_id x < count)` (count: the last argument)."""
    block = func.body.blocks[0]
    for op in block.ops:
        if isinstance(op, scf.IfOp) and isinstance(cmp := op.cond.owner, arith.CmpiOp):
            if isinstance(cmp.lhs.owner, gpu.GlobalIdOp) and cmp.rhs is block.args[-1]:
                return op
    raise WgslError(f"kernel @{func.sym_name.data} has no guard `gpu.global_id x < count`", func)


@dataclass
class ReduceEmitter(KernelEmitter):
    """The statement emitter with workgroup memory, barriers and a workgroup-uniform guard."""

    lanes: int = 256
    guard: Operation | None = None
    shared: dict[SSAValue, str] = field(default_factory=dict[SSAValue, str])
    declarations: list[str] = field(default_factory=list[str])

    def op(self, op: Operation) -> None:
        if op is self.guard and isinstance(op, scf.IfOp):
            self.line(f"if (wgi < {self.val(op.cond.owner.operands[1])} / {self.lanes}i) {{")  # type: ignore[union-attr]
            self.depth += 1
            self.block(op.true_region.blocks[0])
            self.depth -= 1
            self.line("}")
        elif isinstance(op, memref.AllocaOp):
            self._alloca(op)
        elif isinstance(op, memref.LoadOp) and op.memref in self.shared:
            (index,) = op.indices
            self.let(op.res, f"{self.shared[op.memref]}[{self.val(index)}]")
        elif isinstance(op, memref.StoreOp) and op.memref in self.shared:
            (index,) = op.indices
            self.line(f"{self.shared[op.memref]}[{self.val(index)}] = {self.val(op.value)};")
        elif isinstance(op, gpu.BarrierOp):
            self.line("workgroupBarrier();")
        else:
            super().op(op)

    def _alloca(self, op: memref.AllocaOp) -> None:
        t = op.memref.type
        assert isinstance(t, MemRefType)
        shape = list(t.get_shape())
        if t.memory_space != StringAttr("workgroup") or len(shape) != 1 or shape[0] < 1:
            raise WgslError(f"GPU kernels allocate only 1-D workgroup memory of a static size, not {t}", op)
        kind = kind_of(t.element_type, op)
        if kind not in ("f32", "f64", "i32", "i64"):
            raise WgslError(f"workgroup memory of {kind} is not supported", op)
        name = f"red{len(self.shared)}"
        self.shared[op.memref] = name
        self.declarations.append(f"var<workgroup> {name}: array<{WGSL_TYPE[kind]}, {shape[0]}>;")


def reduce_wgsl(func: gpu.FuncOp, number: int, workgroup: int) -> tuple[KernelEmitter, str]:
    """The emitter (arguments, parameter block) and the WGSL of a reduction kernel."""
    lanes_attr = func.attributes.get("charl.lanes")
    combiner = func.attributes.get("charl.combiner")
    if not isinstance(lanes_attr, IntegerAttr) or lanes_attr.value.data != workgroup:
        raise WgslError(f"a reduction kernel's charl.lanes must be its workgroup size {workgroup}", func)
    lanes = lanes_attr.value.data
    emitter = ReduceEmitter(func, lanes=lanes, guard=guard_of(func))
    emitter.declare_args()
    emitter.block(func.body.blocks[0])
    stages = func.attributes.get("charl.stages")
    if isinstance(stages, IntegerAttr):
        what = f"rows template, {stages.value.data} reductions, {lanes} lanes per row"
    else:
        name = combiner.data if isinstance(combiner, StringAttr) else "?"
        what = f"reduce template, {name}, {lanes} lanes per output"
    header = f"// kernel {number}: @{func.sym_name.data} ({what})"
    prologue = ["  let wgi: i32 = i32(wid.x + wid.y * nwg.x);", f"  let gl: i32 = wgi * {lanes}i + i32(lid);"]
    text = assemble(emitter, header, workgroup, MAIN_WORKGROUP, prologue, shared=emitter.declarations)
    return emitter, text
