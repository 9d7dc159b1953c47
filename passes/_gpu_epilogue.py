"""Integer matmul epilogues of `convert-linalg-to-gpu`: the elementwise op after a qgemm in its kernel.

After a templated integer matmul (`_gpu_qgemm`) writing `y`, GPT-2 adds the bias (`y += b`, in
place), the residual (`x = x + y + b`) or the bias and gelu. `find` recognizes such an *epilogue*:

- an all-parallel `linalg.generic` of static loop sizes without library call, one f32 output with an identity map, a
  body of `arith` and `math` ops on its arguments and constants;
- it reads `y` through `y` itself or reshapes of it (`collapse_shape`/`expand_shape` of an
  identity-layout `y`, which keep the row-major order) with an identity map, so that its point `i`
  (row-major) is the element `y[m, n]` with `i = m * N + n`; every other f32 input is read through
  dimensions and constants (a bias indexed by the column, a residual of the same shape);
- it comes later in the same block, with only *movable* ops between them: constants and other
  `arith` ops, views, `memref.get_global`, `memref.dim`, deallocations (moved after the epilogue)
  and the run-time checks `charl_rt_check_*` (which touch no buffer);
- memory: the inputs other than `y` provably do not overlap `y` (`_plan_alias.points_to`) and are
  the output itself (read at the element written) or do not overlap it; the output is `y` (the
  bias added in place) or overlaps neither `y` nor the matmul's inputs (other workgroups still read
  those while this one stores).

`wrap` replaces the pair by a *carrier* (a transient operand-less `linalg.generic` marked `CARRIER`
at the epilogue's place) holding the matmul, the reshapes of `y` the epilogue reads (cloned, so that
`y` is the kernel's only binding of that memory) and the epilogue, so that the launch captures
all their operands. The carrier is marked `STORE_Y` when `y` is used elsewhere (by more than the
pair, its views and deallocations) and the epilogue does not write it: the kernel then still
stores `y`. `body` builds the kernel's epilogue block (`EPILOGUE`) that the qgemm printer
(`charlc/wgsl_qgemm.py`) emits after computing each element of `y`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, IntegerAttr, MemRefType, NoneAttr, UnitAttr, f32
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import SymbolTable
from xdsl.utils.exceptions import PassFailedException

from passes._fuse_generic import is_parallel
from passes._gpu_qgemm import group_of
from passes._gpu_reduce import clone_body, scalar_body
from passes._loops_structure import loop_bound_sources, structured_view
from passes._plan_alias import OTHER, VIEWS, PointsTo
from passes._qgemm import operands

CARRIER = "charl.qgemm_epilogue"
"""On a carrier: the integer matmul, views of its output and the epilogue, computed by one kernel."""
STORE_Y = "charl.store_y"
"""On a carrier or its kernel: `y` is used elsewhere, so the kernel stores it besides the epilogue's output."""
EPILOGUE = "charl.epilogue"
"""On the one-trip `scf.for` of a qgemm kernel that holds the epilogue at the element just computed."""

_RESHAPES = (memref.CollapseShapeOp, memref.ExpandShapeOp)
_MOVABLE = (*VIEWS, memref.GetGlobalOp, memref.DimOp, memref.AllocOp)


@dataclass
class Epilogue:
    """A qgemm, its epilogue, the deallocations between them and whether `y` must still be stored."""

    qgemm: GenericOp
    op: GenericOp
    deallocs: list[memref.DeallocOp]
    store_y: bool


def is_carrier(op: Operation | None) -> bool:
    """Whether `op` is the carrier of a qgemm and its epilogue."""
    return isinstance(op, GenericOp) and CARRIER in op.attributes


def members(carrier: GenericOp) -> tuple[GenericOp, GenericOp]:
    """The carrier's integer matmul and epilogue."""
    generics = [o for o in carrier.body.block.ops if isinstance(o, GenericOp)]
    return generics[0], generics[-1]


def _row_major(value: SSAValue) -> bool:
    return isinstance(value.type, MemRefType) and isinstance(value.type.layout, NoneAttr)


def views_of(y: SSAValue) -> set[SSAValue]:
    """`y` and its row-major reshapes (`collapse_shape`/`expand_shape` chains of an identity-layout `y`)."""
    if not _row_major(y):
        return {y}
    return {y} | {v for v, user in uses_through(y, _RESHAPES) if user is None and _row_major(v)}


def uses_through(root: SSAValue, views: tuple[type[Operation], ...]) -> list[tuple[SSAValue, Operation | None]]:
    """The views of `root` through `views` ops (each with None) and the other users of `root` and
    of those views (each with the value it uses)."""
    found: list[tuple[SSAValue, Operation | None]] = []
    pending = [root]
    while pending:
        value = pending.pop()
        for use in value.uses:
            user = use.operation
            if isinstance(user, views) and user.operands[0] is value:
                found.append((user.results[0], None))
                pending.append(user.results[0])
            else:
                found.append((value, user))
    return found


