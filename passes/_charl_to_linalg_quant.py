"""`convert-charl-to-linalg` patterns of the quantization ops: quantize, dequantize, qmatmul.

Symmetric quantization (LANGUAGE.md section 11): per index of `axis` (and per group of `group`
consecutive elements of the other dimension of a rank-2 tensor), `scale = max|x| / qmax` as `f32`
and `q = clamp(round_half_even(x / scale), qmin, qmax)` with qmax 127 and qmin -127 for int8, 7
and -8 for int4 (a zero scale, from an all-zero group, quantizes to 0). int4 data keeps its `i4`
element type (one value per byte once bufferized). A grouped scale is read through the map
`i floordiv group`; the group maximum reduces a `tensor.expand_shape` of the input that splits the
grouped dimension into (groups, group).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from xdsl.builder import Builder
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    ArrayAttr,
    IntegerAttr,
    IntegerType,
    TensorType,
    f32,
    i64,
)
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.tensor import ExpandShapeOp
from xdsl.ir import Attribute, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from dialects.charl import DequantizeOp, QMatmulOp, QuantizeOp
from passes._charl_to_linalg_runtime import (
    dim,
    dims,
    dynamic,
    element,
    empty,
    filled,
    floating,
    generic,
    index,
    int_to_float,
    lowering,
    parallel,
    shape,
    value,
)

LIMITS = {"int8": (-127, 127), "int4": (-8, 7)}
"""The clamp range of each quantized type; the scale divides max|x| by the upper end."""


def convert_float(b: Builder, x: SSAValue, t: Attribute) -> SSAValue:
    """A float value converted to the float type `t`."""
    assert isinstance(x.type, AnyFloat) and isinstance(t, AnyFloat)
    if x.type == t:
        return x
    wider = x.type.bitwidth < t.bitwidth
    return value(b, arith.ExtFOp(x, t) if wider else arith.TruncFOp(x, t))


def scale_map(rank: int, axis: int, group: int) -> AffineMap:
    """How an element `(d_0, ...)` of a quantized tensor finds its scale."""
    d = AffineExpr.dimension
    if group == 0:
        return AffineMap(rank, 0, (d(axis),))
    other = 1 - axis
    results = [d(0), d(1)]
    results[other] = d(other) // group
    return AffineMap(2, 0, tuple(results))


def _absmax_step(b: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
    return [value(b, arith.MaximumfOp(args[1], value(b, math.AbsFOp(args[0]))))]


def _grouped_input(b: Builder, x: SSAValue, axis: int, group: int) -> tuple[SSAValue, int]:
    """The rank-2 `x` with its non-`axis` dimension split into (groups, group), and the position
    of the `group` dimension in the result."""
    other = 1 - axis
    sizes = dims(b, x)
    extents = shape(x.type)
    groups = extents[other] // group if extents[other] != DYNAMIC_INDEX else DYNAMIC_INDEX
    new = list(extents)
    new[other : other + 1] = [groups, group]
    group_sizes = list(sizes)
    group_sizes[other : other + 1] = [value(b, arith.DivUIOp(sizes[other], index(b, group))), index(b, group)]
    reassociation = [[0, 1], [2]] if other == 0 else [[0], [1, 2]]
    attr = ArrayAttr([ArrayAttr([IntegerAttr(i, i64) for i in g]) for g in reassociation])
    t = TensorType(element(x.type), new)
    expanded = value(b, ExpandShapeOp(x, dynamic(t, group_sizes), attr, new, t))
    return expanded, other + 1


def absmax(b: Builder, x: SSAValue, scale_t: Attribute, axis: int, group: int) -> SSAValue:
    """max|x| per scale entry, in `x`'s element type, shaped like the scales `scale_t`."""
    elem = element(x.type)
    out_t = TensorType(elem, shape(scale_t))
    if group == 0:
        rank = len(shape(x.type))
        reduced, keep = x, [axis]
    else:
        reduced, inner = _grouped_input(b, x, axis, group)
        rank, keep = 3, [a for a in range(3) if a != inner]
    init = filled(b, out_t, dynamic(out_t, [dim(b, reduced, a) for a in keep]), 0)
    d = AffineExpr.dimension
    maps = [AffineMap.identity(rank), AffineMap(rank, 0, tuple(d(a) for a in keep))]
    iterators = [IteratorTypeAttr.parallel() if a in keep else IteratorTypeAttr.reduction() for a in range(rank)]
    return generic(b, [reduced], [init], maps, iterators, _absmax_step)[0]


