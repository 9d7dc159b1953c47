"""Fusing one `linalg.generic` on tensors into another that reads its result (a helper of
`linalg-fuse-elementwise`).

    %p = linalg.generic {maps = [P_0, ..., P_out]} ins(%a_0, ...) outs(%e) { body_p; yield %v }
    %c = linalg.generic {maps = [..., C_p, ...]} ins(..., %p, ...) outs(%o) { body_c(%arg_p) }
  ->
    %c = linalg.generic {maps = [..., P_0 o T, ..., ...]} ins(..., %a_0, ..., ...) outs(%o) { body_p; body_c(%v) }

with `T = P_out^-1 o C_p`, the map from the consumer's loops to the producer's. `plan` decides
(a `Fusion`, or the reason the pair does not fuse, in words for a remark); `fuse` builds the op.
The rules are MLIR's elementwise fusion: the producer is all-parallel with one result, its output
map is a permutation, the consumer reads it as an input (several times only through one map), and
nothing else reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import DYNAMIC_INDEX, AffineMapAttr, ArrayAttr, IndexType, IntegerAttr, ShapedType
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.rewriter import Rewriter


@dataclass(frozen=True)
class Fusion:
    """A legal fusion: `producer`'s result is the consumer's inputs at `positions`; `to_producer`
    maps the consumer's loops to the producer's."""

    producer: linalg.GenericOp
    consumer: linalg.GenericOp
    positions: tuple[int, ...]
    to_producer: AffineMap


def maps_of(op: linalg.GenericOp) -> list[AffineMap]:
    """The indexing maps of `op`: one per input, then one per output."""
    return [m.data for m in op.indexing_maps.data]


def is_parallel(op: linalg.GenericOp) -> bool:
    """Whether every loop of `op` is parallel."""
    return all(it == IteratorTypeAttr.parallel() for it in op.iterator_types)


def is_permutation(m: AffineMap) -> bool:
    """Whether `m` permutes its dims (no symbols, no constants, each dim once)."""
    return m.num_symbols == 0 and len(m.results) == m.num_dims and m.is_projected_permutation()


def uses_of(value: SSAValue) -> int:
    """How many operands read `value`."""
    return value.uses.get_length()


def positions_of(value: SSAValue, op: linalg.GenericOp) -> tuple[int, ...]:
    """The input positions of `op` that read `value`."""
    return tuple(i for i, v in enumerate(op.inputs) if v == value)


def has_side_effects(op: linalg.GenericOp) -> bool:
    """Whether the body of `op` calls a function or touches memory (a run-time check in a gather):
    fused, such an op would run once per consumer point instead of once per element."""
    return any(isinstance(o, func.CallOp) or o.name.startswith("memref.") for o in op.body.walk())


def uncovered_loop(maps: Sequence[AffineMap], loops: int) -> int | None:
    """The first of `loops` loops that no map reads as a plain dim (its extent would be lost)."""
    seen = {r.position for m in maps for r in m.results if isinstance(r, AffineDimExpr)}
    return next((d for d in range(loops) if d not in seen), None)


def static_extent(op: linalg.GenericOp, loop: int) -> int | None:
    """The extent of `loop` of `op` from the static shape of an operand that indexes it by that loop
    alone, if any (None: known only at run time)."""
    for value, m in zip(op.operands, maps_of(op), strict=False):
        shape = value.type.get_shape() if isinstance(value.type, ShapedType) else ()
        for position, expr in enumerate(m.results):
            if isinstance(expr, AffineDimExpr) and expr.position == loop and shape[position] != DYNAMIC_INDEX:
                return shape[position]
    return None


def plan(producer: linalg.GenericOp, consumer: linalg.GenericOp) -> Fusion | str:
    """The fusion of `producer` into `consumer` (which reads its result), or why it is not legal."""
    if len(producer.results) != 1:
        return f"the producer has {len(producer.results)} results"
    if not is_parallel(producer):
        return "the producer has reduction loops"
    result = producer.results[0]
    positions = positions_of(result, consumer)
    uses = uses_of(result)
    if uses != len(positions):
        return f"the producer's result has {uses} uses"
    if producer.parent_block() is not consumer.parent_block():
        return "the producer is outside the consumer's loop or branch"
    if has_side_effects(producer):
        return "the producer's body has side effects"
    consumer_maps = maps_of(consumer)
    reads = {consumer_maps[p] for p in positions}
    if len(reads) != 1:
        return "the consumer reads the producer's result through different indexing maps"
    out_map = maps_of(producer)[-1]
    inverse = out_map.inverse_permutation() if is_permutation(out_map) else None
    read = reads.pop()
    if inverse is None:
        return "the producer's output map is not a permutation"
    if read.num_symbols:
        return "the consumer reads the producer's result through a map with symbols"
    to_producer = inverse.compose(read)
    for index in (o for o in producer.body.walk() if isinstance(o, linalg.IndexOp)):
        if not isinstance(to_producer.results[index.dim.value.data], AffineDimExpr | AffineConstantExpr):
            return "the producer reads a loop index that is not a loop of the consumer"
    fusion = Fusion(producer, consumer, positions, to_producer)
    fused_maps = [m for _, m, _ in Operands.of(fusion).inputs] + consumer_maps[len(consumer.inputs) :]
    lost = uncovered_loop(fused_maps, len(consumer.iterator_types))
    if lost is not None:
        return f"fusing would lose the extent of loop {lost} of the consumer"
    return fusion


@dataclass
class Operands:
    """The inputs of a fused op, each (value, map, element type) once, and where each input of the
    producer and of the consumer went."""

    inputs: list[tuple[SSAValue, AffineMap, Attribute]] = field(
        default_factory=list[tuple[SSAValue, AffineMap, Attribute]]
    )
    producer_slots: dict[int, int] = field(default_factory=dict[int, int])
    consumer_slots: dict[int, int] = field(default_factory=dict[int, int])

    def slot(self, value: SSAValue, m: AffineMap, t: Attribute) -> int:
        """The position of the input (value, map), added if new."""
        for k, (v, n, _) in enumerate(self.inputs):
            if v == value and n == m:
                return k
        self.inputs.append((value, m, t))
        return len(self.inputs) - 1

    @staticmethod
    def of(fusion: Fusion) -> Operands:
        """The consumer's inputs, the producer's operands taking the place of the first read of its
        result (its init too, when its body reads it)."""
        producer, consumer = fusion.producer, fusion.consumer
        p_maps, c_maps = maps_of(producer), maps_of(consumer)
        p_args, c_args = producer.body.block.args, consumer.body.block.args
        operands = Operands()
        p_inputs = len(producer.inputs)
        for j, value in enumerate(consumer.inputs):
            if j == fusion.positions[0]:
                for i, v in enumerate((*producer.inputs, *producer.outputs)):
                    if i < p_inputs or p_args[i].uses:
                        m = p_maps[i].compose(fusion.to_producer)
                        operands.producer_slots[i] = operands.slot(v, m, p_args[i].type)
            if j not in fusion.positions:
                operands.consumer_slots[j] = operands.slot(value, c_maps[j], c_args[j].type)
        return operands


def fuse(fusion: Fusion) -> linalg.GenericOp:
    """Replaces the consumer by the fused op (returned) and erases the producer."""
    producer, consumer = fusion.producer, fusion.consumer
    operands = Operands.of(fusion)
    block = new_block(operands.inputs, consumer)
    mapper: dict[SSAValue, SSAValue] = {}
    p_block = producer.body.block
    for i, slot in operands.producer_slots.items():
        mapper[p_block.args[i]] = block.args[slot]
    p_yield = p_block.last_op
    assert isinstance(p_yield, linalg.YieldOp)
    cloned = [op.clone(mapper) for op in p_block.ops if op is not p_yield]
    block.add_ops(cloned)
    remap_indices(cloned, fusion.to_producer)
    produced = mapper.get(p_yield.operands[0], p_yield.operands[0])
    c_args = consumer.body.block.args
    for j in fusion.positions:
        mapper[c_args[j]] = produced
    for j, slot in operands.consumer_slots.items():
        mapper[c_args[j]] = block.args[slot]
    fused = finish(consumer, operands.inputs, block, mapper)
    erase_dead(producer)
    return fused


def new_block(inputs: Sequence[tuple[SSAValue, AffineMap, Attribute]], consumer: linalg.GenericOp) -> Block:
    """The body block of an op with `inputs` and `consumer`'s outputs."""
    outs = consumer.body.block.args[len(consumer.inputs) :]
    return Block(arg_types=[t for _, _, t in inputs] + [a.type for a in outs])


