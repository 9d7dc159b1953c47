"""Fusing the `linalg.fill` that initializes a reduction's output into the reduction (a helper of
`linalg-fuse-elementwise`, with `matmul_epilogues`).

    %f = linalg.fill ins(%v : f32) outs(%e : tensor<32xf32>) -> tensor<32xf32>
    %r = linalg.generic {iterator_types = ["parallel", "reduction"]} ins(%x) outs(%f) {
    ^bb0(%a: f32, %out: f32): %s = arith.addf %out, %a ...
  ->
    %r = linalg.generic {iterator_types = ["parallel", "reduction"]} ins(%x) outs(%e) {
    ^bb0(%a: f32, %out: f32):
      %k = linalg.index 1 : index
      %first = arith.cmpi eq, %k, %c0
      %acc = arith.select %first, %v, %out
      %s = arith.addf %acc, %a ...

Under linalg's loop-nest semantics an output element is first visited when every reduction index
is 0, so the sum starts from `%v` there and from the running value everywhere else: the same
result without a pass over the output, as long as every reduction loop runs at least once: only
reductions whose loop extents are static and nonzero fuse (a `?`-sized sum over zero rows keeps
its fill). A constant `%v` is copied into the body.
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Operation, SSAValue

from passes._fuse_generic import erase_dead, static_extent, uses_of


def fuse_init(fill: linalg.FillOp, op: linalg.GenericOp) -> str | None:
    """Makes `fill`'s value the initial value of `op`'s output that `fill` produces (in place), or
    says why not."""
    reductions = [d for d, it in enumerate(op.iterator_types) if it == IteratorTypeAttr.reduction()]
    if not reductions:
        return "the consumer has no reduction loops"
    if any(static_extent(op, d) in (None, 0) for d in reductions):
        return "a reduction loop may run zero times (its extent is not static), leaving the output unset"
    if len(fill.inputs) != 1 or len(fill.results) != 1 or uses_of(fill.results[0]) != 1:
        return "the fill has other uses"
    positions = [k for k, v in enumerate(op.outputs) if v == fill.results[0]]
    if len(positions) != 1 or fill.parent_block() is not op.parent_block():
        return "the fill is not one output of the reduction in its block"
    block = op.body.block
    out = block.args[len(op.inputs) + positions[0]]
    value = fill.inputs[0]
    if value.type != out.type:
        return f"the fill's value is {value.type} but the output is {out.type}"
    first = _first_visit(block.first_op, reductions)
    ops: list[Operation] = list(first)
    scalar: SSAValue = value
    if isinstance(value.owner, arith.ConstantOp):
        constant = value.owner.clone()
        ops.append(constant)
        scalar = constant.result
    chosen = arith.SelectOp(first[-1].results[0], scalar, out)
    ops.append(chosen)
    out.replace_uses_with_if(chosen.result, lambda use: use.operation is not chosen)
    anchor = block.first_op
    assert anchor is not None
    block.insert_ops_before(ops, anchor)
    op.operands[len(op.inputs) + positions[0]] = fill.outputs[0]
    erase_dead(fill)
    return None


def _first_visit(anchor: Operation | None, reductions: list[int]) -> list[Operation]:
    """Ops whose last result is whether every reduction index in `reductions` is 0."""
    zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
    ops: list[Operation] = [zero]
    condition: SSAValue | None = None
    for d in reductions:
        index = linalg.IndexOp(d)
        compare = arith.CmpiOp(index.result, zero.result, "eq")
        ops += [index, compare]
        if condition is None:
            condition = compare.result
        else:
            both = arith.AndIOp(condition, compare.result)
            ops.append(both)
            condition = both.result
    return ops
