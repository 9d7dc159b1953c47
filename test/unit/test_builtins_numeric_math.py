"""The elementwise built-ins of LANGUAGE.md section 7 compiled for the CPU and run against NumPy:
`abs exp log sqrt rsqrt sin cos tanh sigmoid relu gelu silu sign floor ceil round`, `pow`,
`maximum`, `minimum`, `clip`, `where` and `cast`, on the element types each takes, on scalars and
tensors, with broadcasting. All cases are one program, compiled once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_builtins_numeric_util import FLOATS, INTS, NUMERIC, Case, Param, Suite, gelu, one, sigmoid

FLOAT_UNARY: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "exp": ("small", np.exp),
    "log": ("positive", np.log),
    "sqrt": ("positive", np.sqrt),
    "rsqrt": ("positive", lambda x: 1 / np.sqrt(x)),
    "sin": ("any", np.sin),
    "cos": ("any", np.cos),
    "tanh": ("any", np.tanh),
    "sigmoid": ("any", sigmoid),
    "gelu": ("any", gelu),
    "silu": ("any", lambda x: x * sigmoid(x)),
}

NUMERIC_UNARY: dict[str, Callable[[Any], Any]] = {
    "abs": np.abs,
    "relu": lambda x: np.maximum(x, np.zeros_like(x)),
    "sign": np.sign,
    "floor": lambda x: np.floor(x).astype(x.dtype),
    "ceil": lambda x: np.ceil(x).astype(x.dtype),
    "round": np.round,
}


def float_unary(dtype: str) -> list[Case]:
    """Each float-only function on a [2, 3] tensor and on a scalar."""
    cases = []
    for name, (domain, ref) in FLOAT_UNARY.items():
        params = [Param(dtype, (2, 3), domain), Param(dtype, (), domain)]
        exprs = [(f"{name}(a)", lambda a, b, r=ref: r(a)), (f"{name}(b)", lambda a, b, r=ref: r(b))]
        cases.append(Case(f"{name}_{dtype}", params, exprs))
    return cases


def numeric_unary(dtype: str) -> Case:
    """The functions that take integers and floats, all in one function."""
    exprs = [(f"{name}(a)", ref) for name, ref in NUMERIC_UNARY.items()]
    return Case(f"numeric_unary_{dtype}", [Param(dtype, (3, 4))], exprs)


def binary(dtype: str) -> Case:
    """`pow`, `maximum`, `minimum` with a broadcast second operand."""
    first = Param(dtype, (2, 3), "small" if dtype in INTS else "positive")
    second = Param(dtype, (3,), "small")
    exprs: list[tuple[str, Callable[..., Any]]] = [
        ("maximum(a, b)", np.maximum),
        ("minimum(a, b)", np.minimum),
        ("maximum(b, a)", lambda a, b: np.maximum(b, a)),
        ("pow(a, b)", lambda a, b: np.power(a, b).astype(a.dtype)),
    ]
    return Case(f"binary_{dtype}", [first, second], exprs)


def clip(dtype: str) -> Case:
    lo, hi = ("-3", "4") if dtype in INTS else ("-1.5", "2.0")
    return one(
        f"clip_{dtype}",
        [Param(dtype, (3, 4))],
        f"clip(a, {lo}, {hi})",
        lambda a: np.clip(a, float(lo), float(hi)).astype(a.dtype),
    )


def where(dtype: str) -> Case:
    return Case(
        f"where_{dtype}",
        [Param("bool", (2, 3)), Param(dtype, (2, 3)), Param(dtype, (3,))],
        [("where(a, b, c)", np.where), ("where(not a, c, b)", lambda a, b, c: np.where(~a, c, b))],
    )


def where_scalars() -> Case:
    return Case(
        "where_scalar_branches",
        [Param("float32", (5,))],
        [
            ("where(a > 0.0, a, 0.0)", lambda a: np.where(a > 0, a, np.float32(0))),
            ("where(a < 0.0, -1.0, 1.0)", _sign1),
        ],
    )


def _sign1(a: Any) -> Any:
    return np.where(a < 0, np.float32(-1), np.float32(1))


CAST_TARGETS = (*NUMERIC, "bool")


def casts(source: str) -> Case:
    """`cast` from `source` to every type (float to int truncates toward zero; to bool is != 0)."""
    domain = "small" if source in FLOATS else "any"
    exprs = [(f"cast(a, {target})", _caster(target)) for target in CAST_TARGETS]
    return Case(f"cast_from_{source}", [Param(source, (7,), domain)], exprs)


def _caster(target: str) -> Callable[[Any], Any]:
    dtype = np.bool_ if target == "bool" else np.dtype(target)

    def cast(a: Any) -> Any:
        if target == "bool":
            return a != 0
        return np.trunc(a).astype(dtype) if a.dtype.kind == "f" and target in INTS else a.astype(dtype)

    return cast


def cast_from_bool() -> Case:
    exprs = [(f"cast(a, {target})", lambda a, t=target: a.astype(np.dtype(t))) for target in NUMERIC]
    return Case("cast_from_bool", [Param("bool", (6,))], exprs)


CASES: list[Case] = [
    *[c for d in FLOATS for c in float_unary(d)],
    *[numeric_unary(d) for d in NUMERIC],
    *[binary(d) for d in NUMERIC],
    *[clip(d) for d in NUMERIC],
    *[where(d) for d in (*NUMERIC, "bool")],
    where_scalars(),
    *[casts(d) for d in NUMERIC],
    cast_from_bool(),
]

SUITE = Suite(CASES)


@pytest.mark.parametrize("name", SUITE.ids)
def test_builtin(name: str) -> None:
    SUITE.check(name)


def test_math_at_special_values() -> None:
    x = np.array([[0.0, -0.0, 1e-30], [30.0, -30.0, 88.0]], np.float32)
    for name in ("exp", "tanh", "sigmoid", "gelu", "silu"):
        got, _ = SUITE.fn(f"{name}_float32")(x, np.float32(0))
        np.testing.assert_allclose(got, FLOAT_UNARY[name][1](x), rtol=2e-5, atol=1e-30, err_msg=name)
        assert np.all(np.isfinite(got)), name


def test_round_is_half_to_even_and_floor_ceil_of_halves() -> None:
    x = np.array([[0.5, 1.5, 2.5, -0.5], [-1.5, 0.49, -2.5, 3.5], [-0.51, 2.0, -3.0, 1e6 + 0.5]], np.float32)
    absolute, relu, sign, floor, ceil, rounded = SUITE.fn("numeric_unary_float32")(x)
    assert rounded.tolist() == np.round(x).tolist()
    assert rounded[0].tolist() == [0.0, 2.0, 2.0, -0.0]
    assert floor.tolist() == np.floor(x).tolist() and ceil.tolist() == np.ceil(x).tolist()
    assert sign.tolist() == np.sign(x).tolist() and relu.tolist() == np.maximum(x, 0).tolist()
    assert absolute.tolist() == np.abs(x).tolist()
