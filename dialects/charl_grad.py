"""The gradient op of the `charl` dialect, replaced by `charl-autodiff` with generated adjoints."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DenseArrayBase, FunctionType, SymbolRefAttr, TensorType, UnitAttr, i64
from xdsl.dialects.func import FuncOp
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import SymbolTable, SymbolUserOpInterface
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import ValueType, i64_array, is_float, types_agree


def is_float_scalar(t: Attribute) -> bool:
    """Whether `t` is the scalar `f32` or `f64` (not a tensor)."""
    return is_float(t) and not isinstance(t, TensorType)


def _show_types(types: Sequence[Attribute]) -> str:
    return "(" + ", ".join(str(t) for t in types) + ")"


class GradCalleeInterface(SymbolUserOpInterface):
    """`@callee` names a `func.func` taking the arguments and returning one float scalar."""

    def verify(self, op: Operation) -> None:
        if not isinstance(op, GradOp):
            return
        name = op.callee.root_reference.data
        callee = SymbolTable.lookup_symbol(op, op.callee)
        if not isinstance(callee, FuncOp):
            raise VerifyException(f"charl.grad: @{name} does not name a function")
        ftype: FunctionType = callee.function_type
        inputs, outputs = list(ftype.inputs.data), list(ftype.outputs.data)
        args = list(op.args.types)
        if len(inputs) != len(args) or not all(types_agree(a, b) for a, b in zip(inputs, args, strict=True)):
            raise VerifyException(
                f"charl.grad: argument types {_show_types(args)} do not match the inputs "
                f"{_show_types(inputs)} of @{name}"
            )
        if len(outputs) != 1 or not is_float_scalar(outputs[0]):
            raise VerifyException(f"charl.grad: @{name} must return one f32 or f64 scalar, not {_show_types(outputs)}")
        expected = len(op.wrt) + (op.with_value is not None)
        if op.with_value is not None and len(op.outputs) == expected and op.outputs[0].type != outputs[0]:
            raise VerifyException(f"charl.grad: value type {op.outputs[0].type} differs from the result of @{name}")


@irdl_op_definition
class GradOp(IRDLOperation):
    """The gradient of the scalar result of `@callee` at `args`, with respect to the (flattened)
    argument positions `wrt`.

    Results: the value of `@callee` first when `with_value`, then one gradient per `wrt` entry,
    of the type of that argument. It has the effects of its callee.

        %g = charl.grad @loss(%w, %x) {wrt = array<i64: 0>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
        %l, %gw = charl.grad @loss(%w, %x) {wrt = array<i64: 0>, with_value}
                    : (tensor<3xf32>, tensor<3xf32>) -> (f32, tensor<3xf32>)
    """

    name = "charl.grad"
    callee = prop_def(SymbolRefAttr)
    args = var_operand_def(ValueType)
    wrt = prop_def(DenseArrayBase.constr(i64))
    with_value = opt_prop_def(UnitAttr)
    outputs = var_result_def(ValueType)
    traits = traits_def(GradCalleeInterface())
    assembly_format = "$callee `(` $args `)` attr-dict `:` functional-type($args, $outputs)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self,
        callee: str,
        args: Sequence[SSAValue | Operation],
        wrt: Sequence[int],
        with_value: bool,
        result_types: Sequence[Attribute],
    ) -> None:
        props: dict[str, Attribute] = {"callee": SymbolRefAttr(callee), "wrt": i64_array(wrt)}
        if with_value:
            props["with_value"] = UnitAttr()
        super().__init__(operands=[args], result_types=[result_types], properties=props)

    def verify_(self) -> None:
        wrt, nargs = list(self.wrt.get_values()), len(self.args)
        for p in wrt:
            if not 0 <= p < nargs:
                raise VerifyException(f"charl.grad: wrt position {p} is out of range for {nargs} arguments")
        with_value = self.with_value is not None
        expected = len(wrt) + with_value
        if len(self.outputs) != expected:
            needs = f"{len(wrt)} wrt positions" + (" and with_value" if with_value else "")
            raise VerifyException(f"charl.grad: {needs} need {expected} results, got {len(self.outputs)}")
        if with_value and not is_float_scalar(self.outputs[0].type):
            raise VerifyException(f"charl.grad: value type {self.outputs[0].type} is not a float scalar")
        for p, g in zip(wrt, self.outputs.types[with_value:], strict=True):
            a = self.args[p].type
            if not types_agree(g, a):
                raise VerifyException(f"charl.grad: gradient type {g} differs from the type {a} of argument {p}")
