"""Shared pieces of the `charl` dialect: type helpers, verifier helpers, assembly-format directives.

Types are builtin: scalars are plain `f32`/`f64`/`i1`/`i8`/`i4`/`i32`/`i64`, tensors are
`TensorType`, and an unknown dimension (`?`) is xDSL's `DYNAMIC_INDEX`. Two dimensions *agree*
when they are equal or at least one is `?`: verifiers reject only what is provably wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    Float32Type,
    Float64Type,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import base
from xdsl.irdl.declarative_assembly_format import (
    AttributeVariable,
    CustomDirective,
    ParsingState,
    PrintingState,
    TypeDirective,
    VariadicOperandVariable,
    irdl_custom_directive,
)
from xdsl.irdl.operations import IRDLOperation
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

ValueType = base(TensorType) | base(IntegerType) | base(Float32Type) | base(Float64Type)
"""The constraint on a charl value: a tensor or a builtin scalar."""

FloatScalar = base(Float32Type) | base(Float64Type)

_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# ---------------------------------------------------------------------------------------------
# Type helpers
# ---------------------------------------------------------------------------------------------


def shape_of(t: Attribute) -> tuple[int, ...]:
    """The shape of a tensor type; `()` for a scalar."""
    if isinstance(t, TensorType):
        return tuple(cast(TensorType[Attribute], t).get_shape())
    return ()


def element_of(t: Attribute) -> Attribute:
    """The element type of a tensor type; the type itself for a scalar."""
    if isinstance(t, TensorType):
        return cast(TensorType[Attribute], t).element_type
    return t


def is_float(t: Attribute) -> bool:
    """Whether the (element) type is `f32` or `f64`."""
    return isinstance(element_of(t), Float32Type | Float64Type)


def is_bool(t: Attribute) -> bool:
    """Whether the (element) type is `i1`."""
    elem = element_of(t)
    return isinstance(elem, IntegerType) and elem.width.data == 1


def is_int(t: Attribute) -> bool:
    """Whether the (element) type is an integer wider than `i1`."""
    elem = element_of(t)
    return isinstance(elem, IntegerType) and elem.width.data > 1


def is_numeric(t: Attribute) -> bool:
    """Whether the (element) type is a float or a non-`i1` integer."""
    return is_float(t) or is_int(t)


def is_dynamic(d: int) -> bool:
    """Whether a dimension is `?`."""
    return d == DYNAMIC_INDEX


def dims_agree(a: int, b: int) -> bool:
    """Two dimensions agree when they are equal or at least one is `?`."""
    return a == b or is_dynamic(a) or is_dynamic(b)


def shapes_agree(a: Sequence[int], b: Sequence[int]) -> bool:
    """Same rank and every pair of dimensions agrees."""
    return len(a) == len(b) and all(dims_agree(x, y) for x, y in zip(a, b, strict=True))


def types_agree(a: Attribute, b: Attribute) -> bool:
    """Both scalars or both tensors, one element type, agreeing shapes."""
    return element_of(a) == element_of(b) and shapes_match(a, b)


def shapes_match(a: Attribute, b: Attribute) -> bool:
    """Both scalars or both tensors, with agreeing shapes (element types may differ)."""
    return isinstance(a, TensorType) == isinstance(b, TensorType) and shapes_agree(shape_of(a), shape_of(b))


def num_dynamic(t: Attribute) -> int:
    """The number of `?` dimensions of a type."""
    return sum(1 for d in shape_of(t) if is_dynamic(d))


def static_count(shape: Sequence[int]) -> int | None:
    """The number of elements of a shape, or None when a dimension is `?`."""
    count = 1
    for d in shape:
        if is_dynamic(d):
            return None
        count *= d
    return count


def with_shape(elem: Attribute, shape: Sequence[int]) -> Attribute:
    """`tensor<shape x elem>`, or the scalar `elem` itself when the shape is empty."""
    return TensorType(elem, shape) if shape else elem


def show_dim(d: int) -> str:
    """A dimension as written in a type: `?` or the number."""
    return "?" if is_dynamic(d) else str(d)


# ---------------------------------------------------------------------------------------------
# Attribute builders and verifier helpers
# ---------------------------------------------------------------------------------------------


def i64_attr(value: int) -> IntegerAttr:
    """An `i64` integer attribute (the type of every integer property of charl ops)."""
    return IntegerAttr(value, i64)


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    """An `array<i64: ...>` attribute."""
    return DenseArrayBase.from_list(i64, list(values))


def props_with_flags(**props: Attribute | bool) -> dict[str, Attribute]:
    """Properties with booleans turned into present-or-absent unit attributes."""
    out: dict[str, Attribute] = {}
    for key, value in props.items():
        if isinstance(value, bool):
            if value:
                out[key] = UnitAttr()
        else:
            out[key] = value
    return out


def verify_axis(op: str, axis: int, rank: int, what: str = "axis") -> None:
    """Raises unless `0 <= axis < rank`."""
    if not 0 <= axis < rank:
        raise VerifyException(f"{op}: {what} {axis} is out of range for rank {rank}")


def verify_dyn_dims(op: str, t: Attribute, dyn_dims: Sequence[SSAValue]) -> None:
    """Raises unless there is exactly one size operand per `?` dimension of `t`."""
    if len(dyn_dims) != num_dynamic(t):
        raise VerifyException(f"{op}: {t} needs {num_dynamic(t)} size operands (one per ?), got {len(dyn_dims)}")


def verify_same_element(op: str, a: Attribute, b: Attribute) -> None:
    """Raises unless `a` and `b` have one element type."""
    if element_of(a) != element_of(b):
        raise VerifyException(f"{op}: element types of {a} and {b} differ")


def verify_result_shape(op: str, result: Attribute, expected: Sequence[int], why: str) -> None:
    """Raises unless the result's shape agrees with the expected shape (`why` names the rule)."""
    if not shapes_agree(shape_of(result), expected):
        shown = "[" + ", ".join(show_dim(d) for d in expected) + "]"
        raise VerifyException(f"{op}: result type {result} does not have the shape {shown} of {why}")


