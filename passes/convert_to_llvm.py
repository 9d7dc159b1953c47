"""convert-to-llvm: func, arith, math, scf, cf and memref to the llvm dialect.

Each `func.func` is translated in one walk into an `llvm.func` (no pattern rewriting, no
intermediate cf-level CFG): the rules in `passes/_llvm_*.py` append llvm ops to the block being
filled and record what every value lowered to (a memref to a descriptor of separate fields). The
result translates to LLVM IR with `passes._llvm_emit.to_llvmlite` (or xDSL's `convert_module`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import cast

from xdsl.context import Context
from xdsl.dialects import func, llvm, memref
from xdsl.dialects.builtin import AnyFloat, DenseIntOrFPElementsAttr, IntAttr, IntegerType, ModuleOp, TensorType
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from passes._llvm_arith import arith_rules
from passes._llvm_builder import ModuleState, Rule
from passes._llvm_control import control_rules
from passes._llvm_emit import register_llvm_casts
from passes._llvm_func import func_rules, lower_func
from passes._llvm_math import math_rules
from passes._llvm_memref import ALIGNMENT, memref_rules
from passes._llvm_types import scalar_type


def lowering_rules() -> dict[type[Operation], Rule]:
    """The rule of every op convert-to-llvm lowers inside a function."""
    return {**arith_rules(), **math_rules(), **memref_rules(), **control_rules(), **func_rules()}


def parse_fastmath(spec: str) -> llvm.FastMathAttr:
    """`none`, `fast`, or flags joined by `+` (`contract`, `reassoc+contract`, ...)."""
    if spec in ("none", "fast"):
        return llvm.FastMathAttr(spec)
    names = {f.value: f for f in FastMathFlag}
    flags = spec.split("+")
    unknown = [f for f in flags if f not in names]
    if unknown:
        raise DiagnosticException(
            f"convert-to-llvm: unknown fast-math flag {unknown[0]!r}; use none, fast or {'+'.join(names)}"
        )
    return llvm.FastMathAttr([names[f] for f in flags])


def lower_global(op: memref.GlobalOp) -> llvm.GlobalOp:
    """A `memref.global` as an LLVM array global (zero-filled when uninitialized)."""
    t = op.type
    count = prod(t.get_shape())
    elem = scalar_type(t.element_type)
    value: Attribute = op.initial_value
    if not isinstance(value, DenseIntOrFPElementsAttr):
        if isinstance(elem, IntegerType):
            value = DenseIntOrFPElementsAttr.from_list(TensorType(elem, [count]), [0])
        else:
            value = DenseIntOrFPElementsAttr.from_list(TensorType(cast(AnyFloat, elem), [count]), [0.0])
    private = op.sym_visibility.data == "private"
    return llvm.GlobalOp(
        llvm.LLVMArrayType(IntAttr(count), elem),
        op.sym_name.data,
        "internal" if private else "external",
        constant=op.constant is not None,
        value=value,
        alignment=ALIGNMENT,
    )


@dataclass(frozen=True)
class ConvertToLlvmPass(ModulePass):
    """Lowers func/arith/math/scf/cf/memref to the llvm dialect, ready for LLVM IR.

    Requires: a verified module of func, arith, math, scf (for, if, while), cf and memref ops on
    scalars and strided memrefs (already-lowered llvm ops are kept). Guarantees: only llvm ops
    remain (`llvm.func`, `llvm.mlir.global` at the top level); memref arguments and results follow
    MLIR's descriptor convention as described in `passes/_llvm_func.py`; pointer arguments are
    `noalias`; float arithmetic carries the `fastmath` flags (default `contract`); `index` is `i64`.
    """

    name = "convert-to-llvm"

    fastmath: str = "contract"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        register_llvm_casts()
        signatures = {f.sym_name.data: f.function_type for f in op.ops if isinstance(f, func.FuncOp)}
        defined = {f.sym_name.data for f in op.ops if isinstance(f, func.FuncOp | llvm.FuncOp)}
        state = ModuleState(parse_fastmath(self.fastmath), signatures, defined)
        rules = lowering_rules()
        block = op.body.block
        for top in list(block.ops):
            if isinstance(top, func.FuncOp):
                lowered: Operation = lower_func(state, top, rules)
            elif isinstance(top, memref.GlobalOp):
                lowered = lower_global(top)
            elif isinstance(top, llvm.FuncOp | llvm.GlobalOp):
                continue
            else:
                raise DiagnosticException(f"convert-to-llvm: no lowering for top-level {top.name}")
            block.insert_op_before(lowered, top)
            block.erase_op(top)
        for extern in state.externs.values():
            block.add_op(extern)
