"""The kernels of `convert-linalg-to-gpu`: one `gpu.func` per linalg op, one invocation per point
of its parallel loops.

A kernel takes the op's memref operands, the scalars its body uses from outside (constants are
cloned in instead), and the invocation count. Its body guards on `gpu.global_id x < count`, splits
the linear id into the indices of the parallel loops (the innermost one fastest, so neighbouring
invocations touch neighbouring output elements), and runs the reduction loops serially with the
CPU's loop emitter (`_loops_emit`), which also clones the op's scalar body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.builder import Builder
from xdsl.dialects import arith, gpu, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    FunctionType,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnitAttr,
    i32,
)
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

from passes import _gpu_epilogue as epilogue_kernel
from passes import _gpu_matmul as matmul
from passes import _gpu_qgemm as qgemm
from passes import _gpu_reduce as reduce
from passes import _gpu_rows as rows
from passes import _gpu_rows_kernel as rows_kernel
from passes import _gpu_vector as vector
from passes._loops_emit import Env, NestEmitter
from passes._loops_plan import Plan, general_plan
from passes._loops_structure import Structured, loop_bound_sources, structured_view

KERNEL_MODULE = "charl_kernels"
i1 = IntegerType(1)
i4 = IntegerType(4)
i8 = IntegerType(8)


@dataclass(frozen=True)
class Captured:
    """What a kernel takes from its host function: memrefs, then scalars (an `i1` travels as `i32`,
    an `i4` as `i8`)."""

    memrefs: list[SSAValue]
    scalars: list[SSAValue]


def captured(op: Operation) -> Captured:
    """The values `op` uses that are defined outside it, constants excepted, in first-use order."""
    inside = {r for o in op.walk() for r in o.results} | {
        a for o in op.walk() for reg in o.regions for blk in reg.blocks for a in blk.args
    }
    memrefs: dict[SSAValue, None] = {}
    scalars: dict[SSAValue, None] = {}
    for o in op.walk():
        for v in o.operands:
            if v in inside or isinstance(v.owner, arith.ConstantOp):
                continue
            (memrefs if isinstance(v.type, MemRefType) else scalars)[v] = None
    return Captured(list(memrefs), list(scalars))


class KernelNestEmitter(NestEmitter):
    """The CPU loop nest with its leading parallel loops replaced by the invocation's indices."""

    def __init__(self, view: Structured, plan: Plan, linear: SSAValue) -> None:
        super().__init__(view, plan)
        self.linear = linear
        self.parallel = [lvl.dim for lvl in plan.levels if not view.reductions[lvl.dim]]
        self.ids: dict[int, SSAValue] = {}

    def emit(self) -> None:
        rest = self.linear
        for n, dim in enumerate(reversed(self.parallel)):
            bound = self.bound(dim)
            last = n == len(self.parallel) - 1
            self.ids[dim] = rest if last else self.prologue.insert(arith.RemUIOp(rest, bound)).result
            if not last:
                rest = self.prologue.insert(arith.DivUIOp(rest, bound)).result
        super().emit()

    def _loop(self, b: Builder, index: int, env: Env, acc: list[SSAValue] | None) -> list[SSAValue] | None:
        dim = self.plan.levels[index].dim
        if dim in self.ids:
            return self._nest(b, index + 1, env.bind(dim, self.ids[dim]), acc)
        return super()._loop(b, index, env, acc)


def invocations(b: Builder, view: Structured) -> SSAValue:
    """The host-side invocation count: 256 per tile of a matmul template, 256 per row and 32 columns
    of a qgemm template, 256 per output element of a reduction template, a workgroup per row of a
    row chain, one per 4 elements of a vec4 template, else the product of the parallel loops' sizes
    (`index`)."""
    from xdsl.dialects import memref

    if rows.is_carrier(view.op):
        return rows.invocations(b, view.op)  # type: ignore[arg-type]
    if epilogue_kernel.is_carrier(view.op):
        return qgemm.invocations(b, epilogue_kernel.members(view.op)[0])  # type: ignore[arg-type]
    tiles = matmul.templated(view.op)
    if tiles is not None:
        return matmul.invocations(b, view.op, tiles)  # type: ignore[arg-type]
    if qgemm.group_of(view.op) is not None:
        return qgemm.invocations(b, view.op)
    if reduce.templated(view) is not None:
        return reduce.invocations(b, view)
    if vector.templated(view):
        return vector.invocations(b, view)
    total: SSAValue | None = None
    for loop, (value, dim, size) in enumerate(loop_bound_sources(view)):
        if view.reductions[loop]:
            continue
        if size == DYNAMIC_INDEX:
            d = b.insert(arith.ConstantOp.from_int_and_width(dim, IndexType())).result
            n = b.insert(memref.DimOp.from_source_and_index(value, d)).result
        else:
            n = b.insert(arith.ConstantOp.from_int_and_width(size, IndexType())).result
        total = n if total is None else b.insert(arith.MuliOp(total, n)).result
    return total if total is not None else b.insert(arith.ConstantOp.from_int_and_width(1, IndexType())).result


def scalar_type(t: Attribute) -> Attribute:
    """How a captured scalar travels to a kernel: `i1` as `i32`, `i4` as `i8`, the rest as it is."""
    return i32 if t == i1 else i8 if t == i4 else t