def verify_tensor(op: str, t: Attribute, what: str, min_rank: int = 0) -> TensorType[Attribute]:
    """Returns `t` as a tensor type of rank >= min_rank, or raises naming `what`."""
    if not isinstance(t, TensorType) or len(shape_of(t)) < min_rank:
        need = f"a tensor of rank >= {min_rank}" if min_rank else "a tensor"
        raise VerifyException(f"{op}: {what} must be {need}, got {t}")
    return cast(TensorType[Attribute], t)


def verify_rank(op: str, t: Attribute, what: str, rank: int) -> TensorType[Attribute]:
    """Returns `t` as a tensor type of exactly `rank` dimensions, or raises naming `what`."""
    if not isinstance(t, TensorType) or len(shape_of(t)) != rank:
        raise VerifyException(f"{op}: {what} must be a tensor of rank {rank}, got {t}")
    return cast(TensorType[Attribute], t)


# ---------------------------------------------------------------------------------------------
# Assembly-format directives
# ---------------------------------------------------------------------------------------------


@irdl_custom_directive
class Keyword(CustomDirective):
    """A string property written as a bare word: `sum` is `StringAttr("sum")`.

    A string that is not an identifier is printed (and may be written) as a quoted literal.
    """

    attr: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        word = parser.parse_optional_identifier()
        if word is None:
            word = parser.parse_str_literal(" or identifier")
        self.attr.set(state, StringAttr(word))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        attr = self.attr.get(op)
        text = attr.data if isinstance(attr, StringAttr) else str(attr)
        if _BARE_WORD.fullmatch(text):
            printer.print_string(text)
        else:
            printer.print_string_literal(text)


