"""Elementwise unary ops of the `charl` dialect: the result has the operand's type.

%y = charl.exp %x : tensor<4xf32>
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.irdl import irdl_op_definition

from dialects.charl_elementwise import ElementwiseUnaryOp, FloatUnaryOp


@irdl_op_definition
class NegOp(ElementwiseUnaryOp):
    """`-x`, elementwise.

    %y = charl.neg %x : tensor<4xf32>
    """

    name = "charl.neg"


@irdl_op_definition
class AbsOp(ElementwiseUnaryOp):
    """`|x|`, elementwise.

    %y = charl.abs %x : tensor<4xi32>
    """

    name = "charl.abs"


@irdl_op_definition
class ExpOp(FloatUnaryOp):
    """`e ** x`, elementwise.

    %y = charl.exp %x : tensor<4xf32>
    """

    name = "charl.exp"


@irdl_op_definition
class LogOp(FloatUnaryOp):
    """Natural logarithm, elementwise.

    %y = charl.log %x : tensor<4xf32>
    """

    name = "charl.log"


@irdl_op_definition
class SqrtOp(FloatUnaryOp):
    """Square root, elementwise.

    %y = charl.sqrt %x : f64
    """

    name = "charl.sqrt"


@irdl_op_definition
class RsqrtOp(FloatUnaryOp):
    """`1 / sqrt(x)`, elementwise.

    %y = charl.rsqrt %x : tensor<4xf32>
    """

    name = "charl.rsqrt"


@irdl_op_definition
class SinOp(FloatUnaryOp):
    """Sine, elementwise.

    %y = charl.sin %x : tensor<4xf32>
    """

    name = "charl.sin"


@irdl_op_definition
class CosOp(FloatUnaryOp):
    """Cosine, elementwise.

    %y = charl.cos %x : tensor<4xf32>
    """

    name = "charl.cos"


@irdl_op_definition
class TanhOp(FloatUnaryOp):
    """Hyperbolic tangent, elementwise.

    %y = charl.tanh %x : tensor<4xf32>
    """

    name = "charl.tanh"


@irdl_op_definition
class SigmoidOp(FloatUnaryOp):
    """`1 / (1 + exp(-x))`, elementwise.

    %y = charl.sigmoid %x : tensor<4xf32>
    """

    name = "charl.sigmoid"


@irdl_op_definition
class ReluOp(ElementwiseUnaryOp):
    """`max(x, 0)`, elementwise.

    %y = charl.relu %x : tensor<2x4xf32>
    """

    name = "charl.relu"


@irdl_op_definition
class GeluOp(FloatUnaryOp):
    """GELU, tanh approximation: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))`.

    %y = charl.gelu %x : tensor<4xf32>
    """

    name = "charl.gelu"


@irdl_op_definition
class SiluOp(FloatUnaryOp):
    """`x * sigmoid(x)`, elementwise.

    %y = charl.silu %x : tensor<4xf32>
    """

    name = "charl.silu"


@irdl_op_definition
class SignOp(ElementwiseUnaryOp):
    """-1, 0 or 1 by the sign of `x`, elementwise.

    %y = charl.sign %x : tensor<4xf32>
    """

    name = "charl.sign"


@irdl_op_definition
class FloorOp(ElementwiseUnaryOp):
    """Round toward negative infinity, elementwise (the identity on integers).

    %y = charl.floor %x : tensor<4xf32>
    """

    name = "charl.floor"


@irdl_op_definition
class CeilOp(ElementwiseUnaryOp):
    """Round toward positive infinity, elementwise (the identity on integers).

    %y = charl.ceil %x : tensor<4xf32>
    """

    name = "charl.ceil"


@irdl_op_definition
class RoundOp(ElementwiseUnaryOp):
    """Round half to even, elementwise (the identity on integers).

    %y = charl.round %x : tensor<4xf32>
    """

    name = "charl.round"


@irdl_op_definition
class NotOp(ElementwiseUnaryOp):
    """Logical not of `i1` values, elementwise.

    %q = charl.not %p : tensor<4xi1>
    """

    ELEMENTS: ClassVar[str] = "bool"
    name = "charl.not"


@irdl_op_definition
class StopGradientOp(ElementwiseUnaryOp):
    """The identity, with a zero derivative for `charl-autodiff`.

    %y = charl.stop_gradient %x : tensor<4xf32>
    """

    ELEMENTS: ClassVar[str] = "any"
    name = "charl.stop_gradient"
