"""Fusing a `linalg.fill` of a scalar into a `linalg.generic` that reads it as an input (a helper
of `linalg-fuse-elementwise`).

    %f = linalg.fill ins(%s : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %c = linalg.generic ins(%x, %f : ...) outs(%o : ...) { ^bb0(%a: f32, %b: f32, %out: f32): ... %b ... }
  ->
    %c = linalg.generic ins(%x : ...) outs(%o : ...) { ^bb0(%a: f32, %out: f32): ... %s ... }

No broadcast tensor is materialized: a constant scalar is copied into the body (as its first op),
another scalar (a function argument, a computed value) is read from outside the body. A fill
fuses into every generic that reads it, whatever its number of uses, and is erased once nothing
reads it (the fill of a reduction's init, an output, stays).
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import SSAValue

from passes._fuse_generic import erase_dead, finish, maps_of, new_block, positions_of, uncovered_loop


def fuse_fill(fill: linalg.FillOp, consumer: linalg.GenericOp) -> linalg.GenericOp | str:
    """Replaces `consumer` by a generic that reads `fill`'s scalar directly (returned), or says why
    it cannot."""
    if len(fill.inputs) != 1 or len(fill.results) != 1:
        return "the fill does not have one value and one result"
    value = fill.inputs[0]
    positions = positions_of(fill.results[0], consumer)
    c_args = consumer.body.block.args
    if value.type != c_args[positions[0]].type:
        return f"the fill's value is {value.type} but the consumer reads {c_args[positions[0]].type}"
    c_maps = maps_of(consumer)
    kept = [j for j in range(len(consumer.inputs)) if j not in positions]
    inputs = [(consumer.inputs[j], c_maps[j], c_args[j].type) for j in kept]
    lost = uncovered_loop([m for _, m, _ in inputs] + c_maps[len(consumer.inputs) :], len(consumer.iterator_types))
    if lost is not None:
        return f"fusing would lose the extent of loop {lost} of the consumer"
    block = new_block(inputs, consumer)
    scalar: SSAValue = value
    if isinstance(value.owner, arith.ConstantOp):
        constant = value.owner.clone()
        block.add_op(constant)
        scalar = constant.result
    mapper: dict[SSAValue, SSAValue] = {c_args[j]: scalar for j in positions}
    mapper.update({c_args[j]: block.args[k] for k, j in enumerate(kept)})
    fused = finish(consumer, inputs, block, mapper)
    erase_dead(fill)
    return fused
