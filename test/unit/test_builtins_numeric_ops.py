"""Every operator of LANGUAGE.md section 6 compiled for the CPU and run against NumPy: arithmetic
(`+ - * / % **`), comparisons, `and or not`, unary `-` and `@`, on float32, float64, int32 and
int64 (bool for the logical ones), with NumPy broadcasting between scalars and tensors of several
ranks. All cases are one program, compiled once.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_builtins_numeric_util import FLOATS, INTS, NUMERIC, Case, Param, Suite, int_pow, one, trunc_div

SHAPES: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [
    ("same", (2, 3), (2, 3)),
    ("row", (2, 3), (3,)),
    ("outer", (4, 1), (1, 5)),
    ("scalar_left", (), (3,)),
    ("scalar_right", (2, 2), ()),
    ("rank3", (2, 1, 3), (4, 1)),
    ("scalars", (), ()),
]


def arithmetic(dtype: str, label: str, left: tuple[int, ...], right: tuple[int, ...]) -> Case:
    """`+ - * / %` of one dtype and one pair of shapes (the divisor is never zero)."""
    return Case(
        f"arith_{dtype}_{label}",
        [Param(dtype, left), Param(dtype, right, "nonzero")],
        [
            ("a + b", np.add),
            ("a - b", np.subtract),
            ("a * b", np.multiply),
            ("a / b", trunc_div),
            ("a % b", np.fmod),
        ],
    )


def power(dtype: str) -> Case:
    """`**` with a broadcast exponent: integer powers stay integers."""
    if dtype in INTS:
        return one(f"pow_{dtype}", [Param(dtype, (2, 3), "small"), Param(dtype, (3,), "small")], "a ** b", int_pow)
    return one(f"pow_{dtype}", [Param(dtype, (2, 3), "positive"), Param(dtype, (3,), "small")], "a ** b", np.power)


def comparisons(dtype: str, left: tuple[int, ...], right: tuple[int, ...], label: str) -> Case:
    """All six comparisons; integer inputs drawn from a small range so that equal pairs occur."""
    domain = "small" if dtype in INTS else "any"
    return Case(
        f"compare_{dtype}_{label}",
        [Param(dtype, left, domain), Param(dtype, right, domain)],
        [
            ("a == b", np.equal),
            ("a != b", np.not_equal),
            ("a < b", np.less),
            ("a <= b", np.less_equal),
            ("a > b", np.greater),
            ("a >= b", np.greater_equal),
        ],
    )


def compare_equal_values() -> Case:
    """Comparisons of a tensor with itself and of floats that are equal."""
    return Case(
        "compare_self",
        [Param("float32", (4,))],
        [("a == a", lambda a: np.ones(4, bool)), ("a < a", lambda a: np.zeros(4, bool)), ("a >= a", lambda a: a == a)],
    )


def logical(left: tuple[int, ...], right: tuple[int, ...], label: str) -> Case:
    return Case(
        f"logic_{label}",
        [Param("bool", left), Param("bool", right)],
        [
            ("a and b", np.logical_and),
            ("a or b", np.logical_or),
            ("not a", lambda a, b: np.logical_not(a)),
            ("not (a or b)", _nor),
        ],
    )


def _nor(a: object, b: object) -> object:
    return np.logical_not(np.logical_or(a, b))


def negation(dtype: str) -> Case:
    return Case(
        f"neg_{dtype}", [Param(dtype, (2, 3)), Param(dtype)], [("-a", lambda a, b: -a), ("-b", lambda a, b: -b)]
    )


MATMUL_SHAPES: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [
    ("2d", (3, 4), (4, 5)),
    ("vec_mat", (4,), (4, 3)),
    ("mat_vec", (3, 4), (4,)),
    ("dot", (5,), (5,)),
    ("batched", (2, 3, 4), (2, 4, 5)),
    ("batch_broadcast", (2, 3, 4), (4, 2)),
    ("batch_left", (3, 4), (2, 4, 5)),
    ("rank4", (2, 1, 2, 3), (3, 3, 2)),
]


def matmul(dtype: str, label: str, left: tuple[int, ...], right: tuple[int, ...]) -> Case:
    return one(f"matmul_{dtype}_{label}", [Param(dtype, left), Param(dtype, right)], "a @ b", np.matmul)


def expressions() -> list[Case]:
    """Precedence and mixing literals with tensors."""
    f = Param("float32", (2, 3))
    return [
        one(
            "precedence",
            [f, Param("float32", (3,))],
            "-a ** 2.0 + a * b - b / 2.0",
            lambda a, b: -(a**2) + a * b - b / 2,
        ),
        one(
            "literal_int",
            [Param("int32", (4,))],
            "a * 3 - 7 % 4 + a / 2",
            lambda a, b=None: a * 3 - 3 + trunc_div(a, 2),
        ),
        one("literal_float64", [Param("float64", (4,))], "2.5 * a + 1e-3", lambda a: 2.5 * a + 1e-3),
        one("int64_large", [Param("int64", (3,))], "a * 3000000000", lambda a: a * np.int64(3000000000)),
        one("chained", [f], "(a + 1.0) * (a - 1.0) / (a * a + 1.0)", lambda a: (a + 1) * (a - 1) / (a * a + 1)),
    ]


CASES: list[Case] = [
    *[arithmetic(d, label, left, right) for d in NUMERIC for label, left, right in SHAPES[:2]],
    *[arithmetic(d, label, left, right) for d in ("float32", "int32") for label, left, right in SHAPES[2:]],
    *[power(d) for d in NUMERIC],
    *[comparisons(d, (2, 3), (3,), "row") for d in NUMERIC],
    comparisons("float32", (), (4,), "scalar"),
    comparisons("int64", (3, 1), (1, 2), "outer"),
    compare_equal_values(),
    logical((2, 3), (2, 3), "same"),
    logical((2, 3), (3,), "row"),
    logical((), (), "scalars"),
    *[negation(d) for d in NUMERIC],
    *[matmul(d, label, left, right) for d in FLOATS for label, left, right in MATMUL_SHAPES[:5]],
    *[matmul("float32", label, left, right) for label, left, right in MATMUL_SHAPES[5:]],
    *[matmul(d, "2d", (3, 4), (4, 2)) for d in INTS],
    *expressions(),
]

SUITE = Suite(CASES)


@pytest.mark.parametrize("name", SUITE.ids)
def test_operator(name: str) -> None:
    SUITE.check(name)


def test_integer_division_truncates_toward_zero_and_remainder_takes_the_dividends_sign() -> None:
    a = np.array([[7, -7, 7], [-7, 0, 5]], np.int32)
    b = np.array([2, 2, -2], np.int32)
    _, _, _, quotient, remainder = SUITE.fn("arith_int32_row")(a, b)
    assert quotient.tolist() == [[3, -3, -3], [-3, 0, -2]]
    assert remainder.tolist() == [[1, -1, 1], [-1, 0, 1]]


def test_float_remainder_is_fmod() -> None:
    a = np.array([[5.5, -5.5, 5.5], [-5.5, 1.0, 0.25]], np.float32)
    b = np.array([2.0, 2.0, -2.0], np.float32)
    remainder = SUITE.fn("arith_float32_row")(a, b)[4]
    assert remainder.tolist() == [[1.5, -1.5, 1.5], [-1.5, 1.0, 0.25]]
