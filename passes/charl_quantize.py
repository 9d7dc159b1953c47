"""`charl-quantize`: matmuls on quantized weights become integer kernels with their scales.

`charl.qmatmul x, q, scale` (x `[M, K]` f32, q `[K, N]` i8 or i4, scale `[N]` or `[K / g, N]`)
becomes the dynamic quantization of the activations, one int8 scale per row of x,

    %xq, %xs = charl.quantize int8 %x {axis = 0 : i64}

and the integer product, a `linalg.generic` marked `library_call = "charl_qgemm"` on a zero-filled
init, whose body states what it computes (docs/lowering.md, "Quantized matmuls"):

    y[m, n] += (float(xq[m, k]) * xs[m]) * (float(q[k, n]) * scale[k floordiv g, n])

`convert-linalg-to-loops` replaces the marked generic by the runtime's integer micro-kernel
(`@charl_rt_qgemm_i8` / `_i4`, runtime/c/qgemm.c: int8 x int8 dot products summed exactly per
group, scaled in registers), `convert-linalg-to-gpu` by a WGSL kernel that reads the weights as
packed u32 words; anywhere else the body is lowered like any generic. `linalg-fuse-elementwise`
leaves marked generics alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import DYNAMIC_INDEX, ModuleOp, StringAttr, TensorType, f32, i8
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern

from dialects.charl import QMatmulOp, QuantizeOp
from passes._charl_to_linalg_runtime import (
    dim,
    element,
    filled,
    generic,
    int_to_float,
    lowering,
    shape,
    value,
)
from passes._qgemm import QGEMM


def _step(b: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
    """`acc + (float(xq) * xs) * (float(q) * s)`."""
    xq, xs, q, s, acc = args
    x = value(b, arith.MulfOp(int_to_float(b, xq, f32), xs))
    w = value(b, arith.MulfOp(int_to_float(b, q, f32), s))
    return [value(b, arith.AddfOp(acc, value(b, arith.MulfOp(x, w))))]


class QMatmulToIntegerKernel(RewritePattern):
    """charl.qmatmul x, q, s -> (xq, xs) = charl.quantize int8 x {axis = 0};
    linalg.generic {library_call = "charl_qgemm"} ins(xq, xs, q, s) outs(zeros) (x f32 of rank 2)."""

    @lowering
    def match_and_rewrite(self, op: QMatmulOp, rewriter: PatternRewriter) -> None:
        x, q, scale, group = op.input, op.q, op.scale, op.group.value.data
        t = op.result.type
        if element(x.type) != f32 or len(shape(x.type)) != 2 or not isinstance(t, TensorType):
            return
        rows = shape(x.type)[0]
        xq_t, xs_t = TensorType(i8, shape(x.type)), TensorType(f32, [rows])
        quantized = rewriter.insert(QuantizeOp(x, "int8", 0, 0, xq_t, xs_t))
        xq, xs = quantized.results
        sources = ((x, 0), (q, 1))
        dyn = [dim(rewriter, v, a) for (v, a), d in zip(sources, shape(t), strict=True) if d == DYNAMIC_INDEX]
        init = filled(rewriter, t, dyn, 0)
        d = AffineExpr.dimension
        m, n, k = d(0), d(1), d(2)
        s_map = AffineMap(3, 0, (k // group, n) if group else (n,))
        maps = [AffineMap(3, 0, (m, k)), AffineMap(3, 0, (m,)), AffineMap(3, 0, (k, n)), s_map]
        maps.append(AffineMap(3, 0, (m, n)))
        iterators = [IteratorTypeAttr.parallel(), IteratorTypeAttr.parallel(), IteratorTypeAttr.reduction()]
        y = generic(rewriter, [xq, xs, q, scale], [init], maps, iterators, _step)[0]
        kernel = y.owner
        assert isinstance(kernel, GenericOp)
        kernel.library_call = StringAttr(QGEMM)
        rewriter.replace(op, [], [y])


@dataclass(frozen=True)
class CharlQuantizePass(ModulePass):
    """Rewrites matmuls on quantized weights into integer kernels with their scales.

    Each `charl.qmatmul` of an f32 input of rank 2 becomes `charl.quantize int8` of the input along
    axis 0 (one dynamic scale per row) and a `linalg.generic` with `library_call = "charl_qgemm"`
    (inputs xq, xs, q, scale; a zero-filled output) that later passes replace by the integer
    micro-kernel of their target. Other `charl.qmatmul`s are left for `convert-charl-to-linalg`.

    Requires: the `charl` dialect (before `convert-charl-to-linalg`). Guarantees: no `charl.qmatmul`
    of a rank-2 f32 input remains; results differ from the float product of the dequantized weights
    only by the int8 rounding of the activations (at most half a step, `max|x[m, :]| / 254`, each).
    """

    name = "charl-quantize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(QMatmulToIntegerKernel(), apply_recursively=False).rewrite_module(op)
