"""`convert-charl-to-linalg` patterns for constants and the elementwise ops (arithmetic, math,
logic, compare, select, cast).

A scalar op becomes its arith/math ops directly; a tensor op one `linalg.generic` with identity
maps into a `tensor.empty` of the result type, whose body is the same arith/math code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.dialects import arith
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from dialects import charl
from dialects.charl_base import element_of
from passes._charl_to_linalg_checks import check_equal, elementwise_pairs
from passes._charl_to_linalg_core import Emitter, LoweringError, dynamic_result_sizes, retyped
from passes._charl_to_linalg_scalar import binary, compare, convert, unary

Scalar = Callable[[Emitter, Sequence[SSAValue]], SSAValue]
"""Computes one result element from one element of each operand."""


def lower_elementwise(
    e: Emitter, operands: Sequence[SSAValue], result: Attribute, scalar: Scalar, rewriter: PatternRewriter
) -> SSAValue:
    """`scalar` applied to scalar operands, or elementwise to tensor operands of `result`'s shape
    (after run-time checks, inserted by `rewriter`, that their `?` sizes agree)."""
    if not isinstance(result, TensorType):
        return scalar(e, operands)
    check_equal(rewriter, e.op, elementwise_pairs(operands, result, e.op.name.removeprefix("charl.")))
    sizes = dynamic_result_sizes(e, result, operands[0])
    inputs = [e.cast(v, retyped(result, element_of(v.type))) for v in operands]
    init = e.empty(result, sizes)
    return e.elementwise(inputs, init, lambda b, args: [scalar(b, args[: len(inputs)])])


class LowerConstant(RewritePattern):
    """charl.constant v -> arith.constant v"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ConstantOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        e.replace(rewriter, [e.value(arith.ConstantOp(op.value, op.result.type))])


class LowerBinary(RewritePattern):
    """charl.<binary> a, b -> arith/math op (scalars) | linalg.generic { arith/math op } (tensors)"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ElementwiseBinaryOp, rewriter: PatternRewriter) -> None:
        kind = type(op)

        def scalar(b: Emitter, args: Sequence[SSAValue]) -> SSAValue:
            value = binary(b, kind, args[0], args[1])
            if value is None:
                raise LoweringError(op, f"no lowering for elements of type {args[0].type}")
            return value

        e = Emitter(op)
        e.replace(rewriter, [lower_elementwise(e, [op.lhs, op.rhs], op.result.type, scalar, rewriter)])


class LowerUnary(RewritePattern):
    """charl.<unary> x -> arith/math ops (scalars) | linalg.generic { arith/math ops } (tensors);
    stop_gradient x -> x"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ElementwiseUnaryOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        if isinstance(op, charl.StopGradientOp):
            e.replace(rewriter, [e.cast(op.input, op.result.type)])
            return
        kind = type(op)

        def scalar(b: Emitter, args: Sequence[SSAValue]) -> SSAValue:
            value = unary(b, kind, args[0])
            if value is None:
                raise LoweringError(op, f"no lowering for elements of type {args[0].type}")
            return value

        e.replace(rewriter, [lower_elementwise(e, [op.input], op.result.type, scalar, rewriter)])


class LowerCompare(RewritePattern):
    """charl.compare p a, b -> arith.cmpf (ordered; `ne` unordered) | arith.cmpi (signed), in a
    linalg.generic for tensors"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.CompareOp, rewriter: PatternRewriter) -> None:
        predicate = op.predicate.data
        e = Emitter(op)

        def scalar(b: Emitter, args: Sequence[SSAValue]) -> SSAValue:
            return compare(b, predicate, args[0], args[1])

        e.replace(rewriter, [lower_elementwise(e, [op.lhs, op.rhs], op.result.type, scalar, rewriter)])


class LowerSelect(RewritePattern):
    """charl.select c, a, b -> arith.select, in a linalg.generic for tensors"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.SelectOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)

        def scalar(b: Emitter, args: Sequence[SSAValue]) -> SSAValue:
            return b.value(arith.SelectOp(args[0], args[1], args[2]))

        e.replace(rewriter, [lower_elementwise(e, [op.cond, op.lhs, op.rhs], op.result.type, scalar, rewriter)])


class LowerCast(RewritePattern):
    """charl.cast x -> sitofp | fptosi | extf | truncf | extsi | trunci | `!= 0` (to i1) |
    uitofp/extui (from i1), in a linalg.generic for tensors; a cast to the same type -> x"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.CastOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        dst = element_of(op.result.type)
        if element_of(op.input.type) == dst:
            e.replace(rewriter, [e.cast(op.input, op.result.type)])
            return

        def scalar(b: Emitter, args: Sequence[SSAValue]) -> SSAValue:
            return convert(b, args[0], dst)

        e.replace(rewriter, [lower_elementwise(e, [op.input], op.result.type, scalar, rewriter)])


def patterns() -> list[RewritePattern]:
    """The patterns of this module."""
    return [LowerConstant(), LowerBinary(), LowerUnary(), LowerCompare(), LowerSelect(), LowerCast()]
