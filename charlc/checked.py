"""The type checker's result: the contract between `typecheck` and `irgen`.

The checker does not rewrite the AST. It returns side tables keyed by AST nodes (nodes hash by
identity), one set per *function instance*: a generic function (one whose parameters use size
variables) is checked once per distinct tuple of argument types it is called with, and each such
instance becomes one `func.func` in the IR.

Conventions irgen relies on:
- `FnInstance.types` has the final type of every `Expr` node of the instance's body (literals get
  the type their context gave them: in `x * 2` with `x: tensor<float32, [4]>` the literal `2` is
  `float32`), plus the type of every `Let`, `Assign`, `For` and `Return` statement's value.
- `FnInstance.targets` resolves every `Call` node of the body (see `Target`).
- `FnInstance.consts` holds the compile-time value of expressions the checker folded: size
  variables and model arguments used as values, literal shapes (`[32, 784]` -> (32, 784)),
  and static slice bounds.
- Models are flattened in *path order*: the order in which `ModelInfo.params` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from charlc import syntax as ast
from charlc.types import Dim, ModelType, TensorType, Type


@dataclass(frozen=True)
class InitSpec:
    """How a parameter is initialized from the model's seed.

    `kind`: "zeros" | "ones" | "normal" (std) | "he_normal" | "xavier_uniform" | "uniform" (low,
    high: used by layers whose init is given as a range). `fan_in`/`fan_out` are computed by the
    checker from the parameter's shape (for a dense weight `[in, out]`: in and out; for a conv weight
    `[o, i, kh, kw]`: i*kh*kw and o*kh*kw).
    """

    kind: str
    std: float = 1.0
    low: float = 0.0
    high: float = 0.0
    fan_in: int = 1
    fan_out: int = 1


@dataclass(frozen=True)
class ParamSpec:
    """One parameter tensor of a model, named by its dotted path (`layers.0.weight`, `l1.w`)."""

    path: str
    type: TensorType
    init: InitSpec
    span: ast.Span


@dataclass
class LayerInfo:
    """One layer of a sequential (`layers { }`) model.

    `kind`: dense | conv2d | max_pool2d | avg_pool2d | flatten | dropout | layer_norm | embedding.
    `options` holds the layer's resolved static arguments (`in`, `out`, `activation`, `kernel`,
    `stride`, `padding`, `p`, `dim`, `vocab`, ...). `out_shape` is the per-sample output shape
    (without the batch dimension) for `summary`. `params` are this layer's parameters (full paths).
    """

    kind: str
    name: str  # "layers.0"
    span: ast.Span
    options: dict[str, Any]
    in_shape: tuple[Dim, ...]
    out_shape: tuple[Dim, ...]
    params: list[ParamSpec]


@dataclass(eq=False)
class ModelInfo:
    """A model type with its constructor arguments applied (`Linear(784, 128)`)."""

    type: ModelType
    decl: ast.ModelDecl
    arg_values: dict[str, int]  # constructor argument name -> value
    params: list[ParamSpec]  # every parameter tensor, flattened in path order
    layers: list[LayerInfo] | None  # sequential models
    submodels: dict[str, ModelInfo]  # params-form fields that are models, by field name


@dataclass(frozen=True)
class BuiltinTarget:
    """A call of a built-in function of LANGUAGE.md section 7/8/10/11 (also losses, optimizers,
    `parameters`, `summary`, `save`, `load`, `quantize`, `stop_gradient`, initializers in `params`).

    `static` holds the call's compile-time arguments, resolved: `axis` (normalized, non-negative;
    a tuple when several), `keepdims`, `shape` (a tuple of `Dim`), `dtype` (a dtype name), `perm`,
    `activation`, `group`, `stride`, `padding`, `kernel`, ... `args` are the run-time operand
    expressions in the order the built-in's documentation lists them, with keyword arguments that
    are run-time values (`seed:`, `lr:`, `mean:`, `std:`, ...) in `kwargs`.
    """

    name: str
    args: tuple[ast.Expr, ...]
    kwargs: dict[str, ast.Expr]
    static: dict[str, Any]
    result: Type


@dataclass(frozen=True)
class FnTarget:
    """A call of a user function: `instance` is the instance checked for these argument types."""

    instance: FnInstance


@dataclass(frozen=True)
class QuantizeAll:
    """`charlc run --quantize=int8|int4 [--group G]`: every model the program creates (constructor
    call or `load`) is `quantize(m, qdtype, group: group)` of itself (`group` None: the default)."""

    qdtype: str
    group: int | None = None


@dataclass(frozen=True)
class ModelCtorTarget:
    """`Mlp(seed: 0)`, `Linear(784, 128, seed: 1)`: creates and initializes a model; `quant` is the
    type of the quantized model it becomes under `--quantize` (None otherwise)."""

    model: ModelInfo
    seed: ast.Expr | None
    quant: Type | None = None


@dataclass(frozen=True)
class ForwardTarget:
    """`m(x)`, `m.forward(x)`, `self.l1(x)`: the model's forward pass.

    `model_expr` is the expression that yields the model value. For a `params` model `instance` is
    the checked `forward` method (its first parameter, `self`, receives the flattened parameters);
    for a sequential model it is `None` and irgen emits the layers in order. `training` and `seed`
    are the keyword arguments, if given. `quant` is set when the model value is quantized.
    """

    model: ModelInfo
    model_expr: ast.Expr
    args: tuple[ast.Expr, ...]
    instance: FnInstance | None
    training: ast.Expr | None
    seed: ast.Expr | None
    result: Type
    quant: Type | None = None


@dataclass(frozen=True)
class GradTarget:
    """`grad(f)(args)`, `grad(f, wrt: [0, 1])(args)`, `value_and_grad(f)(args)`, `autograd(f, w)`.

    Recorded on the *outer* call (the one with the arguments). `wrt` are argument positions of `f`;
    the result is the gradient (a tuple of gradients when `wrt` has several entries, and a
    `(value, gradient)` tuple for value_and_grad). `args` are the argument expressions of `f`.
    """

    kind: str  # "grad" | "value_and_grad"
    fn: FnInstance
    wrt: tuple[int, ...]
    args: tuple[ast.Expr, ...]
    result: Type


Target = BuiltinTarget | FnTarget | ModelCtorTarget | ForwardTarget | GradTarget


@dataclass(eq=False)
class FnInstance:
    """One function checked for one tuple of argument types; becomes one `func.func @symbol`.

    The program's top-level statements form the instance `main` (its `decl` is a synthetic
    `FnDecl` named `main` with no parameters whose body holds the statements in order; declarations
    are not part of it).
    """

    symbol: str  # unique: "mse", "mse_1" for a second instance, "Linear.forward", "main"
    decl: ast.FnDecl
    param_types: list[Type]
    ret: Type
    bindings: dict[str, Dim]  # size variable -> what it is bound to in this instance
    self_model: ModelInfo | None = None  # set for a model's forward method
    types: dict[Any, Type] = field(default_factory=dict)
    targets: dict[ast.Call, Target] = field(default_factory=dict)
    consts: dict[Any, Any] = field(default_factory=dict)
    # Each `Name` that reads a variable maps to the `NameTarget`/`Param`/`For` that bound it.
    defs: dict[ast.Name, Any] = field(default_factory=dict)


@dataclass
class CheckedProgram:
    """Everything irgen needs: models (keyed by `ModelType`), function instances in an order in
    which every callee precedes its callers, and the entry point."""

    program: ast.Program
    models: dict[ModelType, ModelInfo]
    instances: list[FnInstance]
    main: FnInstance
    warnings: list[Any] = field(default_factory=list)
