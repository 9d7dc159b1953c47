"""Gradients of Charl's losses in float64: `mse_loss`, `cross_entropy` with int32 labels and with
float class probabilities (differentiated with respect to both), `binary_cross_entropy` and
`bce_with_logits`, alone and composed with a layer, against central finite differences and
torch.autograd. One program holds every case."""

from __future__ import annotations

from typing import Any

import numpy as np
from grad_builtins_util import (
    Case,
    standard_tests,
    uniform,
)

P23, T23, L34 = uniform(1, (2, 3), (2, 3), (3, 4), low=-2.0, high=2.0)
LABELS = np.array([2, 0, 3], dtype=np.int32)
PROBS = np.random.default_rng(2).dirichlet(np.ones(4), 3)
UNIT, TARGETS = uniform(3, (2, 3), (2, 3), low=0.1, high=0.9)
W, B = uniform(4, (4, 3), (3,))


def _f(t: Any) -> Any:
    return t.nn.functional


def _bce(t: Any, p: Any, y: Any) -> Any:
    """Binary cross-entropy written out, so torch differentiates it w.r.t. the targets too."""
    return -(y * t.log(p) + (1.0 - y) * t.log(1.0 - p)).mean()


CASES = [
    Case("mse_loss", {"p": P23, "y": T23}, "mse_loss(p, y)", (), lambda t, p, y: _f(t).mse_loss(p, y)),
    Case(
        "cross_entropy_labels",
        {"z": L34, "y": LABELS},
        "cross_entropy(z, y)",
        (),
        lambda t, z, y: _f(t).cross_entropy(z, y.long()),
    ),
    Case(
        "cross_entropy_probs",
        {"z": L34, "q": PROBS},
        "cross_entropy(z, q)",
        (),
        lambda t, z, q: _f(t).cross_entropy(z, q),
    ),
    Case(
        "cross_entropy_layer",
        {"x": L34, "w": W, "b": B, "y": LABELS[:3] % 3},
        "cross_entropy(tanh(x @ w + b), y)",
        (),
        lambda t, x, w, b, y: _f(t).cross_entropy(t.tanh(x @ w + b), y.long()),
    ),
    Case(
        "binary_cross_entropy",
        {"p": UNIT, "y": TARGETS},
        "binary_cross_entropy(p, y)",
        (),
        _bce,
    ),
    Case(
        "binary_cross_entropy_probs_only",
        {"p": UNIT, "y": TARGETS},
        "binary_cross_entropy(p, y)",
        (),
        lambda t, p, y: _f(t).binary_cross_entropy(p, y),
        wrt=("p",),
    ),
    Case(
        "bce_with_logits",
        {"z": P23, "y": TARGETS},
        "bce_with_logits(z, y)",
        (),
        lambda t, z, y: _f(t).binary_cross_entropy_with_logits(z, y),
    ),
    Case(
        "bce_with_logits_sigmoid",
        {"x": P23, "y": TARGETS},
        "binary_cross_entropy(sigmoid(x), y) - bce_with_logits(x, y) + mse_loss(x, y)",
        (),
        lambda t, x, y: _bce(t, t.sigmoid(x), y) - _f(t).binary_cross_entropy_with_logits(x, y) + _f(t).mse_loss(x, y),
    ),
]


prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES)
