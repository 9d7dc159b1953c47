"""Gradients of Charl's indexing in float64: `x[i]`, `x[i, j]`, slices `x[a:b, :]`, `x[:, j]`,
`x[a:b]`, an index read from an int32 argument, `take` (an embedding lookup whose repeated
indices accumulate), and indexed assignment into a `let mut` copy (the overwritten region gets no
gradient, the assigned value gets the region's). Checked against central finite differences and
torch.autograd. One program holds every case."""

from __future__ import annotations

from typing import Any

import numpy as np
from grad_builtins_util import (
    Case,
    standard_tests,
    uniform,
)

from charlc.run import Program

X23, X34, X234 = uniform(1, (2, 3), (3, 4), (2, 3, 4))
B3, X44 = uniform(2, (3,), (4, 4))
ROWS = np.array([2, 0, 2, 1, 2], dtype=np.int32)


def _assign(index: Any) -> Any:
    """torch: `y = a; y[index] = b` on a copy of `a`."""

    def fn(t: Any, a: Any, b: Any) -> Any:
        y = a.clone()
        y[index] = b
        return y

    return fn


def _assign_twice(t: Any, a: Any, b: Any, s: Any) -> Any:
    y = a.clone()
    y[1] = b * 2.0
    y[0, 2] = s * s
    return y * a


def _assign_at(t: Any, a: Any, b: Any, i: Any) -> Any:
    y = a.clone()
    y[int(i)] = b
    return y


CASES = [
    Case("row", {"x": X23}, "x[1]", (3,), lambda t, x: x[1]),
    Case("element", {"x": X34}, "x[2, 1] * x[0, 3]", (), lambda t, x: x[2, 1] * x[0, 3]),
    Case("element_3d", {"x": X234}, "x[1, 2]", (4,), lambda t, x: x[1, 2]),
    Case("slice_rows", {"x": X34}, "x[1:3, :]", (2, 4), lambda t, x: x[1:3, :]),
    Case("slice_1d", {"x": B3}, "x[0:2]", (2,), lambda t, x: x[0:2]),
    Case("column", {"x": X34}, "x[:, 2]", (3,), lambda t, x: x[:, 2]),
    Case("slice_both", {"x": X34}, "x[0:2, 1:4]", (2, 3), lambda t, x: x[0:2, 1:4]),
    Case("slice_3d", {"x": X234}, "x[:, 1:3, 2]", (2, 2), lambda t, x: x[:, 1:3, 2]),
    Case(
        "rows_overlap",
        {"x": X34},
        "x[0:2, :] * x[1:3, :]",
        (2, 4),
        lambda t, x: x[0:2, :] * x[1:3, :],
    ),
    Case(
        "dynamic_row",
        {"x": X34, "i": np.array(2, dtype=np.int32)},
        "x[i] + x[i - 1]",
        (4,),
        lambda t, x, i: x[int(i)] + x[int(i) - 1],
    ),
    Case(
        "dynamic_slice",
        {"x": X34, "i": np.array(1, dtype=np.int32)},
        "x[i:i + 2, :]",
        (2, 4),
        lambda t, x, i: x[int(i) : int(i) + 2, :],
    ),
    Case(
        "take_rows",
        {"x": X44, "ids": ROWS},
        "take(x, ids)",
        (5, 4),
        lambda t, x, ids: x[ids.long()],
    ),
    Case(
        "take_axis1",
        {"x": X34, "ids": np.array([3, 0, 3], dtype=np.int32)},
        "take(x, ids, axis: 1)",
        (3, 3),
        lambda t, x, ids: t.index_select(x, 1, ids.long()),
    ),
    Case(
        "take_2d_indices",
        {"x": X34, "ids": np.array([[0, 2], [2, 2]], dtype=np.int32)},
        "take(x, ids, axis: 0)",
        (2, 2, 4),
        lambda t, x, ids: x[ids.long()],
    ),
    Case(
        "assign_rows",
        {"a": X23, "b": uniform(3, (1, 3))[0]},
        "y",
        (2, 3),
        _assign((slice(0, 1), slice(None))),
        stmts="let mut y = a\ny[0:1, :] = b",
    ),
    Case(
        "assign_broadcast",
        {"a": X34, "b": uniform(4, (4,))[0]},
        "y * a",
        (3, 4),
        lambda t, a, b: _assign((slice(1, 3), slice(None)))(t, a, b) * a,
        stmts="let mut y = a\ny[1:3, :] = b",
    ),
    Case(
        "assign_twice",
        {"a": X23, "b": B3, "s": np.float64(0.7)},
        "y * a",
        (2, 3),
        _assign_twice,
        stmts="let mut y = a\ny[1] = b * 2.0\ny[0, 2] = s * s",
    ),
    Case(
        "assign_column",
        {"a": X34, "b": uniform(5, (3,))[0]},
        "y",
        (3, 4),
        _assign((slice(None), 2)),
        stmts="let mut y = a\ny[:, 2] = b",
    ),
    Case(
        "assign_dynamic",
        {"a": X34, "b": uniform(6, (4,))[0], "i": np.array(2, dtype=np.int32)},
        "y",
        (3, 4),
        _assign_at,
        stmts="let mut y = a\ny[i] = b",
    ),
]


prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES)


def test_take_accumulates_repeated_rows(prog: Program) -> None:
    """Row r of d take(x, ids) / dx is the sum of the seed rows that gathered it (row 2 three times,
    row 3 never)."""
    case = next(c for c in CASES if c.name == "take_rows")
    dx = np.asarray(prog.fn("g_take_rows")(*case.inputs()))
    expected = np.zeros((4, 4))
    np.add.at(expected, ROWS, case.weight)
    np.testing.assert_allclose(dx, expected, rtol=1e-15)