class QuantizeToGenerics(RewritePattern):
    """charl.quantize x -> absmax = max|x| per scale entry (a reducing linalg.generic),
    scale = f32(absmax / qmax), q = fptosi(clamp(roundeven(x / scale), qmin, qmax)) (two more)."""

    @lowering
    def match_and_rewrite(self, op: QuantizeOp, rewriter: PatternRewriter) -> None:
        x, axis, group = op.input, op.axis.value.data, op.group.value.data
        low, high = LIMITS[op.qtype.data]
        elem, scale_t, q_t = element(x.type), op.scale.type, op.q.type
        peak = absmax(rewriter, x, scale_t, axis, group)
        srank = len(shape(scale_t))
        scale_init = empty(rewriter, scale_t, dynamic(scale_t, dims(rewriter, peak)))

        def to_scale(b: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
            return [convert_float(b, value(b, arith.DivfOp(args[0], floating(b, float(high), elem))), f32)]

        ident = AffineMap.identity(srank)
        scale = generic(rewriter, [peak], [scale_init], [ident, ident], parallel(srank), to_scale)[0]
        rank = len(shape(x.type))
        q_init = empty(rewriter, q_t, dynamic(q_t, dims(rewriter, x)))

        def to_q(b: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
            s = convert_float(b, args[1], elem)
            zero = value(b, arith.CmpfOp(s, floating(b, 0.0, elem), "oeq"))
            divisor = value(b, arith.SelectOp(zero, floating(b, 1.0, elem), s))
            rounded = value(b, math.RoundEvenOp(value(b, arith.DivfOp(args[0], divisor))))
            clamped = value(b, arith.MaximumfOp(rounded, floating(b, float(low), elem)))
            clamped = value(b, arith.MinimumfOp(clamped, floating(b, float(high), elem)))
            return [value(b, arith.FPToSIOp(clamped, cast(IntegerType, element(q_t))))]

        maps = [AffineMap.identity(rank), scale_map(rank, axis, group), AffineMap.identity(rank)]
        q = generic(rewriter, [x, scale], [q_init], maps, parallel(rank), to_q)[0]
        rewriter.replace(op, [], [q, scale])


def dequantized(b: Builder, q: SSAValue, s: SSAValue, t: Attribute) -> SSAValue:
    """`float(q) * float(s)` in the float type `t`, inside a body."""
    return value(b, arith.MulfOp(int_to_float(b, q, t), convert_float(b, s, t)))


class DequantizeToGeneric(RewritePattern):
    """charl.dequantize q, scale -> linalg.generic computing float(q) * scale[scale_map]."""

    @lowering
    def match_and_rewrite(self, op: DequantizeOp, rewriter: PatternRewriter) -> None:
        t, q = op.result.type, op.q
        rank, elem = len(shape(t)), element(t)
        init = empty(rewriter, t, dynamic(t, dims(rewriter, q)))
        maps = [AffineMap.identity(rank), scale_map(rank, op.axis.value.data, op.group.value.data)]
        maps.append(AffineMap.identity(rank))
        body = lambda b, args: [dequantized(b, args[0], args[1], elem)]  # noqa: E731
        rewriter.replace(op, [], generic(rewriter, [q, op.scale], [init], maps, parallel(rank), body))


class QMatmulToGenerics(RewritePattern):
    """charl.qmatmul x, q, scale -> y[..., n] = sum over k of x[..., k] * float(q[k, n]) (a
    linalg.generic on a zero-filled init), then y[..., n] * scale[n]; with groups the scale
    scale[k floordiv group, n] multiplies each term inside the sum instead."""

    @lowering
    def match_and_rewrite(self, op: QMatmulOp, rewriter: PatternRewriter) -> None:
        x, q, scale, group = op.input, op.q, op.scale, op.group.value.data
        t = op.result.type
        elem, batch = element(t), len(shape(x.type)) - 1
        rank = batch + 1
        sizes = [dim(rewriter, x, a) for a in range(batch)] + [dim(rewriter, q, 1)]
        init = filled(rewriter, t, dynamic(t, sizes), 0)
        d = AffineExpr.dimension
        n, k = d(batch), d(batch + 1)
        lead = tuple(d(a) for a in range(batch))
        loops = rank + 1
        maps = [AffineMap(loops, 0, (*lead, k)), AffineMap(loops, 0, (k, n))]
        inputs = [x, q]
        if group:
            maps.append(AffineMap(loops, 0, (k // group, n)))
            inputs.append(scale)
        maps.append(AffineMap(loops, 0, (*lead, n)))
        iterators = [*parallel(rank), IteratorTypeAttr.reduction()]

        def step(b: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
            w = dequantized(b, args[1], args[2], elem) if group else int_to_float(b, args[1], elem)
            return [value(b, arith.AddfOp(args[-1], value(b, arith.MulfOp(args[0], w))))]

        y = generic(rewriter, inputs, [init], maps, iterators, step)[0]
        if not group:
            scale_maps = [AffineMap(rank, 0, (d(batch),)), AffineMap.identity(rank)]
            body = lambda b, args: [value(b, arith.MulfOp(args[1], convert_float(b, args[0], elem)))]  # noqa: E731
            y = generic(rewriter, [scale], [y], scale_maps, parallel(rank), body)[0]
        rewriter.replace(op, [], [y])


def quant_patterns() -> list[RewritePattern]:
    """The patterns of quantize, dequantize and qmatmul."""
    return [QuantizeToGenerics(), DequantizeToGeneric(), QMatmulToGenerics()]