def movable(op: Operation) -> bool:
    """Whether `op` may sit between a qgemm and its epilogue, or between the ops of a row chain: it
    reads and writes no buffer a kernel writes (its launch may move across it)."""
    if isinstance(op, func.CallOp):
        name = op.callee.root_reference.data
        return name.startswith("charl_rt_check_") or name.startswith("charl_gpu_access_") and _reads_constant(op)
    if op.name.startswith("arith."):
        return not op.regions
    return isinstance(op, (*_MOVABLE, memref.DeallocOp))


def _reads_constant(access: func.CallOp) -> bool:
    """Whether the host access `access` (`charl_gpu_access_<T>(buffer, writes)`) reads a constant
    global (the message of a run-time check): no kernel writes it, so launches may move across it."""
    buffer, writes = access.operands
    flag = writes.owner
    if not isinstance(flag, arith.ConstantOp) or flag.value != IntegerAttr(0, writes.type):
        return False
    while isinstance(buffer.owner, memref.CastOp):
        buffer = buffer.owner.source
    source = buffer.owner
    if not isinstance(source, memref.GetGlobalOp):
        return False
    found = SymbolTable.lookup_symbol(source, source.name_)
    return isinstance(found, memref.GlobalOp) and found.constant is not None


def _simple_map(map_: AffineMap) -> bool:
    return all(isinstance(e, AffineDimExpr | AffineConstantExpr) for e in map_.results)


def _disjoint(a: SSAValue, b: SSAValue, sites: PointsTo) -> bool:
    return not sites.get(a, {OTHER}) & sites.get(b, {OTHER})


def _stored_elsewhere(y: SSAValue, pair: tuple[Operation, Operation]) -> bool:
    """Whether `y` (or a view of it) is used by more than the pair, views and deallocations."""
    if not isinstance(y.owner, memref.AllocOp):
        return True
    users = [user for _, user in uses_through(y, VIEWS) if user is not None]
    return any(user not in pair and not isinstance(user, memref.DeallocOp) for user in users)


def find(qgemm: Operation, sites: PointsTo) -> Epilogue | None:
    """The epilogue the kernel of integer matmul `qgemm` can apply as it stores `y` (see the module's doc), or None."""
    if not isinstance(qgemm, GenericOp) or group_of(qgemm) is None:
        return None
    found = operands(qgemm)
    assert found is not None
    y = found.y
    between: list[Operation] = []
    op = qgemm.next_op
    while op is not None and not isinstance(op, GenericOp):
        if not movable(op):
            return None
        between.append(op)
        op = op.next_op
    if op is None or not _is_epilogue_form(op):
        return None
    ys = views_of(y)
    out = op.outputs[0]
    reads_y = [k for k, v in enumerate(op.inputs) if v in ys]
    identity = AffineMap.identity(len(op.iterator_types.data))
    if not reads_y or any(op.indexing_maps.data[k].data != identity for k in reads_y):
        return None
    writes_y = out in ys
    if not writes_y and not all(_disjoint(out, v, sites) for v in (y, found.xq, found.xs, found.q, found.s)):
        return None
    for k, value in enumerate(op.inputs):
        if k in reads_y:
            continue
        if not _simple_map(op.indexing_maps.data[k].data) or not _disjoint(value, y, sites):
            return None
        if value is out:
            if op.indexing_maps.data[k].data != identity:
                return None
        elif not _disjoint(value, out, sites):
            return None
    deallocs = [o for o in between if isinstance(o, memref.DeallocOp)]
    store_y = not writes_y and _stored_elsewhere(y, (qgemm, op))
    return Epilogue(qgemm, op, deallocs, store_y)


def _is_epilogue_form(op: GenericOp) -> bool:
    """An all-parallel generic of f32 memrefs, one output with an identity map, a body of arith and math."""
    if op.library_call is not None or len(op.outputs) != 1 or not is_parallel(op):
        return False
    if any(not isinstance(v.type, MemRefType) or v.type.element_type != f32 for v in op.operands):
        return False
    n = len(op.iterator_types.data)
    if op.indexing_maps.data[-1].data != AffineMap.identity(n):
        return False
    try:
        sizes = [size for _, _, size in loop_bound_sources(structured_view(op))]
    except PassFailedException:
        return False
    return DYNAMIC_INDEX not in sizes and scalar_body(op)


