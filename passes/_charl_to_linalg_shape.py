"""`convert-charl-to-linalg` patterns for the shape ops: broadcast_to, reshape, transpose, concat,
from_elements, dim and iota.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ArrayAttr,
    DenseArrayBase,
    IntegerAttr,
    TensorType,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from dialects import charl
from dialects.charl_base import element_of, is_dynamic, shape_of, static_count
from passes._charl_to_linalg_core import (
    Emitter,
    Size,
    dyn_dims_as_sizes,
    float_of,
    identity,
    is_float_type,
    projection,
    tensor_of,
)


class LowerBroadcastTo(RewritePattern):
    """charl.broadcast_to x -> linalg.fill (scalar x) | linalg.generic with a broadcasting input
    map (size-1 and missing dims read index 0) | x (nothing to broadcast)"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.BroadcastToOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        res = op.result.type
        sizes = dyn_dims_as_sizes(res, op.dyn_dims)
        if not isinstance(op.input.type, TensorType):
            e.replace(rewriter, [e.filled(op.input, res, sizes)])
            return
        src, dst = shape_of(op.input.type), shape_of(res)
        offset = len(dst) - len(src)
        kept = [None if s == 1 and dst[offset + i] != 1 else offset + i for i, s in enumerate(src)]
        if offset == 0 and None not in kept:
            e.replace(rewriter, [e.cast(op.input, res)])
            return
        init = e.empty(res, sizes)
        maps = [projection(len(dst), kept), identity(len(dst))]
        out = e.generic([op.input], [init], maps, [False] * len(dst), lambda b, args: [args[0]])
        e.replace(rewriter, out)


def _flat_type(elem: Attribute, count: int | None) -> TensorType[Attribute]:
    return TensorType(elem, [DYNAMIC_INDEX if count is None else count])


def _reassociation(groups: Sequence[Sequence[int]]) -> ArrayAttr[ArrayAttr[IntegerAttr]]:
    return ArrayAttr([ArrayAttr([IntegerAttr(d, i64) for d in group]) for group in groups])


def collapse_to_1d(e: Emitter, x: SSAValue) -> SSAValue:
    """`x` flattened row-major to rank 1 (`x` itself when it has rank 1)."""
    shape = shape_of(x.type)
    if len(shape) == 1:
        return x
    flat = _flat_type(element_of(x.type), static_count(shape))
    return e.value(
        tensor.CollapseShapeOp.build(
            operands=[x], result_types=[flat], properties={"reassociation": _reassociation([range(len(shape))])}
        )
    )


def expand_from_1d(e: Emitter, flat: SSAValue, t: Attribute, dyn_dims: Sequence[SSAValue]) -> SSAValue:
    """The rank-1 `flat` reshaped row-major to the tensor type `t` (`?` dims from `dyn_dims`)."""
    shape = shape_of(t)
    flat = e.cast(flat, _flat_type(element_of(t), static_count(shape)))
    if len(shape) == 1:
        return e.cast(flat, t)
    static = DenseArrayBase.from_list(i64, list(shape))
    expand = tensor.ExpandShapeOp(flat, list(dyn_dims), _reassociation([range(len(shape))]), static, tensor_of(t))
    return e.value(expand)


class LowerReshape(RewritePattern):
    """charl.reshape x -> tensor.collapse_shape to rank 1, then tensor.expand_shape;
    scalar -> tensor: tensor.from_elements; tensor -> scalar: tensor.extract"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ReshapeOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        src, res = op.input.type, op.result.type
        if not isinstance(src, TensorType):
            if not isinstance(res, TensorType):
                e.replace(rewriter, [op.input])
                return
            ones = TensorType(src, [1] * len(shape_of(res)))
            single = e.value(tensor.FromElementsOp(op.input, result_type=ones))
            e.replace(rewriter, [e.cast(single, res)])
            return
        if not isinstance(res, TensorType):
            zeros = [e.index(0)] * len(shape_of(src))
            e.replace(rewriter, [e.value(tensor.ExtractOp(op.input, zeros, res))])
            return
        flat = collapse_to_1d(e, op.input)
        e.replace(rewriter, [expand_from_1d(e, flat, res, op.dyn_dims)])


class LowerTranspose(RewritePattern):
    """charl.transpose x {perm} -> linalg.transpose x into tensor.empty, permutation = perm"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.TransposeOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        perm = list(op.perm.get_values())
        src = shape_of(op.input.type)
        permuted = TensorType(element_of(op.input.type), [src[p] for p in perm])
        init = e.empty(permuted, [e.dim(op.input, p) for p in perm])
        transposed = e.value(linalg.TransposeOp(op.input, init, DenseArrayBase.from_list(i64, perm)))
        e.replace(rewriter, [e.cast(transposed, op.result.type)])


