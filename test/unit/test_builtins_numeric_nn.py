"""Neural-network functions, losses, creation functions and random numbers of LANGUAGE.md section
7 compiled for the CPU and run against NumPy: `softmax log_softmax layer_norm conv2d max_pool2d
avg_pool2d dropout causal_mask`, `mse_loss cross_entropy binary_cross_entropy bce_with_logits`,
`zeros ones full arange eye`, and `random_normal random_uniform random_int` against a NumPy model
of the runtime's Threefry generator (docs/runtime.md). All cases are one program, compiled once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_builtins_numeric_util import (
    FLOATS,
    Case,
    Param,
    Suite,
    log_softmax,
    one,
    random_int,
    random_normal,
    random_uniform,
    sigmoid,
    softmax,
)


def softmaxes(dtype: str) -> Case:
    return Case(
        f"softmax_{dtype}",
        [Param(dtype, (3, 5))],
        [
            ("softmax(a)", softmax),
            ("softmax(a, axis: 0)", lambda a: softmax(a, 0)),
            ("log_softmax(a)", log_softmax),
            ("log_softmax(a, axis: 0)", lambda a: log_softmax(a, 0)),
            ("softmax(a * 100.0)", lambda a: softmax(a * 100)),
        ],
    )


def layer_norm_ref(x: Any, g: Any, b: Any, eps: float = 1e-5) -> Any:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def layer_norms(dtype: str) -> Case:
    return Case(
        f"layer_norm_{dtype}",
        [Param(dtype, (2, 3, 6)), Param(dtype, (6,)), Param(dtype, (6,))],
        [
            ("layer_norm(a, b, c)", layer_norm_ref),
            ("layer_norm(a, b, c, eps: 0.1)", lambda a, b, c: layer_norm_ref(a, b, c, 0.1)),
        ],
        tolerance=(1e-4, 1e-5) if dtype == "float32" else None,
    )


def conv2d_ref(x: Any, w: Any, b: Any, stride: int = 1, padding: int = 0) -> Any:
    """NCHW x OIHW + bias, by explicit loops over the output window."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    o, _, k, _ = w.shape
    oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    out = np.zeros((n, o, oh, ow), x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", window, w)
    return out + b[None, :, None, None]


def pool_ref(x: Any, k: int, stride: int, kind: str) -> Any:
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c, oh, ow), x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            out[:, :, i, j] = window.max(axis=(2, 3)) if kind == "max" else window.mean(axis=(2, 3))
    return out


def convolutions() -> Case:
    params = [Param("float32", (2, 3, 6, 6)), Param("float32", (4, 3, 3, 3)), Param("float32", (4,))]
    return Case(
        "conv_pool",
        params,
        [
            ("conv2d(a, b, c)", conv2d_ref),
            ("conv2d(a, b, c, stride: 2, padding: 1)", lambda a, b, c: conv2d_ref(a, b, c, 2, 1)),
            ("conv2d(a, b, c, padding: 2)", lambda a, b, c: conv2d_ref(a, b, c, 1, 2)),
            ("max_pool2d(a, 2)", lambda a, b, c: pool_ref(a, 2, 2, "max")),
            ("max_pool2d(a, 3, stride: 1)", lambda a, b, c: pool_ref(a, 3, 1, "max")),
            ("avg_pool2d(a, 2)", lambda a, b, c: pool_ref(a, 2, 2, "avg")),
            ("avg_pool2d(a, 3, stride: 2)", lambda a, b, c: pool_ref(a, 3, 2, "avg")),
        ],
        tolerance=(1e-4, 1e-5),
    )


def losses(dtype: str) -> Case:
    params = [
        Param(dtype, (4, 3)),
        Param(dtype, (4, 3)),
        Param("int32", (4,), "index:3"),
        Param(dtype, (4, 3), "unit"),
        Param(dtype, (4, 3), "unit"),
    ]
    return Case(
        f"losses_{dtype}",
        params,
        [
            ("mse_loss(a, b)", lambda a, b, c, d, e: np.mean((a - b) ** 2)),
            ("cross_entropy(a, c)", lambda a, b, c, d, e: -np.mean(log_softmax(a)[np.arange(4), c])),
            ("cross_entropy(a, softmax(b))", lambda a, b, c, d, e: -np.mean(np.sum(softmax(b) * log_softmax(a), -1))),
            ("binary_cross_entropy(d, e)", lambda a, b, c, d, e: -np.mean(e * np.log(d) + (1 - e) * np.log(1 - d))),
            ("bce_with_logits(a, e)", lambda a, b, c, d, e: _bce_logits(a, e)),
        ],
        tolerance=(1e-5, 1e-6) if dtype == "float32" else None,
    )


