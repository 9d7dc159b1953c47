"""The harness of the nn VJP-rule tests: a minimal `Adjoint` that appends to one block, backward
functions built by hand (forward op, then the rule's ops), compiled together through the CPU
pipeline, and central finite differences of NumPy forward functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from charlc.api import make_context
from dialects.charl import BroadcastToOp, ConstantOp, DimOp, ReduceOp, ReshapeOp
from dialects.charl_base import element_of, is_dynamic, is_float, shape_of, with_shape
from passes._autodiff_rules_nn import nn_rules
from passes._llvm_emit import signatures, to_llvm_ir
from passes.charl_bufferize import CharlBufferizePass
from passes.convert_charl_to_linalg import ConvertCharlToLinalgPass
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuModule
from runtime.native import NativeRuntime

Array = np.ndarray[Any, Any]


class BlockAdjoint:
    """An `Adjoint` that appends every op to the end of one block (static shapes)."""

    def __init__(self, block: Block) -> None:
        self.block = block

    def emit(self, op: Operation) -> SSAValue:
        """Appends `op`; returns its first result."""
        self.block.add_op(op)
        return op.results[0]

    def const(self, value: float | int, t: Attribute) -> SSAValue:
        """A scalar constant, or a static tensor of one broadcast scalar."""
        elem = element_of(t)
        if isinstance(t, TensorType):
            if any(is_dynamic(d) for d in shape_of(t)):
                raise ValueError(f"this test builder makes constants of static types only, not {t}")
            # a broadcast scalar, not a dense constant: the LLVM backend declares `llvm.memcpy` once
            # per module with typed pointers, so copies out of two differently sized constant
            # globals in one module fail to emit
            return self.emit(BroadcastToOp(self.const(value, elem), t))
        if not is_float(elem):
            return self.emit(ConstantOp(IntegerAttr(int(value), elem)))  # type: ignore[arg-type]
        return self.emit(ConstantOp(FloatAttr(float(value), elem)))  # type: ignore[arg-type]

    def zeros_like(self, v: SSAValue) -> SSAValue:
        """Zeros of `v`'s type, dynamic sizes read from `v`."""
        if not isinstance(v.type, TensorType):
            return self.const(0, v.type)
        dims = [self.emit(DimOp(v, i)) for i, d in enumerate(shape_of(v.type)) if is_dynamic(d)]
        return self.emit(BroadcastToOp(self.const(0, element_of(v.type)), v.type, dims))

    def unbroadcast(self, g: SSAValue, t: Attribute) -> SSAValue:
        """`g` summed over broadcast dims, reshaped to `t`."""
        src, dst = shape_of(g.type), shape_of(t)
        lead = len(src) - len(dst)
        axes = [i for i, d in enumerate(src) if i < lead or (dst[i - lead] == 1 and d != 1)]
        if axes:
            kept = [1 if i in axes else d for i, d in enumerate(src)]
            g = self.emit(ReduceOp(g, "sum", axes, True, with_shape(element_of(g.type), kept)))
        return self.emit(ReshapeOp(g, t)) if g.type != t else g


Forward = Callable[[BlockAdjoint, Sequence[SSAValue]], Operation]


@dataclass(frozen=True)
class Case:
    """A forward op built by `build` on arguments of `types`, checked on `args` against `numpy`
    (finite differences over the float inputs listed in `wrt`) and `torch` when given."""

    name: str
    types: tuple[Attribute, ...]
    build: Forward
    args: tuple[Any, ...]
    numpy: Callable[..., Array]
    wrt: tuple[int, ...]
    torch: Callable[..., Any] | None = None


def backward_function(case: Case) -> func.FuncOp:
    """`@name(args..., g) -> grads of wrt`: the forward op, then the rule's backward sweep."""
    block = Block(arg_types=case.types)
    adj = BlockAdjoint(block)
    op = case.build(adj, block.args)
    if op.parent is None:
        block.add_op(op)
    seed_type = op.results[0].type
    block.insert_arg(seed_type, len(case.types))
    grads = nn_rules()[type(op)](adj, op, [block.args[-1]])
    outs = [next((grads[j] for j, v in enumerate(op.operands) if v is block.args[i]), None) for i in case.wrt]
    if any(g is None for g in outs):
        raise AssertionError(f"{case.name}: the rule gave no gradient for one of {case.wrt}")
    values = [g for g in outs if g is not None]
    block.add_op(func.ReturnOp(*values))
    ftype = ([*case.types, seed_type], [v.type for v in values])
    return func.FuncOp(case.name, ftype, Region(block))


class Compiled:
    """The backward functions of several cases, JIT-compiled into one module."""

    def __init__(self, cases: Sequence[Case]) -> None:
        ctx = make_context()
        module = ModuleOp([backward_function(c) for c in cases])
        module.verify()
        for p in (ConvertCharlToLinalgPass(), CharlBufferizePass(), ConvertLinalgToLoopsPass(), ConvertToLlvmPass()):
            p.apply(ctx, module)
        self.signatures = signatures(module)
        NativeRuntime().load()  # dynamic slices call the C runtime's bounds checks
        self.module = CpuModule(to_llvm_ir(module))

    def grads(self, name: str, *args: Any) -> list[Array]:
        """The gradients `@name` computes."""
        out = self.module.function(name, self.signatures[name])(*args)
        return [np.asarray(o) for o in (out if isinstance(out, tuple) else (out,))]


def finite_differences(f: Callable[..., Array], args: Sequence[Any], seed: Array, i: int, h: float = 1e-6) -> Array:
    """d sum(f(args) * seed) / d args[i] by central differences in float64."""
    base = [np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else a for a in args]
    x = np.array(base[i], dtype=np.float64)
    grad = np.zeros_like(x)
    for pos in np.ndindex(x.shape):
        values = []
        for step in (h, -h):
            moved = x.copy()
            moved[pos] += step
            values.append(float(np.sum(f(*base[:i], moved, *base[i + 1 :]) * seed)))
        grad[pos] = (values[0] - values[1]) / (2 * h)
    return grad
