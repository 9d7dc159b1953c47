"""Fusing an optimizer step into the matmul that computes its gradient (a helper of
`linalg-fuse-elementwise`, with `matmul_epilogues`).

    %g = contraction ins(%a, %b) outs(%zeros)                    // %g = A @ B, from a zero fill
    %w2 = linalg.generic ins(%g, %w) outs(%e) { %w - %g * c }     // %w carried by the loop, dies here
  ->
    %bs = linalg.generic ins(%b) outs(%e_b) { %b * (-c) }         // the smaller operand, scaled
    %w2 = contraction ins(%a, %bs) outs(%w)                       // %w + A @ (-c B)

The gradient is never stored: the sum starts from the model's own value, so the update is written
in place into the carried buffer (as the unfused update was) and `sgemm` accumulates into it. The
operand scaled is the one with fewer elements (a weight gradient `x^T @ dz` scales `dz`, a batch of
activations). Sums are associated as `w + sum(a * (-c b))` instead of `w - c * sum(a * b)`: the
same value up to float rounding.
"""

from __future__ import annotations

import math

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import AffineMapAttr, ArrayAttr, FloatAttr, ShapedType
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap

from passes._contraction import OUT_MAP, match
from passes._fuse_generic import erase_dead, has_side_effects, is_parallel, maps_of, rebuild, uses_of
from passes._fuse_matmul import updated_in_place
from passes._loops_structure import fill_constant


def _step_size(consumer: linalg.GenericOp, g: int, w: int) -> SSAValue | None:
    """`c` when `consumer`'s body is exactly `yield w - g * c` (or `c * g`), `c` a constant or a
    value from outside the body."""
    block = consumer.body.block
    ret = block.last_op
    if not isinstance(ret, linalg.YieldOp) or len(ret.operands) != 1:
        return None
    sub = ret.operands[0].owner
    if not isinstance(sub, arith.SubfOp) or sub.lhs is not block.args[w]:
        return None
    mul = sub.rhs.owner
    if not isinstance(mul, arith.MulfOp) or block.args[g] not in (mul.lhs, mul.rhs):
        return None
    c = mul.rhs if mul.lhs is block.args[g] else mul.lhs
    inside = c.owner if isinstance(c.owner, Operation) and c.owner.parent_block() is block else None
    if isinstance(c, BlockArgument) and c.owner is block:
        return None
    if inside is not None and not isinstance(inside, arith.ConstantOp):
        return None
    if any(o not in (inside, mul, sub, ret) for o in block.ops):
        return None
    return c


def _negated(c: SSAValue, before: Operation) -> SSAValue:
    """`-c`, as a constant when `c` is one, put before `before`."""
    block = before.parent_block()
    assert block is not None
    if isinstance(c.owner, arith.ConstantOp) and isinstance(c.owner.value, FloatAttr):
        new: Operation = arith.ConstantOp(FloatAttr(-c.owner.value.value.data, c.type))
    else:
        new = arith.NegfOp(c)
    block.insert_op_before(new, before)
    return new.results[0]


def _scaled(x: SSAValue, factor: SSAValue, before: Operation) -> SSAValue:
    """An elementwise generic `x * factor`, put before `before`."""
    t = x.type
    assert isinstance(t, ShapedType)
    block = before.parent_block()
    assert block is not None
    empty = tensor.EmptyOp([], t)
    element = factor.type
    body = Block(arg_types=[element, element])
    product = arith.MulfOp(body.args[0], factor)
    body.add_ops([product, linalg.YieldOp(product.result)])
    identity = AffineMapAttr(AffineMap.identity(len(t.get_shape())))
    parallel = ArrayAttr([IteratorTypeAttr.parallel()] * len(t.get_shape()))
    scaled = linalg.GenericOp([x], [empty.tensor], Region(body), [identity, identity], parallel, [t])
    block.insert_op_before(empty, before)
    block.insert_op_before(scaled, before)
    return scaled.results[0]


def fuse_update(op: linalg.GenericOp, consumer: linalg.GenericOp) -> linalg.GenericOp | str:
    """Makes `consumer` (`w - g * c`, `g` the contraction `op`'s result, `w` a loop-carried tensor
    that dies there) an accumulation of `op` into `w`; or says why not."""
    parts = match(op)
    if parts is None or parts.epilogue is not None or parts.init is not None or len(op.inputs) != 2:
        return "the matmul already has an initial value or an epilogue"
    start = fill_constant(op.outputs[0].owner if isinstance(op.outputs[0].owner, Operation) else None)
    if not (isinstance(start, FloatAttr) and start.value.data == 0.0):
        return "the matmul's output does not start from zeros"
    if len(consumer.inputs) != 2 or uses_of(op.results[0]) != 1:
        return "the consumer is not an update of a loop-carried tensor by the product"
    g = next(j for j, v in enumerate(consumer.inputs) if v == op.results[0])
    w = 1 - g
    carried = consumer.inputs[w]
    if not updated_in_place(carried, consumer) or has_side_effects(consumer):
        return "the consumer is not an update of a loop-carried tensor by the product"
    if not is_parallel(consumer) or any(m != AffineMap.identity(2) for m in maps_of(consumer)):
        return "the consumer is not an elementwise update"
    c = _step_size(consumer, g, w)
    if c is None:
        return "the consumer's body is not `w - g * c`"
    sizes = [v.type.get_shape() if isinstance(v.type, ShapedType) else () for v in op.inputs]
    if any(d < 0 for s in sizes for d in s):
        return "the matmul's operands are not of static shape"
    which = 0 if math.prod(sizes[0]) < math.prod(sizes[1]) else 1
    inputs = list(op.inputs)
    inputs[which] = _scaled(inputs[which], _negated(c, consumer), consumer)
    consumer_inits = [v.owner for v in consumer.outputs if isinstance(v.owner, Operation)]
    fused = rebuild(consumer, inputs, [*maps_of(op)[:2], OUT_MAP], [carried], op.body.clone(), op.iterator_types)
    erase_dead(op)
    for init in consumer_inits:
        erase_dead(init)
    return fused
