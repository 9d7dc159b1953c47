"""Matrix product and reductions of the `charl` dialect: matmul, reduce, argmax."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnitAttr,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import (
    Keyword,
    ValueType,
    dims_agree,
    element_of,
    i64_array,
    i64_attr,
    is_dynamic,
    is_numeric,
    props_with_flags,
    shape_of,
    show_dim,
    types_agree,
    verify_axis,
    verify_result_shape,
    verify_same_element,
    with_shape,
)

REDUCE_KINDS = ("sum", "mean", "max", "min")


def reduced_shape(shape: Sequence[int], axes: Sequence[int], keepdims: bool) -> list[int]:
    """The shape left after reducing `axes`: 1 in their place with keepdims, else dropped."""
    if keepdims:
        return [1 if i in axes else d for i, d in enumerate(shape)]
    return [d for i, d in enumerate(shape) if i not in axes]


def _verify_reduced(op: str, src: Attribute, res: Attribute, elem: Attribute, axes: list[int], keep: bool) -> None:
    expected = with_shape(elem, reduced_shape(shape_of(src), axes, keep))
    if not types_agree(res, expected):
        raise VerifyException(f"{op}: result type {res} is not {expected}, {src} reduced over axes {axes}")


@irdl_op_definition
class MatmulOp(IRDLOperation):
    """Batched matrix product `[..., M, K] @ [..., K, N] -> [..., M, N]`.

    Both operands have rank >= 2 and equal batch dimensions (irgen reshapes 1-D operands and
    broadcasts batch dimensions).

        %c = charl.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
    """

    name = "charl.matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)"

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation, result_type: Attribute) -> None:
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        a, b, res = self.lhs.type, self.rhs.type, self.result.type
        verify_same_element("charl.matmul", a, b)
        verify_same_element("charl.matmul", a, res)
        if not is_numeric(a):
            raise VerifyException(f"charl.matmul: expected integer or float elements, got {a}")
        sa, sb = shape_of(a), shape_of(b)
        if len(sa) < 2 or len(sa) != len(sb):
            raise VerifyException(f"charl.matmul: operands {a} and {b} must have one rank, at least 2")
        if not all(dims_agree(x, y) for x, y in zip(sa[:-2], sb[:-2], strict=True)):
            raise VerifyException(f"charl.matmul: batch dimensions of {a} and {b} differ")
        if not dims_agree(sa[-1], sb[-2]):
            raise VerifyException(
                f"charl.matmul: inner dimensions {show_dim(sa[-1])} and {show_dim(sb[-2])} of {a} and {b} differ"
            )
        batch = [y if is_dynamic(x) else x for x, y in zip(sa[:-2], sb[:-2], strict=True)]
        verify_result_shape("charl.matmul", res, [*batch, sa[-2], sb[-1]], f"{a} @ {b}")


@irdl_op_definition
class ReduceOp(IRDLOperation):
    """Reduces over sorted, unique `axes` with `kind` in `sum mean max min`.

    With `keepdims` reduced dimensions stay as 1; a full reduction without it yields a scalar.

        %s = charl.reduce sum %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
        %m = charl.reduce max %x {axes = array<i64: 0, 1>, keepdims} : tensor<4x8xf32> -> tensor<1x1xf32>
    """

    name = "charl.reduce"
    input = operand_def(TensorType)
    kind = prop_def(StringAttr)
    axes = prop_def(DenseArrayBase.constr(i64))
    keepdims = opt_prop_def(UnitAttr)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "custom<Keyword>($kind) $input attr-dict `:` type($input) `->` type($result)"
    custom_directives = (Keyword,)
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self, x: SSAValue | Operation, kind: str, axes: Sequence[int], keepdims: bool, result_type: Attribute
    ) -> None:
        props = props_with_flags(kind=StringAttr(kind), axes=i64_array(axes), keepdims=keepdims)
        super().__init__(operands=[x], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        src, res, axes = self.input.type, self.result.type, list(self.axes.get_values())
        if self.kind.data not in REDUCE_KINDS:
            raise VerifyException(f"charl.reduce: unknown kind {self.kind.data!r}; expected one of sum, mean, max, min")
        rank = len(shape_of(src))
        if axes != sorted(set(axes)) or any(not 0 <= a < rank for a in axes):
            raise VerifyException(f"charl.reduce: axes {axes} must be sorted, unique and in [0, {rank}) for {src}")
        _verify_reduced("charl.reduce", src, res, element_of(src), axes, self.keepdims is not None)


@irdl_op_definition
class ArgmaxOp(IRDLOperation):
    """The `i32` index of the first maximum along `axis`.

    %a = charl.argmax %x {axis = 1 : i64} : tensor<4x10xf32> -> tensor<4xi32>
    """

    name = "charl.argmax"
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    keepdims = opt_prop_def(UnitAttr)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, x: SSAValue | Operation, axis: int, keepdims: bool, result_type: Attribute) -> None:
        props = props_with_flags(axis=i64_attr(axis), keepdims=keepdims)
        super().__init__(operands=[x], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        src, axis = self.input.type, self.axis.value.data
        verify_axis("charl.argmax", axis, len(shape_of(src)))
        _verify_reduced("charl.argmax", src, self.result.type, i32, [axis], self.keepdims is not None)
