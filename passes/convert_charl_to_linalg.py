"""`convert-charl-to-linalg`: the charl dialect to tensor, linalg, arith and math.

The patterns live beside this file: `_charl_to_linalg_elementwise` (constants, arithmetic, math,
compare, select, cast), `_charl_to_linalg_shape` (broadcast, reshape, transpose, concat, ...),
`_charl_to_linalg_reduce` (matmul, reduce, argmax), `_charl_to_linalg_nn` (softmax, layer_norm)
and `_charl_to_linalg_extra` (indexing, conv/pool, random, quantization, run-time I/O).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker, RewritePattern

from dialects import charl
from passes import (
    _charl_to_linalg_elementwise,
    _charl_to_linalg_extra,
    _charl_to_linalg_nn,
    _charl_to_linalg_reduce,
    _charl_to_linalg_shape,
)
from passes._charl_to_linalg_core import LoweringError, remaining_charl_ops

GRAD_MESSAGE = "gradients need the `charl-autodiff` pass, which this version of charlc does not have"


def core_patterns() -> list[RewritePattern]:
    """The patterns of the core part of the pass (everything but `_charl_to_linalg_extra`)."""
    return [
        *_charl_to_linalg_elementwise.patterns(),
        *_charl_to_linalg_shape.patterns(),
        *_charl_to_linalg_reduce.patterns(),
        *_charl_to_linalg_nn.patterns(),
    ]


@dataclass(frozen=True)
class ConvertCharlToLinalgPass(ModulePass):
    """Lowers the charl dialect to tensor, linalg, arith and math (function signatures unchanged).

    Scalar charl ops become arith/math ops; each elementwise tensor op one `linalg.generic` with
    identity maps into a `tensor.empty`; `broadcast_to` a generic with a broadcasting input map
    (a `linalg.fill` for a scalar); `reshape` a `tensor.collapse_shape` to rank 1 and a
    `tensor.expand_shape`; `transpose` a `linalg.transpose`; `concat` `tensor.insert_slice`s;
    `matmul` a `linalg.matmul` (rank 2) or a generic (batched) into a zero-filled init;
    reductions, `argmax`, `softmax` and `layer_norm` generics with reduction iterators into
    identity-filled inits. Ops inside `scf` regions are lowered too. `bounds_checks` adds run-time
    index checks to the indexing ops.

    Requires: a verified module of charl, func, scf and arith ops, without `charl.grad` (a located
    error: gradients need `charl-autodiff`). Guarantees: no charl op remains (else a located
    error naming the op); the module holds func, scf, arith, math, tensor, linalg and what
    docs/lowering.md allows for run-time calls.
    """

    name = "convert-charl-to-linalg"

    bounds_checks: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for grad in (o for o in op.walk() if isinstance(o, charl.GradOp)):
            raise LoweringError(grad, f"cannot differentiate @{grad.callee.root_reference.data}: {GRAD_MESSAGE}")
        patterns = [*core_patterns(), *_charl_to_linalg_extra.patterns(self.bounds_checks)]
        walker = PatternRewriteWalker(GreedyRewritePatternApplier(patterns))
        walker.rewrite_module(op)
        check_lowered(op)


def check_lowered(module: ModuleOp) -> None:
    """Raises a located `LoweringError` naming the first charl op left in `module`."""
    for left in remaining_charl_ops(module):
        raise LoweringError(left, "this op has no lowering to linalg in this version of charlc")
