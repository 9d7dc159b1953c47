"""IR-building helpers of the extra `convert-charl-to-linalg` patterns.

Small builders of tensor-level IR (index and scalar constants, the sizes of a tensor,
`tensor.empty`, `linalg.fill`, `linalg.generic` from a Python body); `lowering`, the decorator of
the patterns (op type matching, and the charl op's location on every op that replaces it); and
the run-time interface of docs/runtime.md: a `func.func private @charl_rt_*` declared once per
module, string constants as `memref.global constant` i8 arrays read through `memref.get_global` +
`memref.cast` to `memref<?xi8>`, the `file:line:col` string of an op's location, element type
codes, and tensors handed to the runtime as unranked memrefs of their element type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from xdsl.builder import Builder
from xdsl.dialects import arith, bufferization, func, memref, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AffineMapAttr,
    AnyFloat,
    DenseIntOrFPElementsAttr,
    FileLineColLoc,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    UnrankedMemRefType,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.linalg.ops import FillOp, GenericOp, YieldOp
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import InsertPoint

from passes._charl_to_linalg_core import LoweringError, source_position

_P = TypeVar("_P", bound=RewritePattern)
_Op = TypeVar("_Op", bound=Operation)
i4 = IntegerType(4)
Body = Callable[[Builder, Sequence[BlockArgument]], Sequence[SSAValue]]
"""Builds the scalar body of a generic from its block arguments; returns the values to yield."""

# ---- tensor-level builders -------------------------------------------------------------------


def value(b: Builder, op: Operation) -> SSAValue:
    """Inserts `op` and returns its single result."""
    return b.insert(op).results[0]


def index(b: Builder, n: int) -> SSAValue:
    """An `index` constant."""
    return value(b, arith.ConstantOp(IntegerAttr(n, IndexType())))


def integer(b: Builder, n: int, t: Attribute) -> SSAValue:
    """An integer constant of type `t` (wrapped to its width, so 0xFFFFFFFF is -1 : i32)."""
    assert isinstance(t, IntegerType)
    width = t.width.data
    n &= (1 << width) - 1
    if width > 1 and n >= 1 << (width - 1):
        n -= 1 << width
    return value(b, arith.ConstantOp(IntegerAttr(n, t)))


def floating(b: Builder, x: float, t: Attribute) -> SSAValue:
    """A float constant of type `t`."""
    assert isinstance(t, AnyFloat)
    return value(b, arith.ConstantOp(FloatAttr(x, t)))


def int_to_float(b: Builder, x: SSAValue, t: Attribute) -> SSAValue:
    """The signed integer `x` converted to the float type `t`."""
    assert isinstance(t, AnyFloat)
    return value(b, arith.SIToFPOp(x, t))


def to_i64(b: Builder, v: SSAValue) -> SSAValue:
    """An `index` or integer value as `i64` (sign-extended)."""
    if isinstance(v.type, IndexType):
        return value(b, arith.IndexCastOp(v, i64))
    assert isinstance(v.type, IntegerType)
    if v.type.width.data == 64:
        return v
    return value(b, arith.ExtSIOp(v, i64))


def shape(t: Attribute) -> list[int]:
    """The shape of a tensor type (`[]` for a scalar)."""
    return list(t.get_shape()) if isinstance(t, TensorType) else []


def element(t: Attribute) -> Attribute:
    """The element type of a tensor type, or the type itself for a scalar."""
    return t.get_element_type() if isinstance(t, TensorType) else t


def dim(b: Builder, v: SSAValue, axis: int) -> SSAValue:
    """The size of `axis` of the tensor `v` as an `index`: a constant when static."""
    size = shape(v.type)[axis]
    if size != DYNAMIC_INDEX:
        return index(b, size)
    return value(b, tensor.DimOp(v, index(b, axis)))


def dims(b: Builder, v: SSAValue) -> list[SSAValue]:
    """Every size of the tensor `v` as `index` values."""
    return [dim(b, v, axis) for axis in range(len(shape(v.type)))]


def dynamic(t: Attribute, sizes: Sequence[SSAValue]) -> list[SSAValue]:
    """The entries of `sizes` (one per dim of `t`) at the `?` dims of `t`."""
    return [s for s, d in zip(sizes, shape(t), strict=True) if d == DYNAMIC_INDEX]


def empty(b: Builder, t: Attribute, dyn: Sequence[SSAValue]) -> SSAValue:
    """`tensor.empty` of type `t` with one size per `?` dim."""
    return value(b, tensor.EmptyOp(list(dyn), t))


def fill(b: Builder, scalar: SSAValue, dest: SSAValue) -> SSAValue:
    """`linalg.fill` of `dest` with `scalar`."""
    return value(b, FillOp([scalar], [dest], [dest.type]))


def filled(b: Builder, t: Attribute, dyn: Sequence[SSAValue], x: float | int) -> SSAValue:
    """A new tensor of type `t` filled with the constant `x`."""
    elem = element(t)
    scalar = floating(b, float(x), elem) if isinstance(elem, AnyFloat) else integer(b, int(x), elem)
    return fill(b, scalar, empty(b, t, dyn))


def parallel(n: int) -> list[IteratorTypeAttr]:
    """`n` parallel iterators."""
    return [IteratorTypeAttr.parallel() for _ in range(n)]


def generic(
    b: Builder,
    inputs: Sequence[SSAValue],
    outputs: Sequence[SSAValue],
    maps: Sequence[AffineMap],
    iterators: Sequence[IteratorTypeAttr],
    body: Body,
) -> list[SSAValue]:
    """Inserts a `linalg.generic` whose body `body` builds; returns its results."""
    block = Block(arg_types=[element(v.type) for v in (*inputs, *outputs)])
    inner = Builder(InsertPoint.at_end(block))
    yielded = body(inner, block.args)
    inner.insert(YieldOp(*yielded))
    op = GenericOp(
        list(inputs),
        list(outputs),
        Region(block),
        [AffineMapAttr(m) for m in maps],
        list(iterators),
        [v.type for v in outputs],
    )
    return list(b.insert(op).results)


def map_elements(b: Builder, x: SSAValue, t: Attribute, fn: Callable[[Builder, SSAValue], SSAValue]) -> SSAValue:
    """`fn` applied to every element of the tensor `x`, giving a tensor of type `t`."""
    rank = len(shape(t))
    init = empty(b, t, dynamic(t, dims(b, x)))
    ident = AffineMap.identity(rank)
    return generic(b, [x], [init], [ident, ident], parallel(rank), lambda ib, args: [fn(ib, args[0])])[0]


# ---- locations and errors --------------------------------------------------------------------


def where(op: Operation) -> str:
    """`file:line:col` of the op's location (or of its nearest located ancestor); empty when none
    has one (the runtime then leaves the position out of its messages)."""
    return source_position(op) or ""


def error(op: Operation, message: str) -> LoweringError:
    """The pass's located error, for IR this pass cannot lower."""
    return LoweringError(op, message)