def wrap(epilogue: Epilogue) -> GenericOp:
    """Replaces the pair by its carrier at the epilogue's place; the deallocations between them
    move after it."""
    qgemm, op = epilogue.qgemm, epilogue.op
    carrier = GenericOp([], [], Region(Block()), [], [])
    carrier.attributes[CARRIER] = UnitAttr()
    if epilogue.store_y:
        carrier.attributes[STORE_Y] = UnitAttr()
    Rewriter.insert_op(carrier, InsertPoint.before(op))
    for dealloc in epilogue.deallocs:
        dealloc.detach()
        Rewriter.insert_op(dealloc, InsertPoint.after(carrier))
    block = carrier.body.block
    qgemm.detach()
    block.add_op(qgemm)
    y = qgemm.outputs[0]
    clones: dict[SSAValue, SSAValue] = {y: y}
    ys = views_of(y)
    for k, value in enumerate(op.operands):
        op.operands[k] = _cloned_view(value, clones, ys, block)
    op.detach()
    block.add_op(op)
    block.add_op(YieldOp())
    return carrier


def _cloned_view(value: SSAValue, clones: dict[SSAValue, SSAValue], ys: set[SSAValue], block: Block) -> SSAValue:
    """`value` itself, or when it is a reshape of `y` (in `ys`), its clone in `block` (`clones`
    maps `y` to itself and each reshape cloned so far to its clone)."""
    if value in clones or value not in ys:
        return clones.get(value, value)
    owner = value.owner
    assert isinstance(owner, Operation)
    source = _cloned_view(owner.operands[0], clones, ys, block)
    clone = owner.clone(value_mapper={owner.operands[0]: source})
    block.add_op(clone)
    clones[value] = clone.results[0]
    return clone.results[0]


def group(fn: func.FuncOp, sites: PointsTo) -> int:
    """Wraps every integer matmul of `fn` with an epilogue into its carrier; the number of pairs."""
    count = 0
    for op in list(fn.walk()):
        if op.parent is not None and not is_carrier(op.parent_op()):
            found = find(op, sites)
            if found is not None:
                wrap(found)
                count += 1
    return count


def body(
    b: Builder, carrier: GenericOp, mapping: dict[SSAValue, SSAValue], m: SSAValue, n: SSAValue, element: SSAValue
) -> None:
    """Kernel side, in the guard of element `(m, n)` of `y` after it was computed: a one-trip
    `scf.for` marked `EPILOGUE` whose induction variable is `element` (the row-major `m * N + n`)
    and whose block loads `y[m, n]` first, splits the induction variable into the epilogue's loop
    indices, loads the other inputs, clones the body and stores the output (`y[m, n]` when it is
    `y`). Every other value it uses is a kernel memref or made inside the block."""
    qgemm, op = members(carrier)
    y = mapping[qgemm.outputs[0]]
    ys = views_of(qgemm.outputs[0])
    loop_body = Block(arg_types=[IndexType()])
    eb = Builder(InsertPoint.at_end(loop_body))
    value = eb.insert(memref.LoadOp.get(y, [m, n])).res
    value.name_hint = "y"
    sizes = [size for _, _, size in loop_bound_sources(structured_view(op))]
    ids: list[SSAValue] = [loop_body.args[0]] * len(sizes)
    rest = loop_body.args[0]
    for loop in reversed(range(1, len(sizes))):
        bound = _index(eb, sizes[loop])
        ids[loop] = eb.insert(arith.RemUIOp(rest, bound)).result
        rest = eb.insert(arith.DivUIOp(rest, bound)).result
    ids[0] = rest
    block = op.body.block
    mapper: dict[SSAValue, SSAValue] = {}
    for k, operand in enumerate(op.inputs):
        if operand in ys:
            mapper[block.args[k]] = value
            continue
        where = [
            ids[e.position] if isinstance(e, AffineDimExpr) else _index(eb, e.value)  # type: ignore[union-attr]
            for e in op.indexing_maps.data[k].data.results
        ]
        mapper[block.args[k]] = eb.insert(memref.LoadOp.get(mapping[operand], where)).res
    out = op.outputs[0]
    out_arg = block.args[len(op.inputs)]
    if out_arg.first_use is not None:
        mapper[out_arg] = value if out in ys else eb.insert(memref.LoadOp.get(mapping[out], ids)).res
    result = clone_body(eb, block, mapper)
    if out in ys:
        eb.insert(memref.StoreOp.get(result, y, [m, n]))
    else:
        eb.insert(memref.StoreOp.get(result, mapping[out], ids))
    eb.insert(scf.YieldOp())
    one = b.insert(arith.ConstantOp.from_int_and_width(1, IndexType())).result
    end = b.insert(arith.AddiOp(element, one)).result
    loop_op = b.insert(scf.ForOp(element, end, one, [], loop_body))
    loop_op.attributes[EPILOGUE] = UnitAttr()


def _index(b: Builder, value: int) -> SSAValue:
    return b.insert(arith.ConstantOp.from_int_and_width(value, IndexType())).result
