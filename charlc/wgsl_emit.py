"""The statement-level WGSL emitter of one kernel: names, arguments, the parameter block, memref
accesses and structured control flow. Scalar ops (arith, math) come from `wgsl_ops.OPS`.

Every SSA value gets a fresh name `v<n>` bound by `let`; loop-carried values and the results of
`scf.if`/`scf.for`/`scf.while` are `var`s assigned by the region's terminator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, gpu, memref, scf
from xdsl.dialects.builtin import DYNAMIC_INDEX, IntegerAttr, MemRefType, NoneAttr, StridedLayoutAttr
from xdsl.ir import Block, BlockArgument, Operation, SSAValue

from charlc.wgsl_ops import OPS
from charlc.wgsl_types import MASK, WGSL_TYPE, WRAP, WgslError, int_literal, kind_of, unsigned
from runtime.gpu_kernels import BYTE_ELEMENTS, ArgSpec, MemRefArg, ParamSlot, ScalarArg

_ELEMENT_ARRAY = {"f32": "f32", "f64": "f64", "i32": "i32", "i64": "i64", "i8": "u32", "i4": "u32", "i1": "u32"}
_SCALAR_READ = {
    "f32": "bitcast<f32>(prm[{w}])",
    "i32": "bitcast<i32>(prm[{w}])",
    "index": "bitcast<i32>(prm[{w}])",
    "i8": "bitcast<i32>(prm[{w}])",
    "i4": "bitcast<i32>(prm[{w}])",
    "i1": "prm[{w}] != 0u",
    "f64": "bitcast<f64>(u64(prm[{w}]) | (u64(prm[{w1}]) << 32u))",
    "i64": "bitcast<i64>(u64(prm[{w}]) | (u64(prm[{w1}]) << 32u))",
}


@dataclass
class MemRefInfo:
    """A memref argument: its binding, element kind and index arithmetic (WGSL expressions)."""

    binding: int
    element: str
    writes: bool
    offset: str
    sizes: list[str]
    strides: list[str]

    @property
    def var(self) -> str:
        """The name of the storage binding."""
        return f"m{self.binding}"


@dataclass
class KernelEmitter:
    """Emits the body of one `gpu.func` kernel as WGSL statements."""

    func: gpu.FuncOp
    lines: list[str] = field(default_factory=list[str])
    helpers: set[str] = field(default_factory=set[str])
    names: dict[SSAValue, str] = field(default_factory=dict[SSAValue, str])
    memrefs: dict[SSAValue, MemRefInfo] = field(default_factory=dict[SSAValue, MemRefInfo])
    args: list[ArgSpec] = field(default_factory=list[ArgSpec])
    params: list[ParamSlot] = field(default_factory=list[ParamSlot])
    words: int = 0
    depth: int = 1
    counter: int = 0

    # --- small services for op handlers -----------------------------------------------------

    def fresh(self) -> str:
        """A new unique local name."""
        self.counter += 1
        return f"v{self.counter}"

    def line(self, text: str) -> None:
        """Append a statement at the current depth."""
        self.lines.append("  " * self.depth + text)

    def val(self, value: SSAValue) -> str:
        """The WGSL name of an SSA value."""
        if value in self.memrefs:
            raise WgslError("a memref can only be loaded from, stored to or asked its size", _owner(value))
        return self.names[value]

    def kind(self, value: SSAValue) -> str:
        """The kind (`f32`, `i8`, `index`, ...) of an SSA value."""
        return kind_of(value.type, _owner(value))

    def let(self, result: SSAValue, expr: str) -> None:
        """Bind `result` to a new name initialized with `expr` (registering the `wrap8`/`wrap4` it calls)."""
        for helper in WRAP.values():
            if f"{helper}(" in expr:
                self.use(helper)
        name = self.fresh()
        self.names[result] = name
        self.line(f"let {name}: {WGSL_TYPE[self.kind(result)]} = {expr};")

    def use(self, helper: str) -> str:
        """Register a helper function (see `wgsl_lib`) and return its name."""
        self.helpers.add(helper)
        return helper

    # --- arguments and the parameter block ----------------------------------------------------

    def _slot(self, arg: int, fld: str, dim: int, ty: str) -> str:
        words = 2 if ty in ("f64", "i64") else 1
        self.params.append(ParamSlot(arg, fld, dim, self.words, ty))  # type: ignore[arg-type]
        expr = _SCALAR_READ[ty].format(w=self.words, w1=self.words + 1)
        self.words += words
        return expr

    def declare_args(self, measure_all: bool = False) -> None:
        """Name the arguments, lay out the parameter block and read it into `let`s. Dynamic sizes
        of a memref are parameters when `memref.dim` asks for them, or for all with `measure_all`
        (kernels printed from a template)."""
        block = self.func.body.blocks[0]
        stored = {op.memref for op in self.func.walk() if isinstance(op, memref.StoreOp)}
        measured = {op.source for op in self.func.walk() if isinstance(op, memref.DimOp)}
        for k, arg in enumerate(block.args):
            if isinstance(arg.type, MemRefType):
                self._declare_memref(k, arg, arg in stored, measure_all or arg in measured)
            else:
                kind = kind_of(arg.type, self.func)
                self.args.append(ScalarArg(kind))
                name = f"a{k}"
                self.names[arg] = name
                self.line(f"let {name}: {WGSL_TYPE[kind]} = {self._slot(k, 'value', 0, kind)};")

    def _declare_memref(self, k: int, arg: BlockArgument, writes: bool, measured: bool) -> None:
        """Declare memref argument `k`; its dynamic sizes are parameters only when `measured`
        (asked by `memref.dim`)."""
        t = arg.type
        assert isinstance(t, MemRefType)
        element = kind_of(t.element_type, self.func)
        if element == "index":
            raise WgslError(f"GPU kernels cannot take a memref of index (argument {k}: {t})", self.func)
        shape = list(t.get_shape())
        strides = _static_strides(t, self.func)
        binding = len(self.memrefs)
        self.args.append(MemRefArg(element, len(shape), writes))
        off = f"m{binding}_off"
        self.line(f"let {off}: i32 = {self._slot(k, 'offset', 0, 'index')};")
        sizes: list[str] = []
        for d, size in enumerate(shape):
            if size == DYNAMIC_INDEX and not measured:
                sizes.append("0i")
            elif size == DYNAMIC_INDEX:
                name = f"m{binding}_size{d}"
                self.line(f"let {name}: i32 = {self._slot(k, 'size', d, 'index')};")
                sizes.append(name)
            else:
                sizes.append(int_literal("index", size, self.func))
        stride_exprs: list[str] = []
        for d, stride in enumerate(strides):
            if stride is None:
                name = f"m{binding}_stride{d}"
                self.line(f"let {name}: i32 = {self._slot(k, 'stride', d, 'index')};")
                stride_exprs.append(name)
            else:
                stride_exprs.append(str(stride))
        self.memrefs[arg] = MemRefInfo(binding, element, writes, off, sizes, stride_exprs)

    def bindings(self) -> list[str]:
        """The storage declarations of the memref arguments and of the parameter block."""
        out: list[str] = []
        for info in self.memrefs.values():
            access = "read_write" if info.writes else "read"
            ty = _ELEMENT_ARRAY[info.element]
            if info.writes and info.element in BYTE_ELEMENTS:
                ty = "atomic<u32>"
            out.append(f"@group(0) @binding({info.binding}) var<storage, {access}> {info.var}: array<{ty}>;")
        out.append(f"@group(0) @binding({len(self.memrefs)}) var<storage, read> prm: array<u32>;")
        return out

    # --- blocks, control flow and memory --------------------------------------------------------

    def block(self, block: Block) -> list[SSAValue]:
        """Emit the ops of `block`; return the operands of its terminator (`scf.yield`, ...)."""
        for op in block.ops:
            if isinstance(op, scf.YieldOp | scf.ConditionOp | gpu.ReturnOp):
                return list(op.operands)
            self.op(op)
        return []

    def op(self, op: Operation) -> None:
        """Emit one operation."""
        handler = OPS.get(op.name)
        if handler is not None:
            handler(self, op)
        elif isinstance(op, scf.ForOp):
            self._for(op)
        elif isinstance(op, scf.IfOp):
            self._if(op)
        elif isinstance(op, scf.WhileOp):
            self._while(op)
        elif isinstance(op, memref.LoadOp):
            self._load(op)
        elif isinstance(op, memref.StoreOp):
            self._store(op)
        elif isinstance(op, memref.DimOp):
            self._dim(op)
        elif isinstance(op, gpu.GlobalIdOp):
            if op.dimension.data != gpu.DimensionEnum.X:
                raise WgslError("GPU kernels use only `gpu.global_id x` (the linear invocation index)", op)
            self.let(op.result, "gl")
        else:
            raise WgslError(f"`{op.name}` cannot appear in a GPU kernel", op)

    def _vars(self, values: list[SSAValue], inits: list[SSAValue] | None) -> list[str]:
        names = []
        for k, value in enumerate(values):
            name = self.fresh()
            ty = WGSL_TYPE[self.kind(value)]
            init = f" = {self.val(inits[k])}" if inits is not None else ""
            self.line(f"var {name}: {ty}{init};")
            names.append(name)
        return names

    def _assign(self, targets: list[str], values: list[SSAValue]) -> None:
        exprs = [self.val(v) for v in values]
        if len(targets) > 1 and set(exprs) & set(targets):
            temps = []
            for expr in exprs:
                temp = self.fresh()
                self.line(f"let {temp} = {expr};")
                temps.append(temp)
            exprs = temps
        for target, expr in zip(targets, exprs, strict=True):
            if target != expr:
                self.line(f"{target} = {expr};")

    def _nested(self, block: Block, targets: list[str]) -> None:
        self.depth += 1
        self._assign(targets, self.block(block))
        self.depth -= 1

    def _for(self, op: scf.ForOp) -> None:
        body = op.body.blocks[0]
        iv, *carried = body.args
        (iv_name,) = self._vars([iv], [op.lb])
        acc = self._vars(list(op.res), list(op.iter_args))
        self.names[iv] = iv_name
        for arg, result, name in zip(carried, op.res, acc, strict=True):
            self.names[arg] = self.names[result] = name
        kind = self.kind(iv)
        less = f"{iv_name} < {self.val(op.ub)}"
        if "unsignedCmp" in op.properties:
            less = f"{unsigned(kind, iv_name)} < {unsigned(kind, self.val(op.ub))}"
        self.line("loop {")
        self.depth += 1
        self.line(f"if (!({less})) {{ break; }}")
        self.depth -= 1
        self._nested(body, acc)
        self.depth += 1
        self.line(f"{iv_name} = {iv_name} + {self.val(op.step)};")
        self.depth -= 1
        self.line("}")

    def _if(self, op: scf.IfOp) -> None:
        results = self._vars(list(op.output), None)
        for result, name in zip(op.output, results, strict=True):
            self.names[result] = name
        self.line(f"if ({self.val(op.cond)}) {{")
        self._nested(op.true_region.blocks[0], results)
        if op.false_region.blocks and (results or list(op.false_region.blocks[0].ops)):
            self.line("} else {")
            self._nested(op.false_region.blocks[0], results)
        self.line("}")

    def _while(self, op: scf.WhileOp) -> None:
        before, after = op.before_region.blocks[0], op.after_region.blocks[0]
        carried = self._vars(list(before.args), list(op.arguments))
        results = self._vars(list(op.res), None)
        for arg, name in zip(before.args, carried, strict=True):
            self.names[arg] = name
        for arg, result, name in zip(after.args, op.res, results, strict=True):
            self.names[arg] = self.names[result] = name
        self.line("loop {")
        self.depth += 1
        condition = before.last_op
        assert isinstance(condition, scf.ConditionOp)
        self.block(before)
        self._assign(results, list(condition.args))
        self.line(f"if (!({self.val(condition.condition)})) {{ break; }}")
        self._assign(carried, self.block(after))
        self.depth -= 1
        self.line("}")

    def _info(self, value: SSAValue, op: Operation) -> MemRefInfo:
        info = self.memrefs.get(value)
        if info is None:
            raise WgslError(f"`{op.name}` in a GPU kernel must use a memref argument of the kernel", op)
        return info

    def _index(self, info: MemRefInfo, indices: list[SSAValue]) -> str:
        terms = [info.offset]
        for index, stride in zip(indices, info.strides, strict=True):
            if stride == "0":
                continue
            name = self.val(index)
            terms.append(name if stride == "1" else f"{name} * {_paren(stride)}")
        return " + ".join(terms)

    def _load(self, op: memref.LoadOp) -> None:
        info = self._info(op.memref, op)
        index = self._index(info, list(op.indices))
        if info.element not in BYTE_ELEMENTS:
            self.let(op.res, f"{info.var}[{index}]")
            return
        at = self.fresh()
        self.line(f"let {at}: i32 = {index};")
        # Bytes are four a word; i4 values are packed eight a word (two a byte, low nibble first).
        per, bits, mask = (3, 4, "0xfu") if info.element == "i4" else (2, 8, "0xffu")
        word = f"{info.var}[{at} >> {per}u]"
        if info.writes:
            word = f"atomicLoad(&{word})"
        byte = f"(({word} >> (u32({at} & {(1 << per) - 1}) * {bits}u)) & {mask})"
        self.let(op.res, f"{byte} != 0u" if info.element == "i1" else f"{WRAP[info.element]}(i32({byte}))")

    def _store(self, op: memref.StoreOp) -> None:
        info = self._info(op.memref, op)
        index = self._index(info, list(op.indices))
        value = self.val(op.value)
        if info.element not in BYTE_ELEMENTS:
            self.line(f"{info.var}[{index}] = {value};")
            return
        at, shift = self.fresh(), self.fresh()
        self.line(f"let {at}: i32 = {index};")
        per, bits = (3, 4) if info.element == "i4" else (2, 8)
        self.line(f"let {shift}: u32 = u32({at} & {(1 << per) - 1}) * {bits}u;")
        byte = f"select(0u, 1u, {value})" if info.element == "i1" else f"(u32({value}) & {MASK[info.element]})"
        self.line(f"atomicAnd(&{info.var}[{at} >> {per}u], ~({MASK.get(info.element, '0xffu')} << {shift}));")
        self.line(f"atomicOr(&{info.var}[{at} >> {per}u], {byte} << {shift});")

    def _dim(self, op: memref.DimOp) -> None:
        info = self._info(op.source, op)
        owner = op.index.owner
        if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
            d = owner.value.value.data
            if not 0 <= d < len(info.sizes):
                raise WgslError(f"memref.dim of dimension {d} of a rank-{len(info.sizes)} memref", op)
            self.let(op.result, info.sizes[d])
            return
        index = self.val(op.index)
        expr = "0i"
        for d, size in enumerate(info.sizes):
            expr = f"select({expr}, {size}, {index} == {d}i)"
        self.let(op.result, expr)


def _paren(expr: str) -> str:
    return expr if expr.replace("_", "").isalnum() else f"({expr})"


def _owner(value: SSAValue) -> Operation | None:
    owner = value.owner
    if isinstance(owner, Operation):
        return owner
    return owner.parent_op()


def _static_strides(t: MemRefType, op: Operation) -> list[int | None]:
    """The strides of a memref type in elements, `None` where they are only known at run time."""
    shape = list(t.get_shape())
    if isinstance(t.layout, NoneAttr):
        strides: list[int | None] = []
        running: int | None = 1
        for size in reversed(shape):
            strides.append(running)
            running = None if running is None or size == DYNAMIC_INDEX else running * size
        return strides[::-1]
    if isinstance(t.layout, StridedLayoutAttr):
        return list(t.layout.get_strides())
    raise WgslError(f"GPU kernels support identity and strided memref layouts, not {t}", op)


def compute_shader(header: str, emitter: KernelEmitter, helpers: list[str], workgroup: int, body: list[str]) -> str:
    """A kernel's WGSL: the `header` comment, the emitter's bindings, `helpers`, and `main` (the
    linear invocation index `gl`, then `body`)."""
    return "\n".join(
        [
            header,
            *emitter.bindings(),
            "",
            *helpers,
            f"@compute @workgroup_size({workgroup})",
            "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {",
            f"  let gl: i32 = i32(gid.x + gid.y * nwg.x * {workgroup}u);",
            *body,
            "}",
            "",
        ]
    )
