"""Indexing ops of the `charl` dialect: slice, update_slice, extract, gather.

Offsets and indices are `index` values, written in brackets after the tensor: `%x[%i, %j]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    I64,
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from dialects.charl_base import (
    MixedSizes,
    ValueType,
    element_of,
    i64_array,
    i64_attr,
    is_dynamic,
    is_int,
    shape_of,
    types_agree,
    verify_axis,
    verify_result_shape,
    verify_same_element,
    with_shape,
)


def _verify_offsets(op: str, offsets: Sequence[SSAValue], t: Attribute) -> None:
    rank = len(shape_of(t))
    if len(offsets) != rank:
        raise VerifyException(f"{op}: {len(offsets)} offsets given for {t} of rank {rank}")


@irdl_op_definition
class SliceOp(IRDLOperation):
    """A rank-preserving window of a tensor: one `index` offset per dimension, and a size per
    dimension that is static or, where `static_sizes` holds -1, the next `dyn_sizes` operand.

        %w = charl.slice %x[%i, %j] [2, %n] : tensor<8x?xf32> -> tensor<2x?xf32>
    """

    name = "charl.slice"
    input = operand_def(TensorType)
    offsets = var_operand_def(IndexType)
    dyn_sizes = var_operand_def(IndexType)
    static_sizes = prop_def(DenseArrayBase.constr(i64))
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `[` $offsets `]` custom<MixedSizes>($dyn_sizes, $static_sizes) attr-dict "
        "`:` type($input) `->` type($result)"
    )
    custom_directives = (MixedSizes,)
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())

    def __init__(
        self,
        x: SSAValue | Operation,
        offsets: Sequence[SSAValue | Operation],
        static_sizes: Sequence[int],
        dyn_sizes: Sequence[SSAValue | Operation],
        result_type: Attribute,
    ) -> None:
        sizes = [-1 if s in (-1, DYNAMIC_INDEX) else s for s in static_sizes]
        super().__init__(
            operands=[x, offsets, dyn_sizes],
            result_types=[result_type],
            properties={"static_sizes": i64_array(sizes)},
        )

    def mixed_sizes(self) -> list[int | SSAValue]:
        """The sizes in order: an int where static, the `index` operand where dynamic."""
        dynamic = iter(self.dyn_sizes)
        return [next(dynamic) if s == -1 else s for s in self.static_sizes.get_values()]

    def verify_(self) -> None:
        src, res = self.input.type, self.result.type
        sizes, shape = list(self.static_sizes.get_values()), shape_of(src)
        verify_same_element("charl.slice", src, res)
        _verify_offsets("charl.slice", self.offsets, src)
        if len(sizes) != len(shape):
            raise VerifyException(f"charl.slice: {len(sizes)} sizes given for {src} of rank {len(shape)}")
        if sizes.count(-1) != len(self.dyn_sizes):
            raise VerifyException(
                f"charl.slice: {sizes.count(-1)} sizes are dynamic but {len(self.dyn_sizes)} size operands are given"
            )
        for i, (s, d) in enumerate(zip(sizes, shape, strict=True)):
            if s < -1 or (s >= 0 and not is_dynamic(d) and s > d):
                raise VerifyException(f"charl.slice: size {s} does not fit dimension {i} of {src}")
        expected = [DYNAMIC_INDEX if s == -1 else s for s in sizes]
        verify_result_shape("charl.slice", res, expected, "the slice sizes")


@irdl_op_definition
class UpdateSliceOp(IRDLOperation):
    """`dest` with the window at `offsets` replaced by `source` (same rank, already broadcast).

    %u = charl.update_slice %src into %dest[%i, %j] : tensor<2x4xf32> into tensor<8x4xf32>
    """

    name = "charl.update_slice"
    DEST: ClassVar = VarConstraint("DEST", base(TensorType))
    dest = operand_def(DEST)
    source = operand_def(TensorType)
    offsets = var_operand_def(IndexType)
    result = result_def(DEST)
    traits = traits_def(Pure())
    assembly_format = "$source `into` $dest `[` $offsets `]` attr-dict `:` type($source) `into` type($dest)"

    def __init__(
        self, dest: SSAValue | Operation, source: SSAValue | Operation, offsets: Sequence[SSAValue | Operation]
    ) -> None:
        super().__init__(operands=[dest, source, offsets], result_types=[SSAValue.get(dest).type])

    def verify_(self) -> None:
        src, dst = self.source.type, self.dest.type
        verify_same_element("charl.update_slice", src, dst)
        if len(shape_of(src)) != len(shape_of(dst)):
            raise VerifyException(f"charl.update_slice: source {src} and destination {dst} differ in rank")
        _verify_offsets("charl.update_slice", self.offsets, dst)
        for i, (s, d) in enumerate(zip(shape_of(src), shape_of(dst), strict=True)):
            if not is_dynamic(s) and not is_dynamic(d) and s > d:
                raise VerifyException(f"charl.update_slice: source {src} does not fit {dst} in dimension {i}")


@irdl_op_definition
class ExtractOp(IRDLOperation):
    """One element of a tensor, as a scalar.

    %e = charl.extract %x[%i, %j] : tensor<4x8xf32> -> f32
    """

    name = "charl.extract"
    input = operand_def(TensorType)
    indices = var_operand_def(IndexType)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$input `[` $indices `]` attr-dict `:` type($input) `->` type($result)"

    def __init__(self, x: SSAValue | Operation, indices: Sequence[SSAValue | Operation]) -> None:
        super().__init__(operands=[x, indices], result_types=[element_of(SSAValue.get(x).type)])

    def verify_(self) -> None:
        src, res = self.input.type, self.result.type
        rank = len(shape_of(src))
        if len(self.indices) != rank:
            raise VerifyException(f"charl.extract: {len(self.indices)} indices given for {src} of rank {rank}")
        if res != element_of(src):
            raise VerifyException(f"charl.extract: result type {res} is not the element type of {src}")


@irdl_op_definition
class GatherOp(IRDLOperation):
    """`take`: picks entries along `axis` by integer indices.

    The result shape is `input.shape[:axis] + indices.shape + input.shape[axis+1:]`.

        %e = charl.gather %table, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<8xi32> -> tensor<8x16xf32>
    """

    name = "charl.gather"
    input = operand_def(TensorType)
    indices = operand_def(ValueType)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$input `,` $indices attr-dict `:` type($input) `,` type($indices) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(
        self, x: SSAValue | Operation, indices: SSAValue | Operation, axis: int, result_type: Attribute
    ) -> None:
        super().__init__(operands=[x, indices], result_types=[result_type], properties={"axis": i64_attr(axis)})

    def verify_(self) -> None:
        src, idx, res = self.input.type, self.indices.type, self.result.type
        axis, shape = self.axis.value.data, shape_of(src)
        if not is_int(idx):
            raise VerifyException(f"charl.gather: indices type {idx} is not an integer type")
        verify_axis("charl.gather", axis, len(shape))
        expected = [*shape[:axis], *shape_of(idx), *shape[axis + 1 :]]
        verify_same_element("charl.gather", src, res)
        verify_result_shape("charl.gather", res, expected, f"{src} gathered along axis {axis} by {idx}")
        if not types_agree(res, with_shape(element_of(src), expected)):
            raise VerifyException(f"charl.gather: result type {res} must be a scalar exactly when its shape is empty")
