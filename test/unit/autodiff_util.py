"""Helpers of test_charl_autodiff: compile Charl programs (the cpu pipeline differentiates them in
its `charl-opt` stage) and central finite differences in float64."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from charlc.api import load
from charlc.run import Program


def load_with_autodiff(source: str) -> Program:
    """`charlc.api.load` of `source`: the cpu stage table runs `charl-autodiff` in `charl-opt`."""
    return load(source)


def central_differences(f: Callable[..., float], args: list[np.ndarray], i: int, eps: float = 1e-6) -> np.ndarray:
    """d f / d args[i] by central differences, element by element."""
    x = np.array(args[i], dtype=np.float64)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        shifted = []
        for sign in (1.0, -1.0):
            xs = x.copy()
            xs[k] += sign * eps
            call = [*args[:i], xs if xs.shape else np.float64(xs), *args[i + 1 :]]
            shifted.append(float(f(*call)))
        out[k] = (shifted[0] - shifted[1]) / (2 * eps)
    return out
