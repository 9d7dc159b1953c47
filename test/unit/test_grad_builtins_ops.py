"""Gradients of Charl's arithmetic operators (`+ - * / % **`, unary `-`, `@`) in float64, with
NumPy broadcasting between the operands (each operand's gradient is summed back to its own shape),
against central finite differences and torch.autograd. One program holds every case but `%`'s."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from grad_builtins_util import (
    Case,
    away,
    check_finite_differences,
    check_torch,
    params,
    standard_tests,
    uniform,
)

from charlc.run import Program


def _rem_operands() -> tuple[np.ndarray, np.ndarray]:
    """`a` and `b` with a / b away from every integer (fmod jumps there)."""
    rng = np.random.default_rng(5)
    b = away(6, (3,), 0.6, 1.4)
    q = rng.integers(0, 3, (2, 3)) + rng.uniform(0.2, 0.8, (2, 3))
    return q * rng.choice([-1.0, 1.0], (2, 3)) * b, b


A23, B3 = uniform(1, (2, 3), (3,))
REM_A, REM_B = _rem_operands()

CASES = [
    Case("add_row", {"a": A23, "b": B3}, "a + b", (2, 3), lambda t, a, b: a + b),
    Case("add_outer", dict(zip("ab", uniform(2, (2, 1), (1, 3)), strict=True)), "a + b", (2, 3), lambda t, a, b: a + b),
    Case("sub_outer", dict(zip("ab", uniform(3, (2, 1), (1, 3)), strict=True)), "a - b", (2, 3), lambda t, a, b: a - b),
    Case("sub_scalar", {"s": np.float64(0.7), "b": A23}, "s - b", (2, 3), lambda t, s, b: s - b),
    Case("mul_scalar", {"s": np.float64(-1.3), "b": A23}, "s * b", (2, 3), lambda t, s, b: s * b),
    Case(
        "mul_3d",
        dict(zip("ab", uniform(4, (2, 1, 3), (4, 1)), strict=True)),
        "a * b",
        (2, 4, 3),
        lambda t, a, b: a * b,
    ),
    Case("mul_self", {"a": A23}, "a * a", (2, 3), lambda t, a: a * a),
    Case("div_row", {"a": A23, "b": away(7, (3,), 0.5)}, "a / b", (2, 3), lambda t, a, b: a / b),
    Case(
        "div_3d",
        {"a": uniform(8, (2, 1, 3))[0], "b": away(9, (4, 1), 0.5)},
        "a / b",
        (2, 4, 3),
        lambda t, a, b: a / b,
    ),
    Case("div_scalar", {"a": A23, "s": np.float64(1.7)}, "a / s", (2, 3), lambda t, a, s: a / s),
    Case(
        "pow_row",
        {"a": uniform(10, (2, 3), low=0.5, high=2.0)[0], "b": B3},
        "a ** b",
        (2, 3),
        lambda t, a, b: a**b,
    ),
    Case("pow_const", {"a": A23}, "a ** 3.0", (2, 3), lambda t, a: a**3.0),
    Case(
        "pow_scalar_base",
        {"s": np.float64(1.3), "b": A23},
        "s ** b",
        (2, 3),
        lambda t, s, b: s**b,
    ),
    Case("neg", {"a": A23}, "-a", (2, 3), lambda t, a: -a),
    Case("neg_mul", {"a": A23, "b": B3}, "-a * b", (2, 3), lambda t, a, b: -a * b),
    Case(
        "matmul_2d", dict(zip("ab", uniform(11, (2, 3), (3, 4)), strict=True)), "a @ b", (2, 4), lambda t, a, b: a @ b
    ),
    Case(
        "matmul_batched",
        dict(zip("ab", uniform(12, (2, 2, 3), (2, 3, 2)), strict=True)),
        "a @ b",
        (2, 2, 2),
        lambda t, a, b: a @ b,
    ),
    Case(
        "matmul_3d_2d",
        dict(zip("ab", uniform(13, (2, 2, 3), (3, 4)), strict=True)),
        "a @ b",
        (2, 2, 4),
        lambda t, a, b: a @ b,
    ),
    Case(
        "matmul_batch_broadcast",
        dict(zip("ab", uniform(14, (2, 1, 2, 3), (3, 3, 2)), strict=True)),
        "a @ b",
        (2, 3, 2, 2),
        lambda t, a, b: a @ b,
    ),
    Case(
        "matmul_vec_mat", dict(zip("ab", uniform(15, (3,), (3, 4)), strict=True)), "a @ b", (4,), lambda t, a, b: a @ b
    ),
    Case(
        "matmul_mat_vec", dict(zip("ab", uniform(16, (2, 3), (3,)), strict=True)), "a @ b", (2,), lambda t, a, b: a @ b
    ),
    Case("matmul_dot", dict(zip("ab", uniform(17, (3,), (3,)), strict=True)), "a @ b", (), lambda t, a, b: a @ b),
    Case(
        "matmul_vec_batched",
        dict(zip("ab", uniform(18, (3,), (2, 3, 2)), strict=True)),
        "a @ b",
        (2, 2),
        lambda t, a, b: a @ b,
    ),
    Case(
        "chain",
        {"a": A23, "b": away(19, (3,), 0.5), "s": np.float64(0.8)},
        "(a * b - s) / b + a * s",
        (2, 3),
        lambda t, a, b, s: (a * b - s) / b + a * s,
    ),
]


# `%` of floats (fmod): d/da = 1, d/db = -trunc(a / b), as torch.fmod.
REM_CASES = [
    Case("rem_row", {"a": REM_A, "b": REM_B}, "a % b", (2, 3), lambda t, a, b: t.fmod(a, b)),
    Case(
        "rem_scalar",
        {"a": REM_A, "s": np.float64(0.45)},
        "a % s",
        (2, 3),
        lambda t, a, s: t.fmod(a, s),
    ),
]


prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES, compiled=REM_CASES)


@pytest.mark.parametrize("case", params(REM_CASES))
def test_rem_matches_finite_differences(prog: Program, case: Case) -> None:
    """`%` of floats: every entry of both operands' gradients agrees with a central difference."""
    check_finite_differences(prog, case)


@pytest.mark.parametrize("case", params(REM_CASES))
def test_rem_matches_torch(prog: Program, case: Case) -> None:
    """`%` of floats: the gradients equal torch.autograd's through torch.fmod."""
    check_torch(prog, case)


def test_rem_gradient_formula(prog: Program) -> None:
    """d(a % b)/da = 1 and d(a % b)/db = -trunc(a / b), exactly as torch.fmod defines them."""
    case = REM_CASES[0]
    da, db = (np.asarray(g) for g in prog.fn("g_rem_row")(*case.inputs()))
    w: Any = case.weight
    np.testing.assert_allclose(da, w, rtol=1e-15)
    np.testing.assert_allclose(db, (-np.trunc(REM_A / REM_B) * w).sum(axis=0), rtol=1e-12)
