"""Reduction kernels of `convert-linalg-to-gpu`: one workgroup of 256 invocations per output element.

A linalg op with reduction loops and one output whose body yields `combine(f(inputs...), acc)` (or
`combine(acc, f(...))`), where `acc` is the output's element and is used nowhere else and `combine`
is one of `COMBINERS`, becomes a kernel marked `charl.template = "reduce"` (with
`charl.combiner = "<op name>"` and `charl.lanes = 256`) when its reduction range has at least
`MIN_RANGE` elements or a size known only at run time. Other reductions keep the serial form of
`_gpu_kernel` (one invocation per output element looping over the whole range).

The kernel's body states the work split in plain IR (`R`: the reduction loops' sizes multiplied;
their indices come from the linear `r`, innermost fastest, the first input's memory order):

    o = id / 256, l = id % 256                 // output element o (parallel indices), lane l
    p = identity of combine                     // -0.0 for addf, -inf for maximumf, NaN for maxnumf, ...
    for r = l to R step 256: p = combine(f(element r), p)
    red = memref.alloca() : memref<256xT, "workgroup">
    red[l] = p; gpu.barrier
    for s = 128, 64, ..., 1 (unrolled): if l < s { red[l] = combine(red[l], red[l + s]) }; gpu.barrier
    if l == 0 { out[o] = combine(red[0], out[o]) }

`"workgroup"` is the memory space of memory shared by a workgroup. The barriers sit at the top of
the kernel's guard `id < count`, which is uniform over a workgroup since `count` is a multiple of
256. The order of the combinations is fixed, so f32 sums are the same from run to run. The WGSL
printer (`charlc/wgsl_reduce.py`) prints this body with a workgroup array and `workgroupBarrier()`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from xdsl.builder import Builder
from xdsl.dialects import arith, gpu, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ShapedType,
    StringAttr,
    f32,
    f64,
    i32,
    i64,
)
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineMap
from xdsl.rewriter import InsertPoint, Rewriter

from passes._fuse_generic import is_parallel
from passes._loops_emit import Env, NestEmitter
from passes._loops_plan import general_plan
from passes._loops_structure import Structured, loop_bound_sources, structured_view
from passes._qgemm import is_qgemm

LANES = 256
"""Invocations (one workgroup) per output element."""
MIN_RANGE = 512
"""The smallest static reduction range that gets a workgroup per output element."""
WORKGROUP = StringAttr("workgroup")
"""The memory space of the partials (`var<workgroup>` in WGSL)."""

_INT_MIN, _INT_MAX = "min", "max"
COMBINERS: dict[str, float | str] = {
    "arith.addf": -0.0,
    "arith.mulf": 1.0,
    "arith.maximumf": -math.inf,
    "arith.minimumf": math.inf,
    "arith.maxnumf": math.nan,
    "arith.minnumf": math.nan,
    "arith.addi": 0,
    "arith.muli": 1,
    "arith.maxsi": _INT_MIN,
    "arith.minsi": _INT_MAX,
    "arith.maxui": 0,
    "arith.minui": -1,
    "arith.andi": -1,
    "arith.ori": 0,
    "arith.xori": 0,
}
"""Each combiner and its identity (`combine(identity, x) == x` for every x, NaN included)."""

_ELEMENTS: tuple[Attribute, ...] = (f32, f64, i32, i64)


def recognize(view: Structured) -> tuple[Operation, int] | None:
    """The body's combiner and the operand number of `acc` in it, or None when `view` is not a
    reduction of one output whose body yields `combine(f(...), acc)` with `acc` used only there."""
    if len(view.outputs) != 1 or not any(view.reductions):
        return None
    out_type = view.outputs[0].type
    assert isinstance(out_type, ShapedType)
    element = out_type.get_element_type()
    if element not in _ELEMENTS:
        return None
    parallel = [d for d in range(view.num_loops) if not view.reductions[d]]
    results = view.output_map(0).results
    if sorted(e.position if isinstance(e, AffineDimExpr) else -1 for e in results) != parallel:
        return None
    terminator = view.block.last_op
    if not isinstance(terminator, YieldOp) or len(terminator.operands) != 1:
        return None
    combine = terminator.operands[0].owner
    if not isinstance(combine, Operation) or combine.parent is not view.block or len(combine.operands) != 2:
        return None
    identity = COMBINERS.get(combine.name)
    if identity is None or isinstance(element, IntegerType) != isinstance(identity, int | str):
        return None
    acc = view.block.args[len(view.inputs)]
    at = [k for k, v in enumerate(combine.operands) if v is acc]
    if len(at) != 1 or len(list(acc.uses)) != 1 or len(list(combine.results[0].uses)) != 1:
        return None
    return combine, at[0]


def static_size(view: Structured, reduced: bool) -> int | None:
    """The sizes of the reduction loops (`reduced`) or of the parallel loops multiplied, or None
    when one of them is known only at run time."""
    sources = loop_bound_sources(view)
    sizes = [size for loop, (_, _, size) in enumerate(sources) if view.reductions[loop] == reduced]
    return None if DYNAMIC_INDEX in sizes else math.prod(sizes)


def templated(view: Structured) -> tuple[Operation, int] | None:
    """`recognize(view)` when the range is large (at least `MIN_RANGE`, or dynamic) and the launch
    fits the runtime's 2^31 - 1 invocations, else None."""
    found = recognize(view)
    if found is None:
        return None
    size, outputs = static_size(view, True), static_size(view, False)
    if size is not None and size < MIN_RANGE or outputs is not None and outputs * LANES >= 2**31:
        return None
    return found


