"""`charl-plan-memory`: the source position of a buffer.

`charl-bufferize` creates its allocations and linalg ops without locations, but the scalar ops in
linalg bodies and the ops around them keep the `FileLineColLoc` of the Charl expression they come
from. A buffer's position is that of its `memref.alloc` when it has one, else that of the first op
that uses it (or of an op inside that op's body), else that of the nearest op before it in its
block, else that of an enclosing op.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import FileLineColLoc
from xdsl.ir import Operation


@dataclass(frozen=True)
class Where:
    """A source position and the op that carries it (None when nothing around has one)."""

    op: Operation | None
    path: str = ""
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.line}:{self.col}" if self.op is not None else "?"


def _located(op: Operation) -> Operation | None:
    """`op` or the first op inside it with a `FileLineColLoc`."""
    for inner in op.walk():
        if isinstance(inner.location, FileLineColLoc):
            return inner
    return None


def where(op: Operation) -> Where:
    """The source position of the buffer `op` allocates (or of `op` itself)."""
    found = op if isinstance(op.location, FileLineColLoc) else None
    users = [use.operation for result in op.results for use in result.uses]
    for user in users:
        found = found or _located(user)
    previous = op.prev_op
    while found is None and previous is not None:
        found = _located(previous)
        previous = previous.prev_op
    parent = op.parent_op()
    while found is None and parent is not None:
        found = parent if isinstance(parent.location, FileLineColLoc) else None
        parent = parent.parent_op()
    if found is None:
        return Where(None)
    loc = found.location
    assert isinstance(loc, FileLineColLoc)
    return Where(found, loc.filename.data, loc.line.data, loc.column.data)
