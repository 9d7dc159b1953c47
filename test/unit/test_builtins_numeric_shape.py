"""Reductions, shape functions and indexing of LANGUAGE.md section 7 compiled for the CPU and run
against NumPy: `sum mean max min` (axis, negative axis, axis lists, keepdims, full reductions),
`argmax`, `reshape transpose flatten expand_dims squeeze broadcast_to concat shape`, indexing and
slicing with constant and run-time indices, indexed assignment, `take` and `one_hot`. All cases are
one program, compiled once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_builtins_numeric_util import FLOATS, INTS, NUMERIC, Case, Param, Suite, one

X3 = (2, 3, 4)


def reductions(dtype: str) -> Case:
    """`sum max min` (and `mean` on floats) over no axis, one axis, a negative axis, a list, with keepdims."""
    kinds = ["sum", "max", "min", *(["mean"] if dtype in FLOATS else [])]
    exprs: list[tuple[str, Any]] = []
    for kind in kinds:
        ref = _typed(getattr(np, kind))
        exprs += [
            (f"{kind}(a)", lambda a, r=ref: r(a)),
            (f"{kind}(a, axis: 1)", lambda a, r=ref: r(a, axis=1)),
            (f"{kind}(a, axis: -1, keepdims: true)", lambda a, r=ref: r(a, axis=-1, keepdims=True)),
            (f"{kind}(a, axis: [0, 2])", lambda a, r=ref: r(a, axis=(0, 2))),
            (f"{kind}(a, keepdims: true)", lambda a, r=ref: r(a, keepdims=True)),
        ]
    tolerance = (1e-5, 1e-5) if dtype == "float32" else None
    return Case(f"reduce_{dtype}", [Param(dtype, X3)], exprs, tolerance=tolerance)


def _typed(reduction: Any) -> Any:
    """`reduction` keeping the element type (NumPy sums int32 into int64)."""
    return lambda a, **kw: np.asarray(reduction(a, **kw)).astype(a.dtype)


def reduce_vector(dtype: str) -> Case:
    exprs = [(f"{k}(a)", _typed(getattr(np, k))) for k in ("sum", "max", "min")]
    return Case(f"reduce_vector_{dtype}", [Param(dtype, (7,))], exprs)


def argmax(dtype: str) -> Case:
    """`argmax` (`int32`, the first maximum); integer inputs from a small range so ties occur."""
    domain = "small" if dtype in INTS else "any"
    exprs: list[tuple[str, Any]] = [
        ("argmax(a, axis: 0)", lambda a, b: np.argmax(a, axis=0).astype(np.int32)),
        ("argmax(a, axis: 1)", lambda a, b: np.argmax(a, axis=1).astype(np.int32)),
        ("argmax(a, axis: -1)", lambda a, b: np.argmax(a, axis=-1).astype(np.int32)),
        ("argmax(b)", lambda a, b: np.int32(np.argmax(b))),
    ]
    return Case(f"argmax_{dtype}", [Param(dtype, X3, domain), Param(dtype, (9,), domain)], exprs)


def shapes(dtype: str) -> Case:
    exprs: list[tuple[str, Any]] = [
        ("reshape(a, [4, 6])", lambda a: a.reshape(4, 6)),
        ("reshape(a, [-1, 2])", lambda a: a.reshape(-1, 2)),
        ("reshape(a, [24])", lambda a: a.reshape(24)),
        ("transpose(a)", lambda a: np.transpose(a)),
        ("transpose(a, [1, 0, 2])", lambda a: np.transpose(a, (1, 0, 2))),
        ("transpose(a, [2, 0, 1])", lambda a: np.transpose(a, (2, 0, 1))),
        ("flatten(a)", lambda a: a.reshape(2, 12)),
        ("flatten(a, start: 0)", lambda a: a.reshape(24)),
        ("flatten(a, start: 2)", lambda a: a),
        ("expand_dims(a, 0)", lambda a: np.expand_dims(a, 0)),
        ("expand_dims(a, -1)", lambda a: np.expand_dims(a, -1)),
        ("squeeze(expand_dims(a, 1), 1)", lambda a: a),
        ("broadcast_to(a, [3, 2, 3, 4])", lambda a: np.broadcast_to(a, (3, 2, 3, 4))),
        ("concat([a, a], axis: 0)", lambda a: np.concatenate([a, a], axis=0)),
        ("concat([a, a, a], axis: 2)", lambda a: np.concatenate([a, a, a], axis=2)),
        ("concat([a, a], axis: -2)", lambda a: np.concatenate([a, a], axis=-2)),
    ]
    return Case(f"shape_fns_{dtype}", [Param(dtype, X3, "small")], exprs)


def shape_of() -> Case:
    return Case(
        "shape_of",
        [Param("float32", X3), Param("int32", ())],
        [("shape(a)", lambda a, b: np.array(X3, np.int64)), ("shape(b)", lambda a, b: np.zeros(0, np.int64))],
    )


def broadcast_small() -> Case:
    return Case(
        "broadcast_small",
        [Param("float32", (3, 1)), Param("float32", ())],
        [("broadcast_to(a, [2, 3, 5])", lambda a, b: np.broadcast_to(a, (2, 3, 5))), ("broadcast_to(b, [4])", _bcast4)],
    )


def _bcast4(a: Any, b: Any) -> Any:
    return np.broadcast_to(b, (4,))


def constant_indexing(dtype: str) -> Case:
    exprs: list[tuple[str, Any]] = [
        ("a[1]", lambda a: a[1]),
        ("a[1, 2]", lambda a: a[1, 2]),
        ("a[1, 2, 3]", lambda a: a[1, 2, 3]),
        ("a[-1]", lambda a: a[-1]),
        ("a[0:1]", lambda a: a[0:1]),
        ("a[:, 1]", lambda a: a[:, 1]),
        ("a[:, 1:3, :]", lambda a: a[:, 1:3, :]),
        ("a[1, :, 2]", lambda a: a[1, :, 2]),
        ("a[0:2, 0:1, 2:4]", lambda a: a[0:2, 0:1, 2:4]),
        ("a[:, :, 3]", lambda a: a[:, :, 3]),
    ]
    return Case(f"index_const_{dtype}", [Param(dtype, X3)], exprs)


def dynamic_indexing() -> Case:
    """Indices and slice starts computed at run time (function parameters)."""
    params = [Param("float32", (6, 5)), Param("int32", (), "index:4"), Param("int64", (), "index:3")]
    exprs: list[tuple[str, Any]] = [
        ("a[b]", lambda a, b, c: a[b]),
        ("a[b, c]", lambda a, b, c: a[b, c]),
        ("a[b : b + 2]", lambda a, b, c: a[b : b + 2]),
        ("a[:, c : c + 2]", lambda a, b, c: a[:, c : c + 2]),
        ("a[b + 1, c : 5]", lambda a, b, c: a[b + 1, c:5]),
        ("a[b:6, 1]", lambda a, b, c: a[b:6, 1]),
    ]
    return Case("index_dynamic", params, exprs)


def indexed_assignment() -> Case:
    body = (
        "    let mut x = a\n"
        "    x[b] = zeros([5])\n"
        "    x[0:2, 1:3] = ones([2, 2]) * 7.0\n"
        "    x[5, c] = -1.0\n"
        "    x[:, 4] = 2.0\n"
    )
    return Case(
        "index_assign",
        [Param("float32", (6, 5)), Param("int32", (), "index:6"), Param("int64", (), "index:4")],
        [("x", _assigned), ("a", lambda a, b, c: a)],
        body=body,
    )


def _assigned(a: Any, b: Any, c: Any) -> Any:
    x = a.copy()
    x[b] = 0
    x[0:2, 1:3] = 7
    x[5, c] = -1
    x[:, 4] = 2
    return x


def gather() -> Case:
    return Case(
        "take_one_hot",
        [Param("float32", (5, 3)), Param("int32", (4,), "index:5"), Param("int32", (2, 2), "index:3")],
        [
            ("take(a, b)", lambda a, b, c: np.take(a, b, axis=0)),
            ("take(a, b, axis: 0)", lambda a, b, c: np.take(a, b, axis=0)),
            ("take(a, c, axis: 1)", lambda a, b, c: np.take(a, c, axis=1)),
            ("one_hot(b, 5)", lambda a, b, c: np.eye(5, dtype=np.float32)[b]),
            ("one_hot(c, 3)", lambda a, b, c: np.eye(3, dtype=np.float32)[c]),
        ],
    )


CASES: list[Case] = [
    *[reductions(d) for d in NUMERIC],
    *[reduce_vector(d) for d in ("float32", "int64")],
    *[argmax(d) for d in ("float32", "float64", "int32")],
    *[shapes(d) for d in (*NUMERIC, "bool")],
    shape_of(),
    broadcast_small(),
    *[constant_indexing(d) for d in ("float32", "int64", "bool")],
    dynamic_indexing(),
    indexed_assignment(),
    gather(),
    one("mean_of_ints_as_float", [Param("int32", (4,))], "mean(cast(a, float32))", lambda a: np.float32(a.mean())),
]

SUITE = Suite(CASES)


@pytest.mark.parametrize("name", SUITE.ids)
def test_builtin(name: str) -> None:
    SUITE.check(name)


def test_argmax_takes_the_first_maximum() -> None:
    a = np.zeros(X3, np.int32)
    a[:, :, 1] = 3
    a[:, :, 3] = 3
    b = np.array([1, 5, 2, 5, 5, 0, 1, 2, 3], np.int32)
    _, _, last, vector = SUITE.fn("argmax_int32")(a, b)
    assert last.tolist() == [[1, 1, 1], [1, 1, 1]]
    assert vector == 1


def test_dynamic_indices_at_every_position() -> None:
    fn = SUITE.fn("index_dynamic")
    a = np.arange(30, dtype=np.float32).reshape(6, 5)
    for b in range(4):
        for c in range(3):
            row, element, rows, cols, tail, column = fn(a, np.int32(b), np.int64(c))
            assert row.tolist() == a[b].tolist() and element == a[b, c]
            assert rows.tolist() == a[b : b + 2].tolist() and cols.tolist() == a[:, c : c + 2].tolist()
            assert tail.tolist() == a[b + 1, c:5].tolist() and column.tolist() == a[b:6, 1].tolist()
