"""Lowering of model construction and of the forward pass.

`lower_model_ctor` initializes every `ParamSpec` from the model's seed and the parameter's index
(`seed * 1000003 + i`, computed with charl ops when the seed is a run-time value) and returns the
model pytree (quantized under `--quantize`). `lower_forward` calls the checked `forward` instance
of a params-form model (after dequantizing a quantized one), or emits the layers of a sequential
model inline.
"""

from __future__ import annotations

import math

from charlc import syntax as ast
from charlc.checked import ForwardTarget, InitSpec, ModelCtorTarget, ParamSpec
from charlc.irgen_api import Gen, PyTree
from charlc.irgen_builtins_create import derived_seed, random, seed_base, seed_value
from charlc.irgen_builtins_layers import emit_layers
from charlc.irgen_builtins_quant import dequantize_model, quantize_model
from charlc.irgen_builtins_util import TV, Ir, internal
from charlc.irgen_capture import capture_output
from charlc.types import QuantModelType, show


def _init_values(init: InitSpec) -> tuple[str, float, float] | None:
    """(distribution, a, b) of a random initializer; None for constants."""
    match init.kind:
        case "normal":
            return "normal", 0.0, init.std
        case "he_normal":
            return "normal", 0.0, math.sqrt(2.0 / max(init.fan_in, 1))
        case "xavier_uniform":
            limit = math.sqrt(6.0 / max(init.fan_in + init.fan_out, 1))
            return "uniform", -limit, limit
        case "uniform":
            return "uniform", init.low, init.high
    return None


def init_param(ir: Ir, spec: ParamSpec, seed: int | TV, i: int) -> TV:
    """The initial value of parameter number `i` (`seed` is the model's `seed_base`)."""
    t = spec.type
    if not t.is_static:
        raise internal(spec.span, f"parameter `{spec.path}` of non-static type {show(t)}")
    if spec.init.kind in ("zeros", "ones"):
        return ir.const(1 if spec.init.kind == "ones" else 0, t)
    dist = _init_values(spec.init)
    if dist is None:
        raise internal(spec.span, f"unknown initializer `{spec.init.kind}` for `{spec.path}`")
    kind, a, b = dist
    lo, hi = ir.const(a, t.dtype), ir.const(b, t.dtype)
    return random(ir, derived_seed(ir, seed, i), lo, hi, kind, t, [])


def lower_model_ctor(g: Gen, call: ast.Call, target: ModelCtorTarget) -> PyTree:
    """`Mlp(seed: 0)`: every parameter initialized; returns the `{path: value}` model pytree."""
    ir = Ir(g, call.span)
    seed = seed_base(ir, seed_value(g, ir, target.seed))
    leaves = [init_param(ir, spec, seed, i).v for i, spec in enumerate(target.model.params)]
    model = g.unflatten(target.model.type, leaves)
    if isinstance(target.quant, QuantModelType):  # `--quantize`
        return quantize_model(ir, target.model, target.quant, model)
    return model


def lower_forward(g: Gen, call: ast.Call, target: ForwardTarget) -> PyTree:
    """`m(x)`: a call of the `forward` instance, or the sequential layers emitted inline."""
    ir = Ir(g, call.span)
    model = g.expr(target.model_expr)
    quant = target.quant if isinstance(target.quant, QuantModelType) else None
    if target.instance is not None:
        if quant is not None:
            model = dequantize_model(ir, quant, model)
        args = [g.expr(a) for a in target.args]
        result = g.call(target.instance, [model, *args], call.span)
    else:
        result = emit_layers(ir, target, model, quant)
    capture_output(ir, target.model, result)
    return result