class LowerConcat(RewritePattern):
    """charl.concat a, b, ... {axis} -> tensor.empty, then one tensor.insert_slice per input at
    its running offset along `axis`"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.ConcatOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        res, axis = op.result.type, op.axis.value.data
        res_shape = shape_of(res)
        parts = [e.cast(x, _part_type(x.type, res_shape, axis)) for x in op.inputs]
        part_sizes = [e.dims(p) for p in parts]
        starts: list[Size] = [0]
        for sizes in part_sizes:
            starts.append(e.add_sizes(starts[-1], sizes[axis]))
        out = e.empty(res, [starts[-1] if i == axis else s for i, s in enumerate(part_sizes[0])])
        for part, sizes, start in zip(parts, part_sizes, starts, strict=False):
            offsets: list[Size] = [start if i == axis else 0 for i in range(len(sizes))]
            out = e.value(_insert_slice(e, part, out, offsets, sizes))
        e.replace(rewriter, [out])


def _part_type(t: Attribute, res_shape: Sequence[int], axis: int) -> Attribute:
    """A concat input's type with the result's static extents off `axis`."""
    shape = [
        d if i == axis or is_dynamic(r) else r for i, (d, r) in enumerate(zip(shape_of(t), res_shape, strict=True))
    ]
    return TensorType(element_of(t), shape)


def _insert_slice(
    e: Emitter, source: SSAValue, dest: SSAValue, offsets: Sequence[Size], sizes: Sequence[Size]
) -> tensor.InsertSliceOp:
    """`tensor.insert_slice source into dest[offsets][sizes][1...]`."""

    def split(values: Sequence[Size]) -> tuple[list[int], list[SSAValue]]:
        static = [v if isinstance(v, int) else DYNAMIC_INDEX for v in values]
        return static, [v for v in values if not isinstance(v, int)]

    static_offsets, dyn_offsets = split(offsets)
    static_sizes, dyn_sizes = split(sizes)
    return tensor.InsertSliceOp.get(
        source,
        dest,
        static_sizes=static_sizes,
        static_offsets=static_offsets,
        static_strides=[1] * len(sizes),
        offsets=dyn_offsets,
        sizes=dyn_sizes,
    )


class LowerFromElements(RewritePattern):
    """charl.from_elements a, b, ... -> tensor.from_elements a, b, ..."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.FromElementsOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        res = op.result.type
        if not op.elements:
            e.replace(rewriter, [e.empty(res, list(shape_of(res)))])
            return
        e.replace(rewriter, [e.value(tensor.FromElementsOp(*op.elements, result_type=res))])


class LowerDim(RewritePattern):
    """charl.dim x {axis} -> tensor.dim x, axis (an index constant when the extent is static)"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.DimOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        e.replace(rewriter, [e.size(e.dim(op.input, op.axis.value.data))])


class LowerIota(RewritePattern):
    """charl.iota {dim} -> linalg.generic { linalg.index dim, cast to the element type }"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: charl.IotaOp, rewriter: PatternRewriter) -> None:
        e = Emitter(op)
        res = op.result.type
        elem, dim = element_of(res), op.dim.value.data
        init = e.empty(res, dyn_dims_as_sizes(res, op.dyn_dims))

        def body(b: Emitter, args: Sequence[SSAValue]) -> list[SSAValue]:
            index = b.value(linalg.IndexOp(dim))
            if not is_float_type(elem):
                return [b.value(arith.IndexCastOp(index, elem))]
            return [b.value(arith.SIToFPOp(b.value(arith.IndexCastOp(index, i64)), float_of(elem)))]

        e.replace(rewriter, [e.elementwise([], init, body)])


def patterns() -> list[RewritePattern]:
    """The patterns of this module."""
    return [
        LowerBroadcastTo(),
        LowerReshape(),
        LowerTranspose(),
        LowerConcat(),
        LowerFromElements(),
        LowerDim(),
        LowerIota(),
    ]
