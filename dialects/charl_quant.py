"""Quantization ops of the `charl` dialect: quantize, dequantize, qmatmul.

Quantized data is an `i8` (int8) or `i4` (int4) tensor with `f32` scales. The scale of a tensor
quantized along `axis` has one entry per index of `axis`: shape `[size(axis)]`. With `group: g`
(rank-2 tensors only) the other dimension is also split into groups of `g` consecutive elements,
each with its own scale: an `[in, out]` weight with `axis = 1, group = 32` has scales of shape
`[in / 32, out]`.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    I64,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f32,
    i8,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import (
    Keyword,
    dims_agree,
    i64_attr,
    is_dynamic,
    is_float,
    shape_of,
    show_dim,
    types_agree,
    verify_axis,
    verify_result_shape,
    verify_same_element,
    verify_tensor,
)

i4 = IntegerType(4)
QTYPES: dict[str, Attribute] = {"int8": i8, "int4": i4}


def scale_shape(op: str, t: Attribute, axis: int, group: int) -> list[int]:
    """The shape of the scales of `t` quantized along `axis` with `group` (0: no groups)."""
    shape = shape_of(t)
    verify_axis(op, axis, len(shape))
    if group < 0:
        raise VerifyException(f"{op}: group {group} must be >= 0")
    if group == 0:
        return [shape[axis]]
    if len(shape) != 2:
        raise VerifyException(f"{op}: grouped scales need a rank-2 tensor, got {t}")
    other = 1 - axis
    size = shape[other]
    if not is_dynamic(size) and size % group != 0:
        raise VerifyException(f"{op}: group {group} does not divide dimension {other} of {t}")
    out = list(shape)
    out[other] = DYNAMIC_INDEX if is_dynamic(size) else size // group
    return out


def _verify_scale(op: str, scale: Attribute, expected: list[int], of: Attribute) -> None:
    want = TensorType(f32, expected)
    if not types_agree(scale, want):
        raise VerifyException(f"{op}: scale type {scale} is not {want} for {of}")


def _verify_quantized(op: str, q: Attribute) -> None:
    verify_tensor(op, q, "quantized data")
    if not isinstance(q, TensorType) or q.element_type not in (i8, i4):
        raise VerifyException(f"{op}: quantized data {q} must have i8 or i4 elements")


@irdl_op_definition
class QuantizeOp(IRDLOperation):
    """Symmetric quantization (round half to even) to int8 or int4, one `f32` scale per index of
    `axis` (and per group of `group` elements of the other dimension when `group` > 0).

    int8: `scale = max|w| / 127`, values clamped to [-127, 127]; int4: `max|w| / 7`, [-8, 7].

        %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<256x128xf32> -> tensor<256x128xi8>, tensor<128xf32>
        %q4, %s4 = charl.quantize int4 %w {axis = 1 : i64, group = 32 : i64}
                     : tensor<256x128xf32> -> tensor<256x128xi4>, tensor<8x128xf32>
    """

    name = "charl.quantize"
    input = operand_def(TensorType)
    qtype = prop_def(StringAttr)
    axis = prop_def(IntegerAttr[I64])
    group = prop_def(IntegerAttr[I64], default_value=i64_attr(0))
    q = result_def(TensorType)
    scale = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "custom<Keyword>($qtype) $input attr-dict `:` type($input) `->` type($q) `,` type($scale)"
    custom_directives = (Keyword,)
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self,
        x: SSAValue | Operation,
        qtype: str,
        axis: int,
        group: int,
        q_type: Attribute,
        scale_type: Attribute,
    ) -> None:
        props = {"qtype": StringAttr(qtype), "axis": i64_attr(axis), "group": i64_attr(group)}
        super().__init__(operands=[x], result_types=[q_type, scale_type], properties=props)

    def verify_(self) -> None:
        op, x, q = "charl.quantize", self.input.type, self.q.type
        qtype = self.qtype.data
        if qtype not in QTYPES:
            raise VerifyException(f"{op}: unknown qtype {qtype!r}; expected int8 or int4")
        if not is_float(x):
            raise VerifyException(f"{op}: expected float elements, got {x}")
        expected_q = TensorType(QTYPES[qtype], shape_of(x))
        if not types_agree(q, expected_q):
            raise VerifyException(f"{op}: quantized type {q} is not {expected_q} for {qtype}")
        _verify_scale(op, self.scale.type, scale_shape(op, x, self.axis.value.data, self.group.value.data), x)


@irdl_op_definition
class DequantizeOp(IRDLOperation):
    """`q * scale`, with each scale broadcast over its index of `axis` (and its group).

    %w = charl.dequantize %q, %s {axis = 1 : i64} : tensor<256x128xi8>, tensor<128xf32> -> tensor<256x128xf32>
    """

    name = "charl.dequantize"
    q = operand_def(TensorType)
    scale = operand_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    group = prop_def(IntegerAttr[I64], default_value=i64_attr(0))
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$q `,` $scale attr-dict `:` type($q) `,` type($scale) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self, q: SSAValue | Operation, scale: SSAValue | Operation, axis: int, group: int, result_type: Attribute
    ) -> None:
        props = {"axis": i64_attr(axis), "group": i64_attr(group)}
        super().__init__(operands=[q, scale], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        op, q, res = "charl.dequantize", self.q.type, self.result.type
        _verify_quantized(op, q)
        if not is_float(res):
            raise VerifyException(f"{op}: result type {res} must have float elements")
        verify_result_shape(op, res, shape_of(q), f"the quantized data {q}")
        _verify_scale(op, self.scale.type, scale_shape(op, q, self.axis.value.data, self.group.value.data), q)


@irdl_op_definition
class QMatmulOp(IRDLOperation):
    """`x @ dequantize(q, scale)` computed on the integer data.

    `q` is `[in, out]`; `scale` is `[out]` (one per output channel) or, with `group` > 0,
    `[in / group, out]`. `x` is `[..., in]`, the result `[..., out]` of `x`'s element type.

        %y = charl.qmatmul %x, %q, %s : tensor<8x256xf32>, tensor<256x128xi8>, tensor<128xf32> -> tensor<8x128xf32>
    """

    name = "charl.qmatmul"
    input = operand_def(TensorType)
    q = operand_def(TensorType)
    scale = operand_def(TensorType)
    group = prop_def(IntegerAttr[I64], default_value=i64_attr(0))
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $q `,` $scale attr-dict `:` type($input) `,` type($q) `,` type($scale) `->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self,
        x: SSAValue | Operation,
        q: SSAValue | Operation,
        scale: SSAValue | Operation,
        group: int,
        result_type: Attribute,
    ) -> None:
        props = {"group": i64_attr(group)}
        super().__init__(operands=[x, q, scale], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        op, x, q, res = "charl.qmatmul", self.input.type, self.q.type, self.result.type
        _verify_quantized(op, q)
        xs, qs = shape_of(x), shape_of(q)
        if len(qs) != 2:
            raise VerifyException(f"{op}: quantized weight {q} must have rank 2")
        verify_tensor(op, x, "the input", 1)
        if not is_float(x):
            raise VerifyException(f"{op}: expected float input elements, got {x}")
        verify_same_element(op, x, res)
        if not dims_agree(xs[-1], qs[0]):
            raise VerifyException(
                f"{op}: inner dimensions {show_dim(xs[-1])} and {show_dim(qs[0])} of {x} and {q} differ"
            )
        _verify_scale(op, self.scale.type, scale_shape(op, q, 1, self.group.value.data), q)
        verify_result_shape(op, res, [*xs[:-1], qs[1]], f"{x} @ {q}")


def quantized_type(qtype: str, shape: Sequence[int]) -> TensorType[Attribute]:
    """The type of data quantized to `qtype` (`int8` or `int4`) with the given shape."""
    return TensorType(QTYPES[qtype], shape)
