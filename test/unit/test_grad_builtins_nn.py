"""Gradients of Charl's neural-network built-ins in float64: `softmax` and `log_softmax` (default
and explicit axis), `layer_norm`, `conv2d` (stride, padding), `max_pool2d` and `avg_pool2d` (disjoint
and overlapping windows), and `dropout` (p = 0: the identity; p > 0 with a seed: torch is given the
mask read from Charl's own forward output). Checked against central finite differences and
torch.autograd. One program holds every case."""

from __future__ import annotations

from typing import Any

import numpy as np
from grad_builtins_util import (
    Case,
    check_torch,
    standard_tests,
    uniform,
)

from charlc.run import Program

X23, X34, X232 = uniform(1, (2, 3), (3, 4), (2, 3, 2), low=-2.0, high=2.0)
LN_X, LN_G, LN_B = uniform(2, (2, 4), (4,), (4,))
LN3_X, LN3_G, LN3_B = uniform(3, (2, 2, 3), (3,), (3,))
CX, CW, CB = uniform(4, (1, 2, 5, 5), (3, 2, 3, 3), (3,))
SX, SW, SB = uniform(5, (2, 1, 4, 4), (2, 1, 2, 2), (2,))
PX, PX1 = uniform(6, (1, 2, 4, 4), (1, 1, 4, 5))
DX = uniform(7, (3, 4), low=0.5, high=1.5)[0]
DROPOUT_P = 0.5


def _f(t: Any) -> Any:
    return t.nn.functional


def _conv(stride: int, padding: int) -> Any:
    return lambda t, x, w, b: _f(t).conv2d(x, w, b, stride=stride, padding=padding)


CASES = [
    Case("softmax", {"x": X23}, "softmax(x)", (2, 3), lambda t, x: t.softmax(x, -1)),
    Case("softmax_axis0", {"x": X23}, "softmax(x, axis: 0)", (2, 3), lambda t, x: t.softmax(x, 0)),
    Case("softmax_3d", {"x": X232}, "softmax(x, axis: 1)", (2, 3, 2), lambda t, x: t.softmax(x, 1)),
    Case("log_softmax", {"x": X34}, "log_softmax(x)", (3, 4), lambda t, x: t.log_softmax(x, -1)),
    Case(
        "log_softmax_axis0",
        {"x": X34},
        "log_softmax(x, axis: 0)",
        (3, 4),
        lambda t, x: t.log_softmax(x, 0),
    ),
    Case(
        "log_softmax_neg_axis",
        {"x": X232},
        "log_softmax(x, axis: -2)",
        (2, 3, 2),
        lambda t, x: t.log_softmax(x, -2),
    ),
    Case(
        "layer_norm",
        {"x": LN_X, "gamma": LN_G + 1.0, "beta": LN_B},
        "layer_norm(x, gamma, beta)",
        (2, 4),
        lambda t, x, g, b: _f(t).layer_norm(x, (4,), g, b, eps=1e-5),
    ),
    Case(
        "layer_norm_3d_eps",
        {"x": LN3_X, "gamma": LN3_G + 1.0, "beta": LN3_B},
        "layer_norm(x, gamma, beta, eps: 0.01)",
        (2, 2, 3),
        lambda t, x, g, b: _f(t).layer_norm(x, (3,), g, b, eps=0.01),
    ),
    Case("conv2d", {"x": CX, "w": CW, "b": CB}, "conv2d(x, w, b)", (1, 3, 3, 3), _conv(1, 0)),
    Case(
        "conv2d_stride_padding",
        {"x": SX, "w": SW, "b": SB},
        "conv2d(x, w, b, stride: 2, padding: 1)",
        (2, 2, 3, 3),
        _conv(2, 1),
    ),
    Case(
        "max_pool2d",
        {"x": PX},
        "max_pool2d(x, 2)",
        (1, 2, 2, 2),
        lambda t, x: _f(t).max_pool2d(x, 2),
    ),
    Case(
        "max_pool2d_overlap",
        {"x": PX1},
        "max_pool2d(x, 2, stride: 1)",
        (1, 1, 3, 4),
        lambda t, x: _f(t).max_pool2d(x, 2, stride=1),
    ),
    Case(
        "avg_pool2d",
        {"x": PX},
        "avg_pool2d(x, 2)",
        (1, 2, 2, 2),
        lambda t, x: _f(t).avg_pool2d(x, 2),
    ),
    Case(
        "avg_pool2d_overlap",
        {"x": PX1},
        "avg_pool2d(x, 3, stride: 1)",
        (1, 1, 2, 3),
        lambda t, x: _f(t).avg_pool2d(x, 3, stride=1),
    ),
    Case("dropout_p0", {"x": DX}, "dropout(x, 0.0, seed: 3)", (3, 4), lambda t, x: x),
    Case("dropout", {"x": DX}, f"dropout(x * x, {DROPOUT_P}, seed: 3)", (3, 4), None),
]

# Charl's forward output of the dropout case's `dropout`, from which the mask is read.
EXTRA = f"""
fn dropped(x: tensor<float64, [3, 4]>) -> tensor<float64, [3, 4]> {{ return dropout(x * x, {DROPOUT_P}, seed: 3) }}
"""


prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES, extra=EXTRA)


def _dropout_scale(prog: Program) -> np.ndarray:
    """Charl's dropout mask as a scale per element: 0 where dropped, 1 / (1 - p) where kept."""
    scale = np.asarray(prog.fn("dropped")(DX)) / (DX * DX)
    kept = scale != 0.0
    assert 0 < kept.sum() < kept.size, "p = 0.5 on 12 elements should drop some and keep some"
    np.testing.assert_allclose(scale[kept], 1.0 / (1.0 - DROPOUT_P), rtol=1e-12)
    return np.where(kept, 1.0 / (1.0 - DROPOUT_P), 0.0)


def test_dropout_matches_torch_with_charl_mask(prog: Program) -> None:
    """With p > 0, the gradient equals torch's of `x * x * mask` with Charl's own mask."""
    case = next(c for c in CASES if c.name == "dropout")
    scale = _dropout_scale(prog)
    check_torch(prog, case, lambda t, x: x * x * t.tensor(scale))
