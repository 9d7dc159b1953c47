"""Programs of test_grad_programs (whole Charl programs in float64 and their gradients), their
random inputs, and central finite differences on a few chosen entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

MLP = """
fn loss(x: tensor<float64, [4, 6]>, w1: tensor<float64, [6, 8]>, b1: tensor<float64, [8]>,
        w2: tensor<float64, [8, 3]>, b2: tensor<float64, [3]>, y: tensor<int32, [4]>) -> float64 {
    let h = relu(x @ w1 + b1)
    return cross_entropy(h @ w2 + b2, y)
}
fn g(x: tensor<float64, [4, 6]>, w1: tensor<float64, [6, 8]>, b1: tensor<float64, [8]>,
     w2: tensor<float64, [8, 3]>, b2: tensor<float64, [3]>,
     y: tensor<int32, [4]>) -> (tensor<float64, [6, 8]>, tensor<float64, [8]>,
                                tensor<float64, [8, 3]>, tensor<float64, [3]>) {
    return grad(loss, wrt: [1, 2, 3, 4])(x, w1, b1, w2, b2, y)
}
"""

_TB_PARAMS = (
    "x: tensor<float64, [4, 8]>, g1: tensor<float64, [8]>, be1: tensor<float64, [8]>,"
    " wq: tensor<float64, [8, 8]>, wk: tensor<float64, [8, 8]>, wv: tensor<float64, [8, 8]>,"
    " wo: tensor<float64, [8, 8]>, g2: tensor<float64, [8]>, be2: tensor<float64, [8]>,"
    " w1: tensor<float64, [8, 16]>, b1: tensor<float64, [16]>, w2: tensor<float64, [16, 8]>,"
    " b2: tensor<float64, [8]>, c: tensor<float64, [4, 8]>"
)
# (name, shape) of the transformer block's arguments; all but the last (`c`) are differentiated.
TB_SHAPES: list[tuple[str, tuple[int, ...]]] = [
    ("x", (4, 8)), ("g1", (8,)), ("be1", (8,)), ("wq", (8, 8)), ("wk", (8, 8)), ("wv", (8, 8)),
    ("wo", (8, 8)), ("g2", (8,)), ("be2", (8,)), ("w1", (8, 16)), ("b1", (16,)), ("w2", (16, 8)),
    ("b2", (8,)), ("c", (4, 8)),
]  # fmt: skip


def _tb_result_type() -> str:
    parts = [f"tensor<float64, [{', '.join(map(str, s))}]>" for _, s in TB_SHAPES[:-1]]
    return "(" + ", ".join(parts) + ")"


TRANSFORMER = f"""
fn heads(a: tensor<float64, [4, 8]>) -> tensor<float64, [2, 4, 4]> {{
    return transpose(reshape(a, [4, 2, 4]), [1, 0, 2])
}}
fn block({_TB_PARAMS}) -> float64 {{
    let h = layer_norm(x, g1, be1)
    let q = heads(h @ wq)
    let k = heads(h @ wk)
    let v = heads(h @ wv)
    let scores = q @ transpose(k, [0, 2, 1]) / cast(sqrt(4.0), float64)
    let masked = where(causal_mask(4), scores, full([2, 4, 4], -1e9, dtype: float64))
    let att = softmax(masked, axis: -1) @ v
    let merged = reshape(transpose(att, [1, 0, 2]), [4, 8])
    let x1 = x + merged @ wo
    let m = gelu(layer_norm(x1, g2, be2) @ w1 + b1) @ w2 + b2
    return sum((x1 + m) * c)
}}
fn g({_TB_PARAMS}) -> {_tb_result_type()} {{
    return grad(block, wrt: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])({", ".join(n for n, _ in TB_SHAPES)})
}}
"""

RNN = """
fn loss(x: tensor<float64, [5, 4, 3]>, wx: tensor<float64, [3, 6]>, wh: tensor<float64, [6, 6]>,
        b: tensor<float64, [6]>, c: tensor<float64, [4, 6]>) -> float64 {
    let mut h = zeros([4, 6], dtype: float64)
    for t in 0..5 {
        h = tanh(x[t] @ wx + h @ wh + b)
    }
    return sum(h * c)
}
fn g(x: tensor<float64, [5, 4, 3]>, wx: tensor<float64, [3, 6]>, wh: tensor<float64, [6, 6]>,
     b: tensor<float64, [6]>,
     c: tensor<float64, [4, 6]>) -> (tensor<float64, [3, 6]>, tensor<float64, [6, 6]>, tensor<float64, [6]>) {
    return grad(loss, wrt: [1, 2, 3])(x, wx, wh, b, c)
}
"""

PIECEWISE = """
fn f(x: tensor<float64, [3]>, s: float64) -> float64 {
    if s > 0.0 {
        return sum(sin(x) * s * s)
    } else {
        return sum(exp(x) * s) + s * s * s
    }
}
fn g(x: tensor<float64, [3]>, s: float64) -> (tensor<float64, [3]>, float64) {
    return grad(f, wrt: [0, 1])(x, s)
}
"""

SECOND = """
fn f(x: tensor<float64, [4]>) -> float64 { return sum(sin(x) * x * x) + sum(x) * sum(tanh(x)) }
fn df(x: tensor<float64, [4]>) -> float64 { return sum(grad(f)(x)) }
fn d2(x: tensor<float64, [4]>) -> tensor<float64, [4]> { return grad(df)(x) }
"""

NESTED = """
fn f(x: tensor<float64, [3]>, w: tensor<float64, [3]>, s: float64, n: int32) -> float64 {
    let mut h = x
    for i in 0..3 {
        for j in 0..n {
            h = tanh(h * w + 0.1)
        }
        if s > 0.0 {
            for j in 0..2 { h = sin(h) * w }
        } else {
            h = h * s
        }
        h = h + x
    }
    return sum(h * h)
}
fn g(x: tensor<float64, [3]>, w: tensor<float64, [3]>, s: float64,
     n: int32) -> (tensor<float64, [3]>, tensor<float64, [3]>, float64) {
    return grad(f, wrt: [0, 1, 2])(x, w, s, n)
}
"""


def uniform(seed: int, shapes: list[tuple[int, ...]], scale: float = 1.0) -> list[np.ndarray]:
    """Float64 arrays uniform in [-scale, scale), one per shape, from one seeded generator."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-scale, scale, s) for s in shapes]


