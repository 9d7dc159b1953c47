"""`convert-charl-to-linalg` patterns for softmax, log_softmax and layer_norm: a few
`linalg.generic`s each (reductions over one axis, then one elementwise pass).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import TensorType
from xdsl.ir import SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from dialects import charl
from dialects.charl_base import element_of, shape_of
from passes._charl_to_linalg_core import Emitter, identity, projection
from passes._charl_to_linalg_reduce import count_as

Step = Callable[[Emitter, Sequence[SSAValue], SSAValue], SSAValue]
"""One step of a row reduction: `(emitter, elements, accumulator) -> new accumulator`."""

Point = Callable[[Emitter, Sequence[SSAValue]], SSAValue]
"""A pointwise body: `(emitter, elements) -> result element`."""


def _reduce_axis(
    e: Emitter,
    inputs: Sequence[SSAValue],
    axis: int,
    start: float,
    body: Step,
) -> SSAValue:
    """A reduction over `axis` of the first input (the others are per-row values: `axis` dropped)
    into a tensor filled with `start`; `body(emitter, elements, accumulator)` is one step."""
    x = inputs[0]
    shape, elem, sizes = shape_of(x.type), element_of(x.type), e.dims(x)
    rank = len(shape)
    kept = [d for d in range(rank) if d != axis]
    init = e.filled(e.const(start, elem), TensorType(elem, [shape[d] for d in kept]), [sizes[d] for d in kept])
    row = projection(rank, kept)
    maps = [identity(rank), *[row] * (len(inputs) - 1), row]

    def step(b: Emitter, args: Sequence[SSAValue]) -> list[SSAValue]:
        return [body(b, args[:-1], args[-1])]

    return e.generic(inputs, [init], maps, [d == axis for d in range(rank)], step)[0]


def _pointwise(
    e: Emitter,
    x: SSAValue,
    rows: Sequence[SSAValue],
    columns: Sequence[SSAValue],
    axis: int,
    body: Point,
) -> SSAValue:
    """A parallel generic over `x`'s shape reading `x`, per-row values (`axis` dropped) and
    per-column vectors (indexed by the last dim) into a tensor like `x`."""
    shape = shape_of(x.type)
    rank = len(shape)
    row = projection(rank, [d for d in range(rank) if d != axis])
    column = projection(rank, [rank - 1])
    init = e.empty(x.type, e.dims(x))
    maps = [identity(rank), *[row] * len(rows), *[column] * len(columns), identity(rank)]
    inputs = [x, *rows, *columns]
    out = e.generic(inputs, [init], maps, [False] * rank, lambda b, args: [body(b, args[: len(inputs)])])
    return out[0]


def _exp_diff(e: Emitter, x: SSAValue, m: SSAValue) -> SSAValue:
    return e.value(math.ExpOp(e.value(arith.SubfOp(x, m))))


class LowerSoftmax(RewritePattern):
    """charl.softmax x {axis[, log]} -> linalg.generic (row max) -> linalg.generic (row sum of
    exp(x - max)) -> linalg.generic (exp(x - max) / sum, or x - max - log(sum))"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.SoftmaxOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        x, axis, log = op.input, op.axis.value.data, op.log is not None

        def top(b: Emitter, elems: Sequence[SSAValue], acc: SSAValue) -> SSAValue:
            return b.value(arith.MaximumfOp(elems[0], acc))

        def exp_sum(b: Emitter, elems: Sequence[SSAValue], acc: SSAValue) -> SSAValue:
            return b.value(arith.AddfOp(acc, _exp_diff(b, elems[0], elems[1])))

        def normalize(b: Emitter, elems: Sequence[SSAValue]) -> SSAValue:
            v, m, s = elems
            if log:
                return b.value(arith.SubfOp(b.value(arith.SubfOp(v, m)), b.value(math.LogOp(s))))
            return b.value(arith.DivfOp(_exp_diff(b, v, m), s))

        m = _reduce_axis(e, [x], axis, float("-inf"), top)
        s = _reduce_axis(e, [x, m], axis, 0.0, exp_sum)
        out = _pointwise(e, x, [m, s], [], axis, normalize)
        e.replace(rewriter, [e.cast(out, op.result.type)])


class LowerLayerNorm(RewritePattern):
    """charl.layer_norm x, gamma, beta {eps} -> linalg.generic (row sum) -> linalg.generic (row
    sum of squared deviations) -> linalg.generic ((x - mean) * rsqrt(var + eps) * gamma + beta)"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.LayerNormOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        x, elem = op.input, element_of(op.input.type)
        axis = len(shape_of(x.type)) - 1
        n = count_as(e, e.dim(x, axis), elem)
        eps = e.const(op.eps.value.data, elem)

        def mean(b: Emitter, total: SSAValue) -> SSAValue:
            return b.value(arith.DivfOp(total, n))

        def total(b: Emitter, elems: Sequence[SSAValue], acc: SSAValue) -> SSAValue:
            return b.value(arith.AddfOp(acc, elems[0]))

        def squares(b: Emitter, elems: Sequence[SSAValue], acc: SSAValue) -> SSAValue:
            d = b.value(arith.SubfOp(elems[0], mean(b, elems[1])))
            return b.value(arith.AddfOp(acc, b.value(arith.MulfOp(d, d))))

        def normalize(b: Emitter, elems: Sequence[SSAValue]) -> SSAValue:
            v, s, q, g, beta = elems
            scale = b.value(math.RsqrtOp(b.value(arith.AddfOp(mean(b, q), eps))))
            centered = b.value(arith.SubfOp(v, mean(b, s)))
            scaled = b.value(arith.MulfOp(b.value(arith.MulfOp(centered, scale)), g))
            return b.value(arith.AddfOp(scaled, beta))

        s = _reduce_axis(e, [x], axis, 0.0, total)
        q = _reduce_axis(e, [x, s], axis, 0.0, squares)
        out = _pointwise(e, x, [s, q], [op.gamma, op.beta], axis, normalize)
        e.replace(rewriter, [e.cast(out, op.result.type)])


def patterns() -> list[RewritePattern]:
    """The patterns of this module."""
    return [LowerSoftmax(), LowerLayerNorm()]
