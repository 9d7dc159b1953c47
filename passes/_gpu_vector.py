"""Elementwise kernels of `convert-linalg-to-gpu` on `vec4`: each invocation computes 4 consecutive
elements.

An all-parallel linalg op qualifies when its one output is an f32 memref with a static shape, a
contiguous row-major layout, an identity map and a size divisible by 4, and its body holds only
`arith` and `math` ops without regions, `linalg.index` or `index` values. Each shaped input must
be one of:

- *wide*: 4 consecutive elements of the output read 4 consecutive f32 of it. Either an identity
  map on a contiguous row-major memref of the output's shape, or, when the output's rows hold a
  multiple of 4 elements (so 4 consecutive elements share a row), a map whose last index is the
  last loop and whose other indices do not use it, on a memref whose last dimension has stride 1
  (a bias along the rows);
- *uniform*: one value for all 4: every index a constant (a broadcast scalar), or, when the rows
  hold a multiple of 4 elements, a map that does not use the last loop (a per-row statistic).

The op becomes a kernel marked `charl.template = "vec4"`, launched with `size / 4` invocations,
whose body states the split in plain IR:

    e0 = id * 4
    u = in_u[map_u(indices of e0)]              // each uniform input, loaded once
    for c = 0 to 4: e = e0 + c, (i_0, ..., i_n) = the row-major indices of e
                    out[i...] = body(in_w[map_w(i...)], u, ...)

The WGSL printer (`charlc/wgsl_vector.py`) binds the memrefs read or written in that loop as
`array<vec4<f32>>` and computes the body once on `vec4` values.
"""

from __future__ import annotations

from typing import Literal

from xdsl.builder import Builder
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    IndexType,
    MemRefType,
    NoneAttr,
    ShapedType,
    StridedLayoutAttr,
    StringAttr,
    f32,
)
from xdsl.dialects.linalg.ops import IndexOp, YieldOp
from xdsl.ir import Attribute, Block, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.rewriter import InsertPoint, Rewriter

from passes._gpu_reduce import split
from passes._loops_emit import Env, NestEmitter
from passes._loops_plan import general_plan
from passes._loops_structure import Structured

WIDTH = 4
"""Elements per invocation."""

Role = Literal["wide", "uniform", "scalar"]


def _strides(t: MemRefType) -> list[int | None] | None:
    """The strides of a memref with an identity or strided layout (None where dynamic)."""
    if isinstance(t.layout, NoneAttr):
        running, out = 1, []
        for size in reversed(t.get_shape()):
            out.append(running)
            running *= size
        return out[::-1]
    return list(t.layout.get_strides()) if isinstance(t.layout, StridedLayoutAttr) else None


def _contiguous(t: Attribute, shape: tuple[int, ...]) -> bool:
    """An f32 memref of static `shape` laid out row-major without gaps (any offset)."""
    if not isinstance(t, MemRefType) or t.element_type != f32 or tuple(t.get_shape()) != shape:
        return False
    want = _strides(MemRefType(f32, shape))
    return _strides(t) == want


def _role(t: Attribute, map_: AffineMap, shape: tuple[int, ...], rows_of_4: bool) -> Role | None:
    """How the vec4 form reads an input of type `t` through `map_` (see the module docstring)."""
    if not isinstance(t, ShapedType):
        return "scalar"
    last = len(shape) - 1
    if all(isinstance(e, AffineConstantExpr) for e in map_.results):
        return "uniform"
    if map_ == AffineMap.identity(len(shape)) and _contiguous(t, shape):
        return "wide"
    if not rows_of_4 or not isinstance(t, MemRefType):
        return None
    if last not in map_.used_dims():
        return "uniform"
    *rest, tail = map_.results
    strides = _strides(t)
    unit = strides is not None and bool(strides) and strides[-1] == 1 and t.element_type == f32
    if unit and tail == AffineDimExpr(last) and all(last not in e.used_dims() for e in rest):
        return "wide"
    return None


