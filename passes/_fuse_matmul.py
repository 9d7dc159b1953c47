"""Matmul fusion (a helper of `linalg-fuse-elementwise`, with `matmul_epilogues`): a tensor
`linalg.matmul` becomes a contraction generic (`_contraction`), transposes of its operands become
transposed reads, and an elementwise consumer of its result becomes its epilogue.

    %t = linalg.transpose ins(%w) outs(%e0) permutation = [1, 0]
    %m = linalg.matmul ins(%x, %t) outs(%f)
    %r = linalg.generic {maps = [id, (d0, d1) -> (d1), id]} ins(%m, %bias) outs(%e1) { max(%m + %bias, 0) }
  ->
    %r = linalg.generic {maps = [(d0, d2), (d1, d2), (d0, d1, d2) -> (d1), (d0, d1)]}
         ins(%x, %w, %bias) outs(%e1) { %s = %out + %x * %w; select(k == K - 1, max(%s + %bias, 0), %s) }

and the fill of its output becomes its init (`_fuse_init`). The epilogue needs a static K (the
last step is compared with a constant) and a consumer that reads the product once, through the
identity map, as its only use, and does not read its own output. A consumer that updates a
loop-carried tensor which dies there (`m - lr * g` of an optimizer step in a training loop) is not
an epilogue: fused so, the sum would need a buffer of its own and the new value a fresh allocation
in every iteration; `_fuse_update` makes the matmul accumulate into the carried tensor instead.
"""

from __future__ import annotations

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import AnyFloat, ArrayAttr, IndexType, IntegerAttr, ShapedType
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap

from passes._contraction import A_MAPS, B_MAPS, ITERATORS, OUT_MAP, match, reduction_extent
from passes._fuse_generic import erase_dead, has_side_effects, is_parallel, maps_of, rebuild, uses_of

IDENTITY_2D = AffineMap.identity(2)
MAPS = [{trans: m for m, trans in maps.items()} for maps in (A_MAPS, B_MAPS)]
"""The map of A (0) and of B (1), read as stored (False) or transposed (True)."""


def contraction_of(mm: linalg.MatmulOp) -> linalg.GenericOp | str:
    """Replaces the tensor matmul `mm` by its contraction generic (returned), or says why not."""
    if mm.indexing_maps != linalg.MatmulOp.get_irdl_definition().properties["indexing_maps"].default_value:
        return "the matmul has non-default indexing maps"
    if len(mm.inputs) != 2 or len(mm.outputs) != 1 or len(mm.results) != 1:
        return "the matmul is not on tensors"
    types = [v.type for v in (*mm.inputs, *mm.outputs)]
    if not all(isinstance(t, ShapedType) and len(t.get_shape()) == 2 for t in types):
        return "the matmul is not on rank-2 tensors"
    elements = {t.get_element_type() for t in types if isinstance(t, ShapedType)}
    if len(elements) != 1 or not isinstance(next(iter(elements)), AnyFloat):
        return "the matmul is not on floats of one type"
    element = next(iter(elements))
    block = Block(arg_types=[element] * 3)
    x, y, out = block.args
    product = arith.MulfOp(x, y)
    total = arith.AddfOp(out, product)
    block.add_ops([product, total, linalg.YieldOp(total.result)])
    maps = [MAPS[0][False], MAPS[1][False], OUT_MAP]
    return rebuild(mm, list(mm.inputs), maps, list(mm.outputs), Region(block), ArrayAttr(ITERATORS))


def fold_transposes(op: linalg.GenericOp) -> tuple[linalg.GenericOp, list[linalg.TransposeOp]]:
    """`op` (a contraction generic without epilogue inputs) reading the inputs of the 2-D transposes
    that produce its A and B (used only there) through transposed maps; returns the new op and the
    transposes folded (erased)."""
    inputs, maps = list(op.inputs), maps_of(op)
    folded: list[linalg.TransposeOp] = []
    for position in (0, 1):
        producer = inputs[position].owner
        if not isinstance(producer, linalg.TransposeOp) or producer.parent_block() is not op.parent_block():
            continue
        if producer.permutation.get_values() != (1, 0) or uses_of(inputs[position]) != 1:
            continue
        if maps[position] != MAPS[position][False] or not producer.results:
            continue
        inputs[position], maps[position] = producer.inputs[0], MAPS[position][True]
        folded.append(producer)
    if not folded:
        return op, []
    rebuilt = rebuild(op, inputs, maps, list(op.outputs), op.body.clone(), op.iterator_types)
    for transpose in folded:
        erase_dead(transpose)
    return rebuilt, folded