def finish(
    consumer: linalg.GenericOp,
    inputs: Sequence[tuple[SSAValue, AffineMap, Attribute]],
    block: Block,
    mapper: dict[SSAValue, SSAValue],
) -> linalg.GenericOp:
    """Appends the consumer's body to `block` (its inputs already in `mapper`), builds the op with
    `inputs` and the consumer's outputs, loops and attributes, and puts it in the consumer's place."""
    c_args = consumer.body.block.args
    c_inputs, outputs = len(consumer.inputs), list(consumer.outputs)
    for k in range(len(outputs)):
        mapper[c_args[c_inputs + k]] = block.args[len(inputs) + k]
    block.add_ops([op.clone(mapper) for op in consumer.body.block.ops])
    maps = [m for _, m, _ in inputs] + maps_of(consumer)[c_inputs:]
    return rebuild(consumer, [v for v, _, _ in inputs], maps, outputs, Region(block), consumer.iterator_types)


def rebuild(
    op: Operation,
    inputs: Sequence[SSAValue],
    maps: Sequence[AffineMap],
    outputs: Sequence[SSAValue],
    body: Region,
    iterators: ArrayAttr[IteratorTypeAttr],
) -> linalg.GenericOp:
    """A generic of `inputs`, `outputs`, `body`, `maps` and `iterators` with `op`'s result types,
    attributes, location and result names, put in `op`'s place (returned)."""
    new = linalg.GenericOp(
        list(inputs),
        list(outputs),
        body,
        [AffineMapAttr(m) for m in maps],
        iterators,
        [r.type for r in op.results],
    )
    new.attributes.update(op.attributes)
    new.location = op.location
    for fresh, former in zip(new.results, op.results, strict=True):
        fresh.name_hint = former.name_hint
    Rewriter.replace_op(op, new)
    return new


