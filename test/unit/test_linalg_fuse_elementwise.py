"""`linalg-fuse-elementwise` end to end: programs compiled with and without the pass compute the
same values, fusion lowers the kernel count (chains become one kernel), the remarks name each
pair with its reason, and the names the remarks give generics come from the lowering's rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fusion_util import FUSE, fused_and_unfused, fusion_remarks

from charlc.api import compile_source
from charlc.options import Options
from charlc.pipeline import STAGE_PASSES, Stage
from charlc.run import Program, count_kernels

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """\
fn chain(x: tensor<float32, [64, 33]>) -> tensor<float32, [64, 33]> {
    let y = relu(x * 2.0 + 1.0)
    return -(y * 0.5)
}
fn scaled(x: tensor<float32, [64, 33]>, s: float32) -> tensor<float32, [64, 33]> {
    return tanh(x * s) - s
}
fn bias(x: tensor<float32, [64, 33]>, b: tensor<float32, [33]>) -> tensor<float32, [64, 33]> {
    return sigmoid(x + b) * b
}
fn column(x: tensor<float32, [64, 33]>, c: tensor<float32, [64, 1]>) -> tensor<float32, [64, 33]> {
    return exp(x - c)
}
fn sum_exp(x: tensor<float32, [64, 33]>) -> float32 {
    return sum(exp(x * 0.25))
}
fn row_sums(x: tensor<float32, [64, 33]>, b: tensor<float32, [33]>) -> tensor<float32, [64]> {
    return sum(abs(x - b), axis: 1)
}
fn shared(x: tensor<float32, [64, 33]>) -> (tensor<float32, [64, 33]>, tensor<float32, [64, 33]>) {
    let y = x * x
    return (exp(-y), y + 1.0)
}
fn twice(x: tensor<float32, [64, 33]>) -> tensor<float32, [64, 33]> {
    let y = sqrt(abs(x))
    return y * y + y
}
fn softer(x: tensor<float32, [64, 33]>) -> tensor<float32, [64, 33]> {
    return softmax(x * 3.0, axis: 1) + 1.0
}
fn ints(a: tensor<int32, [64, 33]>, b: tensor<int32, [64, 33]>) -> tensor<float32, [64, 33]> {
    return cast(maximum(a * b, a - 3), float32) * 0.5
}
fn picks(x: tensor<float32, [64, 33]>) -> tensor<float32, [64, 33]> {
    return where(x > 0.0, x * 2.0, exp(x))
}
fn in_loop(x: tensor<float32, [64, 33]>) -> tensor<float32, [64, 33]> {
    let mut y = x * 0.5
    for i in 0..3 {
        y = tanh(y * 1.5 + 0.25)
    }
    return y
}
fn masked(x: tensor<float32, [8, 8]>) -> tensor<float32, [8, 8]> {
    return (x + 1.0) * cast(causal_mask(8), float32)
}
"""

RNG = np.random.default_rng(7)
X = RNG.standard_normal((64, 33)).astype(np.float32)
B = RNG.standard_normal(33).astype(np.float32)
C = RNG.standard_normal((64, 1)).astype(np.float32)
A_INT = RNG.integers(-9, 10, (64, 33)).astype(np.int32)
B_INT = RNG.integers(-9, 10, (64, 33)).astype(np.int32)

CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("chain", (X,)),
    ("scaled", (X, np.float32(0.7))),
    ("bias", (X, B)),
    ("column", (X, C)),
    ("sum_exp", (X,)),
    ("row_sums", (X, B)),
    ("shared", (X,)),
    ("twice", (X,)),
    ("softer", (X,)),
    ("ints", (A_INT, B_INT)),
    ("picks", (X,)),
    ("in_loop", (X,)),
    ("masked", (X[:8, :8],)),
]


@pytest.fixture(scope="module")
def programs() -> tuple[Program, Program]:
    """PROGRAM compiled with fusion, and without it."""
    return fused_and_unfused(PROGRAM)


def test_the_stage_table_runs_fusion_on_both_targets() -> None:
    for target in ("cpu", "gpu"):
        assert STAGE_PASSES[(target, Stage.LINALG)] == ("charl-quantize", "convert-charl-to-linalg", FUSE)


def as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize(("name", "args"), CALLS, ids=[c[0] for c in CALLS])
def test_fused_and_unfused_programs_agree(programs: tuple[Program, Program], name: str, args: tuple[Any, ...]) -> None:
    fused, unfused = programs
    got, want = as_tuple(fused.fn(name)(*args)), as_tuple(unfused.fn(name)(*args))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-6)


def test_fused_program_matches_numpy(programs: tuple[Program, Program]) -> None:
    fused, _ = programs
    np.testing.assert_allclose(fused.fn("chain")(X), -(np.maximum(X * 2 + 1, 0) * 0.5), rtol=1e-6)
    np.testing.assert_allclose(fused.fn("sum_exp")(X), np.exp(X * 0.25).sum(), rtol=1e-5)
    np.testing.assert_allclose(fused.fn("row_sums")(X, B), np.abs(X - B).sum(axis=1), rtol=1e-5)
    s = np.float32(0.7)
    np.testing.assert_allclose(fused.fn("scaled")(X, s), np.tanh(X * s) - s, rtol=1e-5, atol=1e-6)


def test_fusion_lowers_the_kernel_count(programs: tuple[Program, Program]) -> None:
    fused, unfused = programs
    assert fused.kernels < unfused.kernels


def linalg_module(source: str) -> Any:
    return compile_source(source, "<fuse>.ch", Options(stop_after=Stage.LINALG))


def kernels_of(source: str) -> int:
    return count_kernels(linalg_module(source))


@pytest.mark.parametrize(
    ("body", "kernels"),
    [
        ("return -(relu(x * 2.0 + 1.0) * 0.5)", 1),  # the chain: one generic, no fill
        ("return x * s", 1),  # a scalar variable: read in the body, no fill
        ("return sum(exp(x))", 1),  # the reduction generic, the fill of its init fused in (cpu)
    ],
)
def test_chains_become_one_generic(body: str, kernels: int) -> None:
    ret = "float32" if "sum" in body else "tensor<float32, [4, 8]>"
    source = f"fn f(x: tensor<float32, [4, 8]>, s: float32) -> {ret} {{ {body} }}"
    assert kernels_of(source) == kernels


def test_remarks_name_each_pair_and_say_why() -> None:
    source = (
        "fn f(x: tensor<float32, [4, 8]>) -> (tensor<float32, [4, 8]>, tensor<float32, [4, 8]>) {\n"
        "    let y = x * x\n"
        "    return (exp(y), relu(y - 1.0))\n"
        "}\n"
    )
    text = [str(r) for r in fusion_remarks(source)]
    assert text == [
        "r.ch:2:13: remark: charl.mul not fused into charl.exp: the producer's result has 2 uses",
        "r.ch:2:13: remark: charl.mul not fused into charl.relu: the producer's result has 2 uses",
        "r.ch:3:26: remark: fused charl.broadcast_to into charl.sub",
        "r.ch:3:26: remark: fused charl.sub into charl.relu",
    ]


def test_remarks_tell_reductions_and_matmuls() -> None:
    source = (
        "fn f(x: tensor<float32, [4, 8]>, w: tensor<float32, [8, 3]>) -> tensor<float32, [4, 3]> {\n"
        "    return tanh(x @ w)\n"
        "}\n"
        "fn g(x: tensor<float32, [4, 8]>) -> tensor<float32, [4]> {\n"
        "    return exp(sum(x, axis: 1))\n"
        "}\n"
    )
    text = [str(r) for r in fusion_remarks(source)]
    assert text == [
        "r.ch:2:17: remark: charl.matmul not fused into charl.tanh: "
        "the producer is a linalg.matmul, not an elementwise linalg.generic",
        "r.ch:5:16: remark: charl.reduce not fused into charl.exp: the producer has reduction loops",
    ]
