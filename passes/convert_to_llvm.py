"""convert-to-llvm: func, arith, math, scf, cf and memref to the llvm dialect.

Each `func.func` is translated in one walk into an `llvm.func` (no pattern rewriting, no
intermediate cf-level CFG): the rules in `passes/_llvm_*.py` append llvm ops to the block being
filled and record what every value lowered to (a memref to a descriptor of separate fields, an
unranked memref to its rank and descriptor pointer). Bodiless `func.func`s become external
declarations of C functions (the runtime's `@charl_rt_*`), called by the same convention as the
module's own functions. `main-symbol=NAME` renames `@main` for executables. The result translates
to LLVM IR with `passes._llvm_emit.to_llvmlite` (or xDSL's `convert_module`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects import func, gpu, llvm, memref
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    IntAttr,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
)
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from passes._llvm_arith import arith_rules
from passes._llvm_builder import ModuleState, Rule, RuleKey
from passes._llvm_control import control_rules
from passes._llvm_emit import register_llvm_casts
from passes._llvm_func import func_rules, lower_func
from passes._llvm_math import math_rules
from passes._llvm_memref import ALIGNMENT, memref_rules
from passes._llvm_parallel import parallel_rules
from passes._llvm_types import scalar_type
from passes.charl_parallelize_loops import CHUNK_ATTR


def lowering_rules() -> dict[RuleKey, Rule]:
    """The rule of every op convert-to-llvm lowers inside a function, by class or by name."""
    rules: dict[RuleKey, Rule] = {}
    for table in (arith_rules(), math_rules(), memref_rules(), control_rules(), parallel_rules(), func_rules()):
        rules.update(table)
    return rules


def parse_fastmath(spec: str) -> llvm.FastMathAttr:
    """`none`, `fast`, or flags joined by `+` (`contract`, `reassoc+contract`, ...); a `ValueError`
    naming the flags otherwise."""
    if spec in ("none", "fast"):
        return llvm.FastMathAttr(spec)
    names = {f.value: f for f in FastMathFlag}
    flags = spec.split("+")
    unknown = [f for f in flags if f not in names]
    if unknown:
        raise ValueError(f"unknown fast-math flag {unknown[0]!r}; use none, fast or {'+'.join(names)}")
    return llvm.FastMathAttr([names[f] for f in flags])


def lower_global(op: memref.GlobalOp) -> llvm.GlobalOp:
    """A `memref.global` as an LLVM array global of its elements in row-major order (any element
    type, dense or splat); an uninitialized one has no value and is zero-filled by `to_llvmlite`."""
    t = op.type
    count = prod(t.get_shape())
    elem = scalar_type(t.element_type)
    value = op.initial_value if isinstance(op.initial_value, DenseIntOrFPElementsAttr) else None
    private = op.sym_visibility.data == "private"
    return llvm.GlobalOp(
        llvm.LLVMArrayType(IntAttr(count), elem),
        op.sym_name.data,
        "internal" if private else "external",
        constant=op.constant is not None,
        value=value,
        alignment=ALIGNMENT,
    )


def rename_main(module: ModuleOp, name: str) -> None:
    """Renames `func.func @main` to `name`, with every `func.call @main` (nothing without a `@main`)."""
    if name == "main":
        return
    symbols = {sym.data for top in module.ops if isinstance(sym := top.properties.get("sym_name"), StringAttr)}
    if "main" not in symbols:
        return
    if name in symbols:
        raise PassFailedException(f"convert-to-llvm: cannot rename @main to {name!r}: the name is already defined")
    for inner in module.walk():
        if isinstance(inner, func.FuncOp) and inner.sym_name.data == "main":
            inner.sym_name = StringAttr(name)
        elif isinstance(inner, func.CallOp) and inner.callee.root_reference.data == "main":
            inner.callee = SymbolRefAttr(name)


@dataclass(frozen=True)
class ConvertToLlvmPass(ModulePass):
    """Lowers func/arith/math/scf/cf/memref to the llvm dialect, ready for LLVM IR.

    Requires: a verified module of func, arith, math, scf (for, if, while, parallel), cf and memref ops on
    scalars, strided memrefs and unranked memrefs (already-lowered llvm ops are kept); `func.func`
    declarations without a body are C functions (the runtime of docs/runtime.md). Guarantees: only
    llvm ops remain (`llvm.func`, `llvm.mlir.global` at the top level); memref arguments and results
    follow MLIR's descriptor convention as described in `passes/_llvm_func.py` (an unranked memref
    is `(i64 rank, ptr descriptor)`, `i1` is `zeroext`); the pointers of ranked memref arguments are
    `noalias`; float arithmetic carries the `fastmath` flags (default `contract`); `index` is `i64`;
    with `main-symbol=NAME`, `@main` is called NAME; an `scf.parallel` that calls a `charl.chunk`
    function (`charl-parallelize-loops`) is one `@charl_rt_parallel_for` call, any other one serial
    loops (`passes/_llvm_parallel.py`); `alloc-symbol`/`free-symbol` name the C
    functions that replace `malloc`/`free` (the GPU runtime's). A `gpu.module` (kernels, printed as
    WGSL by the gpu target) is left as it is. An op without a lowering, an unranked memref
    result, or a NAME already taken is a `PassFailedException`.
    """

    name = "convert-to-llvm"

    fastmath: str = "contract"
    main_symbol: str = "main"
    """The symbol of the Charl entry `@main` in the output (`main-symbol=charl_main` frees the name
    `main` for a C `main` that calls it); calls of `@main` follow the rename."""

    alloc_symbol: str = "malloc"
    """The C function `memref.alloc` calls for its bytes (`void *(int64_t)`)."""
    free_symbol: str = "free"
    """The C function `memref.dealloc` calls with the allocated pointer."""

    def __post_init__(self) -> None:
        parse_fastmath(self.fastmath)
        for option, symbol in (("main", self.main_symbol), ("alloc", self.alloc_symbol), ("free", self.free_symbol)):
            if not symbol.isidentifier():
                raise ValueError(f"{option}-symbol {symbol!r} is not a C identifier")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        register_llvm_casts()
        rename_main(op, self.main_symbol)
        signatures = {f.sym_name.data: f.function_type for f in op.ops if isinstance(f, func.FuncOp)}
        defined = {f.sym_name.data for f in op.ops if isinstance(f, func.FuncOp | llvm.FuncOp)}
        state = ModuleState(parse_fastmath(self.fastmath), signatures, defined, self.alloc_symbol, self.free_symbol)
        state.chunks = frozenset(
            f.sym_name.data for f in op.ops if isinstance(f, func.FuncOp) and CHUNK_ATTR in f.attributes
        )
        rules = lowering_rules()
        block = op.body.block
        for top in list(block.ops):
            if isinstance(top, func.FuncOp):
                lowered: Operation = lower_func(state, top, rules)
            elif isinstance(top, memref.GlobalOp):
                lowered = lower_global(top)
            elif isinstance(top, llvm.FuncOp | llvm.GlobalOp | gpu.ModuleOp):
                continue
            else:
                raise PassFailedException(f"convert-to-llvm: no lowering for top-level {top.name}")
            block.insert_op_before(lowered, top)
            block.erase_op(top)
        for extern in [*state.helpers.values(), *state.externs.values()]:
            block.add_op(extern)
