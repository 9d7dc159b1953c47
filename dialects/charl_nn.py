"""Neural-network ops of the `charl` dialect: softmax, layer_norm, conv2d, pool2d, random."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    I64,
    FloatAttr,
    IndexType,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnitAttr,
    f64,
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
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import (
    Keyword,
    SameType2,
    ValueType,
    dims_agree,
    element_of,
    i64_attr,
    is_dynamic,
    is_float,
    is_int,
    props_with_flags,
    shape_of,
    show_dim,
    types_agree,
    verify_axis,
    verify_dyn_dims,
    verify_rank,
    verify_result_shape,
    verify_same_element,
    verify_tensor,
)

POOL_KINDS = ("max", "avg")
DISTRIBUTIONS = ("normal", "uniform", "int")


def _window(op: str, x: Attribute, size: int, kernel: int, stride: int, padding: int) -> int:
    """The output extent of a sliding window, `(size + 2 padding - kernel) // stride + 1`, after
    checking that the window fits."""
    if stride < 1 or padding < 0:
        raise VerifyException(f"{op}: stride {stride} must be >= 1 and padding {padding} >= 0")
    if is_dynamic(size) or is_dynamic(kernel):
        return DYNAMIC_INDEX
    if size + 2 * padding < kernel:
        raise VerifyException(f"{op}: a window of size {kernel} does not fit {x} with padding {padding}")
    return (size + 2 * padding - kernel) // stride + 1


@irdl_op_definition
class SoftmaxOp(IRDLOperation):
    """Softmax along `axis` (log-softmax with `log`), numerically stable.

    %p = charl.softmax %x {axis = 1 : i64} : tensor<4x10xf32>
    %l = charl.softmax %x {axis = 1 : i64, log} : tensor<4x10xf32>
    """

    name = "charl.softmax"
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    log = opt_prop_def(UnitAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` custom<SameType2>(type($input), type($result))"
    custom_directives = (SameType2,)
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, x: SSAValue | Operation, axis: int, log: bool) -> None:
        props = props_with_flags(axis=i64_attr(axis), log=log)
        super().__init__(operands=[x], result_types=[SSAValue.get(x).type], properties=props)

    def verify_(self) -> None:
        src, res = self.input.type, self.result.type
        if not types_agree(src, res):
            raise VerifyException(f"charl.softmax: result type {res} differs from operand type {src}")
        if not is_float(src):
            raise VerifyException(f"charl.softmax: expected float elements, got {src}")
        verify_axis("charl.softmax", self.axis.value.data, len(shape_of(src)))


@irdl_op_definition
class LayerNormOp(IRDLOperation):
    """Normalizes over the last axis, then scales by `gamma` and shifts by `beta` (both `[last]`).

    `result = (x - mean) / sqrt(var + eps) * gamma + beta`, with the biased variance.

        %y = charl.layer_norm %x, %g, %b {eps = 1.0e-05 : f64} : tensor<4x8xf32>, tensor<8xf32>
    """

    name = "charl.layer_norm"
    input = operand_def(TensorType)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    eps = prop_def(FloatAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $gamma `,` $beta attr-dict `:` "
        "custom<SameType2>(type($input), type($result)) `,` custom<SameType2>(type($gamma), type($beta))"
    )
    custom_directives = (SameType2,)
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self, x: SSAValue | Operation, gamma: SSAValue | Operation, beta: SSAValue | Operation, eps: float
    ) -> None:
        super().__init__(
            operands=[x, gamma, beta], result_types=[SSAValue.get(x).type], properties={"eps": FloatAttr(eps, f64)}
        )

    def verify_(self) -> None:
        src, res = self.input.type, self.result.type
        if not types_agree(src, res):
            raise VerifyException(f"charl.layer_norm: result type {res} differs from operand type {src}")
        x = verify_tensor("charl.layer_norm", src, "the input", 1)
        if not is_float(x):
            raise VerifyException(f"charl.layer_norm: expected float elements, got {x}")
        expected = TensorType(x.element_type, [x.get_shape()[-1]])
        for what, t in (("gamma", self.gamma.type), ("beta", self.beta.type)):
            if not types_agree(t, expected):
                raise VerifyException(f"charl.layer_norm: {what} type {t} is not {expected} for {x}")


@irdl_op_definition
class Conv2dOp(IRDLOperation):
    """2-D convolution: NCHW input, OIHW weight, bias `[O]`.

    Output size per spatial dimension: `(H + 2 padding - K) // stride + 1`.

        %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 1 : i64}
               : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x32x32xf32>
    """

    name = "charl.conv2d"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = operand_def(TensorType)
    stride = prop_def(IntegerAttr[I64])
    padding = prop_def(IntegerAttr[I64])
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $weight `,` $bias attr-dict `:` type($input) `,` type($weight) `,` type($bias) `->` type($result)"
    )
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self,
        x: SSAValue | Operation,
        w: SSAValue | Operation,
        b: SSAValue | Operation,
        stride: int,
        padding: int,
        result_type: Attribute,
    ) -> None:
        props = {"stride": i64_attr(stride), "padding": i64_attr(padding)}
        super().__init__(operands=[x, w, b], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        op, res = "charl.conv2d", self.result.type
        x = verify_rank(op, self.input.type, "the input", 4)
        w = verify_rank(op, self.weight.type, "the weight", 4)
        b = self.bias.type
        for t in (w, b, res):
            verify_same_element(op, x, t)
        (n, c, h, wd), (o, ci, kh, kw) = x.get_shape(), w.get_shape()
        if not dims_agree(c, ci):
            raise VerifyException(f"{op}: input channels {show_dim(c)} of {x} and {show_dim(ci)} of {w} differ")
        if not types_agree(b, TensorType(x.element_type, [o])):
            raise VerifyException(f"{op}: bias type {b} is not a vector of the {show_dim(o)} output channels of {w}")
        stride, padding = self.stride.value.data, self.padding.value.data
        spatial = [_window(op, x, h, kh, stride, padding), _window(op, x, wd, kw, stride, padding)]
        verify_result_shape(op, res, [n, o, *spatial], f"{x} convolved with {w}")


@irdl_op_definition
class Pool2dOp(IRDLOperation):
    """2-D max or average pooling over NCHW, without padding.

    Output size per spatial dimension: `(H - kernel) // stride + 1`.

        %p = charl.pool2d max %x {kernel = 2 : i64, stride = 2 : i64} : tensor<8x16x32x32xf32> -> tensor<8x16x16x16xf32>
    """

    name = "charl.pool2d"
    input = operand_def(TensorType)
    kind = prop_def(StringAttr)
    kernel = prop_def(IntegerAttr[I64])
    stride = prop_def(IntegerAttr[I64])
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "custom<Keyword>($kind) $input attr-dict `:` type($input) `->` type($result)"
    custom_directives = (Keyword,)
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, x: SSAValue | Operation, kind: str, kernel: int, stride: int, result_type: Attribute) -> None:
        props = {"kind": StringAttr(kind), "kernel": i64_attr(kernel), "stride": i64_attr(stride)}
        super().__init__(operands=[x], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        op, res = "charl.pool2d", self.result.type
        if self.kind.data not in POOL_KINDS:
            raise VerifyException(f"{op}: unknown kind {self.kind.data!r}; expected max or avg")
        x = verify_rank(op, self.input.type, "the input", 4)
        verify_same_element(op, x, res)
        kernel, stride = self.kernel.value.data, self.stride.value.data
        if kernel < 1:
            raise VerifyException(f"{op}: kernel {kernel} must be >= 1")
        n, c, h, w = x.get_shape()
        spatial = [_window(op, x, h, kernel, stride, 0), _window(op, x, w, kernel, stride, 0)]
        verify_result_shape(op, res, [n, c, *spatial], f"{x} pooled by {kernel} with stride {stride}")


@irdl_op_definition
class RandomOp(IRDLOperation):
    """Counter-based random numbers: element `i` (row-major) is a pure function of (`seed`, `i`).

    `normal`: mean `a`, standard deviation `b`; `uniform`: in `[a, b)`; `int`: integers in
    `[a, b)`. `a` and `b` have the result's element type; `seed` is an `i64` scalar.

        %r = charl.random normal %seed, %mean, %std : f32 -> tensor<4x8xf32>
        %k = charl.random int %seed, %lo, %hi dims(%n) : i32 -> tensor<?xi32>
    """

    name = "charl.random"
    seed = operand_def(i64)
    a = operand_def(ValueType)
    b = operand_def(ValueType)
    dyn_dims = var_operand_def(IndexType)
    distribution = prop_def(StringAttr)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = (
        "custom<Keyword>($distribution) $seed `,` $a `,` $b (`dims` `(` $dyn_dims^ `)`)? attr-dict "
        "`:` custom<SameType2>(type($a), type($b)) `->` type($result)"
    )
    custom_directives = (Keyword, SameType2)
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self,
        seed: SSAValue | Operation,
        a: SSAValue | Operation,
        b: SSAValue | Operation,
        distribution: str,
        result_type: Attribute,
        dyn_dims: Sequence[SSAValue | Operation] = (),
    ) -> None:
        props = {"distribution": StringAttr(distribution)}
        super().__init__(operands=[seed, a, b, dyn_dims], result_types=[result_type], properties=props)

    def verify_(self) -> None:
        op, res, dist = "charl.random", self.result.type, self.distribution.data
        if dist not in DISTRIBUTIONS:
            raise VerifyException(f"{op}: unknown distribution {dist!r}; expected normal, uniform or int")
        if dist == "int" and not is_int(res):
            raise VerifyException(f"{op}: distribution int needs an integer result type, got {res}")
        if dist != "int" and not is_float(res):
            raise VerifyException(f"{op}: distribution {dist} needs a float result type, got {res}")
        elem = element_of(res)
        for t in (self.a.type, self.b.type):
            if t != elem:
                raise VerifyException(f"{op}: parameter type {t} is not the element type of {res}")
        verify_dyn_dims(op, res, self.dyn_dims)
