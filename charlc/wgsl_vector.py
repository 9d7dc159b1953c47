"""The WGSL of a vec4 elementwise kernel (`charl.template = "vec4"`, built by
`passes/_gpu_vector.py`): invocation `gl` computes elements `4 gl .. 4 gl + 3` as one `vec4`.

The IR body computes the four elements in a loop `for c = 0 to 4` (element `4 id + c`, split into
row-major indices). This printer emits everything outside that loop with the statement emitter
(scalar values: broadcast inputs and per-row values, constants, scalar arguments) and the loop
once, on vectors:

- the loop's index arithmetic is printed once with `c = 0`: the indices of the first element;
- memrefs loaded or stored at those indices are bound as `array<vec4<f32>>`; the pass guarantees
  that the 4 elements are 4 consecutive f32 of each. At element index `at` (offset and strides
  applied), `m[at / 4]` is the `vec4` when `at` is a multiple of 4; otherwise the four components
  are read and written one by one (`m[(at + k) / 4][(at + k) % 4]`): element offsets are known only
  at run time (a view of NumPy memory may start anywhere);
- an op with a vector operand gives a `vec4`: `+ - * /`, negation, ordered comparisons, `select`,
  `&`/`|` of booleans and the WGSL builtins `sqrt inverseSqrt abs floor ceil trunc round fma` act on
  the vectors directly (scalar operands splatted); every other op (`exp`, `log`, `tanh`,
  `maximumf`, casts, ...) is the scalar op's WGSL applied to each component, then packed;
- an op whose operands are all scalars stays scalar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import gpu, memref, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr
from xdsl.ir import Operation, SSAValue

from charlc.wgsl_emit import KernelEmitter
from charlc.wgsl_ops import OPS
from charlc.wgsl_reduce import MAIN_GLOBAL, assemble, guard_of
from charlc.wgsl_types import WGSL_TYPE, WgslError

WIDTH = 4
_COMPONENTS = "xyzw"
_ARITHMETIC = {"arith.addf": "+", "arith.subf": "-", "arith.mulf": "*", "arith.divf": "/"}
_BOOLEAN = {"arith.andi": "&", "arith.ori": "|"}
_ORDERED = {1: "==", 2: ">", 3: ">=", 4: "<", 5: "<="}
"""`arith.cmpf` predicates oeq, ogt, oge, olt, ole: false on NaN, like WGSL's comparisons."""
_BUILTINS = {
    "math.sqrt": "sqrt",
    "math.rsqrt": "inverseSqrt",
    "math.absf": "abs",
    "math.floor": "floor",
    "math.ceil": "ceil",
    "math.trunc": "trunc",
    "math.roundeven": "round",
    "math.fma": "fma",
}


def lanes_loop(func: gpu.FuncOp) -> scf.ForOp:
    """The loop over the 4 elements of an invocation: the `scf.for` in the guard that stores."""
    then = guard_of(func).true_region.blocks[0]
    for op in then.ops:
        if isinstance(op, scf.ForOp) and any(isinstance(o, memref.StoreOp) for o in op.walk()):
            return op
    raise WgslError(f"vec4 kernel @{func.sym_name.data} has no loop over its 4 elements", func)