INIT = "charl.init"
"""On a templated reduction: the constant its output starts from, when it absorbed the fill that
set it (`absorb_fill`) (lane 0 then combines with this constant instead of loading the output)."""


def absorb_fill(op: Operation, value: FloatAttr | IntegerAttr) -> bool:
    """Whether `op` is a templated reduction that takes over the fill of its output with `value`
    (recorded as `INIT`): the kernel writes every output element once, so the fill's launch and
    pass over the output are not needed."""
    if not isinstance(op, GenericOp) or len(op.outputs) != 1 or is_qgemm(op) or templated(structured_view(op)) is None:
        return False
    op.attributes[INIT] = value
    return True


def epilogue_of(op: Operation) -> GenericOp | None:
    """The op right after templated reduction `op` (constants aside) that the reduction's kernel can apply to each
    output element as lane 0 stores it, else None: an in-place elementwise op on the reduction's
    output alone (`is_epilogue`), such as the scale `absmax / 127` of the activations' quantization."""
    after = op.next_op
    while isinstance(after, arith.ConstantOp):
        after = after.next_op
    if not isinstance(op, GenericOp) or not isinstance(after, GenericOp) or len(op.outputs) != 1:
        return None
    if not is_epilogue(after, op.outputs[0]) or is_qgemm(op) or templated(structured_view(op)) is None:
        return None
    return after


def is_epilogue(after: Operation, out: SSAValue) -> bool:
    """Whether `after` is an all-parallel generic that reads and writes only `out`, in place, element
    by element (identity maps, a body of `arith` and `math` ops on its arguments and constants), so
    that a kernel computing `out` can apply its body to each element before storing it."""
    if not isinstance(after, GenericOp) or list(after.inputs) != [out] or list(after.outputs) != [out]:
        return False
    if after.library_call is not None or not is_parallel(after):
        return False
    if any(m.data != AffineMap.identity(m.data.num_dims) for m in after.indexing_maps):
        return False
    return scalar_body(after)


def scalar_body(op: GenericOp) -> bool:
    """Whether `op`'s body holds only `arith` and `math` ops on its arguments, its own values and constants."""
    inside = set(op.body.block.args) | {r for o in op.body.block.ops for r in o.results}
    for o in op.body.block.ops:
        if not (o.name.startswith(("arith.", "math.")) or isinstance(o, YieldOp)) or o.regions:
            return False
        if any(v not in inside and not isinstance(v.owner, arith.ConstantOp) for v in o.operands):
            return False
    return True


def _apply(b: Builder, epilogue: GenericOp, value: SSAValue) -> SSAValue:
    """`epilogue`'s body on `value` (its input's and its output's element: the same buffer)."""
    block = epilogue.body.block
    return clone_body(b, block, {block.args[0]: value, block.args[1]: value})


def clone_body(b: Builder, block: Block, mapper: dict[SSAValue, SSAValue]) -> SSAValue:
    """The body `block` of a one-output generic cloned on `mapper` (its arguments' values; the
    constants it uses from outside are cloned in); what it yields."""
    for o in block.ops:
        if isinstance(o, YieldOp):
            return mapper.get(o.operands[0], o.operands[0])
        for v in o.operands:
            if v not in mapper and isinstance(v.owner, arith.ConstantOp):
                mapper[v] = b.insert(v.owner.clone()).result
        clone = b.insert(o.clone(value_mapper=mapper))
        for old, new in zip(o.results, clone.results, strict=True):
            mapper[old] = new
    raise AssertionError("a linalg.generic body ends with linalg.yield")


