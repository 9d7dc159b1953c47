"""Shape algebra for the type checker: dimension unification, NumPy broadcasting, matmul shapes,
constant folding of scalar arithmetic, and linear forms for slice extents.

A dimension is an `int` (static), a `str` (a symbolic size) or `None` (`?`). Static dimensions must
agree exactly; symbolic and unknown ones unify with anything (the run-time check is emitted later).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from charlc.types import Dim

Shape = tuple[Dim, ...]


def dims_unify(a: Dim, b: Dim) -> bool:
    """Whether two dimensions may be equal: static sizes must be equal, anything else may be."""
    return not (isinstance(a, int) and isinstance(b, int) and a != b)


def dim_join(a: Dim, b: Dim) -> Dim:
    """The most precise dimension known to equal both `a` and `b` (they must unify)."""
    if isinstance(a, int):
        return a
    if isinstance(b, int):
        return b
    if a == b:
        return a
    return a if b is None else (b if a is None else None)


def shapes_unify(a: Shape, b: Shape) -> bool:
    """Equal ranks and every pair of dimensions unifies."""
    return len(a) == len(b) and all(dims_unify(x, y) for x, y in zip(a, b, strict=True))


def shape_join(a: Shape, b: Shape) -> Shape:
    """Dimension-wise `dim_join` of two unifiable shapes of equal rank."""
    return tuple(dim_join(x, y) for x, y in zip(a, b, strict=True))


def dims_merge(a: Dim, b: Dim) -> Dim:
    """A dimension describing either `a` or `b` (for results of different branches)."""
    return a if a == b else None


@dataclass(frozen=True)
class BroadcastError(Exception):
    """Two dimensions that cannot be broadcast together."""

    left: Dim
    right: Dim


def broadcast_dim(a: Dim, b: Dim) -> Dim:
    """NumPy broadcasting of one pair of dimensions (raises `BroadcastError`)."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        if a != b:
            raise BroadcastError(a, b)
        return a
    return dim_join(a, b)


def broadcast(a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of two shapes (raises `BroadcastError`)."""
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    return tuple(broadcast_dim(x, y) for x, y in zip(pa, pb, strict=True))


def broadcasts_to(src: Shape, dst: Shape) -> bool:
    """Whether `src` broadcasts to exactly `dst` (as `broadcast_to` and indexed assignment need)."""
    if len(src) > len(dst):
        return False
    for s, d in zip(src[::-1], dst[::-1], strict=False):
        if s != 1 and not dims_unify(s, d):
            return False
    return True


@dataclass(frozen=True)
class MatmulError(Exception):
    """Why a matrix product is ill-shaped (`kind`: "rank", "inner" or "batch")."""

    kind: str
    left: Dim = None
    right: Dim = None


def matmul_shape(a: Shape, b: Shape) -> Shape:
    """The shape of `a @ b` by NumPy's rules (raises `MatmulError`)."""
    if not a or not b:
        raise MatmulError("rank")
    la, lb = list(a), list(b)
    a_vec, b_vec = len(la) == 1, len(lb) == 1
    if a_vec:
        la = [1, *la]
    if b_vec:
        lb = [*lb, 1]
    if not dims_unify(la[-1], lb[-2]):
        raise MatmulError("inner", la[-1], lb[-2])
    try:
        batch = broadcast(tuple(la[:-2]), tuple(lb[:-2]))
    except BroadcastError as e:
        raise MatmulError("batch", e.left, e.right) from e
    out: list[Dim] = list(batch)
    if not a_vec:
        out.append(la[-2])
    if not b_vec:
        out.append(lb[-1])
    return tuple(out)


def num_elements(shape: Shape) -> int | None:
    """The static number of elements, or `None` when a dimension is not static."""
    n = 1
    for d in shape:
        if not isinstance(d, int):
            return None
        n *= d
    return n


def normalize_axis(axis: int, rank: int) -> int | None:
    """`axis` in `[-rank, rank)` made non-negative, or `None` when out of range."""
    if -rank <= axis < rank:
        return axis % rank if rank else 0
    return None


# ---------------------------------------------------------------------------------------------
# Constant folding


Number = int | float | bool


def trunc_div(a: int, b: int) -> int:
    """Integer division truncating toward zero (C, Rust)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def trunc_rem(a: int, b: int) -> int:
    """The remainder of `trunc_div`: it takes the sign of the dividend."""
    return a - b * trunc_div(a, b)


def fold_binary(op: str, a: Number, b: Number, is_float: bool) -> Number | None:
    """Fold `a op b` as Charl computes it on floats or ints; `None` when it cannot be folded."""
    if isinstance(a, bool) or isinstance(b, bool):
        return _fold_bool(op, a, b)
    if is_float:
        x, y = float(a), float(b)
        table = {"+": x + y, "-": x - y, "*": x * y}
        if op in table:
            return table[op]
        if op in ("/", "%") and y == 0.0:
            return None
        if op == "/":
            return x / y
        if op == "%":
            return math.fmod(x, y)
        if op == "**":
            try:
                return float(x**y) if not (x < 0 and not y.is_integer()) else None
            except (OverflowError, ZeroDivisionError):
                return None
        return _fold_compare(op, x, y)
    i, j = int(a), int(b)
    if op in ("+", "-", "*"):
        return {"+": i + j, "-": i - j, "*": i * j}[op]
    if op in ("/", "%"):
        return None if j == 0 else (trunc_div(i, j) if op == "/" else trunc_rem(i, j))
    if op == "**":
        return i**j if 0 <= j <= 64 else None
    return _fold_compare(op, i, j)


def _fold_compare(op: str, x: float, y: float) -> bool | None:
    table = {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}
    return table.get(op)


def _fold_bool(op: str, a: Number, b: Number) -> bool | None:
    if op == "and":
        return bool(a) and bool(b)
    if op == "or":
        return bool(a) or bool(b)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    return None


# ---------------------------------------------------------------------------------------------
# Linear forms: sum of coefficient * atom, plus a constant


@dataclass(frozen=True)
class Linear:
    """`const + sum(coef * atom)`; atoms are hashable keys naming run-time integers."""

    const: int
    terms: tuple[tuple[object, int], ...] = ()

    @staticmethod
    def atom(key: object) -> Linear:
        return Linear(0, ((key, 1),))

    def _map(self) -> dict[object, int]:
        return dict(self.terms)

    @staticmethod
    def _make(const: int, terms: dict[object, int]) -> Linear:
        return Linear(const, tuple((k, c) for k, c in terms.items() if c != 0))

    def add(self, other: Linear, sign: int = 1) -> Linear:
        terms = self._map()
        for k, c in other.terms:
            terms[k] = terms.get(k, 0) + sign * c
        return Linear._make(self.const + sign * other.const, terms)

    def scale(self, k: int) -> Linear:
        return Linear._make(self.const * k, {a: c * k for a, c in self.terms})

    @property
    def constant(self) -> int | None:
        """The value when the form has no variable part."""
        return self.const if not self.terms else None
