"""The interface between irgen's core (statements, expressions, control flow, functions) and the
modules that lower built-in calls, models, gradients, optimizers and quantization.

Values are *pytrees*: a tensor or scalar is one `SSAValue`; a tuple is a `list` of pytrees; a model
(or a model-shaped gradient) is a `dict[str, SSAValue]` from parameter path to value, in path order.
Flattening (`flatten`, `ir_types`, function signatures) is depth-first in insertion order:
- `ModelType`: `{path: leaf}` in `ModelInfo.params` order.
- `OptStateType("sgd", of)`: `{"velocity": <pytree of type of>}`.
- `OptStateType("adam" | "adamw", of)`: `{"step": int32 scalar, "m": <pytree of>, "v": <pytree of>}`.
- `QuantModelType(base, ...)`: `{path: leaf}` in the base model's path order, where every quantized
  parameter (each rank-2 `weight` of a dense layer; each rank-2 parameter of a params-form model)
  is two entries: `path` (the int8/int4 tensor, same shape) then `path + ".scale"` (float32).

`charlc/irgen.py` implements `Gen`; `charlc/irgen_builtins*.py`, `charlc/irgen_models.py`,
`charlc/irgen_train.py` implement `lower_builtin`, `lower_model_ctor`, `lower_forward`, `lower_grad`
against it. Each lowering function receives the `Gen`, the `Call` node and its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from xdsl.ir import Attribute, Operation, SSAValue

from charlc import syntax as ast
from charlc.checked import CheckedProgram, FnInstance
from charlc.types import Type

PyTree = Any  # SSAValue | list[PyTree] | dict[str, PyTree]


class Gen(Protocol):
    """What lowering code may use while irgen builds one function body."""

    program: CheckedProgram
    inst: FnInstance  # the instance whose body is being generated
    capture: str | None  # `charlc quant-report`: the folder the program saves layer values into

    def emit(self, op: Operation, span: ast.Span, hint: str | None = None) -> Operation:
        """Insert `op` at the current point with the location of `span`; name its results `hint`
        (or the op's short name). Returns `op`."""
        ...

    def expr(self, e: ast.Expr) -> PyTree:
        """Generate an expression of the current instance; returns its value."""
        ...

    def type_of(self, e: ast.Expr) -> Type:
        """The checked type of `e` in the current instance."""
        ...

    def ir_type(self, t: Type) -> Attribute:
        """The IR type of a tensor/scalar Charl type (docs/charl-dialect.md, Types)."""
        ...

    def ir_types(self, t: Type) -> list[Attribute]:
        """The flattened IR types of any Charl type (tuples, models, optimizer states)."""
        ...

    def flatten(self, value: PyTree) -> list[SSAValue]:
        """The leaves of a pytree, in order."""
        ...

    def unflatten(self, t: Type, leaves: Sequence[SSAValue]) -> PyTree:
        """Rebuild a pytree of type `t` from its leaves (inverse of `flatten`)."""
        ...

    def constant(self, value: float | int | bool, t: Type, span: ast.Span) -> SSAValue:
        """A scalar or splat tensor constant of Charl type `t` (static shape)."""
        ...

    def index(self, value: int | SSAValue, span: ast.Span) -> SSAValue:
        """An `index` value from a Python int or an int32/int64 scalar value."""
        ...

    def broadcast(
        self, value: SSAValue, src: Type, dst: Type, span: ast.Span, dyn_dims: Sequence[SSAValue] = ()
    ) -> SSAValue:
        """`value` (of `src`) broadcast to `dst`'s shape by NumPy rules (returned as is when the
        types are equal); `dyn_dims` gives an `index` value for each dynamic dim of `dst`."""
        ...

    def dims_of(self, value: SSAValue, t: Type, span: ast.Span) -> list[SSAValue]:
        """`index` values for the dynamic (`?`/symbolic) dims of `t`, read from `value`."""
        ...

    def symbol(self, inst: FnInstance) -> str:
        """The symbol of `inst`'s function, generating it first if needed (for `charl.grad`)."""
        ...

    def call(self, inst: FnInstance, args: Sequence[PyTree], span: ast.Span) -> PyTree:
        """Call a function instance (generating it on first use) with pytree arguments."""
        ...