def _bce_logits(x: Any, t: Any) -> Any:
    p = sigmoid(x)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def dropouts() -> Case:
    return Case(
        "dropouts",
        [Param("float32", (64, 8), "positive")],
        [("dropout(a, 0.0, seed: 3)", lambda a: a), ("dropout(a, 0.25, seed: 3)", lambda a: a)],
        tolerance=(np.inf, np.inf),
    )


def creation() -> Case:
    return Case(
        "creation",
        [Param("int32", ())],
        [
            ("zeros([2, 3])", lambda a: np.zeros((2, 3), np.float32)),
            ("ones([4], dtype: int64)", lambda a: np.ones(4, np.int64)),
            ("full([2, 2], 2.5)", lambda a: np.full((2, 2), 2.5, np.float32)),
            ("full([3], 7, dtype: int32)", lambda a: np.full(3, 7, np.int32)),
            ("zeros([2], dtype: bool)", lambda a: np.zeros(2, bool)),
            ("arange(6)", lambda a: np.arange(6, dtype=np.int32)),
            ("eye(3)", lambda a: np.eye(3, dtype=np.float32)),
            ("eye(2, dtype: float64)", lambda a: np.eye(2)),
            ("causal_mask(4)", lambda a: np.tril(np.ones((4, 4), bool))),
            ("full([2, 3], a)", lambda a: np.full((2, 3), a, np.int32)),
        ],
    )


def randoms() -> Case:
    return Case(
        "randoms",
        [Param("int32", ())],
        [
            ("random_uniform([3, 4], seed: 7)", lambda a: random_uniform((3, 4), 7)),
            ("random_uniform([5], seed: 1, low: -2.0, high: 3.0)", lambda a: random_uniform((5,), 1, -2.0, 3.0)),
            ("random_normal([2, 5], seed: 42)", lambda a: random_normal((2, 5), 42).astype(np.float32)),
            ("random_normal([6], seed: 3, mean: 1.0, std: 0.5)", lambda a: random_normal((6,), 3, 1.0, 0.5)),
            ("random_int([10], 0, 10, seed: 2)", lambda a: random_int((10,), 0, 10, 2)),
            ("random_int([2, 3], -5, 5, seed: 9)", lambda a: random_int((2, 3), -5, 5, 9)),
            ("random_normal([4], seed: 5000000000)", lambda a: random_normal((4,), 5000000000)),
        ],
        dtypes={3: "float32", 6: "float32"},
        tolerance=(1e-5, 2e-6),
    )


CASES: list[Case] = [
    *[softmaxes(d) for d in FLOATS],
    *[layer_norms(d) for d in FLOATS],
    convolutions(),
    *[losses(d) for d in FLOATS],
    dropouts(),
    creation(),
    randoms(),
    one(
        "random_big",
        [Param("int32", ())],
        "random_uniform([300, 400], seed: 11)",
        lambda a: random_uniform((300, 400), 11),
    ),
]

SUITE = Suite(CASES)

STATISTICAL = {"dropouts"}


@pytest.mark.parametrize("name", [n for n in SUITE.ids if n not in STATISTICAL])
def test_builtin(name: str) -> None:
    SUITE.check(name)


def test_dropout_keeps_or_zeroes_and_rescales() -> None:
    x = np.random.default_rng(0).uniform(0.5, 2.0, (64, 8)).astype(np.float32)
    identity, dropped = SUITE.fn("dropouts")(x)
    assert identity.tolist() == x.tolist()
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], x[kept] / 0.75, rtol=1e-6)
    assert 0.15 < 1 - kept.mean() < 0.35, f"dropped {1 - kept.mean():.3f} of the elements, expected about 0.25"


def test_random_numbers_have_the_requested_distribution() -> None:
    uniform = SUITE.fn("random_big")(np.int32(0))
    assert uniform.min() >= 0.0 and uniform.max() < 1.0
    assert abs(uniform.mean() - 0.5) < 0.01 and abs(uniform.std() - np.sqrt(1 / 12)) < 0.01
    assert len(np.unique(uniform)) > 100_000
