"""Gradients of Charl's elementwise built-ins (`abs exp log sqrt rsqrt sin cos tanh sigmoid relu gelu
silu`, `pow maximum minimum clip where cast`) in float64, against central finite differences and
torch.autograd, and the zero gradient of `floor ceil round sign`, comparisons, `argmax` and
`stop_gradient`. Inputs stay away from kinks (0 for abs and relu, the bounds of clip, ties of
maximum and minimum, integers for floor and round). One program holds every case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from grad_builtins_util import (
    Case,
    assert_finite_differences,
    away,
    finite_differences,
    gradients,
    standard_tests,
    uniform,
)

from charlc.run import Program

X = uniform(1, (2, 3), low=-1.5, high=1.5)[0]
POS = uniform(2, (2, 3), low=0.3, high=2.0)[0]
KINKED = away(3, (2, 3), 0.1, 1.5)
B3 = uniform(4, (3,))[0]


def _apart(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`a [2, 3]` and `b [3]` at least 0.1 apart everywhere (no ties for maximum and minimum)."""
    b = uniform(seed, (3,))[0]
    return b + away(seed + 1, (2, 3), 0.1, 1.0), b


def _off_half(seed: int) -> np.ndarray:
    """Values in (-3, 3) whose fractional part is in [0.1, 0.4] or [0.6, 0.9] (no rounding kink)."""
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 3, (2, 3)) + rng.uniform(0.1, 0.4, (2, 3)) + rng.choice([0.0, 0.5], (2, 3))


def _dyadic(seed: int) -> np.ndarray:
    """Multiples of 1/8 in [-2, 2]: exact in float32, as are their products and steps of 1/64."""
    return np.random.default_rng(seed).integers(-16, 17, (2, 3)) / 8.0


MAX_A, MAX_B = _apart(5)
CLIP = np.array([[-0.9, -0.3, 0.2], [0.45, 0.8, -0.6]])
ROUNDED = _off_half(7)


def _gelu(t: Any, x: Any) -> Any:
    return t.nn.functional.gelu(x, approximate="tanh")