def remap_indices(ops: Sequence[Operation], to_producer: AffineMap) -> None:
    """`linalg.index k` of the producer's loop k -> the consumer loop (or constant) it is."""
    indices = [o for op in ops for o in op.walk() if isinstance(o, linalg.IndexOp)]
    for index in indices:
        expr = to_producer.results[index.dim.value.data]
        if isinstance(expr, AffineDimExpr):
            replacement: Operation = linalg.IndexOp(expr.position)
        else:
            assert isinstance(expr, AffineConstantExpr)
            replacement = arith.ConstantOp(IntegerAttr(expr.value, IndexType()))
        replacement.location = index.location
        Rewriter.replace_op(index, replacement)


DEAD_WHEN_UNUSED = ("tensor.empty", "arith.constant", "linalg.fill", "linalg.generic", "linalg.transpose")
"""Ops without side effects that fusion leaves unused: erased, and their operands' owners after them."""


def erase_dead(op: Operation) -> None:
    """Erases `op` when none of its results is used, then its operands' owners that this leaves
    unused (tensor.empty, constants, fills)."""
    if op.parent is None or op.name not in DEAD_WHEN_UNUSED or any(r.uses for r in op.results):
        return
    owners = [v.owner for v in op.operands if isinstance(v.owner, Operation)]
    Rewriter.erase_op(op)
    for owner in owners:
        if owner.name != "linalg.generic":
            erase_dead(owner)
