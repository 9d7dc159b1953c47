"""Shape ops of the `charl` dialect: broadcast_to, reshape, transpose, concat, dim, iota,
from_elements.

Ops whose result has `?` dimensions take one `index` operand per `?`, in order, written
`dims(%n, ...)` after the main operand.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    I64,
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    IntegerType,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
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
    ElementsType,
    FloatScalar,
    ValueType,
    dims_agree,
    element_of,
    i64_array,
    i64_attr,
    is_dynamic,
    is_numeric,
    shape_of,
    static_count,
    verify_axis,
    verify_dyn_dims,
    verify_same_element,
    verify_tensor,
)


class NewShapeOp(IRDLOperation):
    """Base of the ops that give their operand's elements a new shape (`broadcast_to`, `reshape`):
    the element type is kept, and one `index` operand per `?` of the result gives its size. A
    subclass checks its own shape rule in `verify_shape`."""

    input = operand_def(ValueType)
    dyn_dims = var_operand_def(IndexType)
    result = result_def(ValueType)
    traits = traits_def(Pure())
    assembly_format = "$input (`dims` `(` $dyn_dims^ `)`)? attr-dict `:` type($input) `->` type($result)"

    def __init__(
        self, x: SSAValue | Operation, result_type: Attribute, dyn_dims: Sequence[SSAValue | Operation] = ()
    ) -> None:
        super().__init__(operands=[x, dyn_dims], result_types=[result_type])

    def verify_(self) -> None:
        src, dst = self.input.type, self.result.type
        verify_same_element(self.name, src, dst)
        verify_dyn_dims(self.name, dst, self.dyn_dims)
        self.verify_shape(src, dst)

    def verify_shape(self, src: Attribute, dst: Attribute) -> None:
        """Raises `VerifyException` if `src` cannot take the shape of `dst`."""
        raise NotImplementedError


@irdl_op_definition
class BroadcastToOp(NewShapeOp):
    """NumPy broadcast of a scalar or tensor to the result type.

    Shapes align at the right; every input dimension is 1 or equal to the result's. One `index`
    operand per `?` of the result gives its size.

        %b = charl.broadcast_to %x : tensor<4xf32> -> tensor<3x4xf32>
        %s = charl.broadcast_to %c dims(%n) : f32 -> tensor<?x4xf32>
    """

    name = "charl.broadcast_to"
    result = result_def(TensorType)

    def verify_shape(self, src: Attribute, dst: Attribute) -> None:
        s, d = shape_of(src), shape_of(dst)
        if len(s) > len(d):
            raise VerifyException(f"charl.broadcast_to: cannot broadcast {src} to {dst}: it has more dimensions")
        for i, size in enumerate(s):
            target = d[len(d) - len(s) + i]
            if size != 1 and not dims_agree(size, target):
                raise VerifyException(
                    f"charl.broadcast_to: cannot broadcast {src} to {dst}: dimension {i} of size {size} is not 1"
                    f" and not {target}"
                )


@irdl_op_definition
class ReshapeOp(NewShapeOp):
    """The same elements in row-major order with a new shape (a scalar is a 1-element tensor).

    %r = charl.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
    %d = charl.reshape %x dims(%n) : tensor<?x4xf32> -> tensor<?xf32>
    """

    name = "charl.reshape"

    def verify_shape(self, src: Attribute, dst: Attribute) -> None:
        n, m = static_count(shape_of(src)), static_count(shape_of(dst))
        if n is not None and m is not None and n != m:
            raise VerifyException(f"charl.reshape: {src} has {n} elements but {dst} has {m}")


@irdl_op_definition
class TransposeOp(IRDLOperation):
    """Permutes the dimensions of a tensor.

    `result[i_0, ..., i_n] = input[i_perm[0], ..., i_perm[n]]`.

        %t = charl.transpose %x {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
    """

    name = "charl.transpose"
    input = operand_def(TensorType)
    perm = prop_def(DenseArrayBase.constr(i64))
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, x: SSAValue | Operation, perm: Sequence[int], result_type: Attribute) -> None:
        super().__init__(operands=[x], result_types=[result_type], properties={"perm": i64_array(perm)})

    def verify_(self) -> None:
        perm = list(self.perm.get_values())
        src, dst = self.input.type, self.result.type
        verify_same_element("charl.transpose", src, dst)
        s, d = shape_of(src), shape_of(dst)
        if sorted(perm) != list(range(len(s))):
            raise VerifyException(f"charl.transpose: {perm} is not a permutation of {len(s)} dims")
        if len(d) != len(s) or not all(dims_agree(s[p], d[i]) for i, p in enumerate(perm)):
            raise VerifyException(f"charl.transpose: {src} permuted by {perm} is not {dst}")


@irdl_op_definition
class ConcatOp(IRDLOperation):
    """Joins tensors along `axis`; the other dimensions agree.

    %c = charl.concat %a, %b {axis = 0 : i64} : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<5x4xf32>
    """

    name = "charl.concat"
    inputs = var_operand_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$inputs attr-dict `:` type($inputs) `->` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, inputs: Sequence[SSAValue | Operation], axis: int, result_type: Attribute) -> None:
        super().__init__(operands=[inputs], result_types=[result_type], properties={"axis": i64_attr(axis)})

    def verify_(self) -> None:
        res = self.result.type
        axis, rank = self.axis.value.data, len(shape_of(res))
        if not self.inputs:
            raise VerifyException("charl.concat: needs at least one input")
        verify_axis("charl.concat", axis, rank)
        for t in self.inputs.types:
            verify_same_element("charl.concat", t, res)
            if len(shape_of(t)) != rank:
                raise VerifyException(f"charl.concat: {t} and {res} differ in rank")
            for i, (a, b) in enumerate(zip(shape_of(t), shape_of(res), strict=True)):
                if i != axis and not dims_agree(a, b):
                    raise VerifyException(f"charl.concat: dimension {i} of {t} and {res} differ")
        sizes = [shape_of(t)[axis] for t in self.inputs.types]
        total = DYNAMIC_INDEX if any(is_dynamic(s) for s in sizes) else sum(sizes)
        if not dims_agree(total, shape_of(res)[axis]):
            raise VerifyException(f"charl.concat: sizes along axis {axis} sum to {total}, but the result is {res}")


@irdl_op_definition
class DimOp(IRDLOperation):
    """The size of dimension `axis` of a tensor, as an `index`.

    %n = charl.dim %x {axis = 0 : i64} : tensor<?x4xf32>
    """

    name = "charl.dim"
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    result = result_def(IndexType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, x: SSAValue | Operation, axis: int) -> None:
        super().__init__(operands=[x], result_types=[IndexType()], properties={"axis": i64_attr(axis)})

    def verify_(self) -> None:
        verify_axis("charl.dim", self.axis.value.data, len(shape_of(self.input.type)))


@irdl_op_definition
class IotaOp(IRDLOperation):
    """A tensor whose every element is its index along dimension `dim` (integer or float).

    %i = charl.iota {dim = 0 : i64} : tensor<4xi32>
    %j = charl.iota dims(%n) {dim = 1 : i64} : tensor<3x?xf32>
    """

    name = "charl.iota"
    dyn_dims = var_operand_def(IndexType)
    dim = prop_def(IntegerAttr[I64])
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "(`dims` `(` $dyn_dims^ `)`)? attr-dict `:` type($result)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, dim: int, result_type: Attribute, dyn_dims: Sequence[SSAValue | Operation] = ()) -> None:
        super().__init__(operands=[dyn_dims], result_types=[result_type], properties={"dim": i64_attr(dim)})

    def verify_(self) -> None:
        res = self.result.type
        if not is_numeric(res):
            raise VerifyException(f"charl.iota: result type {res} needs integer or float elements")
        verify_axis("charl.iota", self.dim.value.data, len(shape_of(res)), "dim")
        verify_dyn_dims("charl.iota", res, self.dyn_dims)


@irdl_op_definition
class FromElementsOp(IRDLOperation):
    """A static tensor from scalars in row-major order.

    %t = charl.from_elements %a, %b, %c, %d : tensor<2x2xf32>
    """

    name = "charl.from_elements"
    elements = var_operand_def(base(IntegerType) | FloatScalar)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$elements attr-dict `:` custom<ElementsType>(type($elements), type($result))"
    custom_directives = (ElementsType,)

    def __init__(self, elems: Sequence[SSAValue | Operation], result_type: Attribute) -> None:
        super().__init__(operands=[elems], result_types=[result_type])

    def verify_(self) -> None:
        res = verify_tensor("charl.from_elements", self.result.type, "result")
        count = static_count(shape_of(res))
        if count is None:
            raise VerifyException(f"charl.from_elements: result type {res} is not static")
        if count != len(self.elements):
            raise VerifyException(f"charl.from_elements: {res} has {count} elements but {len(self.elements)} are given")
        for t in self.elements.types:
            if t != element_of(res):
                raise VerifyException(f"charl.from_elements: element type {t} differs from that of {res}")
