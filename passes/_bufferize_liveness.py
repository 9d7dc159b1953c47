"""Liveness over structured IR for `charl-bufferize`.

Every value is defined in one block (an op's result in the op's block, a block argument in its
block). Its last use is the position, in that block, of the last op that uses it, where a use
inside a region nested in an op (an `scf.for` body, an `scf.if` branch) counts as a use at that op.
So a value used inside a loop stays live until the loop ends, and the loop body never sees a value
from outside die. A memref is also used where a view of it (`memref.cast`, `subview`, reshapes,
`reinterpret_cast`) is used. Positions are those of the IR before the pass changes it: the
analysis runs once per function, and the pass keeps asking about the original values and ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import memref
from xdsl.ir import Block, Operation, SSAValue

_VIEWS = (memref.CastOp, memref.SubviewOp, memref.CollapseShapeOp, memref.ExpandShapeOp, memref.ReinterpretCastOp)


@dataclass
class Liveness:
    """Positions of ops in their blocks, and where each value is defined and last used."""

    index: dict[Operation, int] = field(default_factory=dict[Operation, int])
    block_of: dict[SSAValue, Block] = field(default_factory=dict[SSAValue, Block])
    last: dict[SSAValue, int] = field(default_factory=dict[SSAValue, int])
    nested: dict[SSAValue, set[Operation]] = field(default_factory=dict[SSAValue, set[Operation]])
    """For a value, the ops of its block inside whose regions it is used."""
    last_inside: dict[tuple[SSAValue, Block], int] = field(default_factory=dict[tuple[SSAValue, Block], int])
    """For a value and a block nested in the value's block, the position in that block of the last
    op that uses the value (itself or inside its regions)."""

    @staticmethod
    def of(op: Operation) -> Liveness:
        """The liveness of every value defined inside the regions of `op` (a function)."""
        live = Liveness()
        blocks = [block for region in op.regions for block in region.blocks]
        while blocks:
            block = blocks.pop()
            live._number(block)
            blocks.extend(b for o in block.ops for r in o.regions for b in r.blocks)
        for value in list(live.block_of):
            live._scan_uses(value)
        live._extend_through_views(op)
        return live

    def _number(self, block: Block) -> None:
        for arg in block.args:
            self.block_of[arg] = block
            self.last[arg] = -1
        for k, op in enumerate(block.ops):
            self.index[op] = k
            for result in op.results:
                self.block_of[result] = block
                self.last[result] = k

    def _scan_uses(self, value: SSAValue) -> None:
        block = self.block_of[value]
        for use in value.uses:
            user = self.ancestor_in(use.operation, block)
            if user is None:
                continue
            self.last[value] = max(self.last[value], self.index[user])
            if user is not use.operation:
                self.nested.setdefault(value, set()).add(user)
            inner: Operation | None = use.operation
            while inner is not None and inner is not user:
                key = (value, inner.parent_block())
                self.last_inside[key] = max(self.last_inside.get(key, -1), self.index[inner])  # type: ignore[index]
                inner = inner.parent_op()

    def _extend_through_views(self, op: Operation) -> None:
        views = [o for o in op.walk() if isinstance(o, _VIEWS)]
        for view in reversed(views):
            source, result = view.operands[0], view.results[0]
            if self.block_of.get(source) is self.block_of.get(result):
                self.last[source] = max(self.last[source], self.last[result])
                self.nested.setdefault(source, set()).update(self.nested.get(result, set()))

    def ancestor_in(self, op: Operation, block: Block) -> Operation | None:
        """`op` or the op that contains it whose block is `block` (None when outside `block`)."""
        current: Operation | None = op
        while current is not None and current.parent_block() is not block:
            current = current.parent_op()
        return current

    def dead_after(self, value: SSAValue, block: Block, position: int) -> bool:
        """Whether `value` is unused after the op at `position` of `block`, as seen from that block.

        A value defined in an enclosing block is live throughout; one defined in a nested block is dead
        (its block ran inside an earlier op).
        """
        home = self.block_of.get(value)
        if home is None:
            return False
        if home is block:
            return self.last[value] <= position
        return not self._encloses(home, block)

    def last_use_in(self, value: SSAValue, block: Block) -> int:
        """The position in `block` (the value's block, or one nested in it) of the last op that
        uses `value`; -1 when none does."""
        if self.block_of.get(value) is block:
            return self.last[value]
        return self.last_inside.get((value, block), -1)

    def _encloses(self, outer: Block, inner: Block) -> bool:
        current: Block | None = inner
        while current is not None:
            if current is outer:
                return True
            parent = current.parent_op()
            current = parent.parent_block() if parent is not None else None
        return False

    def used_inside(self, value: SSAValue, op: Operation) -> bool:
        """Whether `value` is used inside the regions of `op`."""
        return op in self.nested.get(value, set())
