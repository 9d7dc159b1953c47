"""IR generation: a checked Charl program -> a verified module of the `charl` dialect.

Each `FnInstance` becomes one `func.func @symbol` whose arguments and results are the flattened
leaves of its parameter and result types (a model argument is one argument per parameter, in path
order); the top-level statements become `func.func @main()`. Control flow becomes `scf.if`,
`scf.for` and `scf.while` carrying the mutable variables a region assigns. Every op gets the
`FileLineColLoc` of the AST node it comes from and every result a `name_hint`.

IR is built directly at an insertion point (no rewriting): `FnGen.emit` appends to the current
block. `FnGen` implements the `Gen` protocol of `charlc.irgen_api` for the modules that lower
built-in calls, models, gradients and optimizers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    FileLineColLoc,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from charlc import irgen_shape as shape
from charlc import irgen_types as types
from charlc import syntax as ast
from charlc.checked import CheckedProgram, FnInstance
from charlc.diagnostics import Source
from charlc.irgen_expr import gen_expr
from charlc.irgen_scope import ExitAnalysis, LoopCtx, ReturnCtx, Scope, Var
from charlc.irgen_stmt import gen_function_body
from charlc.irgen_types import IRGenInternalError, PyTree, valid_name
from charlc.types import BOOL, TensorType, Type
from dialects.charl import BroadcastToOp, ConstantOp

MAX_SPLAT_ELEMENTS = 1024  # larger splat constants are a scalar and a broadcast

__all__ = ["FnGen", "IRGenInternalError", "ModuleGen", "generate", "valid_name"]


def generate(checked: CheckedProgram, source: Source, capture: str | None = None) -> ModuleOp:
    """Generate the verified `charl` module of a checked program; with `capture` (a folder, for
    `charlc quant-report`) the program saves what `charlc.irgen_capture` lists into it.

    A verification failure is a compiler bug and raises `IRGenInternalError`.
    """
    gen = ModuleGen(checked, source, capture)
    for inst in checked.instances:
        gen.function(inst)
    gen.function(checked.main)
    try:
        gen.module.verify()
    except Exception as err:  # xDSL raises VerifyException and, for some ops, plain Exception
        raise IRGenInternalError(f"irgen produced an invalid module (a compiler bug): {err}") from err
    return gen.module


class ModuleGen:
    """The module being built and the functions generated so far (each instance once)."""

    def __init__(self, checked: CheckedProgram, source: Source, capture: str | None = None) -> None:
        self.program = checked
        self.source = source
        self.capture = capture
        self.module = ModuleOp([])
        self.done: dict[FnInstance, str] = {}
        self.active: set[FnInstance] = set()

    def function(self, inst: FnInstance) -> str:
        """Generate `inst`'s `func.func` unless already done; returns its symbol."""
        if inst in self.done:
            return self.done[inst]
        if inst in self.active:
            raise IRGenInternalError(f"irgen: recursive instance {inst.symbol} reached irgen")
        self.active.add(inst)
        op = FnGen(self, inst).build()
        self.active.discard(inst)
        self.module.body.block.add_op(op)
        self.done[inst] = inst.symbol
        return inst.symbol


def short_name(op: Operation) -> str:
    """The op's name without its dialect: `charl.matmul` -> `matmul`."""
    return op.name.split(".", 1)[-1]


