"""Input/output ops of the `charl` dialect: print, .npy/.npz files, clock.

They have effects: `print` and the savers write, the loaders read; `clock` declares no effect
trait, so every transformation treats it as having unknown effects (never merged or reordered).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, IndexType, StringAttr, f64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import MemoryReadEffect, MemoryWriteEffect
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import ValueType, verify_dyn_dims


def count_placeholders(op: str, fmt: str) -> int:
    """The number of `{}` in a print format; `{{` and `}}` are literal braces."""
    count, i = 0, 0
    while i < len(fmt):
        pair = fmt[i : i + 2]
        if pair in ("{{", "}}", "{}"):
            count += pair == "{}"
            i += 2
        elif fmt[i] in "{}":
            raise VerifyException(f"{op}: unmatched {fmt[i]!r} in format {fmt!r}; double a brace to print it")
        else:
            i += 1
    return count


def _verify_names(op: str, names: Sequence[str], count: int) -> None:
    if len(names) != count:
        raise VerifyException(f"{op}: {len(names)} names given for {count} arrays")
    if len(set(names)) != len(names):
        raise VerifyException(f"{op}: array names {list(names)} repeat")


def _names(names: Sequence[str]) -> ArrayAttr[StringAttr]:
    return ArrayAttr([StringAttr(n) for n in names])


@irdl_op_definition
class PrintOp(IRDLOperation):
    """Prints `format` with each `{}` replaced by the next value, then a newline.

    Values print as in the language (integers as integers, `i1` as true/false, floats with the
    shortest round-tripping form, tensors like NumPy); `{{` and `}}` print braces.

        charl.print "step {} loss {}", %step, %loss : i32, f32
        charl.print "done"
    """

    name = "charl.print"
    format = prop_def(StringAttr)
    values = var_operand_def(ValueType)
    traits = traits_def(MemoryWriteEffect())
    assembly_format = "$format (`,` $values^ `:` type($values))? attr-dict"

    def __init__(self, format: str, values: Sequence[SSAValue | Operation]) -> None:
        super().__init__(operands=[values], properties={"format": StringAttr(format)})

    def verify_(self) -> None:
        fmt = self.format.data
        count = count_placeholders("charl.print", fmt)
        if count != len(self.values):
            raise VerifyException(f"charl.print: format {fmt!r} needs {count} values, got {len(self.values)}")


@irdl_op_definition
class LoadNpyOp(IRDLOperation):
    """Reads a `.npy` file; its dtype and shape must fit the result type (checked at run time).

    A `?` size is the file's; `dims(...)`, when given, has one `index` per `?` that the file's
    size must equal.

        %x = charl.load_npy "x.npy" : tensor<100x64xf32>
        %y = charl.load_npy "y.npy" dims(%n) : tensor<?x64xf32>
    """

    name = "charl.load_npy"
    path = prop_def(StringAttr)
    dyn_dims = var_operand_def(IndexType)
    result = result_def(ValueType)
    traits = traits_def(MemoryReadEffect())
    assembly_format = "$path (`dims` `(` $dyn_dims^ `)`)? attr-dict `:` type($result)"

    def __init__(self, path: str, result_type: Attribute, dyn_dims: Sequence[SSAValue | Operation] = ()) -> None:
        super().__init__(operands=[dyn_dims], result_types=[result_type], properties={"path": StringAttr(path)})

    def verify_(self) -> None:
        if self.dyn_dims:
            verify_dyn_dims("charl.load_npy", self.result.type, self.dyn_dims)


@irdl_op_definition
class SaveNpyOp(IRDLOperation):
    """Writes a value to a `.npy` file.

    charl.save_npy "w.npy", %w : tensor<4x8xf32>
    """

    name = "charl.save_npy"
    path = prop_def(StringAttr)
    input = operand_def(ValueType)
    traits = traits_def(MemoryWriteEffect())
    assembly_format = "$path `,` $input attr-dict `:` type($input)"

    def __init__(self, path: str, x: SSAValue | Operation) -> None:
        super().__init__(operands=[x], properties={"path": StringAttr(path)})


@irdl_op_definition
class LoadNpzOp(IRDLOperation):
    """Reads named arrays of a `.npz` file, one result per name; a `?` size is the file's.

    %w, %b = charl.load_npz "m.npz" ["l1.w", "l1.b"] : tensor<4x8xf32>, tensor<8xf32>
    """

    name = "charl.load_npz"
    path = prop_def(StringAttr)
    names = prop_def(ArrayAttr[StringAttr])
    arrays = var_result_def(ValueType)
    traits = traits_def(MemoryReadEffect())
    assembly_format = "$path $names attr-dict `:` type($arrays)"

    def __init__(self, path: str, names: Sequence[str], result_types: Sequence[Attribute]) -> None:
        props = {"path": StringAttr(path), "names": _names(names)}
        super().__init__(result_types=[result_types], properties=props)

    def verify_(self) -> None:
        _verify_names("charl.load_npz", [n.data for n in self.names.data], len(self.arrays))


@irdl_op_definition
class SaveNpzOp(IRDLOperation):
    """Writes values as named arrays of a `.npz` file.

    charl.save_npz "m.npz" ["l1.w", "l1.b"], %w, %b : tensor<4x8xf32>, tensor<8xf32>
    """

    name = "charl.save_npz"
    path = prop_def(StringAttr)
    names = prop_def(ArrayAttr[StringAttr])
    values = var_operand_def(ValueType)
    traits = traits_def(MemoryWriteEffect())
    assembly_format = "$path $names (`,` $values^ `:` type($values))? attr-dict"

    def __init__(self, path: str, names: Sequence[str], values: Sequence[SSAValue | Operation]) -> None:
        super().__init__(operands=[values], properties={"path": StringAttr(path), "names": _names(names)})

    def verify_(self) -> None:
        _verify_names("charl.save_npz", [n.data for n in self.names.data], len(self.values))


@irdl_op_definition
class ClockOp(IRDLOperation):
    """Seconds from a monotonic clock, as `f64`.

    %t = charl.clock
    """

    name = "charl.clock"
    result = result_def(f64)
    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__(result_types=[f64])