def fuse_epilogue(op: linalg.GenericOp, consumer: linalg.GenericOp) -> linalg.GenericOp | str:
    """Makes `consumer` (elementwise, reading `op`'s result) the epilogue of the contraction `op`:
    the fused op (returned) replaces `consumer`; or why they do not fuse."""
    parts = match(op)
    if parts is None or parts.epilogue is not None or len(op.inputs) != 2:
        return "the matmul already has an epilogue"
    extent = reduction_extent(op)
    if extent is None or extent < 1:
        return "the matmul's reduction extent is not static"
    result = op.results[0]
    positions = [j for j, v in enumerate(consumer.inputs) if v == result]
    if uses_of(result) != len(positions) or len(positions) != 1:
        return f"the matmul's result has {uses_of(result)} uses"
    c_maps = maps_of(consumer)
    if not is_parallel(consumer) or len(consumer.iterator_types) != 2 or len(consumer.outputs) != 1:
        return "the consumer is not a 2-D elementwise op with one output"
    if c_maps[positions[0]] != IDENTITY_2D or c_maps[-1] != IDENTITY_2D:
        return "the consumer does not read the product and write its output through the identity map"
    if consumer.parent_block() is not op.parent_block() or has_side_effects(consumer):
        return "the consumer is in another block or has side effects"
    if any(updated_in_place(v, consumer) for j, v in enumerate(consumer.inputs) if c_maps[j] == IDENTITY_2D):
        return "the consumer updates a loop-carried tensor in place (an optimizer step)"
    c_block = consumer.body.block
    c_out = c_block.args[-1]
    if c_out.uses:
        return "the consumer reads its output"
    element = op.body.block.args[-1].type
    if c_out.type != element:
        return f"the consumer writes {c_out.type}, not the product's {element}"
    kept = [j for j in range(len(consumer.inputs)) if j != positions[0]]
    inputs = [*op.inputs, *(consumer.inputs[j] for j in kept)]
    maps = [*maps_of(op)[:2], *(_with_k(c_maps[j]) for j in kept), OUT_MAP]
    block = Block(arg_types=[a.type for a in op.body.block.args[:2]] + [c_block.args[j].type for j in kept] + [element])
    mapper: dict[SSAValue, SSAValue] = {}
    old = op.body.block.args
    mapper.update({old[0]: block.args[0], old[1]: block.args[1], old[-1]: block.args[-1]})
    contraction = [o for o in op.body.block.ops if not isinstance(o, linalg.YieldOp)]
    block.add_ops([o.clone(mapper) for o in contraction])
    assert parts.sum is not None
    total = mapper[parts.sum]
    mapper.update({c_block.args[positions[0]]: total})
    mapper.update({c_block.args[j]: block.args[2 + n] for n, j in enumerate(kept)})
    c_yield = c_block.last_op
    assert isinstance(c_yield, linalg.YieldOp)
    block.add_ops([o.clone(mapper) for o in c_block.ops if o is not c_yield])
    epilogue = mapper.get(c_yield.operands[0], c_yield.operands[0])
    k = linalg.IndexOp(2)
    k_last = arith.ConstantOp(IntegerAttr(extent - 1, IndexType()))
    last = arith.CmpiOp(k.result, k_last.result, "eq")
    chosen = arith.SelectOp(last.result, epilogue, total)
    block.add_ops([k, k_last, last, chosen, linalg.YieldOp(chosen.result)])
    consumer_inits = [v.owner for v in consumer.outputs if isinstance(v.owner, Operation)]
    fused = rebuild(consumer, inputs, maps, list(op.outputs), Region(block), op.iterator_types)  # the sum's init
    erase_dead(op)
    for init in consumer_inits:
        erase_dead(init)
    return fused


def updated_in_place(v: SSAValue, consumer: linalg.GenericOp) -> bool:
    """Whether `v` is a tensor carried by the loop around `consumer`, of its output's type, whose
    last use is `consumer` (so bufferization writes the consumer's result into its buffer)."""
    if not isinstance(v, BlockArgument) or not isinstance(v.owner.parent_op(), scf.ForOp | scf.WhileOp):
        return False
    if v.type != consumer.outputs[0].type:
        return False
    block = consumer.parent_block()
    for use in v.uses:
        user: Operation | None = use.operation
        while user is not None and user.parent_block() is not block:
            user = user.parent_op()
        if user is not None and user is not consumer and consumer.is_before_in_block(user):
            return False
    return True


def _with_k(m: AffineMap) -> AffineMap:
    """A map over (d0, d1) as one over (d0, d1, d2) that ignores d2."""
    return AffineMap(3, m.num_symbols, m.results)
