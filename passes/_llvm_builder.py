"""The state convert-to-llvm keeps while lowering one function, and the helpers its rules share.

`FuncBuilder` appends llvm ops to the current block of the new `llvm.func`, maps every MLIR value
to what it lowered to, and keeps constants and fixed-size stack slots in the entry block (a
prologue that branches to the body), so that they dominate every use and are never re-executed
inside a loop. Rules (one per op class, `Rule`) are handed in by the pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    IntegerType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import PassFailedException

from passes._llvm_types import I64, Descriptor, Field, Lowered, Unranked, flat_types, unflatten

OpT = TypeVar("OpT", bound=Operation)
Rule = Callable[["FuncBuilder", Operation], None]
"""Lowers one op at the builder's insertion point and records what its results lowered to."""

RuleKey = type[Operation] | str
"""An op class, or an op name (for ops xDSL lacks that another pass defines, like `arith.remf`)."""


@dataclass
class ModuleState:
    """What every function of the module shares: options, signatures, external declarations."""

    fastmath: llvm.FastMathAttr
    signatures: dict[str, FunctionType]
    defined: set[str]
    alloc_symbol: str = "malloc"
    free_symbol: str = "free"
    externs: dict[str, llvm.FuncOp] = field(default_factory=dict[str, llvm.FuncOp])
    chunks: frozenset[str] = frozenset()
    """The chunk functions of `charl-parallelize-loops` (`charl.chunk`), which `scf.parallel` may
    call on sub-ranges."""
    helpers: dict[str, llvm.FuncOp] = field(default_factory=dict[str, llvm.FuncOp])
    """Functions the lowering defines (the context entries of chunks), appended to the module."""

    def extern(self, name: str, inputs: Sequence[Attribute], output: Attribute | None) -> str:
        """Declares the C function `name` once (unless the module has it) and returns its name."""
        if name not in self.externs and name not in self.defined:
            fn_type = llvm.LLVMFunctionType(list(inputs), output)
            self.externs[name] = llvm.FuncOp(name, fn_type, linkage=llvm.LinkageAttr("external"))
        return name


@dataclass
class Returns:
    """How `func.return` leaves the current function: `void`, `direct`, or stored through `out`."""

    mode: str
    out: SSAValue | None = None
    struct: llvm.LLVMStructType | None = None


