"""Matmul fusion of `linalg-fuse-elementwise` (`matmul_epilogues`, on for the cpu target): matmuls
become contraction generics with their transposed operands read in place, the fills of reduction
outputs become initial values, elementwise consumers become epilogues; `convert-linalg-to-loops`
calls `@charl_rt_sgemm_ex_f32` for them (or lowers them to loops with `ukernels=false`). Checked
against NumPy and the unfused pipeline, with the kernel counts and remarks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fusion_util import fused_and_unfused, fusion_remarks, without_fusion

from charlc import pipeline
from charlc.api import Session, compile_source, load
from charlc.diagnostics import Source
from charlc.options import Options
from charlc.pipeline import Stage
from charlc.run import Program, count_kernels, lower
from passes._contraction import match

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """\
fn dense(x: tensor<float32,[37,50]>, w: tensor<float32,[50,29]>, b: tensor<float32,[29]>) -> tensor<float32,[37,29]> {
    return relu(x @ w + b)
}
fn at_b(x: tensor<float32, [50, 37]>, y: tensor<float32, [50, 29]>) -> tensor<float32, [37, 29]> {
    return transpose(x) @ y
}
fn a_bt(x: tensor<float32, [37, 50]>, w: tensor<float32, [29, 50]>) -> tensor<float32, [37, 29]> {
    return tanh(x @ transpose(w)) * 2.0
}
fn both(x: tensor<float32,[50,37]>, w: tensor<float32,[29,50]>, c: tensor<float32,[37,1]>) -> tensor<float32,[37,29]> {
    return transpose(x) @ transpose(w) - c
}
fn shared(x: tensor<float32, [37, 50]>, w: tensor<float32, [50, 29]>) -> (tensor<float32, [37, 29]>, float32) {
    let y = x @ w
    return (exp(y * 0.01), sum(y))
}
fn ragged(x: tensor<float32, [?, 50]>, w: tensor<float32, [50, 29]>) -> tensor<float32, [?, 29]> {
    return sigmoid(x @ w)
}
fn dynamic_k(x: tensor<float32, [37, ?]>, w: tensor<float32, [?, 29]>) -> tensor<float32, [37, 29]> {
    return (x @ w) * 0.5
}
fn doubles(x: tensor<float64, [37, 50]>, w: tensor<float64, [50, 29]>) -> tensor<float64, [37, 29]> {
    return relu(x @ w)
}
fn col_max(x: tensor<float32, [?, 4]>) -> tensor<float32, [4]> {
    return max(x * 2.0, axis: 0)
}
fn sums(x: tensor<float32, [37, 50]>) -> tensor<float32, [50]> {
    return sum(x * x, axis: 0) + max(x, axis: 0)
}
"""

RNG = np.random.default_rng(3)


def normal(*shape: int, dtype: Any = np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


X, W, B = normal(37, 50), normal(50, 29), normal(29)
XT, WT, Y, C = normal(50, 37), normal(29, 50), normal(50, 29), normal(37, 1)
X64, W64 = normal(37, 50, dtype=np.float64), normal(50, 29, dtype=np.float64)

EXPECTED: list[tuple[str, tuple[Any, ...], Any]] = [
    ("dense", (X, W, B), lambda: np.maximum(X @ W + B, 0)),
    ("at_b", (XT, Y), lambda: XT.T @ Y),
    ("a_bt", (X, WT), lambda: np.tanh(X @ WT.T) * 2),
    ("both", (XT, WT, C), lambda: XT.T @ WT.T - C),
    ("shared", (X, W), lambda: (np.exp((X @ W) * 0.01), (X @ W).sum())),
    ("ragged", (X[:11], W), lambda: 1 / (1 + np.exp(-(X[:11] @ W)))),
    ("dynamic_k", (X[:, :13], W[:13]), lambda: (X[:, :13] @ W[:13]) * 0.5),
    ("doubles", (X64, W64), lambda: np.maximum(X64 @ W64, 0)),
    ("dynamic_k", (X[:, :0], W[:0]), lambda: np.zeros((37, 29), np.float32)),  # K = 0: the fill stays
    ("col_max", (X[:0, :4],), lambda: np.full(4, -np.inf, np.float32)),  # zero rows: the fill stays
    ("sums", (X,), lambda: (X * X).sum(axis=0) + X.max(axis=0)),
]


@pytest.fixture(scope="module")
def programs() -> tuple[Program, Program]:
    """PROGRAM compiled with fusion, and without it."""
    return fused_and_unfused(PROGRAM)


def as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize(("name", "args", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_fused_matmuls_match_numpy_and_the_unfused_pipeline(
    programs: tuple[Program, Program], name: str, args: tuple[Any, ...], expected: Any
) -> None:
    fused, unfused = programs
    got, plain = as_tuple(fused.fn(name)(*args)), as_tuple(unfused.fn(name)(*args))
    for g, p, e in zip(got, plain, as_tuple(expected()), strict=True):
        np.testing.assert_allclose(np.asarray(g), e, rtol=2e-5, atol=2e-5)
        np.testing.assert_allclose(np.asarray(g), np.asarray(p), rtol=2e-5, atol=2e-5)


def linalg_text(source: str) -> str:
    return str(compile_source(source, "<m>.ch", Options(stop_after=Stage.LINALG)))


def test_dense_layer_is_one_contraction_with_its_epilogue() -> None:
    module = compile_source(PROGRAM.split("fn at_b")[0], "<m>.ch", Options(stop_after=Stage.LINALG))
    generics = [op for op in module.walk() if op.name.startswith("linalg.") and op.name != "linalg.yield"]
    generics = [op for op in generics if op.name != "linalg.index"]
    assert [op.name for op in generics] == ["linalg.generic"]  # no fill, no separate add or relu
    parts = match(generics[0])
    assert parts is not None and parts.init is not None and parts.epilogue is not None
    assert not parts.trans_a and not parts.trans_b


def test_transposes_are_read_in_place() -> None:
    text = linalg_text(PROGRAM.split("fn shared")[0])
    assert "linalg.transpose" not in text
    assert "affine_map<(d0, d1, d2) -> (d2, d0)>" in text and "affine_map<(d0, d1, d2) -> (d1, d2)>" in text


def test_a_product_with_two_uses_keeps_its_init_but_no_epilogue() -> None:
    text = linalg_text(PROGRAM[PROGRAM.index("fn shared") : PROGRAM.index("fn ragged")])
    assert "linalg.fill" not in text  # both the matmul's and the sum's initial values are fused
    assert text.count("arith.select") == 2  # the two initial values; no epilogue's last-step select


def test_the_gpu_target_keeps_named_matmuls() -> None:
    source = PROGRAM.split("fn at_b")[0]
    module = compile_source(source, "<m>.ch", Options(stop_after=Stage.LINALG, target="gpu"))
    assert any(op.name == "linalg.matmul" for op in module.walk())


def test_the_loops_call_sgemm_ex_with_flags() -> None:
    source = PROGRAM.split("fn shared")[0]
    text = str(compile_source(source, "<m>.ch", Options(stop_after=Stage.LOOPS)))
    calls = [line for line in text.splitlines() if "func.call @charl_rt_sgemm_ex_f32" in line]
    assert len(calls) == 4
    flags = [line for line in text.splitlines() if "arith.constant" in line and ": i64" in line]
    values = {int(line.split("arith.constant")[1].split(":")[0]) for line in flags}
    assert {4, 4 | 1, 4 | 2, 4 | 3} <= values  # zero-init, with A, B, both read transposed


@pytest.mark.parametrize(("name", "args", "expected"), EXPECTED[:4], ids=[e[0] for e in EXPECTED[:4]])
def test_loops_without_ukernels_compute_the_same(
    monkeypatch: pytest.MonkeyPatch, name: str, args: tuple[Any, ...], expected: Any
) -> None:
    """`ukernels=false`: the contraction generics lowered to loops, their selects included."""
    spec = pipeline.pass_spec

    def no_ukernels(pass_name: str, options: Options) -> str:
        return f"{pass_name}{{ukernels=false}}" if pass_name == "convert-linalg-to-loops" else spec(pass_name, options)

    monkeypatch.setattr(pipeline, "pass_spec", no_ukernels)
    source = PROGRAM[PROGRAM.index(f"fn {name}(") :].split("\nfn ")[0]
    program = load(source)
    np.testing.assert_allclose(np.asarray(program.fn(name)(*args)), expected(), rtol=2e-5, atol=2e-5)


def test_the_mlp_training_step_has_at_most_half_the_kernels() -> None:
    """Fusion at least halves the kernels of examples/mlp_synthetic.ch (issue 7's criterion)."""
    source = Source("mlp_synthetic.ch", (ROOT / "examples" / "mlp_synthetic.ch").read_text())
    fused = lower(Session(Options()), source).kernels
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "STAGE_PASSES", without_fusion())
        unfused = lower(Session(Options()), source).kernels
    assert 2 * fused <= unfused, (fused, unfused)


