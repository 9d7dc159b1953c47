"""Shared machinery of `convert-charl-to-linalg`: the op builder every lowering uses, type and
size helpers, and the located error the pass raises.

A lowering collects its replacement ops in an `Emitter` (each op gets the charl op's location),
then calls `Emitter.replace`. Sizes are `int | SSAValue`: a static extent or an `index` value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AffineMapAttr,
    FileLineColLoc,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    TensorType,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineExpr, AffineMap
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.utils.exceptions import PassFailedException

from dialects.charl_base import element_of, is_dynamic, shape_of

PASS_NAME = "convert-charl-to-linalg"

Size = int | SSAValue
"""A dimension's extent: a static `int` or an `index` value."""

Body = Callable[["Emitter", list[BlockArgument]], Sequence[SSAValue]]
"""Builds a `linalg.generic` body from its block arguments (inputs, then outputs) and returns
the values to yield."""

OpT = TypeVar("OpT", bound=Operation)


class LoweringError(PassFailedException):
    """A charl op this pass cannot lower: `convert-charl-to-linalg: file:line:col: op: message`
    (the position of the op or of its nearest enclosing op that has a `FileLineColLoc`; left out
    when none has).

    `op` is the offending op, `message` the text without the position.
    """

    def __init__(self, op: Operation, message: str) -> None:
        self.op = op
        self.message = f"{op.name}: {message}"
        where = source_position(op)
        super().__init__(f"{PASS_NAME}: {where}: {self.message}" if where else f"{PASS_NAME}: {self.message}")


def source_position(op: Operation) -> str | None:
    """`file:line:col` of `op`, else of the nearest enclosing op that has one."""
    current: Operation | None = op
    while current is not None:
        loc = current.location
        if isinstance(loc, FileLineColLoc):
            return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
        current = current.parent_op()
    return None


def remaining_charl_ops(module: ModuleOp) -> list[Operation]:
    """Every charl op still in `module`, in walk order."""
    return [op for op in module.walk() if op.name.startswith("charl.")]


# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------


def is_float_type(t: Attribute) -> bool:
    """Whether the (element) type is `f32` or `f64`."""
    return isinstance(element_of(t), Float32Type | Float64Type)


def int_width(t: Attribute) -> int:
    """The width of an integer (element) type; 0 for anything else."""
    elem = element_of(t)
    return elem.width.data if isinstance(elem, IntegerType) else 0


def float_of(t: Attribute) -> Float32Type | Float64Type:
    """The float (element) type of `t` (the caller knows it is one)."""
    elem = element_of(t)
    assert isinstance(elem, Float32Type | Float64Type), f"{t} is not a float type"
    return elem


def tensor_of(t: Attribute) -> TensorType[Attribute]:
    """`t` as a tensor type (the caller knows it is one: the charl verifier checked it)."""
    return cast(TensorType[Attribute], t)


def retyped(t: Attribute, elem: Attribute) -> Attribute:
    """`t` with the element type `elem` (a scalar type when `t` is a scalar)."""
    return TensorType(elem, shape_of(t)) if isinstance(t, TensorType) else elem


def identity(rank: int) -> AffineMap:
    """The identity map of `rank` loops."""
    return AffineMap.identity(rank)


def projection(rank: int, kept: Sequence[int | None]) -> AffineMap:
    """A map from `rank` loops to the listed loops (`None` is the constant 0)."""
    exprs: list[AffineExpr] = [AffineConstantExpr(0) if d is None else AffineDimExpr(d) for d in kept]
    return AffineMap(rank, 0, tuple(exprs))


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------


