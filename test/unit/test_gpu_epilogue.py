"""Integer matmul epilogues of `convert-linalg-to-gpu` (`passes/_gpu_epilogue.py`): the elementwise
op after a qgemm (the bias, a residual, the bias and gelu, as in GPT-2's layers) is applied by the
qgemm kernel as it stores each element of y, one launch fewer; the results equal the CPU's (the
same float ops in the same order), with one row or several, columns not a multiple of the
workgroup's 32, y still stored when it is used elsewhere, and a residual read from an argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_forms_util import both_targets, launches

SOURCE = """
fn bias(x: tensor<float32, [3, 64]>, q: tensor<int8, [64, 40]>, s: tensor<float32, [40]>,
        b: tensor<float32, [40]>) -> tensor<float32, [3, 40]> {
    return qmatmul(x, q, s) + b
}
fn residual(x: tensor<float32, [2, 64]>, q: tensor<int8, [64, 70]>, s: tensor<float32, [70]>,
            b: tensor<float32, [70]>, r: tensor<float32, [2, 70]>) -> tensor<float32, [2, 70]> {
    let h = r * 2.0
    return h + qmatmul(x, q, s) + b
}
fn mlp(x: tensor<float32, [1, 64]>, q: tensor<int8, [64, 100]>, s: tensor<float32, [100]>,
       b: tensor<float32, [100]>) -> tensor<float32, [1, 100]> {
    return gelu(qmatmul(x, q, s) + b)
}
fn kept(x: tensor<float32, [3, 64]>, q: tensor<int8, [64, 40]>, s: tensor<float32, [40]>,
        b: tensor<float32, [40]>) -> (tensor<float32, [3, 40]>, tensor<float32, [3, 40]>) {
    let y = qmatmul(x, q, s)
    return (y + b, y)
}
fn arg_residual(x: tensor<float32, [2, 64]>, q: tensor<int8, [64, 70]>, s: tensor<float32, [70]>,
                r: tensor<float32, [2, 70]>) -> tensor<float32, [2, 70]> {
    return r + qmatmul(x, q, s)
}
"""

SHAPES = {
    "bias": (3, 64, 40),
    "residual": (2, 64, 70),
    "mlp": (1, 64, 100),
    "kept": (3, 64, 40),
    "arg_residual": (2, 64, 70),
}


@pytest.fixture(scope="module")
def programs() -> tuple[Any, Any]:
    return both_targets(SOURCE)


def test_each_epilogue_is_absorbed() -> None:
    plans = launches(SOURCE)
    for name in SHAPES:
        assert [kind for kind, _ in plans[name]] == ["rows", "qgemm"], (name, plans[name])


def arguments(name: str) -> list[np.ndarray[Any, Any]]:
    m, k, n = SHAPES[name]
    rng = np.random.default_rng(k + n + m)
    x = rng.standard_normal((m, k)).astype(np.float32)
    q = rng.integers(-127, 128, (k, n)).astype(np.int8)
    s = (rng.random(n) * 0.01 + 1e-3).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    r = rng.standard_normal((m, n)).astype(np.float32)
    return {"residual": [x, q, s, b, r], "arg_residual": [x, q, s, r]}.get(name, [x, q, s, b])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_epilogue_equals_the_cpu(programs: tuple[Any, Any], name: str) -> None:
    cpu, gpu = programs
    args = arguments(name)
    got, want = gpu.fn(name)(*args), cpu.fn(name)(*args)
    for g, w in zip(
        got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,), strict=True
    ):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
