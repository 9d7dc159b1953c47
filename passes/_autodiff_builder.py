"""The `Adjoint` builder of `charl-autodiff`: appends the backward sweep's ops to a block, each
located at the forward op being differentiated, and builds constants, zeros and unbroadcasts."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import FloatAttr, IntegerAttr, LocationAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from dialects.charl import BroadcastToOp, ConstantOp, DimOp, ReduceOp, ReshapeOp
from dialects.charl_base import element_of, is_dynamic, is_float, shape_of, with_shape


class AdjointBuilder:
    """Builds backward-sweep ops at the end of `block` (before `before` when given).

    `forward` is the forward op being differentiated: its location goes on every op emitted and its
    operands and results provide the sizes of dynamic dimensions."""

    def __init__(self, block: Block, before: Operation | None = None) -> None:
        self.block = block
        self.before = before
        self.forward: Operation | None = None
        self.location: LocationAttr | None = None

    def at(self, forward: Operation) -> None:
        """Emits the next ops for `forward` (its location; its values for dynamic sizes)."""
        self.forward = forward
        self.location = forward.location

    def emit(self, op: Operation) -> SSAValue:
        """Inserts `op` at the insertion point with the forward op's location; its first result."""
        if self.location is not None:
            op.location = self.location
        if self.before is not None:
            self.block.insert_op_before(op, self.before)
        else:
            self.block.add_op(op)
        return op.results[0]

    def _reference(self, t: Attribute) -> SSAValue:
        if self.forward is not None:
            for v in [*self.forward.operands, *self.forward.results]:
                if v.type == t:
                    return v
        name = self.forward.name if self.forward is not None else "charl-autodiff"
        raise PassFailedException(f"charl-autodiff: {name}: no value of type {t} gives its dynamic sizes")

    def dims_of(self, ref: SSAValue, t: Attribute) -> list[SSAValue]:
        """One `index` value per `?` of `t`, read from `ref` (of the same rank)."""
        return [self.emit(DimOp(ref, i)) for i, d in enumerate(shape_of(t)) if is_dynamic(d)]

    def scalar(self, value: float | int, el: Attribute) -> SSAValue:
        """A scalar constant of element type `el`."""
        attr = FloatAttr(float(value), el) if is_float(el) else IntegerAttr(int(value), el)  # type: ignore[arg-type]
        return self.emit(ConstantOp(attr))

    def const(self, value: float | int, t: Attribute) -> SSAValue:
        """A scalar or splat constant of type `t` (dynamic sizes from the forward op's values)."""
        s = self.scalar(value, element_of(t))
        if not isinstance(t, TensorType):
            return s
        dyn: list[SSAValue] = []
        if any(is_dynamic(d) for d in shape_of(t)):
            dyn = self.dims_of(self._reference(t), t)
        return self.emit(BroadcastToOp(s, t, dyn))

    def const_like(self, value: float | int, v: SSAValue) -> SSAValue:
        """A splat constant of `v`'s type, dynamic sizes read from `v`."""
        s = self.scalar(value, element_of(v.type))
        if not isinstance(v.type, TensorType):
            return s
        return self.emit(BroadcastToOp(s, v.type, self.dims_of(v, v.type)))

    def zeros_like(self, v: SSAValue) -> SSAValue:
        """Zeros of `v`'s type (dynamic dims read from `v`)."""
        return self.const_like(0, v)

    def broadcast(self, g: SSAValue, like: SSAValue) -> SSAValue:
        """`g` broadcast to the type of `like` (sizes read from `like`)."""
        if g.type == like.type:
            return g
        return self.emit(BroadcastToOp(g, like.type, self.dims_of(like, like.type)))

    def reshape(self, g: SSAValue, like: SSAValue) -> SSAValue:
        """`g` reshaped to the type of `like` (sizes read from `like`)."""
        if g.type == like.type:
            return g
        return self.emit(ReshapeOp(g, like.type, self.dims_of(like, like.type)))

    def unbroadcast(self, g: SSAValue, t: Attribute) -> SSAValue:
        """`g` summed over the dimensions broadcasting added or stretched from `t`, reshaped to `t`."""
        gs, ts = shape_of(g.type), shape_of(t)
        lead = len(gs) - len(ts)
        axes = [i for i in range(len(gs)) if i < lead or (ts[i - lead] == 1 and gs[i] != 1)]
        if not axes:
            return g if g.type == t else self._reshape_to(g, t, lead)
        if not isinstance(t, TensorType):
            return self.emit(ReduceOp(g, "sum", axes, False, t))
        kept = [1 if i in axes else d for i, d in enumerate(gs)]
        summed = self.emit(ReduceOp(g, "sum", axes, True, with_shape(element_of(g.type), kept)))
        return self._reshape_to(summed, t, lead)

    def _reshape_to(self, g: SSAValue, t: Attribute, lead: int) -> SSAValue:
        dyn = [self.emit(DimOp(g, i + lead)) for i, d in enumerate(shape_of(t)) if is_dynamic(d)]
        return self.emit(ReshapeOp(g, t, dyn))


def first_float(values: Sequence[SSAValue]) -> SSAValue | None:
    """The first value of a float (element) type, if any."""
    return next((v for v in values if is_float(v.type)), None)


def outside_uses(op: Operation, varied: set[SSAValue]) -> list[SSAValue]:
    """The varied float values defined outside `op` and used inside its regions, in first-use order."""
    inside = {r for o in op.walk() for r in o.results} | {a for reg in op.regions for b in reg.blocks for a in b.args}
    found: dict[SSAValue, None] = {}
    for o in op.walk():
        if o is op:
            continue
        for v in o.operands:
            if v in varied and v not in inside and is_float(v.type):
                found[v] = None
    return list(found)
