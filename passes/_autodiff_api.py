"""The interface between `charl-autodiff` (the pass: adjoint functions, control flow, tapes) and its
table of vector-Jacobian product (VJP) rules, one per differentiable charl op.

A rule receives the forward op (its operands and results are values of the adjoint function's
forward sweep, so a rule may use them freely) and the adjoint of each of its results (`None` for a
result whose adjoint is zero), and returns one adjoint per operand (`None` where the operand gets no
gradient: integer or boolean operands, indices, seeds, or a zero contribution). Every adjoint has
exactly the type of its operand. Rules build ordinary charl ops through the `Adjoint` builder, so the
backward sweep is optimized, fused and lowered like any code. Each rule's docstring is a one-line
formula: `add: da = g, db = g`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from xdsl.ir import Attribute, Operation, SSAValue


class Adjoint(Protocol):
    """What a VJP rule may use to build the backward sweep."""

    def emit(self, op: Operation) -> SSAValue:
        """Insert `op` at the backward sweep's insertion point (with the forward op's location);
        returns its first result."""
        ...

    def const(self, value: float | int, t: Attribute) -> SSAValue:
        """A scalar or splat constant of IR type `t` (scalar or tensor; dynamic dims taken from the
        forward value the rule is processing when needed)."""
        ...

    def zeros_like(self, v: SSAValue) -> SSAValue:
        """Zeros of `v`'s type (dynamic dims read from `v`)."""
        ...

    def unbroadcast(self, g: SSAValue, t: Attribute) -> SSAValue:
        """`g` summed over the dimensions NumPy broadcasting added or stretched to reach `g`'s type
        from `t`, then reshaped to `t` (the adjoint of `broadcast_to`)."""
        ...


VjpRule = Callable[[Adjoint, Operation, Sequence[SSAValue | None]], Sequence[SSAValue | None]]
"""`rule(adj, forward_op, result_adjoints) -> operand_adjoints`."""


def no_gradient(adj: Adjoint, op: Operation, gs: Sequence[SSAValue | None]) -> Sequence[SSAValue | None]:
    """Zero-gradient ops (comparisons, argmax, floor/ceil/round/sign, random, iota, stop_gradient,
    integer casts): no operand gets a gradient."""
    return [None] * len(op.operands)
