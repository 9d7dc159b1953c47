"""Charl's semantic types, as the type checker computes them.

Scalars are rank-0 tensors: `float32` is `TensorType("float32", ())`. A dimension (`Dim`) is an
`int` (static), a `str` (a symbolic size: a size variable bound to a run-time size; equal names are
equal sizes) or `None` (`?`, unknown until run time).
"""

from __future__ import annotations

from dataclasses import dataclass

Dim = int | str | None

FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int32", "int64")
STORAGE_DTYPES = ("int8", "int4")
DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool",) + STORAGE_DTYPES


@dataclass(frozen=True)
class TensorType:
    """A tensor (or, with an empty shape, a scalar) of one element type."""

    dtype: str
    shape: tuple[Dim, ...] = ()

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_scalar(self) -> bool:
        return not self.shape

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES

    @property
    def is_int(self) -> bool:
        return self.dtype in INT_DTYPES

    @property
    def is_static(self) -> bool:
        return all(isinstance(d, int) for d in self.shape)

    def with_dtype(self, dtype: str) -> TensorType:
        return TensorType(dtype, self.shape)

    def with_shape(self, shape: tuple[Dim, ...]) -> TensorType:
        return TensorType(self.dtype, shape)


@dataclass(frozen=True)
class TupleType:
    elems: tuple[Type, ...]


@dataclass(frozen=True)
class ModelType:
    """A model value, identified by its declaration name and constructor arguments. Its parameter
    structure is in `checked.ModelInfo`. A gradient with respect to a model has the model's type."""

    name: str
    args: tuple[int, ...] = ()


@dataclass(frozen=True)
class OptStateType:
    """Optimizer state from `sgd_init`/`adam_init`/`adamw_init` for parameters of type `of`."""

    kind: str  # "sgd" | "adam" | "adamw"
    of: Type


@dataclass(frozen=True)
class QuantModelType:
    """`quantize(m, int8)` / `quantize(m, int4, group: 32)`: same interface as `base`, inference only."""

    base: ModelType
    qdtype: str  # "int8" | "int4"
    group: int | None


@dataclass(frozen=True)
class StringType:
    pass


@dataclass(frozen=True)
class UnitType:
    """The result of a call made for its effect (`print`, `save_npy`)."""


@dataclass(frozen=True)
class FnRefType:
    """A function name used as a value: only as the first argument of `grad`/`value_and_grad`/`autograd`."""

    name: str


Type = TensorType | TupleType | ModelType | OptStateType | QuantModelType | StringType | UnitType | FnRefType

FLOAT32 = TensorType("float32")
FLOAT64 = TensorType("float64")
INT32 = TensorType("int32")
INT64 = TensorType("int64")
BOOL = TensorType("bool")


def show_dim(d: Dim) -> str:
    return "?" if d is None else str(d)


def show(t: Type) -> str:
    """The type as a user writes it: `float32`, `tensor<float32, [2, 3]>`, `(float32, Mlp)`."""
    match t:
        case TensorType(dtype, ()):
            return dtype
        case TensorType(dtype, shape):
            return f"tensor<{dtype}, [{', '.join(show_dim(d) for d in shape)}]>"
        case TupleType(elems):
            return "(" + ", ".join(show(e) for e in elems) + ")"
        case ModelType(name, ()):
            return name
        case ModelType(name, args):
            return f"{name}({', '.join(map(str, args))})"
        case OptStateType(kind, of):
            return f"{kind}_state<{show(of)}>"
        case QuantModelType(base, qdtype, group):
            g = f", group: {group}" if group is not None else ""
            return f"quantized<{show(base)}, {qdtype}{g}>"
        case StringType():
            return "string"
        case UnitType():
            return "()"
        case FnRefType(name):
            return f"fn {name}"