@dataclass
class Emitter:
    """The ops replacing one charl op, in order, all at the charl op's location."""

    op: Operation
    ops: list[Operation] = field(default_factory=list[Operation])
    _indices: dict[int, SSAValue] = field(default_factory=dict[int, SSAValue])

    def add(self, op: OpT) -> OpT:
        """Appends `op` (located at the charl op) and returns it."""
        op.location = self.op.location
        self.ops.append(op)
        return op

    def value(self, op: Operation) -> SSAValue:
        """Appends a one-result op and returns its result."""
        return self.add(op).results[0]

    def replace(self, rewriter: PatternRewriter, results: Sequence[SSAValue]) -> None:
        """Replaces the charl op by the collected ops, its results by `results`.

        New results take the charl results' names; intermediate values are named after their op
        (`c0` for index constants, `empty`, `dim`, `generic`, ...)."""
        created = {r for op in self.ops for r in op.results}
        for new, old in zip(results, self.op.results, strict=True):
            if new in created and old.name_hint is not None:
                new.name_hint = old.name_hint
        for op in self.ops:
            for r in op.results:
                if r.name_hint is None:
                    r.name_hint = _default_name(op)
        rewriter.replace(self.op, self.ops, list(results))

    # --- constants ------------------------------------------------------------------------

    def index(self, n: int) -> SSAValue:
        """An `index` constant (one per value per lowering)."""
        if n not in self._indices:
            self._indices[n] = self.value(arith.ConstantOp(IntegerAttr(n, IndexType())))
        return self._indices[n]

    def const(self, value: float, t: Attribute) -> SSAValue:
        """A scalar constant of type `t` (float, integer or `i1`)."""
        elem = element_of(t)
        if isinstance(elem, Float32Type | Float64Type):
            return self.value(arith.ConstantOp(FloatAttr(float(value), elem)))
        assert isinstance(elem, IntegerType)
        return self.value(arith.ConstantOp(IntegerAttr(int(value), elem)))

    def size(self, s: Size) -> SSAValue:
        """A size as an `index` value."""
        return self.index(s) if isinstance(s, int) else s

    # --- sizes ----------------------------------------------------------------------------

    def dim(self, x: SSAValue, axis: int) -> Size:
        """The extent of `x` along `axis`: static, or a `tensor.dim`."""
        d = shape_of(x.type)[axis]
        return self.value(tensor.DimOp(x, self.index(axis))) if is_dynamic(d) else d

    def dims(self, x: SSAValue) -> list[Size]:
        """The extents of every dimension of `x`."""
        return [self.dim(x, axis) for axis in range(len(shape_of(x.type)))]

    def add_sizes(self, a: Size, b: Size) -> Size:
        """`a + b`, static when both are."""
        if isinstance(a, int) and isinstance(b, int):
            return a + b
        if a == 0 or b == 0:
            return b if a == 0 else a
        return self.value(arith.AddiOp(self.size(a), self.size(b)))

    def mul_sizes(self, a: Size, b: Size) -> Size:
        """`a * b`, static when both are."""
        if isinstance(a, int) and isinstance(b, int):
            return a * b
        if a == 1 or b == 1:
            return b if a == 1 else a
        return self.value(arith.MuliOp(self.size(a), self.size(b)))

    # --- tensors --------------------------------------------------------------------------

    def empty(self, t: Attribute, sizes: Sequence[Size]) -> SSAValue:
        """`tensor.empty` of type `t`; the `?` dims take their extent from `sizes`."""
        shape = shape_of(t)
        dynamic = [self.size(s) for d, s in zip(shape, sizes, strict=True) if is_dynamic(d)]
        return self.value(tensor.EmptyOp(dynamic, t))

    def filled(self, value: SSAValue, t: Attribute, sizes: Sequence[Size]) -> SSAValue:
        """A tensor of type `t` (extents `sizes`) whose every element is the scalar `value`."""
        init = self.empty(t, sizes)
        return self.value(linalg.FillOp([value], [init], [t]))

    def cast(self, x: SSAValue, t: Attribute) -> SSAValue:
        """`x` as type `t` (a `tensor.cast` when the types differ in `?` dims, else `x`)."""
        if x.type == t:
            return x
        return self.value(tensor.CastOp(x, tensor_of(t)))

    def generic(
        self,
        inputs: Sequence[SSAValue],
        outputs: Sequence[SSAValue],
        maps: Sequence[AffineMap],
        reductions: Sequence[bool],
        body: Body,
    ) -> list[SSAValue]:
        """A `linalg.generic` on tensors; `maps` are the inputs' then the outputs' indexing maps,
        `reductions` marks the loops that reduce. Returns one result per output."""
        block = Block(arg_types=[element_of(v.type) for v in (*inputs, *outputs)])
        inner = Emitter(self.op)
        yielded = body(inner, list(block.args))
        block.add_ops([*inner.ops, self._located(linalg.YieldOp(*yielded))])
        iterators = [IteratorTypeAttr.reduction() if r else IteratorTypeAttr.parallel() for r in reductions]
        op = linalg.GenericOp(
            list(inputs),
            list(outputs),
            Region(block),
            [AffineMapAttr(m) for m in maps],
            iterators,
            [v.type for v in outputs],
        )
        return list(self.add(op).results)

    def elementwise(self, inputs: Sequence[SSAValue], init: SSAValue, body: Body) -> SSAValue:
        """A parallel `linalg.generic` with identity maps from `inputs` (of `init`'s shape) into
        `init`; `body` gets the input elements (and the unused output element last)."""
        rank = len(shape_of(init.type))
        maps = [identity(rank)] * (len(inputs) + 1)
        return self.generic(inputs, [init], maps, [False] * rank, body)[0]

    def _located(self, op: OpT) -> OpT:
        op.location = self.op.location
        return op


def _default_name(op: Operation) -> str:
    """The name of an intermediate value: `cN` for the index constant N, `cst` for another
    constant, else the op's name without its dialect (`empty`, `dim`, `generic`, ...)."""
    if isinstance(op, arith.ConstantOp):
        value = op.value
        if isinstance(value, IntegerAttr) and isinstance(value.type, IndexType):
            n = value.value.data
            return f"c{n}" if n >= 0 else f"c_{-n}"
        return "cst"
    return op.name.split(".", 1)[1]


def dynamic_result_sizes(e: Emitter, result: Attribute, like: SSAValue) -> list[Size]:
    """The extents of `result`'s dims: static ones from the type, `?` ones from `like`."""
    return [e.dim(like, axis) if is_dynamic(d) else d for axis, d in enumerate(shape_of(result))]


def dyn_dims_as_sizes(result: Attribute, dyn_dims: Sequence[SSAValue]) -> list[Size]:
    """The extents of `result`'s dims, its `?` dims taken from `dyn_dims` in order."""
    values = iter(dyn_dims)
    return [next(values) if is_dynamic(d) else d for d in shape_of(result)]


def static_or_dynamic(sizes: Sequence[Size]) -> list[int]:
    """The static shape of `sizes` (`?` where a size is a value)."""
    return [s if isinstance(s, int) else DYNAMIC_INDEX for s in sizes]