@dataclass
class KernelTable:
    """The module's `gpu.module @charl_kernels`; equal kernels are made once."""

    module: ModuleOp
    kernels: gpu.ModuleOp = field(init=False)
    known: dict[tuple[str, str], int] = field(default_factory=dict[tuple[str, str], int])

    def __post_init__(self) -> None:
        body = Region(Block())
        self.kernels = gpu.ModuleOp(StringAttr(KERNEL_MODULE), body)  # type: ignore[arg-type]
        self.module.body.block.add_op(self.kernels)

    def kernel(self, op: Operation, take: Captured, workgroup_size: int, epilogue: GenericOp | None = None) -> int:
        """The number of the kernel computing `op` (a linalg op on memrefs) on `take`, followed by
        `epilogue` (`reduce.epilogue_of(op)`) on each output element."""
        fn = _build(op, take, workgroup_size, epilogue)
        key = str(fn)  # printed whole (one value numbering), before it gets its own name
        signature = str(fn.function_type)
        if (signature, key) in self.known:
            return self.known[(signature, key)]
        number = len(self.known)
        fn.sym_name = StringAttr(f"k{number}")
        fn.attributes["charl.kernel"] = IntegerAttr(number, i32)
        self.known[(signature, key)] = number
        self.kernels.body.block.add_op(fn)
        return number


def _build(op: Operation, take: Captured, workgroup_size: int, epilogue: GenericOp | None) -> gpu.FuncOp:
    """`gpu.func @k(memrefs..., scalars..., count: index) kernel` computing `op` (then `epilogue`)."""
    inputs = [v.type for v in take.memrefs] + [scalar_type(v.type) for v in take.scalars] + [IndexType()]
    block = Block(arg_types=inputs)
    fn = gpu.FuncOp("k", FunctionType.from_lists(inputs, []), Region(block), kernel=True)
    fn.attributes["charl.workgroup_size"] = IntegerAttr(workgroup_size, i32)
    b = Builder(InsertPoint.at_end(block))
    mapping: dict[SSAValue, SSAValue] = dict(zip(take.memrefs, block.args, strict=False))
    for v, arg in zip(take.scalars, block.args[len(take.memrefs) :], strict=False):
        mapping[v] = b.insert(arith.TruncIOp(arg, v.type)).result if v.type in (i1, i4) else arg
    for o in op.walk():
        for v in o.operands:
            if isinstance(v.owner, arith.ConstantOp) and v not in mapping:
                mapping[v] = b.insert(v.owner.clone()).result
    linear = b.insert(gpu.GlobalIdOp(gpu.DimensionAttr(gpu.DimensionEnum.X))).result
    linear.name_hint = "id"
    ok = b.insert(arith.CmpiOp(linear, block.args[-1], "ult")).result
    then = Block()
    b.insert(scf.IfOp(ok, [], Region(then)))
    b.insert(gpu.ReturnOp([]))
    if rows.is_carrier(op):
        rows_kernel.mark(fn.attributes, op)  # type: ignore[arg-type]
        rows_kernel.body(then, op, mapping, linear)  # type: ignore[arg-type]
        return fn
    tiles = matmul.templated(op)
    if tiles is not None:
        overwrite = matmul.OVERWRITE in op.attributes
        matmul.mark(fn.attributes, tiles, overwrite)  # type: ignore[arg-type]
        fn.attributes["charl.workgroup_size"] = IntegerAttr(matmul.THREADS, i32)
        a, w, c = (mapping[v] for v in op.operands)
        matmul.body(Builder(InsertPoint.at_end(then)), a, w, c, linear, tiles, overwrite)
        then.add_op(scf.YieldOp())
        return fn
    if epilogue_kernel.is_carrier(op):
        _qgemm_with_epilogue(fn, then, op, mapping, linear)  # type: ignore[arg-type]
        return fn
    clone = op.clone(value_mapper=mapping)
    group = qgemm.group_of(op)
    if group is not None:
        overwrite = qgemm.OVERWRITE in op.attributes
        qgemm.mark(fn.attributes, group, overwrite)
        element = qgemm.body(Builder(InsertPoint.at_end(then)), clone, linear, overwrite)
        then.add_op(scf.YieldOp())
        view = structured_view(clone)
        KernelNestEmitter(view, general_plan(view), element).emit()
        return fn
    then.add_op(clone)
    then.add_op(scf.YieldOp())
    view = structured_view(clone)
    found = reduce.templated(view)
    if found is not None:
        reduce.mark(fn.attributes, found[0])
        reduce.ReduceNest(view, *found, linear, [] if epilogue is None else [epilogue]).emit()
    elif vector.templated(view):
        vector.mark(fn.attributes)
        vector.VectorNest(view, linear).emit()
    else:
        KernelNestEmitter(view, general_plan(view), linear).emit()
    return fn


def _qgemm_with_epilogue(
    fn: gpu.FuncOp, then: Block, carrier: GenericOp, mapping: dict[SSAValue, SSAValue], linear: SSAValue
) -> None:
    """The qgemm template of the carrier's integer matmul, its epilogue applied to each element
    of y (`_gpu_epilogue.body`)."""
    op = epilogue_kernel.members(carrier)[0]
    group = qgemm.group_of(op)
    assert group is not None
    overwrite = qgemm.OVERWRITE in op.attributes
    qgemm.mark(fn.attributes, group, overwrite)
    if epilogue_kernel.STORE_Y in carrier.attributes:
        fn.attributes[epilogue_kernel.STORE_Y] = UnitAttr()
    clone = op.clone(value_mapper=mapping)

    def after(b: Builder, m: SSAValue, n: SSAValue, element: SSAValue) -> None:
        epilogue_kernel.body(b, carrier, mapping, m, n, element)

    element = qgemm.body(Builder(InsertPoint.at_end(then)), clone, linear, overwrite, after)
    then.add_op(scf.YieldOp())
    view = structured_view(clone)
    KernelNestEmitter(view, general_plan(view), element).emit()
