"""convert-charl-to-linalg, I/O: `charl.print` (format segments, run-time calls per element type,
output as NumPy prints it), `.npy`/`.npz` files written and read back, and out-of-range indices
stopping a program at their location.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from charl_to_linalg_extra_util import Jit, callees, lower, ops_of, quantize_reference, rng
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import MemRefType, TensorType, UnrankedMemRefType, f32, f64, i1, i32, i64

from passes._charl_to_linalg_core import LoweringError
from passes._charl_to_linalg_io import segments
from passes._charl_to_linalg_runtime import i4, show
from runtime.native import NativeRuntime


@pytest.fixture(scope="module")
def runtime_library() -> Path:
    """The C runtime, built and loaded for the JIT (run-time checks and I/O call it)."""
    return NativeRuntime().load().shared


def test_print_format_segments() -> None:
    assert segments("step {} loss {}") == ["step ", None, " loss ", None]
    assert segments("{}") == [None]
    assert segments("{{{}}} {{}}") == ["{", None, "} {}"]
    assert segments("") == []


def test_types_as_the_user_writes_them() -> None:
    assert show(TensorType(f32, [-(2**63), 64])) == "tensor<float32, [?, 64]>"
    assert show(TensorType(i4, [3])) == "tensor<int4, [3]>"
    assert show(f64) == "float64" and show(i1) == "bool"


IO = """
func.func @io(%x: tensor<2x3xi64>, %v: f32, %b: i1) -> f64 {
  charl.print "x = {} v = {} b = {}", %x, %v, %b : tensor<2x3xi64>, f32, i1 loc("t.ch":1:1)
  charl.print "x again {}", %x : tensor<2x3xi64> loc("t.ch":2:1)
  %t = charl.clock loc("t.ch":3:1)
  func.return %t : f64
}
"""


def test_print_calls_in_order_and_declarations_per_element_type() -> None:
    module = lower(IO)
    assert callees(module) == [
        "charl_rt_print_str",
        "charl_rt_print_tensor_i64",
        "charl_rt_print_str",
        "charl_rt_print_f32",
        "charl_rt_print_str",
        "charl_rt_print_i1",
        "charl_rt_print_newline",
        "charl_rt_print_str",
        "charl_rt_print_tensor_i64",
        "charl_rt_print_newline",
        "charl_rt_clock",
    ]
    declared = sorted(f.sym_name.data for f in ops_of(module, func.FuncOp) if not f.body.blocks)  # type: ignore[attr-defined]
    assert len(declared) == len(set(declared)) == 6


def test_tensors_reach_the_runtime_as_unranked_memrefs_of_their_element_type() -> None:
    module = lower(IO)
    name = "charl_rt_print_tensor_i64"
    calls = [op for op in ops_of(module, func.CallOp) if op.callee.root_reference.data == name]  # type: ignore[attr-defined]
    assert len(calls) == 2
    for c in calls:
        buf, code = c.operands
        assert buf.type == UnrankedMemRefType.from_type(i64) and code.type == i32
        cast = buf.owner
        assert isinstance(cast, memref.CastOp) and cast.source.type == MemRefType(i64, [2, 3])
        assert isinstance(code.owner, arith.ConstantOp) and code.owner.value.value.data == 3  # type: ignore[attr-defined]


def test_load_npz_of_a_dynamic_shape_is_a_located_error() -> None:
    text = """
    func.func @f() -> tensor<?xf32> {
      %a = charl.load_npz "m.npz" ["a"] : tensor<?xf32> loc("m.ch":4:9)
      func.return %a : tensor<?xf32>
    }
    """
    with pytest.raises(
        LoweringError, match=r"m\.ch:4:9: charl\.load_npz: array 'a' of type tensor<\?xf32> has a dynamic"
    ):
        lower(text)


def test_npy_and_npz_round_trip(tmp_path: Path, runtime_library: Path) -> None:
    d = tmp_path
    jit = Jit(f"""
    func.func @files(%x: tensor<3x4xf32>, %k: tensor<5xi64>)
        -> (tensor<?x4xf32>, tensor<3x4xi32>, tensor<3x4xf32>, tensor<5xi64>) {{
      charl.save_npy "{d}/x.npy", %x : tensor<3x4xf32>
      %y = charl.load_npy "{d}/x.npy" : tensor<?x4xf32>
      %q, %s = charl.quantize int4 %x {{axis = 0 : i64}} : tensor<3x4xf32> -> tensor<3x4xi4>, tensor<3xf32>
      charl.save_npy "{d}/q.npy", %q : tensor<3x4xi4>
      %q2 = charl.load_npy "{d}/q.npy" : tensor<3x4xi4>
      %c = charl.cast %q2 : tensor<3x4xi4> to tensor<3x4xi32>
      charl.save_npz "{d}/m.npz" ["w", "k"], %x, %k : tensor<3x4xf32>, tensor<5xi64>
      %w, %k2 = charl.load_npz "{d}/m.npz" ["w", "k"] : tensor<3x4xf32>, tensor<5xi64>
      func.return %y, %c, %w, %k2 : tensor<?x4xf32>, tensor<3x4xi32>, tensor<3x4xf32>, tensor<5xi64>
    }}""")
    x, k = rng(30).standard_normal((3, 4)).astype(np.float32), np.arange(5, dtype=np.int64) * 7
    y, c, w, k2 = jit.files(x, k)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(np.load(d / "x.npy"), x)
    expected_q, _ = quantize_reference(x, "int4", 0, 0)
    stored = np.load(d / "q.npy")
    assert stored.dtype == np.int8
    np.testing.assert_array_equal(stored, expected_q)
    np.testing.assert_array_equal(c, expected_q)
    np.testing.assert_array_equal(w, x)
    np.testing.assert_array_equal(k2, k)
    with np.load(d / "m.npz") as archive:
        assert sorted(archive.files) == ["k", "w"]


def test_print_writes_what_numpy_prints(capfd: pytest.CaptureFixture[str], runtime_library: Path) -> None:
    jit = Jit("""
    func.func @show(%x: tensor<2x2xf32>, %n: i8, %b: i1) {
      charl.print "x = {} n = {} b = {} {{}}", %x, %n, %b : tensor<2x2xf32>, i8, i1
      func.return
    }""")
    x = np.array([[1.0, 2.5], [-3.0, 0.125]], np.float32)
    jit.show(x, np.int8(-5), True)
    ctypes.CDLL(str(runtime_library)).charl_rt_flush()
    assert capfd.readouterr().out == f"x = {x} n = -5 b = true {{}}\n"


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (
            "let x = [1.0, 2.0, 3.0]\nfor i in 0..5 {\n    print(x[i])\n}\n",
            "3:11: runtime error: index 3 is out of range",
        ),
        (
            "let x = [1.0, 2.0, 3.0]\nfor i in 0..3 {\n    print(x[i:i + 2])\n}\n",
            "3:11: runtime error: slice stop 4 is out of range for axis 0 of size 3",
        ),
    ],
)
def test_out_of_range_indices_stop_the_program_at_their_location(tmp_path: Path, program: str, message: str) -> None:
    source = tmp_path / "oob.ch"
    source.write_text(program)
    done = subprocess.run(
        [sys.executable, "-m", "charlc", "run", str(source)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 1, done.stderr
    assert f"{source}:{message}" in done.stderr
