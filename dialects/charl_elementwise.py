"""Values and elementwise ops of the `charl` dialect: constants, arithmetic, math, logic, compare,
select and cast.

Elementwise ops take operands of one type (a scalar or a tensor; irgen makes broadcasts explicit
with `charl.broadcast_to`) and print that type once: `charl.add %a, %b : tensor<4xf32>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    i1,
)
from xdsl.interfaces import HasFolderInterface
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    ParamAttrConstraint,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Commutative, ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import (
    Keyword,
    SameType2,
    SameType3,
    ValueType,
    is_bool,
    is_float,
    is_numeric,
    shape_of,
    shapes_match,
    types_agree,
)

_ELEMENT_KINDS = {
    "numeric": (is_numeric, "integer or float"),
    "float": (is_float, "float"),
    "bool": (is_bool, "i1"),
    "any": (lambda t: True, "any"),
}

COMPARE_PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")


def verify_elementwise(op: str, operands: Sequence[Attribute], result: Attribute, elements: str) -> None:
    """Operands and result of one type (up to `?` dims), with elements of the named kind."""
    first = operands[0]
    for other in operands[1:]:
        if not types_agree(first, other):
            raise VerifyException(f"{op}: operand types {first} and {other} differ")
    if not types_agree(first, result):
        raise VerifyException(f"{op}: result type {result} differs from operand type {first}")
    check, kind = _ELEMENT_KINDS[elements]
    if not check(first):
        raise VerifyException(f"{op}: expected {kind} elements, got {first}")


@irdl_op_definition
class ConstantOp(IRDLOperation, HasFolderInterface):
    """A literal scalar or tensor; the result type is the attribute's type.

    %c = charl.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %s = charl.constant 0.5 : f32
    """

    name = "charl.constant"
    T: ClassVar = VarConstraint("T", AnyAttr())
    value = prop_def(
        IntegerAttr.constr(base(IntegerType) & T)
        | ParamAttrConstraint(FloatAttr, (AnyAttr(), T))
        | ParamAttrConstraint(DenseIntOrFPElementsAttr, (T, AnyAttr()))
    )
    result = result_def(T)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = "attr-dict $value"

    def __init__(self, value: DenseIntOrFPElementsAttr | FloatAttr | IntegerAttr) -> None:
        super().__init__(result_types=[value.get_type()], properties={"value": value})

    def verify_(self) -> None:
        if isinstance(self.value, DenseIntOrFPElementsAttr) and not isinstance(self.result.type, TensorType):
            raise VerifyException(f"charl.constant: value type {self.result.type} is not a tensor type")

    def fold(self) -> Sequence[SSAValue | Attribute] | None:
        return (self.value,)


class ElementwiseBinaryOp(IRDLOperation):
    """Base of the elementwise binary ops: `lhs`, `rhs` and the result have one type."""

    ELEMENTS: ClassVar[str] = "numeric"
    lhs = operand_def(ValueType)
    rhs = operand_def(ValueType)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` custom<SameType3>(type($lhs), type($rhs), type($result))"
    custom_directives = (SameType3,)

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation) -> None:
        super().__init__(operands=[lhs, rhs], result_types=[SSAValue.get(lhs).type])

    def verify_(self) -> None:
        verify_elementwise(self.name, [self.lhs.type, self.rhs.type], self.result.type, self.ELEMENTS)


class LogicalBinaryOp(ElementwiseBinaryOp):
    """Base of the elementwise binary ops on `i1`."""

    ELEMENTS: ClassVar[str] = "bool"
    traits = traits_def(Pure(), Commutative())


class ElementwiseUnaryOp(IRDLOperation):
    """Base of the elementwise unary ops: the result has the operand's type."""

    ELEMENTS: ClassVar[str] = "numeric"
    input = operand_def(ValueType)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` custom<SameType2>(type($input), type($result))"
    custom_directives = (SameType2,)

    def __init__(self, x: SSAValue | Operation) -> None:
        super().__init__(operands=[x], result_types=[SSAValue.get(x).type])

    def verify_(self) -> None:
        verify_elementwise(self.name, [self.input.type], self.result.type, self.ELEMENTS)


class FloatUnaryOp(ElementwiseUnaryOp):
    """Base of the elementwise unary ops defined on floats only."""

    ELEMENTS: ClassVar[str] = "float"


# --- binary ---------------------------------------------------------------------------------


@irdl_op_definition
class AddOp(ElementwiseBinaryOp):
    """`lhs + rhs`, elementwise.

    %z = charl.add %x, %y : tensor<4xf32>
    """

    name = "charl.add"
    traits = traits_def(Pure(), Commutative())


@irdl_op_definition
class SubOp(ElementwiseBinaryOp):
    """`lhs - rhs`, elementwise.

    %z = charl.sub %x, %y : tensor<4xf32>
    """

    name = "charl.sub"


@irdl_op_definition
class MulOp(ElementwiseBinaryOp):
    """`lhs * rhs`, elementwise.

    %z = charl.mul %x, %y : tensor<4xf32>
    """

    name = "charl.mul"
    traits = traits_def(Pure(), Commutative())


@irdl_op_definition
class DivOp(ElementwiseBinaryOp):
    """`lhs / rhs`, elementwise: IEEE division on floats, truncating toward zero on integers.

    %z = charl.div %x, %y : tensor<4xi32>
    """

    name = "charl.div"


@irdl_op_definition
class RemOp(ElementwiseBinaryOp):
    """`lhs % rhs`, elementwise: `fmod` on floats; on integers the sign of the dividend.

    %z = charl.rem %x, %y : i64
    """

    name = "charl.rem"


@irdl_op_definition
class PowOp(ElementwiseBinaryOp):
    """`lhs ** rhs`, elementwise; an integer power of integers is an integer.

    %z = charl.pow %x, %y : tensor<4xf32>
    """

    name = "charl.pow"


@irdl_op_definition
class MaximumOp(ElementwiseBinaryOp):
    """The larger of `lhs` and `rhs`, elementwise.

    %z = charl.maximum %x, %y : tensor<4xf32>
    """

    name = "charl.maximum"
    traits = traits_def(Pure(), Commutative())


@irdl_op_definition
class MinimumOp(ElementwiseBinaryOp):
    """The smaller of `lhs` and `rhs`, elementwise.

    %z = charl.minimum %x, %y : tensor<4xf32>
    """

    name = "charl.minimum"
    traits = traits_def(Pure(), Commutative())


@irdl_op_definition
class AndOp(LogicalBinaryOp):
    """Logical and of `i1` values, elementwise.

    %z = charl.and %p, %q : tensor<4xi1>
    """

    name = "charl.and"


@irdl_op_definition
class OrOp(LogicalBinaryOp):
    """Logical or of `i1` values, elementwise.

    %z = charl.or %p, %q : i1
    """

    name = "charl.or"


# --- compare, select, cast ------------------------------------------------------------------


@irdl_op_definition
class CompareOp(IRDLOperation):
    """Elementwise comparison; the result is `i1` of the operands' shape.

    `predicate` is one of `eq ne lt le gt ge`; it is written as a bare word.

        %m = charl.compare lt %x, %y : tensor<4xf32> -> tensor<4xi1>
    """

    name = "charl.compare"
    lhs = operand_def(ValueType)
    rhs = operand_def(ValueType)
    predicate = prop_def(StringAttr)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = (
        "custom<Keyword>($predicate) $lhs `,` $rhs attr-dict `:` "
        "custom<SameType2>(type($lhs), type($rhs)) `->` type($result)"
    )
    custom_directives = (Keyword, SameType2)

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation, predicate: str) -> None:
        t = SSAValue.get(lhs).type
        result = TensorType(i1, shape_of(t)) if isinstance(t, TensorType) else i1
        super().__init__(operands=[lhs, rhs], result_types=[result], properties={"predicate": StringAttr(predicate)})

    def verify_(self) -> None:
        if self.predicate.data not in COMPARE_PREDICATES:
            raise VerifyException(
                f"charl.compare: unknown predicate {self.predicate.data!r}; expected one of "
                f"{', '.join(COMPARE_PREDICATES)}"
            )
        lhs, rhs, res = self.lhs.type, self.rhs.type, self.result.type
        if not types_agree(lhs, rhs):
            raise VerifyException(f"charl.compare: operand types {lhs} and {rhs} differ")
        if not is_bool(res) or not shapes_match(res, lhs):
            raise VerifyException(f"charl.compare: result type {res} is not i1 of the shape of {lhs}")


@irdl_op_definition
class SelectOp(IRDLOperation):
    """`cond ? lhs : rhs`, elementwise; `cond` is `i1` of the values' shape.

    %z = charl.select %c, %x, %y : tensor<4xi1>, tensor<4xf32>
    """

    name = "charl.select"
    cond = operand_def(ValueType)
    lhs = operand_def(ValueType)
    rhs = operand_def(ValueType)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = (
        "$cond `,` $lhs `,` $rhs attr-dict `:` type($cond) `,` custom<SameType3>(type($lhs), type($rhs), type($result))"
    )
    custom_directives = (SameType3,)

    def __init__(self, cond: SSAValue | Operation, a: SSAValue | Operation, b: SSAValue | Operation) -> None:
        super().__init__(operands=[cond, a, b], result_types=[SSAValue.get(a).type])

    def verify_(self) -> None:
        cond, lhs = self.cond.type, self.lhs.type
        verify_elementwise("charl.select", [lhs, self.rhs.type], self.result.type, "any")
        if not is_bool(cond):
            raise VerifyException(f"charl.select: condition type {cond} is not i1")
        if not shapes_match(cond, lhs):
            raise VerifyException(f"charl.select: condition type {cond} and value type {lhs} differ in shape")


@irdl_op_definition
class CastOp(IRDLOperation):
    """Converts the element type, keeping the shape.

    Float to integer truncates toward zero; to `i1` is `!= 0`; from `i1` is 0 or 1.

        %y = charl.cast %x : tensor<4xi32> to tensor<4xf32>
    """

    name = "charl.cast"
    input = operand_def(ValueType)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `to` type($result)"

    def __init__(self, x: SSAValue | Operation, result_type: Attribute) -> None:
        super().__init__(operands=[x], result_types=[result_type])

    def verify_(self) -> None:
        src, dst = self.input.type, self.result.type
        if not shapes_match(src, dst):
            raise VerifyException(f"charl.cast: {src} and {dst} differ in shape")
