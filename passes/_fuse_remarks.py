"""Remarks of `linalg-fuse-elementwise`: one per producer/consumer pair, fused or not, located at
the producer, and the names the remarks give to linalg ops.

A remark is plain data (`Remark`); the pass hands each one to a `RemarkSink` its creator gives it
(the driver renders them as `file:line:col: remark: message` with the source line), or prints it
to stderr when it has none.

Linalg ops keep no trace of the charl op they come from, so `OpNames` recovers it from the body of
a `linalg.generic`: `convert-charl-to-linalg` builds each elementwise body from the scalar rules
of `_charl_to_linalg_scalar`, so the same rules, run once on block arguments, give a table from
the shape of a body (op names and where each operand comes from) to the charl op
(`arith.mulf(arg0, arg1)` is `charl.mul`, `arith.maximumf(arg0, 0.0)` is `charl.relu`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xdsl.dialects import arith
from xdsl.dialects.builtin import FileLineColLoc, FloatAttr, IntegerType, f32, f64, i1
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Attribute, Block, Operation, SSAValue

from passes._charl_to_linalg_core import Emitter
from passes._charl_to_linalg_scalar import (
    FLOAT_BINARY,
    FLOAT_PREDICATES,
    FLOAT_UNARY,
    INT_BINARY,
    INT_UNARY,
    compare,
    convert,
)


@dataclass(frozen=True)
class Remark:
    """A message about one producer/consumer pair, at the producer's source position (`path` is
    None when neither the op nor an op around it has a `FileLineColLoc`)."""

    path: str | None
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        if self.path is None:
            return f"remark: {self.message}"
        return f"{self.path}:{self.line}:{self.col}: remark: {self.message}"


RemarkSink = Callable[[Remark], None]
"""Where a pass sends its remarks."""


def remark_at(op: Operation, message: str) -> Remark:
    """A remark at `op`'s location, else at that of the nearest enclosing op that has one."""
    current: Operation | None = op
    while current is not None:
        loc = current.location
        if isinstance(loc, FileLineColLoc):
            return Remark(loc.filename.data, loc.line.data, loc.column.data, message)
        current = current.parent_op()
    return Remark(None, 0, 0, message)


def print_remark(remark: Remark) -> None:
    """The sink of a pass that was given none: one line on stderr."""
    sys.stderr.write(f"{remark}\n")


Signature = tuple[tuple[str, tuple[tuple[int, ...], ...]], ...]
"""The shape of a body: per op, its name and, per operand, (0, arg) for a block argument,
(1, op, result) for an earlier op's result, (2,) for a value from outside."""


def signature(ops: Sequence[Operation], args: Sequence[SSAValue], yielded: Sequence[SSAValue]) -> Signature:
    """The shape of the straight-line code `ops` on `args` that yields `yielded`."""
    where: dict[SSAValue, tuple[int, ...]] = {a: (0, i) for i, a in enumerate(args)}
    entries: list[tuple[str, tuple[tuple[int, ...], ...]]] = []
    for k, op in enumerate(ops):
        entries.append((op.name, tuple(where.get(v, (2,)) for v in op.operands)))
        where.update({r: (1, k, n) for n, r in enumerate(op.results)})
    entries.append(("yield", tuple(where.get(v, (2,)) for v in yielded)))
    return tuple(entries)


Rule = Callable[[Emitter, list[SSAValue]], SSAValue]

CAST_TYPES: tuple[Attribute, ...] = (i1, IntegerType(4), IntegerType(8), IntegerType(32), IntegerType(64), f32, f64)
"""The element types `charl.cast` converts between (for the names table)."""


def _rules() -> list[tuple[str, list[Attribute], Rule]]:
    """Every scalar rule of `convert-charl-to-linalg`: (charl op name, argument types, rule)."""
    rules: list[tuple[str, list[Attribute], Rule]] = []
    for elem, binaries, unaries in ((f32, FLOAT_BINARY, FLOAT_UNARY), (IntegerType(32), INT_BINARY, INT_UNARY)):
        for kind, binary in binaries.items():
            rules.append((kind.name, [elem, elem], lambda e, a, r=binary: r(e, a[0], a[1])))
        for kind, unary in unaries.items():
            rules.append((kind.name, [elem], lambda e, a, r=unary: r(e, a[0])))
    for elem in (f32, IntegerType(32), i1):
        for predicate in FLOAT_PREDICATES:
            rules.append(("charl.compare", [elem, elem], lambda e, a, p=predicate: compare(e, p, a[0], a[1])))
    rules.append(("charl.select", [i1, f32, f32], lambda e, a: e.value(arith.SelectOp(a[0], a[1], a[2]))))
    for src in CAST_TYPES:
        for dst in CAST_TYPES:
            if src != dst:
                rules.append(("charl.cast", [src], lambda e, a, t=dst: convert(e, a[0], t)))
    return rules


def rule_table() -> dict[Signature, str]:
    """The shape of each scalar rule's code -> its charl op; a body that only yields its first
    argument is a `charl.broadcast_to`."""
    anchor = arith.ConstantOp(FloatAttr(0.0, f32))  # only lends its location to the ops built
    table: dict[Signature, str] = {}
    block = Block(arg_types=[f32])
    table[signature([], block.args, [block.args[0]])] = "charl.broadcast_to"
    for name, types, rule in _rules():
        block = Block(arg_types=types)
        e = Emitter(anchor)
        value = rule(e, list(block.args))
        table.setdefault(signature(e.ops, block.args, [value]), name)
    return table


REDUCTION_MATMUL = (("arith.mulf", "arith.addf"), ("arith.muli", "arith.addi"))
"""The body op names of a batched matmul's generic."""


@dataclass
class OpNames:
    """The name a remark gives a linalg op: the charl op it computes when that can be told
    (`charl.mul`, `charl.reduce`, `charl.matmul`), else its own name. A fused op keeps the name
    of the consumer it replaces (`inherit`)."""

    table: dict[Signature, str] = field(default_factory=rule_table)
    known: dict[Operation, str] = field(default_factory=dict[Operation, str])

    def __call__(self, op: Operation) -> str:
        if op not in self.known:
            self.known[op] = self._describe(op)
        return self.known[op]

    def inherit(self, new: Operation, old: Operation) -> None:
        """`new` replaces `old`: it takes `old`'s name."""
        self.known[new] = self(old)

    def _describe(self, op: Operation) -> str:
        if isinstance(op, linalg.FillOp):
            return "charl.broadcast_to"
        if isinstance(op, linalg.MatmulOp):
            return "charl.matmul"
        if isinstance(op, linalg.TransposeOp):
            return "charl.transpose"
        if not isinstance(op, linalg.GenericOp):
            return op.name
        block = op.body.block
        body = list(block.ops)[:-1]
        if any(it != IteratorTypeAttr.parallel() for it in op.iterator_types):
            names = tuple(o.name for o in body)
            return "charl.matmul" if names in REDUCTION_MATMUL else "charl.reduce"
        yielded = block.last_op.operands if block.last_op is not None else ()
        return self.table.get(signature(body, block.args, yielded), "linalg.generic")
