"""convert-charl-to-linalg: structure, errors, and numerics against NumPy.

Structure tests lower small charl functions and check that no charl op remains, that the result
verifies and which ops appear. Error tests check the located messages (`grad` from Charl source
at its line and column; a charl op left without a lowering). Numeric tests compile each op family
through charl-bufferize, convert-linalg-to-loops and convert-to-llvm, run it with
`runtime.cpu.CpuModule` on small float32/int32 inputs (broadcasting and `?` dims included) and
compare with NumPy.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp
from xdsl.utils.exceptions import PassFailedException

from charlc.api import compile_source, load, make_context, parse_ir, print_ir
from charlc.diagnostics import Source
from charlc.options import Options
from charlc.pipeline import Stage
from passes.convert_charl_to_linalg import ConvertCharlToLinalgPass, check_lowered

UPSTREAM = ("builtin.", "func.", "scf.", "arith.", "math.", "tensor.", "linalg.", "memref.")  # memref: run-time checks


def lower(text: str, ctx: Context | None = None) -> ModuleOp:
    """Parse `text`, run the pass, verify; the module must hold only upstream ops."""
    ctx = ctx or make_context()
    module = parse_ir(ctx, Source("test.mlir", text))
    ConvertCharlToLinalgPass().apply(ctx, module)
    module.verify()
    left = sorted({op.name for op in module.walk() if not op.name.startswith(UPSTREAM)})
    assert not left, f"ops left after lowering: {left}"
    return module


def names(module: ModuleOp) -> list[str]:
    return [op.name for op in module.walk()]


FAMILIES = {
    "elementwise": """
      func.func @f(%x: tensor<2x?xf32>, %y: tensor<2x?xf32>, %i: tensor<3xi32>, %s: f64)
          -> (tensor<2x?xf32>, tensor<3xi32>, f64) {
        %a = charl.add %x, %y : tensor<2x?xf32>
        %b = charl.gelu %a : tensor<2x?xf32>
        %c = charl.pow %i, %i : tensor<3xi32>
        %d = charl.tanh %s : f64
        func.return %b, %c, %d : tensor<2x?xf32>, tensor<3xi32>, f64
      }""",
    "shape": """
      func.func @f(%x: tensor<2x3xf32>, %n: index)
          -> (tensor<?x2x3xf32>, tensor<3x2xf32>, tensor<6xf32>, tensor<4x3xf32>) {
        %b = charl.broadcast_to %x dims(%n) : tensor<2x3xf32> -> tensor<?x2x3xf32>
        %t = charl.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
        %r = charl.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
        %c = charl.concat %x, %x {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
        func.return %b, %t, %r, %c : tensor<?x2x3xf32>, tensor<3x2xf32>, tensor<6xf32>, tensor<4x3xf32>
      }""",
    "reduce": """
      func.func @f(%x: tensor<4x?xf32>, %w: tensor<?x5xf32>, %f: tensor<?xf32>)
          -> (tensor<4x1xf32>, i32, tensor<4x5xf32>) {
        %m = charl.reduce mean %x {axes = array<i64: 1>, keepdims} : tensor<4x?xf32> -> tensor<4x1xf32>
        %v = charl.reduce sum %x {axes = array<i64: 0, 1>} : tensor<4x?xf32> -> f32
        %a = charl.argmax %f {axis = 0 : i64} : tensor<?xf32> -> i32
        %p = charl.matmul %x, %w : tensor<4x?xf32>, tensor<?x5xf32> -> tensor<4x5xf32>
        func.return %m, %a, %p : tensor<4x1xf32>, i32, tensor<4x5xf32>
      }""",
    "nn": """
      func.func @f(%x: tensor<3x4xf32>, %g: tensor<4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
        %s = charl.softmax %x {axis = 1 : i64, log} : tensor<3x4xf32>
        %l = charl.layer_norm %x, %g, %g {eps = 1.0e-05 : f64} : tensor<3x4xf32>, tensor<4xf32>
        func.return %s, %l : tensor<3x4xf32>, tensor<3x4xf32>
      }""",
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_lowers_to_upstream_ops_that_verify(family: str) -> None:
    lowered = names(lower(FAMILIES[family]))
    assert "linalg.generic" in lowered or "linalg.matmul" in lowered


MLIR_OPT = shutil.which("mlir-opt-19") or shutil.which("mlir-opt")


@pytest.mark.skipif(MLIR_OPT is None, reason="mlir-opt-19 is not installed (Debian package mlir-19-tools)")
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_upstream_mlir_opt_accepts_the_lowered_module(family: str, tmp_path: Path) -> None:
    path = tmp_path / f"{family}.mlir"
    path.write_text(print_ir(lower(FAMILIES[family]), Options(print_op_generic=True)))
    assert MLIR_OPT is not None
    done = subprocess.run([MLIR_OPT, str(path), "-o", "/dev/null"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_elementwise_tensor_ops_are_one_generic_each_and_scalars_no_generic() -> None:
    lowered = names(lower(FAMILIES["elementwise"]))
    assert lowered.count("linalg.generic") == 3
    assert "math.tanh" in lowered and "scf.while" in lowered


def test_rank_two_matmul_is_a_named_matmul_on_a_zero_fill() -> None:
    module = lower(FAMILIES["reduce"])
    matmul = next(op for op in module.walk() if op.name == "linalg.matmul")
    init = matmul.operands[2].owner
    assert getattr(init, "name", None) == "linalg.fill"


def test_lowered_ops_keep_the_charl_op_location_and_result_name() -> None:
    text = """
      func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
        %soft = charl.softmax %x {axis = 0 : i64} : tensor<4xf32> loc("m.ch":3:7)
        func.return %soft : tensor<4xf32>
      }"""
    module = lower(text)
    generics = [op for op in module.walk() if op.name == "linalg.generic"]
    assert len(generics) == 3
    for op in generics:
        assert isinstance(op.location, FileLineColLoc) and op.location.line == IntAttr(3)
    assert generics[-1].results[0].name_hint == "soft"


MLP = """
fn forward(x: tensor<float32, [4, 3]>, w: tensor<float32, [3, 5]>, b: tensor<float32, [5]>) -> tensor<float32, [4, 5]> {
    let h = relu(x @ w + b)
    return softmax(h - mean(h, axis: 1, keepdims: true), axis: 1)
}