def lowering(fn: Callable[[_P, _Op, PatternRewriter], None]) -> Callable[[_P, Operation, PatternRewriter], None]:
    """`op_type_rewrite_pattern`, and the matched op's location given to every op that replaces it."""
    typed = op_type_rewrite_pattern(fn)

    def impl(self: _P, op: Operation, rewriter: PatternRewriter) -> None:
        block, before, after, loc = op.parent_block(), op.prev_op, op.next_op, op.location
        typed(self, op, rewriter)
        current = before.next_op if before is not None else block.first_op if block is not None else None
        while current is not None and current is not after:
            for inner in current.walk():
                if not isinstance(inner.location, FileLineColLoc):
                    inner.location = loc
            current = current.next_op

    return impl


# ---- run-time interface ----------------------------------------------------------------------

DTYPE_CODES: tuple[tuple[Attribute, int], ...] = ((f32, 0), (f64, 1), (i32, 2), (i64, 3), (i1, 4), (i8, 5))
"""The runtime's element type codes (docs/runtime.md); `i4` data travels widened to `i8`."""

TYPE_SUFFIXES: tuple[tuple[Attribute, str], ...] = (
    (f32, "f32"),
    (f64, "f64"),
    (i32, "i32"),
    (i64, "i64"),
    (i1, "i1"),
    (i8, "i8"),
)
"""The suffix of each scalar type in the names of the run-time printers (`@charl_rt_print_f32`)."""

CHARL_NAMES: tuple[tuple[Attribute, str], ...] = (
    (f32, "float32"),
    (f64, "float64"),
    (i32, "int32"),
    (i64, "int64"),
    (i1, "bool"),
    (i8, "int8"),
    (i4, "int4"),
)
"""The Charl name of each element type, for messages that show a type as the user writes it."""


def dtype_code(op: Operation, t: Attribute) -> int:
    """The runtime's code of the element type `t`."""
    for elem, code in DTYPE_CODES:
        if elem == t:
            return code
    raise error(op, f"element type {t} has no run-time type code")


def show(t: Attribute) -> str:
    """A type as a Charl program writes it: `float32`, `tensor<float32, [?, 64]>`."""
    name = next((n for e, n in CHARL_NAMES if e == element(t)), str(element(t)))
    if not isinstance(t, TensorType):
        return name
    sizes = ", ".join("?" if d == DYNAMIC_INDEX else str(d) for d in shape(t))
    return f"tensor<{name}, [{sizes}]>"


def module_of(op: Operation) -> ModuleOp:
    """The module that holds `op`."""
    current = op.parent_op()
    while current is not None and not isinstance(current, ModuleOp):
        current = current.parent_op()
    if current is None:
        raise error(op, "is not inside a module")
    return current


def erased(b: Builder, buf: SSAValue) -> SSAValue:
    """A ranked memref as the run-time functions take every tensor: unranked, same element type
    (`memref<2x3xf32>` -> `memref<*xf32>`). An unranked memref is `(rank, descriptor)` in C whatever
    its element type; `call` names the function after the element type (docs/runtime.md)."""
    t = buf.type
    assert isinstance(t, MemRefType)
    return value(b, memref.CastOp.get(buf, UnrankedMemRefType.from_type(t.element_type)))