def mark(attributes: dict[str, Attribute], combine: Operation) -> None:
    """The attributes that tell the WGSL printer to print the reduction template."""
    attributes["charl.template"] = StringAttr("reduce")
    attributes["charl.combiner"] = StringAttr(combine.name)
    attributes["charl.lanes"] = IntegerAttr(LANES, i64)
    attributes["charl.workgroup_size"] = IntegerAttr(LANES, i32)


def loop_product(b: Builder, view: Structured, loops: list[int]) -> SSAValue:
    """The sizes of `loops` multiplied (`index`; 1 for none), measured with `memref.dim` where dynamic."""
    sources = loop_bound_sources(view)
    total: SSAValue | None = None
    for loop in loops:
        value, dim, size = sources[loop]
        if size == DYNAMIC_INDEX:
            d = b.insert(arith.ConstantOp.from_int_and_width(dim, IndexType())).result
            n = b.insert(memref.DimOp(value, d)).result
        else:
            n = b.insert(arith.ConstantOp.from_int_and_width(size, IndexType())).result
        total = n if total is None else b.insert(arith.MuliOp(total, n)).result
    return total if total is not None else b.insert(arith.ConstantOp.from_int_and_width(1, IndexType())).result


def invocations(b: Builder, view: Structured) -> SSAValue:
    """Host side: 256 invocations per output element."""
    outputs = loop_product(b, view, [d for d in range(view.num_loops) if not view.reductions[d]])
    lanes = b.insert(arith.ConstantOp.from_int_and_width(LANES, IndexType())).result
    return b.insert(arith.MuliOp(outputs, lanes)).result


def split(nest: NestEmitter, b: Builder, linear: SSAValue, loops: list[int]) -> dict[int, SSAValue]:
    """The indices of `loops` (outermost first) whose row-major linearization is `linear`."""
    ids: dict[int, SSAValue] = {}
    rest = linear
    for n, loop in enumerate(reversed(loops)):
        if n == len(loops) - 1:
            ids[loop] = rest
        else:
            ids[loop] = b.insert(arith.RemUIOp(rest, nest.bound(loop))).result
            rest = b.insert(arith.DivUIOp(rest, nest.bound(loop))).result
    return ids