fn winners(x: tensor<float32, [4, 3]>) -> tensor<int32, [4]> {
    return argmax(layer_norm(x, ones([3]), zeros([3])) * 2.0 + 1.0, axis: 1)
}
"""


def test_a_charl_program_runs_on_the_cpu_and_matches_numpy() -> None:
    program = load(MLP, path="mlp.ch")
    rng = np.random.default_rng(3)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (3, 5), (5,)))
    h = np.maximum(x @ w + b, 0)
    h = h - h.mean(axis=1, keepdims=True)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    np.testing.assert_allclose(program.fn("forward")(x, w, b), e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(program.fn("winners")(x), np.argmax(x, axis=1))


def test_grad_in_a_charl_program_is_replaced_before_linalg() -> None:
    """The cpu stage table runs charl-autodiff first, so no charl.grad reaches this pass; the adjoint
    is inlined where the grad was (no `@loss_grad_0` function, no call)."""
    source = (
        "fn loss(w: tensor<float32, [3]>) -> float32 {\n    return sum(w * w)\n}\n\n"
        "let w = [1.0, 2.0, 3.0]\nlet g = grad(loss)(w)\nprint(g)\n"
    )
    module = compile_source(source, "g.ch", Options(stop_after=Stage.LINALG))
    assert not [op for op in module.walk() if op.name.startswith("charl.")]
    assert not any(op.name == "func.func" and op.sym_name.data.startswith("loss_grad") for op in module.walk())  # type: ignore[attr-defined]
    assert not any(op.name == "func.call" and "loss_grad" in str(op) for op in module.walk())


def test_grad_in_mlir_names_the_pass_position_and_op() -> None:
    text = """
      func.func @loss(%w: f32) -> f32 {
        func.return %w : f32
      }
      func.func @main(%w: f32) -> f32 {
        %g = charl.grad @loss(%w) {wrt = array<i64: 0>} : (f32) -> f32 loc("t.ch":4:2)
        func.return %g : f32
      }"""
    with pytest.raises(
        PassFailedException, match=r"^convert-charl-to-linalg: t\.ch:4:2: charl\.grad: cannot differentiate @loss"
    ):
        lower(text)


def test_a_charl_op_left_unlowered_is_a_located_error_naming_it() -> None:
    ctx = make_context()
    text = """
      func.func @main(%x: f32) {
        "charl.print"(%x) <{format = "{}"}> : (f32) -> () loc("p.ch":2:5)
        func.return
      }"""
    module = parse_ir(ctx, Source("t.mlir", text))
    with pytest.raises(PassFailedException) as info:
        check_lowered(module)
    assert str(info.value) == (
        "convert-charl-to-linalg: p.ch:2:5: charl.print: this op has no lowering to linalg in this version of charlc"
    )
    assert info.value.op.name == "charl.print"


def test_a_reduction_of_i1_elements_is_refused_with_the_fix() -> None:
    text = """
      func.func @f(%m: tensor<3xi1>) -> i1 {
        %s = charl.reduce max %m {axes = array<i64: 0>} : tensor<3xi1> -> i1 loc("b.ch":1:9)
        func.return %s : i1
      }"""
    with pytest.raises(PassFailedException) as info:
        lower(text)
    assert str(info.value) == (
        "convert-charl-to-linalg: b.ch:1:9: charl.reduce: cannot reduce tensor<3xi1>: "
        "cast the i1 elements to an integer type first"
    )
