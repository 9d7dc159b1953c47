"""`charl-plan-memory`: elementwise ops written into the bytes of an input that dies at them.

`charl-bufferize` already writes an elementwise op into a dying input it owns. What is left for
the plan are pairs of arena buffers it could not see as one: a `linalg.generic` with only parallel
loops whose output `%out` is a fresh allocation first used by that op, and one of whose inputs
`%in` is an arena allocation of the same type, read through the same indexing map, that is not
used after the op (nor through another operand of it). Then `%out` becomes `%in`: element `i` is
read before it is written, by the same iteration, as in bufferize's own in-place rule. The
rewrite keeps distinct SSA values from overlapping (the contract of `convert-linalg-to-loops`).
"""

from __future__ import annotations

from xdsl.dialects import memref
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import Rewriter

from passes._plan_buffers import Analysis, Buffer


def write_in_place(analysis: Analysis) -> dict[memref.AllocOp, list[str]]:
    """Merges every pair found into its input's allocation (at most one pair per buffer per call:
    the analysis is stale after a merge); returns, for each input allocation, what it now also
    holds (`%out at line:col`)."""
    by_alloc = {b.alloc: b for b in analysis.buffers if not b.heap and b.size is not None}
    merged: dict[memref.AllocOp, list[str]] = {}
    busy: set[memref.AllocOp] = set()
    for out in list(by_alloc.values()):
        user = analysis.numbering.ops[out.live.first_use]
        if out.alloc in busy or not isinstance(user, GenericOp):
            continue
        source = _dying_input(analysis, by_alloc, out, user)
        if source is None or source.alloc in busy:
            continue
        busy |= {out.alloc, source.alloc}
        merged.setdefault(source.alloc, []).append(f"{out.name} at {out.where}")
        _merge(analysis, out, source)
    return merged


def _dying_input(
    analysis: Analysis, by_alloc: dict[memref.AllocOp, Buffer], out: Buffer, op: GenericOp
) -> Buffer | None:
    value = out.alloc.memref
    outputs = list(op.outputs)
    if outputs.count(value) != 1 or any(str(t.data) != "parallel" for t in op.iterator_types):
        return None
    maps = [m.data for m in op.get_indexing_maps()]
    position = len(op.inputs) + outputs.index(value)
    if op.body.block.args[position].uses:
        return None
    for k, candidate in enumerate(op.inputs):
        owner = candidate.owner
        source = by_alloc.get(owner) if isinstance(owner, memref.AllocOp) else None
        if source is None or source is out or candidate.type != value.type or maps[k] != maps[position]:
            continue
        if source.live.end == analysis.numbering.index[op] and _only_through(op, candidate, maps, position, analysis):
            return source
    return None


def _only_through(op: GenericOp, value: SSAValue, maps: list[object], position: int, analysis: Analysis) -> bool:
    """Whether every operand of `op` that may point to `value`'s allocation is `value` itself, read
    through the output's map."""
    site = value.owner
    for k, operand in enumerate(op.operands):
        if site in analysis.sites.get(operand, set()) and (operand is not value or maps[k] != maps[position]):
            return False
    return True


def _merge(analysis: Analysis, out: Buffer, source: Buffer) -> None:
    """`out`'s allocation replaced by `source`'s: `source`'s own deallocs go (those of `out` free it)."""
    for op in _deallocs_of(analysis, source.alloc):
        Rewriter.erase_op(op)
    out.alloc.memref.replace_all_uses_with(source.alloc.memref)
    Rewriter.erase_op(out.alloc)


def _deallocs_of(analysis: Analysis, alloc: memref.AllocOp) -> list[Operation]:
    return [
        op
        for op in analysis.numbering.ops
        if isinstance(op, memref.DeallocOp) and analysis.sites.get(op.memref, set()) == {alloc}
    ]