class _SameTypes(CustomDirective):
    """Types that are normally all equal: printed once (`tensor<4xf32>`); when they are not,
    printed as a parenthesized list (`(tensor<4xf32>, tensor<3xf32>)`) so the verifier can say
    what is wrong."""

    def _fields(self) -> list[TypeDirective]:
        return [cast(TypeDirective, getattr(self, name)) for name in self.parameters]

    def parse(self, parser: Parser, state: ParsingState) -> None:
        fields = self._fields()
        if parser.parse_optional_punctuation("(") is not None:
            types = parser.parse_comma_separated_list(Parser.Delimiter.NONE, parser.parse_type)
            parser.parse_punctuation(")")
            if len(types) != len(fields):
                parser.raise_error(f"expected one type or a list of {len(fields)} types")
        else:
            types = [parser.parse_type()] * len(fields)
        for field, t in zip(fields, types, strict=True):
            field.set(state, (t,))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        types = [t for field in self._fields() for t in field.get(op)]
        if all(t == types[0] for t in types):
            printer.print_attribute(types[0])
        else:
            with printer.in_parens():
                printer.print_list(types, printer.print_attribute)


@irdl_custom_directive
class SameType2(_SameTypes):
    """Two types, normally equal (see `_SameTypes`)."""

    first: TypeDirective
    second: TypeDirective


@irdl_custom_directive
class SameType3(_SameTypes):
    """Three types, normally equal (see `_SameTypes`)."""

    first: TypeDirective
    second: TypeDirective
    third: TypeDirective


@irdl_custom_directive
class ElementsType(CustomDirective):
    """The types of `from_elements`: the result type alone when every element has the result's
    element type, else `(elem types) -> result type`."""

    elements: TypeDirective
    result: TypeDirective

    def parse(self, parser: Parser, state: ParsingState) -> None:
        explicit: list[Attribute] | None = None
        if parser.parse_optional_punctuation("(") is not None:
            explicit = parser.parse_comma_separated_list(Parser.Delimiter.NONE, parser.parse_type)
            parser.parse_punctuation(")")
            parser.parse_punctuation("->")
        result = parser.parse_type()
        self.result.set(state, (result,))
        inner = cast(VariadicOperandVariable, self.elements.inner)
        count = len(state.operands[inner.index] or ())
        self.elements.set(state, explicit if explicit is not None else [element_of(result)] * count)

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        result = self.result.get(op)[0]
        elems = self.elements.get(op)
        if any(t != element_of(result) for t in elems):
            with printer.in_parens():
                printer.print_list(elems, printer.print_attribute)
            printer.print_string(" -> ")
        printer.print_attribute(result)


@irdl_custom_directive
class MixedSizes(CustomDirective):
    """Sizes that are static integers or `index` values: `[4, %n]`. The static list holds -1
    where the size is the next dynamic operand."""

    dynamic: VariadicOperandVariable
    static: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        static: list[int] = []
        dynamic: list[UnresolvedOperand] = []

        def parse_one() -> None:
            operand = parser.parse_optional_unresolved_operand()
            if operand is None:
                static.append(parser.parse_integer(allow_boolean=False))
            else:
                static.append(-1)
                dynamic.append(operand)

        parser.parse_comma_separated_list(Parser.Delimiter.SQUARE, parse_one)
        self.dynamic.set(state, dynamic)
        self.static.set(state, i64_array(static))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        dynamic = iter(self.dynamic.get(op))
        static = cast(DenseArrayBase[IntegerType], self.static.get(op)).get_values()
        items: list[int | SSAValue] = [next(dynamic, None) or s if s == -1 else s for s in static]

        def print_item(x: int | SSAValue) -> None:
            if isinstance(x, int):
                printer.print_int(x)
            else:
                printer.print_operand(x)

        with printer.in_square_brackets():
            printer.print_list(items, print_item)