def typed_name(name: str, args: Sequence[SSAValue]) -> str:
    """`name` with the suffix of the element type of its unranked-memref argument, if it has one:
    `charl_rt_print_tensor` of a `memref<*xf32>` is `charl_rt_print_tensor_f32`."""
    for a in args:
        if isinstance(a.type, UnrankedMemRefType):
            suffix = next(sfx for t, sfx in TYPE_SUFFIXES if t == a.type.element_type)
            return f"{name}_{suffix}"
    return name


def call(
    b: Builder, op: Operation, name: str, args: Sequence[SSAValue], results: Sequence[Attribute] = ()
) -> list[SSAValue]:
    """A `func.call` of the run-time function `name`, declaring it as a `func.func private` in the
    module if needed."""
    module = module_of(op)
    name = typed_name(name, args)
    inputs = [a.type for a in args]
    declared = next((f for f in module.ops if isinstance(f, func.FuncOp) and f.sym_name.data == name), None)
    if declared is None:
        b.insert(func.FuncOp.external(name, inputs, list(results)), InsertPoint.at_end(module.body.block))
    elif list(declared.function_type.inputs) != inputs or list(declared.function_type.outputs) != list(results):
        raise error(op, f"@{name} is already declared as {declared.function_type}")
    return list(b.insert(func.CallOp(name, list(args), list(results))).results)


def _holds(g: memref.GlobalOp, data: DenseIntOrFPElementsAttr) -> bool:
    """Whether the global `g` is initialized with `data`."""
    return isinstance(g.initial_value, DenseIntOrFPElementsAttr) and g.initial_value == data


def _global(b: Builder, op: Operation, prefix: str, elem: IntegerType, values: Sequence[int]) -> SSAValue:
    """A constant 1-D global (shared by equal constants) as a `memref<?xelem>`."""
    module = module_of(op)
    static = MemRefType(elem, [len(values)])
    data = DenseIntOrFPElementsAttr.from_list(TensorType(elem, [len(values)]), list(values))
    globals_ = [g for g in module.ops if isinstance(g, memref.GlobalOp)]
    found = next((g for g in globals_ if g.sym_name.data.startswith(prefix) and _holds(g, data)), None)
    if found is None:
        names = {g.sym_name.data for g in module.ops if isinstance(g, memref.GlobalOp | func.FuncOp)}
        name = next(f"{prefix}{n}" for n in range(len(names) + 1) if f"{prefix}{n}" not in names)
        found = memref.GlobalOp.get(StringAttr(name), static, data, StringAttr("private"), UnitAttr())
        first = next((o for o in module.ops if not isinstance(o, memref.GlobalOp)), None)
        where_ = InsertPoint.before(first) if first is not None else InsertPoint.at_end(module.body.block)
        b.insert(found, where_)
    ref = value(b, memref.GetGlobalOp(found.sym_name.data, static))
    return value(b, memref.CastOp.get(ref, MemRefType(elem, [DYNAMIC_INDEX])))


def string(b: Builder, op: Operation, text: str) -> SSAValue:
    """The UTF-8 bytes of `text` (no NUL) as a `memref<?xi8>` read from a constant global."""
    data = [byte - 256 if byte > 127 else byte for byte in text.encode()]
    return _global(b, op, "charl_str_", i8, data)


def i64_array(b: Builder, op: Operation, values: Sequence[int]) -> SSAValue:
    """Constant `i64`s (a shape) as a `memref<?xi64>` read from a constant global."""
    return _global(b, op, "charl_i64_", i64, values)


def location(b: Builder, op: Operation) -> SSAValue:
    """The `file:line:col` string of `op`."""
    return string(b, op, where(op))


def widen_i4(b: Builder, x: SSAValue) -> SSAValue:
    """An `i4` tensor as `i8` (the runtime has no 4-bit type); other tensors unchanged."""
    if element(x.type) != i4:
        return x
    t = TensorType(i8, shape(x.type))
    return map_elements(b, x, t, lambda ib, v: value(ib, arith.ExtSIOp(v, i8)))


def unranked(b: Builder, op: Operation, x: SSAValue) -> tuple[SSAValue, SSAValue]:
    """A tensor or scalar as a read-only unranked memref (`memref<*xT>`) and its `i32` type code, for the runtime."""
    if not isinstance(x.type, TensorType):
        x = value(b, tensor.FromElementsOp.build(operands=[[x]], result_types=[TensorType(x.type, [])]))
    x = widen_i4(b, x)
    t = x.type
    assert isinstance(t, TensorType)
    ranked = MemRefType(t.element_type, t.get_shape())
    buf = value(
        b, bufferization.ToBufferOp.build(operands=[x], result_types=[ranked], properties={"read_only": UnitAttr()})
    )
    return erased(b, buf), integer(b, dtype_code(op, t.element_type), i32)
