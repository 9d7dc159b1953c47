"""The host side of `convert-linalg-to-gpu`: launches in place of linalg ops, and the calls that keep
host and device copies of a buffer coherent (docs/gpu.md).

A launch stages the kernel's arguments (`@charl_gpu_memref_<T>`, `@charl_gpu_scalar_<T>`) and
dispatches it (`@charl_gpu_launch(kernel, invocations)`). Before host code touches a buffer
(`memref.load`, `memref.store`, a run-time library call), `@charl_gpu_access_<T>(buffer, writes)`
brings the data back from the device if only the device has it.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.builder import Builder
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    IndexType,
    IntegerType,
    MemRefType,
    ModuleOp,
    UnrankedMemRefType,
    f32,
    f64,
    i32,
    i64,
)
from xdsl.dialects.linalg.attrs import IteratorType, IteratorTypeAttr
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.rewriter import InsertPoint, Rewriter

from passes._gpu_kernel import Captured, KernelTable, captured, i1, i4, invocations, scalar_type
from passes._loops_structure import structured_view

SUFFIXES: tuple[tuple[Attribute, str], ...] = (
    (f32, "f32"),
    (f64, "f64"),
    (i32, "i32"),
    (i64, "i64"),
    (IntegerType(8), "i8"),
    (IntegerType(4), "i4"),
    (IntegerType(1), "i1"),
    (IndexType(), "index"),
)
WRITING_CALLS = ("charl_rt_npy_read", "charl_rt_npz_read")
"""Run-time library functions that write into the buffers they are given."""


def suffix(t: Attribute) -> str:
    """The name suffix of element or scalar type `t` (`f32`, `index`, ...)."""
    for known, name in SUFFIXES:
        if known == t:
            return name
    raise ValueError(f"convert-linalg-to-gpu: no GPU type for {t}")


def declare_call(b: Builder, module: ModuleOp, name: str, args: Sequence[SSAValue]) -> None:
    """`func.call @name(args)`, declaring `@name` once as a bodiless `func.func private`."""
    types = [a.type for a in args]
    if not any(isinstance(f, func.FuncOp) and f.sym_name.data == name for f in module.ops):
        module.body.block.add_op(func.FuncOp.external(name, types, []))
    b.insert(func.CallOp(name, list(args), []))


def unranked(b: Builder, buf: SSAValue) -> SSAValue:
    """`buf` cast to `memref<*xT>`, as the GPU runtime takes every buffer."""
    if isinstance(buf.type, UnrankedMemRefType):
        return buf
    assert isinstance(buf.type, MemRefType)
    return b.insert(memref.CastOp.get(buf, UnrankedMemRefType.from_type(buf.type.element_type))).results[0]


def copy_as_generic(op: memref.CopyOp) -> GenericOp:
    """`memref.copy %a, %b` as the identity `linalg.generic` that a kernel computes."""
    t = op.destination.type
    assert isinstance(t, MemRefType)
    rank = len(t.get_shape())
    block = Block(arg_types=[t.element_type, t.element_type])
    block.add_op(YieldOp(block.args[0]))
    maps = [AffineMapAttr(AffineMap.identity(rank))] * 2
    parallel = [IteratorTypeAttr(IteratorType.PARALLEL)] * rank
    generic = GenericOp([op.source], [op.destination], Region(block), maps, parallel)
    Rewriter.replace_op(op, generic, [])
    return generic


def launch(table: KernelTable, op: Operation, workgroup_size: int, epilogue: GenericOp | None = None) -> None:
    """Replaces the linalg op (or `memref.copy`) `op` of a host function by its kernel's launch;
    `epilogue` (`_gpu_reduce.epilogue_of(op)`), computed by the same kernel, is erased too."""
    if isinstance(op, memref.CopyOp):
        op = copy_as_generic(op)
    view = structured_view(op)
    take: Captured = captured(op)
    number = table.kernel(op, take, workgroup_size, epilogue)
    module = table.module
    b = Builder(InsertPoint.before(op))
    for m in take.memrefs:
        assert isinstance(m.type, MemRefType)
        declare_call(b, module, f"charl_gpu_memref_{suffix(m.type.element_type)}", [unranked(b, m)])
    for s in take.scalars:
        value = s
        if s.type == i1:
            value = b.insert(arith.ExtUIOp(s, i32)).result
        elif s.type == i4:
            value = b.insert(arith.ExtSIOp(s, IntegerType(8))).result
        declare_call(b, module, f"charl_gpu_scalar_{suffix(scalar_type(s.type))}", [value])
    count = invocations(b, view)
    declare_call(b, module, "charl_gpu_scalar_index", [count])
    kernel = b.insert(arith.ConstantOp.from_int_and_width(number, i32)).result
    wide = b.insert(arith.IndexCastOp(count, i64)).result
    declare_call(b, module, "charl_gpu_launch", [kernel, wide])
    Rewriter.erase_op(op)
    if epilogue is not None:
        Rewriter.erase_op(epilogue)


def _touched(op: Operation) -> list[tuple[SSAValue, bool]]:
    """The buffers host op `op` reads or writes directly, each with whether it writes."""
    if isinstance(op, memref.LoadOp):
        return [(op.memref, False)]
    if isinstance(op, memref.StoreOp):
        return [(op.memref, True)]
    if isinstance(op, func.CallOp) and op.callee.root_reference.data.startswith("charl_rt_"):
        writes = op.callee.root_reference.data.startswith(WRITING_CALLS)
        return [(v, writes) for v in op.arguments if isinstance(v.type, MemRefType | UnrankedMemRefType)]
    return []


def guard_host_accesses(module: ModuleOp, fn: func.FuncOp) -> None:
    """Calls `@charl_gpu_access_<T>` before every direct host access to a buffer in `fn`."""
    for op in list(fn.walk()):
        for buf, writes in _touched(op):
            t = buf.type
            assert isinstance(t, MemRefType | UnrankedMemRefType)
            b = Builder(InsertPoint.before(op))
            flag = b.insert(arith.ConstantOp.from_int_and_width(int(writes), i32)).result
            declare_call(b, module, f"charl_gpu_access_{suffix(t.element_type)}", [unranked(b, buf), flag])