class FnGen:
    """Generates one function body; implements `charlc.irgen_api.Gen`."""

    def __init__(self, mod: ModuleGen, inst: FnInstance) -> None:
        self.mod = mod
        self.program: CheckedProgram = mod.program
        self.capture: str | None = mod.capture
        self.inst: FnInstance = inst
        self.entry = Block()
        self.block = self.entry
        self.scope = Scope()
        self.loops: list[LoopCtx] = []
        self.ret: ReturnCtx | None = None
        self.exits = ExitAnalysis()
        self.sym_dims: dict[str, SSAValue] = {}
        self._locs: dict[tuple[int, int], FileLineColLoc] = {}

    # ---- function structure --------------------------------------------------------------

    def build(self) -> func.FuncOp:
        """The `func.func` of the instance."""
        inst = self.inst
        arg_types = [t for p in inst.param_types for t in self.ir_types(p)]
        res_types = self.ir_types(inst.ret)
        self.entry = Block(arg_types=arg_types)
        self.block = self.entry
        self._bind_params()
        gen_function_body(self, res_types)
        op = func.FuncOp(inst.symbol, (arg_types, res_types), Region(self.entry))
        op.location = self.loc(inst.decl.span)
        return op

    def _bind_params(self) -> None:
        args = list(self.entry.args)
        pos = 0
        params = self.inst.decl.params
        if len(params) != len(self.inst.param_types):
            raise IRGenInternalError(
                f"irgen: {self.inst.symbol} has {len(params)} parameters but "
                f"{len(self.inst.param_types)} parameter types"
            )
        for param, ptype in zip(params, self.inst.param_types, strict=True):
            n = len(self.ir_types(ptype))
            leaves = args[pos : pos + n]
            pos += n
            value = self.unflatten(ptype, leaves)
            for a, name in zip(leaves, types.leaf_names(value, param.name), strict=True):
                a.name_hint = name
                a.location = self.loc(param.span)
            self.scope.declare(Var(param.name, ptype, value, mutable=False))

    # ---- emitting ----------------------------------------------------------------------------

    def loc(self, span: ast.Span) -> FileLineColLoc:
        """The location attribute of a span (cached)."""
        key = (span.line, span.col)
        got = self._locs.get(key)
        if got is None:
            got = FileLineColLoc(StringAttr(self.mod.source.path), IntAttr(span.line), IntAttr(span.col))
            self._locs[key] = got
        return got

    def emit(self, op: Operation, span: ast.Span, hint: str | None = None) -> Operation:
        """Append `op` to the current block with the location of `span`; name its results."""
        self.locate(op, span, hint)
        self.block.add_op(op)
        return op

    def locate(self, op: Operation, span: ast.Span, hint: str | None = None) -> Operation:
        """Give `op` the location of `span` and name its results `hint` (or the op's short name)."""
        op.location = self.loc(span)
        name = valid_name(hint or short_name(op))
        for r in op.results:
            r.name_hint = name
        return op

    def emit_at_entry(self, op: Operation, span: ast.Span, hint: str | None = None) -> SSAValue:
        """Insert `op` (depending only on function arguments) at the start of the function."""
        self.locate(op, span, hint)
        first = self.entry.first_op
        if first is None:
            self.entry.add_op(op)
        else:
            self.entry.insert_op_before(op, first)
        return op.results[0]

    @contextmanager
    def at(self, block: Block) -> Iterator[None]:
        """Emit into `block` (at its end) inside the `with`."""
        saved = self.block
        self.block = block
        try:
            yield
        finally:
            self.block = saved

    def value(self, op: Operation, span: ast.Span, hint: str | None = None) -> SSAValue:
        """Emit a one-result op and return its result."""
        return self.emit(op, span, hint).results[0]

    # ---- types and pytrees ---------------------------------------------------------------------

    def type_of(self, e: ast.Expr) -> Type:
        """The checked type of `e` in the current instance."""
        t = self.inst.types.get(e)
        if t is None:
            raise IRGenInternalError(f"irgen: no type for {type(e).__name__} at {e.span.line}:{e.span.col}")
        return t

    def tensor_type_of(self, e: ast.Expr) -> TensorType:
        """The checked type of `e`, which must be a tensor or scalar."""
        t = self.type_of(e)
        if not isinstance(t, TensorType):
            raise IRGenInternalError(f"irgen: expected a tensor at {e.span.line}:{e.span.col}, got {t}")
        return t

    def ir_type(self, t: Type) -> Attribute:
        """The IR type of a tensor/scalar Charl type."""
        return types.ir_type(t)

    def ir_types(self, t: Type) -> list[Attribute]:
        """The flattened IR types of any Charl type."""
        return types.ir_types(t, self.program.models)

    def flatten(self, value: PyTree) -> list[SSAValue]:
        """The leaves of a pytree, in order."""
        return types.flatten(value)

    def unflatten(self, t: Type, leaves: Sequence[SSAValue]) -> PyTree:
        """Rebuild a pytree of type `t` from its leaves."""
        return types.unflatten(t, leaves, self.program.models)

    # ---- values ------------------------------------------------------------------------------

    def constant(self, value: float | int | bool, t: Type, span: ast.Span) -> SSAValue:
        """A scalar or splat tensor constant of Charl type `t` (static shape)."""
        if not isinstance(t, TensorType) or not t.is_static:
            raise IRGenInternalError(f"irgen: constant of non-static type {t}")
        if math.prod(d for d in t.shape if isinstance(d, int)) > MAX_SPLAT_ELEMENTS:
            # xDSL stores a splat's every element: broadcast a scalar instead of materializing it.
            scalar = self.constant(value, TensorType(t.dtype), span)
            return self.value(BroadcastToOp(scalar, self.ir_type(t)), span)
        return self.value(ConstantOp(types.const_attr(t, [value])), span)  # type: ignore[arg-type]

    def bool_constant(self, value: bool, span: ast.Span) -> SSAValue:
        """An `i1` scalar constant."""
        return self.constant(value, BOOL, span)

    def index(self, value: int | SSAValue, span: ast.Span) -> SSAValue:
        """An `index` value from a Python int or an int32/int64 scalar value."""
        if isinstance(value, int):
            hint = "c" + str(value).replace("-", "m")
            return self.value(arith.ConstantOp(IntegerAttr(value, IndexType())), span, hint)
        if isinstance(value.type, IndexType):
            return value
        if not isinstance(value.type, IntegerType):
            raise IRGenInternalError(f"irgen: index from a value of type {value.type}")
        return self.value(arith.IndexCastOp(value, IndexType()), span)

    def broadcast(
        self, value: SSAValue, src: Type, dst: Type, span: ast.Span, dyn_dims: Sequence[SSAValue] = ()
    ) -> SSAValue:
        """`value` broadcast from `src` to `dst`'s shape (as is when the IR types are equal)."""
        return shape.broadcast(self, value, src, dst, span, dyn_dims)

    def dims_of(self, value: SSAValue, t: Type, span: ast.Span) -> list[SSAValue]:
        """`index` values for the dynamic dims of `t`, read from `value`."""
        return shape.dims_of(self, value, t, span)

    def coerce(self, value: PyTree, t: Type, span: ast.Span) -> PyTree:
        """`value` with every leaf converted to the IR type `t` gives it (static <-> `?` dims)."""
        return shape.coerce(self, value, t, span)

    def zeros(self, t: Type, span: ast.Span) -> PyTree:
        """A value of type `t` whose leaves are zeros (dynamic dims get size 0)."""
        return shape.zeros(self, t, span)

    # ---- expressions and calls -------------------------------------------------------------

    def expr(self, e: ast.Expr) -> PyTree:
        """Generate an expression of the current instance; returns its value."""
        return gen_expr(self, e)

    def symbol(self, inst: FnInstance) -> str:
        """The symbol of `inst`'s `func.func`, generating the function first if needed."""
        return self.mod.function(inst)

    def call(self, inst: FnInstance, args: Sequence[PyTree], span: ast.Span) -> PyTree:
        """Call a function instance (generating it on first use) with pytree arguments."""
        symbol = self.symbol(inst)
        leaves: list[SSAValue] = []
        for a, t in zip(args, inst.param_types, strict=True):
            leaves += self.flatten(self.coerce(a, t, span))
        op = self.emit(func.CallOp(symbol, leaves, self.ir_types(inst.ret)), span, inst.decl.name)
        return self.unflatten(inst.ret, list(op.results))