class FuncBuilder:
    """Lowers the ops of one function into the blocks of an `llvm.func` body."""

    def __init__(self, module: ModuleState, body: Region, rules: Mapping[RuleKey, Rule]) -> None:
        self.module = module
        self.region = body
        self.entry = body.blocks[0]
        self.block = self.entry
        self.values: dict[SSAValue, Lowered] = {}
        self.block_map: dict[Block, Block] = {}
        self.returns = Returns("void")
        self._rules = rules
        self._consts: dict[tuple[Attribute, int | str], SSAValue] = {}
        self._known: dict[SSAValue, int] = {}

    # --- emission -------------------------------------------------------------------------------

    def emit(self, op: OpT) -> OpT:
        """Appends `op` to the current block."""
        self.block.add_op(op)
        return op

    def value(self, op: Operation) -> SSAValue:
        """Appends `op` and returns its only result."""
        return self.emit(op).results[0]

    def prologue(self, op: Operation) -> SSAValue:
        """Appends `op` to the entry block (constants, fixed-size allocas) and returns its result."""
        self.entry.add_op(op)
        return op.results[0]

    def const(self, value: int | float, t: Attribute) -> SSAValue:
        """A constant of LLVM scalar type `t`, created once per function in the entry block."""
        key = (t, value.hex() if isinstance(value, float) else value)
        if key not in self._consts:
            if isinstance(t, IntegerType):
                attr: Attribute = IntegerAttr(int(value), t)
            else:
                assert isinstance(t, Float16Type | Float32Type | Float64Type), f"constant of type {t}"
                attr = FloatAttr(float(value), t)
            self._consts[key] = self.prologue(llvm.ConstantOp(attr, t))
            if t == I64:
                self._known[self._consts[key]] = int(value)
        return self._consts[key]

    def static(self, f: Field) -> Field:
        """`f` as an int when it is a known i64 constant."""
        return self._known.get(f, f) if isinstance(f, SSAValue) else f

    def field(self, f: Field) -> SSAValue:
        """An `i64` value for a descriptor field."""
        return self.const(f, I64) if isinstance(f, int) else f

    def add(self, a: Field, b: Field) -> Field:
        """`a + b` on i64 fields, folded where static."""
        a, b = self.static(a), self.static(b)
        if isinstance(a, int) and isinstance(b, int):
            return a + b
        if a == 0:
            return b
        if b == 0:
            return a
        return self.value(llvm.AddOp(self.field(a), self.field(b)))

    def mul(self, a: Field, b: Field) -> Field:
        """`a * b` on i64 fields, folded where static."""
        a, b = self.static(a), self.static(b)
        if isinstance(a, int) and isinstance(b, int):
            return a * b
        if a == 0 or b == 0:
            return 0
        if a == 1:
            return b
        if b == 1:
            return a
        return self.value(llvm.MulOp(self.field(a), self.field(b)))

    def call(self, name: str, args: Sequence[SSAValue], result: Attribute | None) -> SSAValue | None:
        """Calls the C function `name` (declared on first use)."""
        callee = self.module.extern(name, [a.type for a in args], result)
        op = self.emit(llvm.CallOp(callee, *args, return_type=result))
        return op.returned

    # --- values ---------------------------------------------------------------------------------

    def put(self, value: SSAValue, lowered: Lowered) -> None:
        """Records what `value` lowered to."""
        self.values[value] = lowered

    def lowered(self, value: SSAValue) -> Lowered:
        """What `value` lowered to."""
        if value not in self.values:
            raise PassFailedException(f"convert-to-llvm: {value.name_hint or 'a value'} is used before it is lowered")
        return self.values[value]

    def get(self, value: SSAValue) -> SSAValue:
        """The LLVM value of a scalar."""
        result = self.lowered(value)
        assert isinstance(result, SSAValue), "memref where a scalar is expected"
        return result

    def memref(self, value: SSAValue) -> Descriptor:
        """The descriptor of a memref."""
        result = self.lowered(value)
        assert isinstance(result, Descriptor), "scalar or unranked memref where a ranked memref is expected"
        return result

    def unranked(self, value: SSAValue) -> Unranked:
        """The (rank, descriptor pointer) pair of an unranked memref."""
        result = self.lowered(value)
        assert isinstance(result, Unranked), "not an unranked memref"
        return result

    def flatten(self, values: Sequence[Lowered]) -> list[SSAValue]:
        """The scalars `values` flatten to, static descriptor fields materialized."""
        flat: list[SSAValue] = []
        for v in values:
            flat.extend([self.field(f) for f in v.fields()] if isinstance(v, Descriptor | Unranked) else [v])
        return flat

    # --- blocks and regions ---------------------------------------------------------------------

    def new_block(self, types: Sequence[Attribute] = ()) -> Block:
        """A detached block whose arguments hold values of MLIR types `types`, flattened."""
        return Block(arg_types=[t for ty in types for t in flat_types(ty)])

    def start(self, block: Block) -> None:
        """Appends `block` to the function and makes it the insertion point."""
        self.region.add_block(block)
        self.block = block

    def lower_op(self, op: Operation) -> None:
        """Lowers one op by its rule: the rule of its class, else the rule of its name."""
        rule = self._rules.get(type(op)) or self._rules.get(op.name)
        if rule is None:
            raise PassFailedException(f"convert-to-llvm: no lowering for {op.name}")
        rule(self, op)

    def lower_body(self, block: Block, args: Sequence[Lowered]) -> Operation:
        """Lowers a single-block region given its arguments; returns its (unlowered) terminator."""
        for arg, value in zip(block.args, args, strict=True):
            self.put(arg, value)
        terminator = block.last_op
        assert terminator is not None
        for op in block.ops:
            if op is not terminator:
                self.lower_op(op)
        return terminator

    def loop(
        self,
        bounds: tuple[SSAValue, SSAValue, SSAValue],
        carried: Sequence[Lowered],
        body: Callable[[SSAValue, list[Lowered]], Sequence[Lowered]],
        unsigned: bool = False,
    ) -> list[Lowered]:
        """`for iv = lb; iv < ub; iv += step` with loop-carried values; returns their final values.

        Blocks: a header (`iv` and the carried values as arguments) that tests the bound, the body,
        and an exit whose insertion point is left current.
        """
        lb, ub, step = bounds
        types = [lb.type, *[v.type for v in carried]]
        header, body_block, exit_block = self.new_block(types), Block(), Block()
        self.emit(llvm.BrOp(header, *self.flatten([lb, *carried])))
        self.start(header)
        iv, *state = unflatten(types, header.args)
        assert isinstance(iv, SSAValue)
        pred = "ult" if unsigned else "slt"
        pred_attr = IntegerAttr(llvm.ICmpPredicateFlag(pred).to_int(), I64)
        cond = self.value(llvm.ICmpOp(iv, ub, pred_attr))
        self.emit(llvm.CondBrOp(cond, body_block, (), exit_block, ()))
        self.start(body_block)
        next_state = body(iv, state)
        next_iv = self.value(llvm.AddOp(iv, step))
        self.emit(llvm.BrOp(header, *self.flatten([next_iv, *next_state])))
        self.start(exit_block)
        return state