def test_remarks_tell_matmul_fusions() -> None:
    source = (
        "fn f(x: tensor<float32, [4, 8]>, w: tensor<float32, [3, 8]>) -> tensor<float32, [4, 3]> {\n"
        "    return tanh(x @ transpose(w))\n"
        "}\n"
    )
    text = [str(r) for r in fusion_remarks(source, matmul_epilogues=True)]
    assert "r.ch:2:21: remark: fused charl.transpose into charl.matmul (read transposed)" in text
    assert "r.ch:2:17: remark: fused charl.tanh into charl.matmul as its epilogue" in text
    assert "r.ch:2:12: remark: fused the initial value of charl.matmul into it" in text
    assert count_kernels(compile_source(source, "r.ch", Options(stop_after=Stage.LINALG))) == 1


TRAIN = """\
fn loss(w: tensor<float32, [8, 3]>, x: tensor<float32, [4, 8]>) -> float32 {
    return sum(tanh(x @ w))
}
fn train(w0: tensor<float32, [8, 3]>, x: tensor<float32, [4, 8]>) -> tensor<float32, [8, 3]> {
    let mut w = w0
    for i in 0..3 {
        w = w - grad(loss)(w, x) * 0.1
    }
    return w
}
"""


def test_an_optimizer_update_in_a_loop_accumulates_into_the_model() -> None:
    """The adjoint is inlined into the loop (`charl-autodiff{inline=true}`), where the update of the
    carried `w` by the gradient matmul becomes that matmul accumulating into `w` (the smaller operand
    scaled by -0.1): no gradient buffer, no allocation per iteration, and NumPy's result."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((8, 3)).astype(np.float32)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    w = w0.astype(np.float64)
    for _ in range(3):
        w = w - x.T @ (1 - np.tanh(x @ w) ** 2) * 0.1
    got = load(TRAIN).fn("train")(w0, x)
    np.testing.assert_allclose(np.asarray(got), w, rtol=1e-5, atol=1e-5)
    remarks = [str(r) for r in fusion_remarks(TRAIN, matmul_epilogues=True)]
    assert any("as an update of its output (accumulated in place)" in r for r in remarks), remarks
    loops = str(compile_source(TRAIN, "t.ch", Options(stop_after=Stage.LOOPS)))
    train = loops[loops.index("func.func @train") :]
    step = train[train.index("scf.for") :]
    assert "memref.alloc" not in step.split("scf.yield")[0] and step.count("@charl_rt_sgemm_ex_f32(") >= 2


def test_an_update_that_is_not_an_optimizer_step_stays_an_epilogue() -> None:
    """`w * 0.5 - g` does not match `w - g * c`: the refusal is remarked and the update is computed
    after the matmul, in place."""
    source = TRAIN.replace("w = w - grad(loss)(w, x) * 0.1", "w = w * 0.5 - grad(loss)(w, x)")
    rng = np.random.default_rng(4)
    w0 = rng.standard_normal((8, 3)).astype(np.float32)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    w = w0.astype(np.float64)
    for _ in range(3):
        w = w * 0.5 - x.T @ (1 - np.tanh(x @ w) ** 2)
    np.testing.assert_allclose(np.asarray(load(source).fn("train")(w0, x)), w, rtol=1e-5, atol=1e-5)
    remarks = [str(r) for r in fusion_remarks(source, matmul_epilogues=True)]
    assert any("updates a loop-carried tensor in place (an optimizer step)" in r for r in remarks), remarks
