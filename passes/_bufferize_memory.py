"""`charl-bufferize` rules for constants, the bufferization dialect and memrefs already in the input.

- `arith.constant dense<...> : tensor<...>` -> a private `memref.global constant` (one per distinct
  value, named `__constant_<shape><type>[_<n>]`) and `memref.get_global`; never freed, never written
  (an op that would update it in place writes a copy).
- `bufferization.to_tensor %m` -> `%m` itself: the tensor owns `%m` when `%m` is a `memref.alloc` of
  the function (freed after the tensor's last use), else borrows it.
- `bufferization.to_buffer %t` -> the buffer of `%t` (cast, or copied when a view must become an
  identity layout). The memref counts as a use of that buffer until its own last use (through
  `memref.cast`s), so nothing writes the buffer in place while the memref is still read. Without
  `read_only` the memref may be written: it is a copy unless `%t`'s buffer dies at the op.
- `memref.alloc`, `memref.get_global` and `memref.cast` of the input become roots or aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, bufferization, memref
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, MemRefType, ModuleOp, StringAttr, TensorType, UnitAttr
from xdsl.ir import Attribute, Operation
from xdsl.rewriter import Rewriter

from passes._bufferize_state import Buffers, Kind
from passes._bufferize_tensor import Rule, replace
from passes._bufferize_types import buffer_type, cast_compatible


@dataclass
class Globals:
    """The `memref.global` constants of a module, by type and value."""

    module: ModuleOp
    names: dict[tuple[Attribute, Attribute], str] = field(default_factory=dict[tuple[Attribute, Attribute], str])

    def symbol(self, value: DenseIntOrFPElementsAttr, t: MemRefType) -> str:
        """The name of the global holding `value` (created on first use)."""
        key = (t, value)
        if key in self.names:
            return self.names[key]
        taken = {op.sym_name.data for op in self.module.ops if isinstance(op, memref.GlobalOp)}
        taken.update(self.names.values())
        stem = "__constant_" + "".join(f"{n}x" for n in t.get_shape()) + str(t.element_type)
        name, n = stem, 0
        while name in taken:
            n += 1
            name = f"{stem}_{n}"
        op = memref.GlobalOp.get(StringAttr(name), t, value, constant=UnitAttr())
        block = self.module.body.block
        if block.first_op is None:
            block.add_op(op)
        else:
            block.insert_op_before(op, block.first_op)
        self.names[key] = name
        return name


def constant_rule(globals_: Globals) -> Rule:
    """The rule for `arith.constant`, adding globals to `globals_`."""

    def rule(b: Buffers, op: Operation) -> None:
        assert isinstance(op, arith.ConstantOp)
        value = op.value
        if not isinstance(op.result.type, TensorType):
            return
        if op.result.uses:
            t = buffer_type(op.result.type)
            assert isinstance(t, MemRefType) and isinstance(value, DenseIntOrFPElementsAttr)
            get = b.insert(memref.GetGlobalOp(globals_.symbol(value, t), t)).results[0]
            replace(b, op.result, get, b.new_root(Kind.GLOBAL, get))
        Rewriter.erase_op(op)

    return rule


def _to_tensor(b: Buffers, op: Operation) -> None:
    assert isinstance(op, bufferization.ToTensorOp)
    replace(b, op.tensor, op.memref, b.root_of(op.memref))
    Rewriter.erase_op(op)


def _to_buffer(b: Buffers, op: Operation) -> None:
    assert isinstance(op, bufferization.ToBufferOp)
    source, target = op.tensor, op.memref.type
    writable = op.read_only is None and not b.dies_here(b.root_of(source))
    if writable or (not cast_compatible(source.type, target) and source.type != target):
        source = b.copy(source)
    value = source
    if source.type != target:
        value = b.insert(memref.CastOp.get(source, target)).results[0]
    replace(b, op.memref, value, b.root_of(source))
    Rewriter.erase_op(op)


def _alloc(b: Buffers, op: Operation) -> None:
    b.new_root(Kind.OWNED, op.results[0], [op.results[0]])


def _get_global(b: Buffers, op: Operation) -> None:
    b.new_root(Kind.GLOBAL, op.results[0])


def _cast(b: Buffers, op: Operation) -> None:
    b.alias(op.results[0], b.root_of(op.operands[0]), op.results[0])


def memory_rules(globals_: Globals) -> dict[type[Operation], Rule]:
    """The rules for constants, the bufferization dialect and input memrefs."""
    return {
        arith.ConstantOp: constant_rule(globals_),
        bufferization.ToTensorOp: _to_tensor,
        bufferization.ToBufferOp: _to_buffer,
        memref.AllocOp: _alloc,
        memref.GetGlobalOp: _get_global,
        memref.CastOp: _cast,
    }