class ReduceNest(NestEmitter):
    """Replaces the op (inside a kernel's guard) by the body of the reduction template, with `lanes`
    invocations per output element (a power of two)."""

    def __init__(
        self,
        view: Structured,
        combine: Operation,
        acc_at: int,
        linear: SSAValue,
        epilogues: Sequence[GenericOp] = (),
        lanes: int = LANES,
    ) -> None:
        super().__init__(view, general_plan(view))
        self.combine, self.acc_at, self.linear, self.epilogues = combine, acc_at, linear, list(epilogues)
        self.lanes = lanes
        self.parallel = [lvl.dim for lvl in self.plan.levels if not view.reductions[lvl.dim]]
        self.reduced = [lvl.dim for lvl in self.plan.levels if view.reductions[lvl.dim]]

    def emit(self) -> None:
        b = Builder(InsertPoint.before(self.view.op))
        out, lane = self.place(b)
        env = self._load_ready_inputs(b, Env(dims=split(self, b, out, self.parallel)))
        red = self.tree(b, self.partial(b, env, lane), lane)
        first = b.insert(arith.CmpiOp(lane, self.const(0), "eq")).result
        self._if(b, first, lambda ib: self.store(ib, self.finish(ib, red, env), env))
        Rewriter.erase_op(self.view.op)

    def place(self, b: Builder) -> tuple[SSAValue, SSAValue]:
        """The workgroup's number `o` (`id / lanes`) and the invocation's lane in it (`id % lanes`)."""
        lanes = self.const(self.lanes)
        out = b.insert(arith.DivUIOp(self.linear, lanes)).result
        lane = b.insert(arith.RemUIOp(self.linear, lanes)).result
        out.name_hint, lane.name_hint = "o", "lane"
        return out, lane

    def tree(self, b: Builder, partial: SSAValue, lane: SSAValue) -> SSAValue:
        """The lanes' partials combined in workgroup memory by an unrolled tree; the total ends in
        element 0 of the returned array (read it after a barrier, or from lane 0)."""
        red = b.insert(memref.AllocaOp.get(partial.type, shape=[self.lanes], memory_space=WORKGROUP)).memref
        red.name_hint = "red"
        b.insert(memref.StoreOp.get(partial, red, [lane]))
        b.insert(gpu.BarrierOp())
        step = self.lanes // 2
        while step >= 1:
            self._if(b, b.insert(arith.CmpiOp(lane, self.const(step), "ult")).result, self._level(red, lane, step))
            if step > 1:
                b.insert(gpu.BarrierOp())
            step //= 2
        return red

    def _combined(self, b: Builder, value: SSAValue, acc: SSAValue) -> SSAValue:
        """`combine` with `value` in the place of `f(...)` and `acc` in the place of the accumulator."""
        mapper = {self.combine.operands[self.acc_at]: acc, self.combine.operands[1 - self.acc_at]: value}
        return b.insert(self.combine.clone(value_mapper=mapper)).results[0]

    def _identity(self, b: Builder, element: Attribute) -> SSAValue:
        value = COMBINERS[self.combine.name]
        if isinstance(element, IntegerType):
            bits = element.width.data
            number = -(2 ** (bits - 1)) if value == _INT_MIN else 2 ** (bits - 1) - 1 if value == _INT_MAX else value
            return b.insert(arith.ConstantOp.from_int_and_width(int(number), element)).result
        assert isinstance(value, float)
        return b.insert(arith.ConstantOp(FloatAttr(value, element))).result  # type: ignore[arg-type]

    def partial(self, b: Builder, env: Env, lane: SSAValue) -> SSAValue:
        """The lane's strided loop over the reduction range, from the combiner's identity (inputs
        already in `env.loaded` are taken from there)."""
        view = self.view
        out_type = view.outputs[0].type
        assert isinstance(out_type, ShapedType)
        element = out_type.get_element_type()
        start = self._identity(b, element)
        size = self.bound(self.reduced[0])
        for loop in self.reduced[1:]:
            size = b.insert(arith.MuliOp(size, self.bound(loop))).result
        body = Block(arg_types=[IndexType(), element])
        inner = Builder(InsertPoint.at_end(body))
        body.args[0].name_hint, body.args[1].name_hint = "r", "acc"
        env = Env(dims={**env.dims, **split(self, inner, body.args[0], self.reduced)}, loaded=env.loaded)
        env = self._load_ready_inputs(inner, env)
        mapper: dict[SSAValue, SSAValue] = {}
        for index, value in enumerate(view.inputs):
            loaded = env.loaded.get(index)
            if loaded is None and isinstance(value.type, ShapedType):
                loaded = self._load(inner, value, view.maps[index], env)
            mapper[view.block.args[index]] = value if loaded is None else loaded
        mapper[view.block.args[len(view.inputs)]] = body.args[1]
        inner.insert(scf.YieldOp(*self._clone_body(inner, env, mapper)))
        loop = b.insert(scf.ForOp(lane, size, self.const(self.lanes), [start], body))
        loop.results[0].name_hint = "partial"
        return loop.results[0]

    def _level(self, red: SSAValue, lane: SSAValue, step: int) -> Callable[[Builder], None]:
        def fill(b: Builder) -> None:
            mine = b.insert(memref.LoadOp.get(red, [lane])).res
            other = b.insert(memref.LoadOp.get(red, [b.insert(arith.AddiOp(lane, self.const(step))).result])).res
            b.insert(memref.StoreOp.get(self._combined(b, mine, other), red, [lane]))

        return fill

    def finish(self, b: Builder, red: SSAValue, env: Env) -> SSAValue:
        """`combine(red[0], out[o])` (`out[o]` the absorbed fill's `INIT` when set) passed through
        the absorbed epilogues' bodies: the value to store."""
        total = b.insert(memref.LoadOp.get(red, [self.const(0)])).res
        init = self.view.op.attributes.get(INIT)
        if isinstance(init, FloatAttr | IntegerAttr):
            start = b.insert(arith.ConstantOp(init)).result
        else:
            where = self._indices(b, self.view.output_map(0), env)
            start = b.insert(memref.LoadOp.get(self.view.outputs[0], where)).res
        value = self._combined(b, total, start)
        for epilogue in self.epilogues:
            value = _apply(b, epilogue, value)
        return value

    def store(self, b: Builder, value: SSAValue, env: Env) -> None:
        """`out[o] = value`."""
        out = self.view.outputs[0]
        b.insert(memref.StoreOp.get(value, out, self._indices(b, self.view.output_map(0), env)))

    @staticmethod
    def _if(b: Builder, cond: SSAValue, fill: Callable[[Builder], None]) -> None:
        then = Block()
        fill(Builder(InsertPoint.at_end(then)))
        then.add_op(scf.YieldOp())
        b.insert(scf.IfOp(cond, [], Region(then)))
