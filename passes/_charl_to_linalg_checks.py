"""Run-time checks that sizes known only at run time agree (LANGUAGE.md section 2): the operands
of an elementwise op, and the inner dimensions of a matmul.

Where two sizes are not both static, `@charl_rt_check_dim(got, expected, what, where)` ends the
run with `file:line:col: runtime error: ...` when they differ; static sizes were checked by the
type checker already. Without these checks a `?`-sized operand shorter than the result would be
read out of range.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.builder import Builder
from xdsl.dialects.builtin import DYNAMIC_INDEX, TensorType, i64
from xdsl.ir import Operation, SSAValue

from passes._charl_to_linalg_index import size_i64
from passes._charl_to_linalg_runtime import call, integer, location, shape, string

Size = tuple[SSAValue, int] | int
"""A size: the extent of a tensor's axis, or a static number."""


def _static(size: Size) -> int | None:
    if isinstance(size, int):
        return size
    extent = shape(size[0].type)[size[1]]
    return None if extent == DYNAMIC_INDEX else extent


def _i64(b: Builder, size: Size) -> SSAValue:
    return integer(b, size, i64) if isinstance(size, int) else size_i64(b, *size)


def check_equal(b: Builder, op: Operation, pairs: Sequence[tuple[Size, Size, str]]) -> None:
    """For each `(got, expected, what)` whose sizes are not both static (nor the same axis of the
    same value), a `@charl_rt_check_dim`; `what` may name `{got}` and `{expected}`."""
    loc: SSAValue | None = None
    for got, expected, what in pairs:
        if _static(got) is not None and _static(expected) is not None or got == expected:
            continue
        loc = loc or location(b, op)
        call(b, op, "charl_rt_check_dim", [_i64(b, got), _i64(b, expected), string(b, op, what), loc])


def elementwise_pairs(operands: Sequence[SSAValue], result: object, name: str) -> list[tuple[Size, Size, str]]:
    """Every `?` axis of every tensor operand against the result's size (static) or the first
    operand's."""
    if not isinstance(result, TensorType):
        return []
    pairs: list[tuple[Size, Size, str]] = []
    for axis, extent in enumerate(result.get_shape()):
        expected: Size = extent if extent != DYNAMIC_INDEX else (operands[0], axis)
        for x in operands:
            if isinstance(x.type, TensorType) and (x, axis) != expected:
                what = f"the operands of {name} have sizes {{got}} and {{expected}} along axis {axis}"
                pairs.append(((x, axis), expected, what))
    return pairs