def flat(result: Any) -> list[np.ndarray]:
    """The arrays of a (possibly nested) tuple result, in order."""
    out: list[np.ndarray] = []
    for r in result if isinstance(result, tuple) else (result,):
        out.extend(flat(r) if isinstance(r, tuple) else [np.asarray(r)])
    return out


def central_difference(f: Callable[..., Any], args: list[Any], i: int, k: tuple[int, ...], eps: float = 1e-6) -> float:
    """d f / d args[i][k] by a central difference."""
    values = []
    for sign in (1.0, -1.0):
        x = np.array(args[i], dtype=np.float64)
        x[k] += sign * eps
        call = [*args[:i], x if x.shape else np.float64(x), *args[i + 1 :]]
        values.append(float(f(*call)))
    return (values[0] - values[1]) / (2 * eps)


def check_entries(
    f: Callable[..., Any], args: list[Any], grads: list[np.ndarray], wrt: list[int], seed: int, count: int = 3
) -> None:
    """`count` random entries of each gradient `grads[j]` (of argument `wrt[j]`) agree with central
    differences of `f` (rtol 1e-5)."""
    rng = np.random.default_rng(seed)
    for g, i in zip(grads, wrt, strict=True):
        for _ in range(count):
            k = tuple(int(rng.integers(0, n)) for n in g.shape)
            np.testing.assert_allclose(g[k], central_difference(f, args, i, k), rtol=1e-5, atol=1e-8)