@dataclass
class VectorEmitter(KernelEmitter):
    """The statement emitter with the 4-element loop printed once on `vec4` values."""

    loop: scf.ForOp | None = None
    wide: set[SSAValue] = field(default_factory=set[SSAValue])
    """Memref arguments accessed at the loop's element."""
    vectors: set[SSAValue] = field(default_factory=set[SSAValue])
    addressing: set[SSAValue] = field(default_factory=set[SSAValue])

    def analyze(self) -> None:
        """Find the loop's index arithmetic and the memrefs it reads and writes at its element."""
        assert self.loop is not None
        body = self.loop.body.blocks[0]
        self.addressing = {body.args[0]}
        for op in body.ops:
            if isinstance(op, memref.LoadOp | memref.StoreOp):
                if any(i in self.addressing for i in op.indices):
                    self.wide.add(op.memref)
            elif any(v in self.addressing for v in op.operands) and all(
                isinstance(r.type, IndexType) for r in op.results
            ):
                self.addressing.update(op.results)
        for op in self.func.walk():
            if isinstance(op, memref.LoadOp | memref.StoreOp) and op.memref in self.wide:
                if not any(i in self.addressing for i in op.indices):
                    raise WgslError("a vec4 kernel reads a memref both per element and at one place", op)

    def bindings(self) -> list[str]:
        lines = super().bindings()
        for value in self.wide:
            info = self.memrefs[value]
            if info.element != "f32":
                raise WgslError(f"vec4 kernels read and write f32 memrefs only, not {info.element}", self.func)
            lines = [line.replace(f"{info.var}: array<f32>;", f"{info.var}: array<vec4<f32>>;") for line in lines]
        return lines

    def op(self, op: Operation) -> None:
        if op is not self.loop:
            super().op(op)
            return
        body = self.loop.body.blocks[0]
        self.names[body.args[0]] = "0i"  # the index arithmetic of the first element
        for inner in body.ops:
            if isinstance(inner, scf.YieldOp):
                break
            if isinstance(inner, memref.LoadOp) and inner.memref in self.wide:
                self._load_wide(inner)
            elif isinstance(inner, memref.StoreOp) and inner.memref in self.wide:
                self._store_wide(inner)
            elif any(v in self.vectors for v in inner.operands):
                self._vector_op(inner)
            else:
                super().op(inner)

    # --- memory ---------------------------------------------------------------------------------

    def _at(self, op: memref.LoadOp | memref.StoreOp) -> str:
        """A new `let` holding the element index of the first of the 4 elements in the binding."""
        at = self.fresh()
        self.line(f"let {at}: i32 = {self._index(self.memrefs[op.memref], list(op.indices))};")
        return at

    @staticmethod
    def _element(var: str, at: str, k: int) -> str:
        e = at if k == 0 else f"({at} + {k})"
        return f"{var}[{e} >> 2u][{e} & 3]"

    def _load_wide(self, op: memref.LoadOp) -> None:
        var, at, name = self.memrefs[op.memref].var, self._at(op), self.fresh()
        self.names[op.res] = name
        self.vectors.add(op.res)
        parts = ", ".join(self._element(var, at, k) for k in range(WIDTH))
        self.line(f"var {name}: vec4<f32>;")
        self.line(f"if (({at} & 3) == 0) {{ {name} = {var}[{at} >> 2u]; }} else {{")
        self.line(f"  {name} = vec4<f32>({parts});")
        self.line("}")

    def _store_wide(self, op: memref.StoreOp) -> None:
        var, at, value = self.memrefs[op.memref].var, self._at(op), self._wide(op.value)
        self.line(f"if (({at} & 3) == 0) {{ {var}[{at} >> 2u] = {value}; }} else {{")
        for k in range(WIDTH):
            self.line(f"  {self._element(var, at, k)} = {value}.{_COMPONENTS[k]};")
        self.line("}")

    # --- values ---------------------------------------------------------------------------------

    def _wide(self, value: SSAValue) -> str:
        """`value` as a vector: its name, or a scalar splatted."""
        if value in self.vectors:
            return self.val(value)
        return f"vec4<{WGSL_TYPE[self.kind(value)]}>({self.val(value)})"

    def _vlet(self, result: SSAValue, expr: str) -> None:
        name = self.fresh()
        self.names[result] = name
        self.vectors.add(result)
        self.line(f"let {name}: vec4<{WGSL_TYPE[self.kind(result)]}> = {expr};")

    def _native(self, op: Operation) -> str | None:
        """The vector expression of `op` when WGSL has one with the scalar op's exact semantics."""
        kinds = {self.kind(v) for v in op.operands}
        args = [self._wide(v) for v in op.operands]
        if op.name in _ARITHMETIC and kinds == {"f32"}:
            return f"{args[0]} {_ARITHMETIC[op.name]} {args[1]}"
        if op.name == "arith.negf" and kinds == {"f32"}:
            return f"-{args[0]}"
        if op.name in _BUILTINS and kinds == {"f32"}:
            return f"{_BUILTINS[op.name]}({', '.join(args)})"
        if op.name in _BOOLEAN and kinds == {"i1"}:
            return f"{args[0]} {_BOOLEAN[op.name]} {args[1]}"
        predicate = op.properties.get("predicate")
        if op.name == "arith.cmpf" and kinds == {"f32"} and isinstance(predicate, IntegerAttr):
            symbol = _ORDERED.get(predicate.value.data)
            return None if symbol is None else f"{args[0]} {symbol} {args[1]}"
        if op.name == "arith.select":  # a scalar condition picks whole vectors
            return f"select({args[2]}, {args[1]}, {self.val(op.operands[0])})"
        return None

    def _vector_op(self, op: Operation) -> None:
        if len(op.results) != 1 or op.regions:
            raise WgslError(f"`{op.name}` cannot be computed on vec4 values", op)
        native = self._native(op)
        if native is not None:
            self._vlet(op.results[0], native)
            return
        handler = OPS.get(op.name)
        if handler is None:
            raise WgslError(f"`{op.name}` cannot appear in a GPU kernel", op)
        saved = {v: self.names[v] for v in op.operands if v in self.vectors}
        parts: list[str] = []
        for c in _COMPONENTS:
            for v, name in saved.items():
                self.names[v] = f"{name}.{c}"
            handler(self, op)
            parts.append(self.names[op.results[0]])
        self.names.update(saved)
        self._vlet(op.results[0], f"vec4<{WGSL_TYPE[self.kind(op.results[0])]}>({', '.join(parts)})")


def vector_wgsl(func: gpu.FuncOp, number: int, workgroup: int) -> tuple[KernelEmitter, str]:
    """The emitter (arguments, parameter block) and the WGSL of a vec4 kernel."""
    emitter = VectorEmitter(func, loop=lanes_loop(func))
    emitter.analyze()
    emitter.declare_args()
    emitter.block(func.body.blocks[0])
    header = f"// kernel {number}: @{func.sym_name.data} (vec4 template)"
    prologue = [f"  let gl: i32 = i32(gid.x + gid.y * nwg.x * {workgroup}u);"]
    return emitter, assemble(emitter, header, workgroup, MAIN_GLOBAL, prologue)
