"""`convert-charl-to-linalg` patterns of the windowed ops: conv2d and pool2d, as `linalg.generic`s.

Both iterate over the output `(n, c_or_o, y, x)` (parallel) and a window (reduction), reading the
input at `(y * stride + ky, x * stride + kx)`. Padding copies the input into a zero-filled bigger
tensor with `tensor.insert_slice`. The pooling window's loops walk a `tensor.empty` of the window's
shape, an input the body ignores, so that every loop is the plain index of some operand dimension.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.builder import Builder
from xdsl.dialects import arith
from xdsl.dialects.builtin import DYNAMIC_INDEX, AnyFloat, IntegerType, TensorType
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from dialects.charl import Conv2dOp, Pool2dOp
from passes._charl_to_linalg_index import insert_slice
from passes._charl_to_linalg_runtime import (
    dim,
    dynamic,
    element,
    empty,
    filled,
    floating,
    generic,
    index,
    integer,
    lowering,
    parallel,
    shape,
    value,
)


def add(b: Builder, x: SSAValue, y: SSAValue) -> SSAValue:
    """`x + y` on floats or integers."""
    return value(b, arith.AddfOp(x, y) if isinstance(x.type, AnyFloat) else arith.AddiOp(x, y))


def mul(b: Builder, x: SSAValue, y: SSAValue) -> SSAValue:
    """`x * y` on floats or integers."""
    return value(b, arith.MulfOp(x, y) if isinstance(x.type, AnyFloat) else arith.MuliOp(x, y))


def window_extent(b: Builder, size: SSAValue, kernel: SSAValue, stride: int, padding: int) -> SSAValue:
    """`(size + 2 padding - kernel) // stride + 1` on `index` values."""
    padded = value(b, arith.AddiOp(size, index(b, 2 * padding))) if padding else size
    span = value(b, arith.SubiOp(padded, kernel))
    steps = value(b, arith.DivSIOp(span, index(b, stride))) if stride != 1 else span
    return value(b, arith.AddiOp(steps, index(b, 1)))


def output_sizes(
    b: Builder,
    t: Attribute,
    leading: Sequence[SSAValue],
    spatial: Sequence[tuple[SSAValue, SSAValue]],
    stride: int,
    padding: int,
) -> list[SSAValue]:
    """The `?` sizes of an NCHW result `t`: leading dims given, spatial ones from (size, kernel)."""
    sizes = [*leading]
    for (size, kernel), extent in zip(spatial, shape(t)[2:], strict=True):
        sizes.append(window_extent(b, size, kernel, stride, padding) if extent == DYNAMIC_INDEX else index(b, extent))
    return dynamic(t, sizes)


def window_map(stride: int) -> AffineMap:
    """The input map of a convolution over the loops `(n, o, y, x, c, ky, kx)`:
    `(n, c, y * stride + ky, x * stride + kx)`."""
    d = AffineExpr.dimension
    return AffineMap(7, 0, (d(0), d(4), d(2) * stride + d(5), d(3) * stride + d(6)))


def padded(b: Builder, x: SSAValue, padding: int) -> SSAValue:
    """`x` (NCHW) inside a zero-filled tensor `padding` bigger on each side of H and W."""
    if padding == 0:
        return x
    n, c, h, w = shape(x.type)
    grow = [n, c, *(d if d == DYNAMIC_INDEX else d + 2 * padding for d in (h, w))]
    t = TensorType(element(x.type), grow)
    sizes = [dim(b, x, 0), dim(b, x, 1)]
    sizes += [value(b, arith.AddiOp(dim(b, x, a), index(b, 2 * padding))) for a in (2, 3)]
    zeros = filled(b, t, dynamic(t, sizes), 0)
    return insert_slice(b, x, zeros, [0, 0, padding, padding])


class Conv2dToGeneric(RewritePattern):
    """charl.conv2d x, w, b -> out[n, o, y, x] = sum over (c, ky, kx) of
    pad(x)[n, c, y*s + ky, x*s + kx] * w[o, c, ky, kx] (one linalg.generic on a zero-filled init),
    then a linalg.generic adding b[o]."""

    @lowering
    def match_and_rewrite(self, op: Conv2dOp, rewriter: PatternRewriter) -> None:
        stride, padding = op.stride.value.data, op.padding.value.data
        t, w = op.result.type, op.weight
        x = padded(rewriter, op.input, padding)
        spatial = [(dim(rewriter, op.input, a), dim(rewriter, w, a)) for a in (2, 3)]
        leading = [dim(rewriter, op.input, 0), dim(rewriter, w, 0)]
        init = filled(rewriter, t, output_sizes(rewriter, t, leading, spatial, stride, padding), 0)
        d = AffineExpr.dimension
        # Loops: n, o, y, x (parallel), c, ky, kx (reduction); the input map is `window_map`.
        maps = [window_map(stride), AffineMap(7, 0, (d(1), d(4), d(5), d(6))), AffineMap(7, 0, tuple(map(d, range(4))))]
        iterators = [*parallel(4), *[IteratorTypeAttr.reduction()] * 3]
        conv = generic(
            rewriter, [x, w], [init], maps, iterators, lambda b, args: [add(b, args[2], mul(b, args[0], args[1]))]
        )[0]
        bias_maps = [AffineMap(4, 0, (d(1),)), AffineMap.identity(4)]
        out = generic(rewriter, [op.bias], [conv], bias_maps, parallel(4), lambda b, args: [add(b, args[1], args[0])])
        rewriter.replace(op, [], out)


class Pool2dToGeneric(RewritePattern):
    """charl.pool2d max|avg x -> out[n, c, y, x] = max or sum over (ky, kx) of
    x[n, c, y*s + ky, x*s + kx] (one linalg.generic whose window loops walk a `tensor.empty` of
    shape [k, k]); avg then divides by k * k in a second linalg.generic."""

    @lowering
    def match_and_rewrite(self, op: Pool2dOp, rewriter: PatternRewriter) -> None:
        kind, k, stride = op.kind.data, op.kernel.value.data, op.stride.value.data
        t, x = op.result.type, op.input
        elem = element(t)
        kernel = index(rewriter, k)
        spatial = [(dim(rewriter, x, a), kernel) for a in (2, 3)]
        sizes = output_sizes(rewriter, t, [dim(rewriter, x, 0), dim(rewriter, x, 1)], spatial, stride, 0)
        window = empty(rewriter, TensorType(elem, [k, k]), [])
        d = AffineExpr.dimension
        # Loops: n, c, y, x (parallel), ky, kx (reduction).
        x_map = AffineMap(6, 0, (d(0), d(1), d(2) * stride + d(4), d(3) * stride + d(5)))
        maps = [x_map, AffineMap(6, 0, (d(4), d(5))), AffineMap(6, 0, tuple(map(d, range(4))))]
        iterators = [*parallel(4), *[IteratorTypeAttr.reduction()] * 2]
        if kind == "max":
            init = filled(rewriter, t, sizes, _max_identity(elem))
            body = lambda b, args: [_maximum(b, args[2], args[0])]  # noqa: E731
        else:
            init = filled(rewriter, t, sizes, 0)
            body = lambda b, args: [add(b, args[2], args[0])]  # noqa: E731
        pooled = generic(rewriter, [x, window], [init], maps, iterators, body)[0]
        if kind == "avg":
            pooled = _divide(rewriter, pooled, k * k)
        rewriter.replace(op, [], [pooled])


def _max_identity(t: Attribute) -> float | int:
    """The identity of `max` on the element type `t`: -inf, or the smallest integer."""
    if isinstance(t, AnyFloat):
        return float("-inf")
    assert isinstance(t, IntegerType)
    width: int = t.width.data
    return -(1 << (width - 1))


def _maximum(b: Builder, x: SSAValue, y: SSAValue) -> SSAValue:
    """`max(x, y)` (NaN-propagating on floats, signed on integers)."""
    return value(b, arith.MaximumfOp(x, y) if isinstance(x.type, AnyFloat) else arith.MaxSIOp(x, y))


def _divide(b: Builder, x: SSAValue, count: int) -> SSAValue:
    """Every element of the NCHW tensor `x` divided by `count` (in place on `x`)."""
    elem = element(x.type)

    def body(ib: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
        if isinstance(elem, AnyFloat):
            return [value(ib, arith.DivfOp(args[0], floating(ib, float(count), elem)))]
        return [value(ib, arith.DivSIOp(args[0], integer(ib, count, elem)))]

    ident = AffineMap.identity(4)
    return generic(b, [], [x], [ident], parallel(4), body)[0]


def conv_patterns() -> list[RewritePattern]:
    """The patterns of conv2d and pool2d."""
    return [Conv2dToGeneric(), Pool2dToGeneric()]
