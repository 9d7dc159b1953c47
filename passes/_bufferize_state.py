"""The buffers of `charl-bufferize`: who owns each allocation, when it dies, and how to copy one.

Every memref value the pass deals with belongs to a `Root`: one allocation, or memory the function
may read but not write or free (a borrowed argument, a global constant). A root owned by a block is
written in place only by ops of that block, and freed by that block once the last of its members
(the original tensor values and memrefs that alias it, views included) has been used, unless the
block's terminator hands it over (an `scf.yield`, `scf.condition` or `func.return` operand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, IntegerAttr, MemRefType, UnknownLoc
from xdsl.ir import Block, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from passes._bufferize_liveness import Liveness
from passes._bufferize_types import identity_of


class Kind(Enum):
    """What the function may do with a root's memory."""

    OWNED = "owned"
    """Allocated here (or handed over by a callee or a region): writable, freed by its owner block."""
    BORROWED = "borrowed"
    """A function argument or memory of unknown origin: read only, never freed."""
    GLOBAL = "global"
    """A `memref.global` constant: read only, never freed."""


@dataclass(eq=False)
class Root:
    """One allocation and the values that alias it."""

    kind: Kind
    base: SSAValue
    """The memref of the whole allocation (what `memref.dealloc` takes)."""
    owner: Block | None = None
    members: list[SSAValue] = field(default_factory=list[SSAValue])
    """The original values (IR before the pass) whose buffers alias this root."""
    release: int = -1
    """The position in `owner` after which no member is used."""
    done: bool = False
    """Freed, or handed over to a region or a caller."""
    whole: set[SSAValue] = field(default_factory=set[SSAValue])
    """Memrefs other than `base` that view the whole allocation with the identity layout (casts,
    reshapes): handing one over hands over the allocation."""

    def is_whole(self, value: SSAValue) -> bool:
        """Whether `value` is the whole allocation with the identity layout."""
        return value is self.base or value in self.whole


@dataclass(eq=False)
class Scope:
    """A block being rewritten: its original ops, the current one, and the roots it owns."""

    block: Block
    ops: list[Operation]
    position: int = 0
    roots: list[Root] = field(default_factory=list[Root])
    due: dict[int, list[Root]] = field(default_factory=dict[int, list[Root]])
    taken: list[Root] = field(default_factory=list[Root])
    """Roots of the enclosing block that die at the `scf.if` whose branch this block is: the branch
    may write them in place once no later op of the branch reads them."""

    @property
    def current(self) -> Operation:
        """The original op being rewritten."""
        return self.ops[self.position]

    def after_current(self) -> InsertPoint:
        """Just after the current op and whatever replaced it."""
        if self.position + 1 < len(self.ops):
            return InsertPoint.before(self.ops[self.position + 1])
        return InsertPoint.at_end(self.block)