def roles(view: Structured) -> list[Role] | None:
    """The role of each input when `view` qualifies for the vec4 form, else None."""
    if any(view.reductions) or len(view.outputs) != 1:
        return None
    out_type = view.outputs[0].type
    assert isinstance(out_type, ShapedType)
    shape = tuple(out_type.get_shape())
    if not shape or DYNAMIC_INDEX in shape or not _contiguous(out_type, shape):
        return None
    size = 1
    for n in shape:
        size *= n
    if size % WIDTH or view.output_map(0) != AffineMap.identity(len(shape)):
        return None
    found: list[Role] = []
    by_role: dict[Role, set[SSAValue]] = {"wide": {view.outputs[0]}, "uniform": set(), "scalar": set()}
    for value, map_ in zip(view.inputs, view.maps, strict=False):
        role = _role(value.type, map_, shape, shape[-1] % WIDTH == 0)
        if role is None:
            return None
        found.append(role)
        by_role[role].add(value)
    if by_role["wide"] & by_role["uniform"]:  # a memref is bound either as vec4s or as scalars
        return None
    for op in view.block.ops:
        if isinstance(op, YieldOp):
            continue
        if isinstance(op, IndexOp) or op.regions or not op.name.startswith(("arith.", "math.")):
            return None
        if any(isinstance(r.type, IndexType) for r in op.results):
            return None
    return found


def templated(view: Structured) -> bool:
    """Whether `view` qualifies for the vec4 form (see the module docstring)."""
    return roles(view) is not None


def mark(attributes: dict[str, Attribute]) -> None:
    """The attribute that tells the WGSL printer to print the body on vec4 values."""
    attributes["charl.template"] = StringAttr("vec4")


def invocations(b: Builder, view: Structured) -> SSAValue:
    """Host side: one invocation per 4 elements."""
    out_type = view.outputs[0].type
    assert isinstance(out_type, ShapedType)
    size = 1
    for n in out_type.get_shape():
        size *= n
    return b.insert(arith.ConstantOp.from_int_and_width(size // WIDTH, IndexType())).result


class VectorNest(NestEmitter):
    """Replaces the op (inside a kernel's guard) by the 4-element loop of the vec4 template."""

    def __init__(self, view: Structured, linear: SSAValue) -> None:
        super().__init__(view, general_plan(view))
        self.linear = linear
        found = roles(view)
        assert found is not None
        self.roles = found

    def emit(self) -> None:
        view = self.view
        b = Builder(InsertPoint.before(view.op))
        first = b.insert(arith.MuliOp(self.linear, self.const(WIDTH))).result
        first.name_hint = "e0"
        loops = list(range(view.num_loops))
        mapper: dict[SSAValue, SSAValue] = {}
        start: Env | None = None
        for index, (value, role) in enumerate(zip(view.inputs, self.roles, strict=True)):
            map_ = view.maps[index]
            if role == "scalar":
                mapper[view.block.args[index]] = value
            elif role == "uniform":
                if start is None and map_.used_dims():
                    start = Env(dims=split(self, b, first, loops))
                mapper[view.block.args[index]] = self._load(b, value, map_, start or Env())
        body = Block(arg_types=[IndexType()])
        inner = Builder(InsertPoint.at_end(body))
        element = inner.insert(arith.AddiOp(first, body.args[0])).result
        element.name_hint = "e"
        env = Env(dims=split(self, inner, element, loops))
        for index, value in enumerate(view.inputs):
            if self.roles[index] == "wide":
                mapper[view.block.args[index]] = self._load(inner, value, view.maps[index], env)
        out, out_arg = view.outputs[0], view.block.args[len(view.inputs)]
        where = self._indices(inner, view.output_map(0), env)
        if out_arg.first_use is not None:
            mapper[out_arg] = inner.insert(memref.LoadOp.get(out, where)).res
        (result,) = self._clone_body(inner, env, mapper)
        inner.insert(memref.StoreOp.get(result, out, where))
        inner.insert(scf.YieldOp())
        b.insert(scf.ForOp(self.const(0), self.const(WIDTH), self.const(1), [], body))
        Rewriter.erase_op(view.op)