CASES = [
    Case("abs", {"x": KINKED}, "abs(x)", (2, 3), lambda t, x: t.abs(x)),
    Case("exp", {"x": X}, "exp(x)", (2, 3), lambda t, x: t.exp(x)),
    Case("log", {"x": POS}, "log(x)", (2, 3), lambda t, x: t.log(x)),
    Case("sqrt", {"x": POS}, "sqrt(x)", (2, 3), lambda t, x: t.sqrt(x)),
    Case("rsqrt", {"x": POS}, "rsqrt(x)", (2, 3), lambda t, x: t.rsqrt(x)),
    Case("sin", {"x": X}, "sin(x)", (2, 3), lambda t, x: t.sin(x)),
    Case("cos", {"x": X}, "cos(x)", (2, 3), lambda t, x: t.cos(x)),
    Case("tanh", {"x": X}, "tanh(x)", (2, 3), lambda t, x: t.tanh(x)),
    Case("sigmoid", {"x": X}, "sigmoid(x)", (2, 3), lambda t, x: t.sigmoid(x)),
    Case("relu", {"x": KINKED}, "relu(x)", (2, 3), lambda t, x: t.relu(x)),
    Case("gelu", {"x": X}, "gelu(x)", (2, 3), _gelu),
    Case("silu", {"x": X}, "silu(x)", (2, 3), lambda t, x: t.nn.functional.silu(x)),
    Case("pow", {"x": POS, "y": B3}, "pow(x, y)", (2, 3), lambda t, x, y: t.pow(x, y)),
    Case("pow_int_exponent", {"x": X}, "pow(x, 2.0)", (2, 3), lambda t, x: t.pow(x, 2.0)),
    Case("maximum", {"a": MAX_A, "b": MAX_B}, "maximum(a, b)", (2, 3), lambda t, a, b: t.maximum(a, b)),
    Case("minimum", {"a": MAX_A, "b": MAX_B}, "minimum(a, b)", (2, 3), lambda t, a, b: t.minimum(a, b)),
    Case("maximum_scalar", {"a": KINKED}, "maximum(a, 0.05)", (2, 3), lambda t, a: t.clamp(a, min=0.05)),
    Case("clip", {"x": CLIP}, "clip(x, -0.5, 0.5)", (2, 3), lambda t, x: t.clip(x, -0.5, 0.5)),
    Case(
        "clip_tensor_bounds",
        {"x": CLIP, "lo": np.array([-0.5, -0.4, -0.1]), "hi": np.array([0.3, 0.7, 0.1])},
        "clip(x, lo, hi)",
        (2, 3),
        lambda t, x, lo, hi: t.minimum(t.maximum(x, lo), hi),
    ),
    Case(
        "where",
        {"a": MAX_A, "b": MAX_B},
        "where(a > b, a * a, b * 3.0)",
        (2, 3),
        lambda t, a, b: t.where(a > b, a * a, b * 3.0),
    ),
    Case(
        "where_scalar",
        {"x": X, "s": np.float64(0.6)},
        "where(x > 0.0, s, x * s)",
        (2, 3),
        lambda t, x, s: t.where(x > 0.0, s, x * s),
    ),
    Case(
        "cast_f32_round_trip",
        {"a": _dyadic(8), "b": _dyadic(9)},
        "cast(cast(a, float32) * cast(b, float32), float64) + a",
        (2, 3),
        lambda t, a, b: (a.float() * b.float()).double() + a,
        eps=1.0 / 64.0,
    ),
    Case(
        "stop_gradient",
        {"x": X, "y": B3},
        "stop_gradient(x * y) * x + stop_gradient(y)",
        (2, 3),
        lambda t, x, y: (x * y).detach() * x + y.detach(),
        fd=False,
    ),
    Case(
        "stop_gradient_held",
        {"x": X, "y": B3, "s": X * B3, "u": B3},
        "s * x + u + 0.0 * y",
        (2, 3),
        lambda t, x, y, s, u: s * x + u + 0.0 * y,
        wrt=("x", "y"),
    ),
    Case(
        "stop_gradient_only",
        {"x": X},
        "stop_gradient(exp(x))",
        (2, 3),
        lambda t, x: t.exp(x).detach(),
        zero=True,
        fd=False,
    ),
    Case("stop_gradient_only_held", {"x": X, "s": np.exp(X)}, "s + 0.0 * x", (2, 3), None, wrt=("x",)),
    Case("floor", {"x": ROUNDED}, "floor(x)", (2, 3), lambda t, x: t.floor(x), zero=True),
    Case("ceil", {"x": ROUNDED}, "ceil(x)", (2, 3), lambda t, x: t.ceil(x), zero=True),
    Case("round", {"x": ROUNDED}, "round(x)", (2, 3), lambda t, x: t.round(x), zero=True),
    Case("sign", {"x": KINKED}, "sign(x)", (2, 3), lambda t, x: t.sign(x), zero=True),
    Case(
        "compare",
        {"a": MAX_A, "b": MAX_B},
        "cast(a > b, float64) + cast(a <= b * 0.5, float64) + cast(a == b, float64)",
        (2, 3),
        lambda t, a, b: (a > b).double() + (a <= b * 0.5).double() + (a == b).double(),
        zero=True,
    ),
    Case(
        "argmax",
        {"a": MAX_A},
        "cast(argmax(a, axis: 1), float64)",
        (2,),
        lambda t, a: t.argmax(a, dim=1).double(),
        zero=True,
    ),
    Case(
        "floor_times_x",
        {"x": ROUNDED},
        "floor(x) * x + sign(x) * round(x)",
        (2, 3),
        lambda t, x: t.floor(x) * x + t.sign(x) * t.round(x),
    ),
]


prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES)


@pytest.mark.parametrize("name", ["stop_gradient", "stop_gradient_only"])
def test_stop_gradient_matches_finite_differences_with_the_stopped_value_held(prog: Program, name: str) -> None:
    """The gradient through `stop_gradient(v)` equals the central differences of the same function
    with `v` replaced by an input held at its value (so none flows into `v`); exactly 0 when all
    of the result is stopped."""
    case = next(c for c in CASES if c.name == name)
    held = next(c for c in CASES if c.name == f"{name}_held")
    grads = gradients(prog, case)
    assert_finite_differences(grads, finite_differences(prog, held), case)
    if case.zero:
        assert all(np.all(g == 0.0) for g in grads)