@dataclass
class Buffers:
    """The roots of one function, the block being rewritten, and the ops that build buffers."""

    live: Liveness
    roots: dict[SSAValue, Root] = field(default_factory=dict[SSAValue, Root])
    scopes: list[Scope] = field(default_factory=list[Scope])

    @property
    def scope(self) -> Scope:
        """The innermost block being rewritten."""
        return self.scopes[-1]

    def insert(self, op: Operation) -> Operation:
        """Inserts `op` before the current op (so after everything inserted for it so far), with
        the current op's location when it has none (allocations and linalg ops keep their source
        line: the memory plan reports it)."""
        if isinstance(op.location, UnknownLoc):
            op.location = self.scope.current.location
        Rewriter.insert_op(op, InsertPoint.before(self.scope.current))
        return op

    def root_of(self, value: SSAValue) -> Root:
        """The root of a memref value (a value of unknown origin is borrowed)."""
        root = self.roots.get(value)
        if root is None:
            root = Root(Kind.BORROWED, value)
            self.roots[value] = root
        return root

    def new_root(self, kind: Kind, base: SSAValue, members: Sequence[SSAValue] = ()) -> Root:
        """A root for `base`, owned (when `kind` is OWNED) by the current block, alive at least
        until the current op is done."""
        root = Root(kind, base)
        self.roots[base] = root
        if kind is Kind.OWNED:
            root.owner = self.scope.block
            self.scope.roots.append(root)
            self._due(root, self.scope.position)
        for member in members:
            self.add_member(root, member)
        return root

    def alias(self, value: SSAValue, root: Root, origin: SSAValue | None = None, whole: bool = False) -> None:
        """Records that memref `value` (standing for the original value `origin`) aliases `root`;
        `whole`: it is all of the allocation, with the identity layout."""
        self.roots[value] = root
        if whole:
            root.whole.add(value)
        if origin is not None:
            self.add_member(root, origin)

    def add_member(self, root: Root, origin: SSAValue) -> None:
        """Keeps `root` alive as long as the original value `origin` is used."""
        root.members.append(origin)
        if root.kind is Kind.OWNED and self.live.block_of.get(origin) is root.owner:
            self._due(root, self.live.last[origin])

    def _due(self, root: Root, position: int) -> None:
        if position > root.release:
            root.release = position
            scope = next(s for s in reversed(self.scopes) if s.block is root.owner)
            scope.due.setdefault(position, []).append(root)

    def writable(self, root: Root) -> bool:
        """Whether ops of the current block may write into `root`."""
        return root.kind is Kind.OWNED and root.owner is self.scope.block and not root.done

    def dies_here(self, root: Root) -> bool:
        """Whether `root` is writable here and none of its members is used after the current op
        (for a root the current `scf.if` branch took over: after the current op of the branch)."""
        scope = self.scope
        if root in scope.taken and not root.done:
            return all(self.live.last_use_in(m, scope.block) <= scope.position for m in root.members)
        return self.writable(root) and root.release <= scope.position

    def index(self, value: int) -> SSAValue:
        """An `index` constant, inserted before the current op."""
        return self.insert(arith.ConstantOp(IntegerAttr(value, IndexType()))).results[0]

    def dims(self, value: SSAValue, t: MemRefType) -> list[SSAValue]:
        """`memref.dim`s of `value` for the dynamic dims of `t`."""
        return [
            self.insert(memref.DimOp(value, self.index(k))).results[0]
            for k, size in enumerate(t.get_shape())
            if size == DYNAMIC_INDEX
        ]

    def alloc(self, t: MemRefType, sizes: Sequence[SSAValue], members: Sequence[SSAValue] = ()) -> SSAValue:
        """A new owned buffer of type `t` (identity layout) with dynamic sizes `sizes`."""
        value = self.insert(memref.AllocOp(list(sizes), [], t)).results[0]
        self.new_root(Kind.OWNED, value, members)
        return value

    def copy(self, value: SSAValue, members: Sequence[SSAValue] = ()) -> SSAValue:
        """A fresh identity-layout copy of memref `value`, owned by the current block."""
        t = value.type
        assert isinstance(t, MemRefType)
        target = identity_of(t)
        fresh = self.alloc(target, self.dims(value, target), members)
        self.insert(memref.CopyOp(value, fresh))
        return fresh

    def free(self, root: Root, where: InsertPoint, mark: bool = True) -> None:
        """Frees an owned root at `where` (on one path only, when not `mark`ed done)."""
        root.done = root.done or mark
        Rewriter.insert_op(memref.DeallocOp.get(root.base), where)

    def free_due(self) -> None:
        """Frees the roots of the current block whose members were last used by the current op."""
        scope = self.scope
        for root in scope.due.pop(scope.position, []):
            if not root.done and root.release == scope.position:
                self.free(root, scope.after_current())

    def free_rest(self) -> None:
        """Frees, before the current op (a terminator), every root of the block still held."""
        for root in self.scope.roots:
            if not root.done:
                self.free(root, InsertPoint.before(self.scope.current))
