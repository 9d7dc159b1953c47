"""charl-bufferize: hand-written tensor-level programs (bufferize_programs.py) run through
charl-bufferize -> convert-linalg-to-loops -> convert-to-llvm -> `CpuModule`, compared with NumPy,
with every `malloc` and `free` of the compiled code counted (bufferize_util.py): after each call
exactly the buffers it returned are live (results are fresh allocations the caller owns, never an
argument or a global), nothing is freed twice, and nothing leaks in loops, branches, while loops or
calls. Small Charl programs and two examples run the same way from source in
test_charl_bufferize_source.py.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from bufferize_programs import (
    BRANCH,
    CALLS,
    CAPTURED,
    CARRIED,
    ELEMENTWISE,
    LOOP,
    MATMUL,
    PROGRAMS,
    RUNTIME_MEMORY,
    SHAPES,
    SLICES,
    VIEW_OUTLIVES_UPDATE,
    WHILE,
)
from bufferize_util import Heap, Program, bufferize, rand
from xdsl.dialects.builtin import TensorType
from xdsl.utils.exceptions import PassFailedException

MLIR_OPT = shutil.which("mlir-opt-19") or shutil.which("mlir-opt")


@pytest.fixture(scope="module")
def heap() -> Iterator[Heap]:
    yield Heap()


def test_elementwise_chain_reuses_dying_operands(heap: Heap) -> None:
    program = Program(ELEMENTWISE, heap)
    a, b = rand(4, 8), rand(4, 8, seed=1)
    np.testing.assert_allclose(program("chain", a, b), np.exp(a + b) * (a + b), rtol=1e-5)
    # %s is still needed when exp runs, so two buffers; the product reuses one of them.
    assert program.buffers.count("memref.alloc") == 2


def test_matmul_accumulates_into_its_init_and_never_writes_an_argument(heap: Heap) -> None:
    program = Program(MATMUL, heap)
    a, b, c = rand(4, 8), rand(8, 3, seed=1), rand(4, 3, seed=2)
    kept = c.copy()
    m, acc = program("mm", a, b, c)
    np.testing.assert_allclose(m, a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(acc, c + a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(c, kept)


@pytest.mark.parametrize("i", [0, 4])
def test_slices_are_views_and_inserts_update_in_place_or_copy(heap: Heap, i: int) -> None:
    program = Program(SLICES, heap)
    x = rand(4, 8)
    kept, copied, total, s = program("slices", x, i)
    want = x[1:3, i : i + 3]
    want_kept = np.zeros((4, 8), np.float32)
    want_kept[:2, :3] = want
    want_copied = x.copy()
    want_copied[2:4, 5:8] = want
    np.testing.assert_array_equal(kept, want_kept)
    np.testing.assert_array_equal(copied, want_copied)
    np.testing.assert_array_equal(s, want)
    assert total == pytest.approx(float(want.sum()), rel=1e-5)
    assert "memref.subview %x[1, %i] [2, 3] [1, 1]" in program.buffers


@pytest.mark.parametrize("n", [0, 1, 5])
def test_loop_carried_buffers_are_updated_in_place_and_replaced_ones_freed(heap: Heap, n: int) -> None:
    program = Program(LOOP, heap)
    x = rand(6)
    r, q = program("loop", x, n)
    np.testing.assert_allclose(r, x * (n + 1), rtol=1e-5)
    np.testing.assert_array_equal(q, x)
    np.testing.assert_allclose(program("nested", x, 2 if n else 0), x ** (2 ** (4 if n else 0)), rtol=1e-4)


@pytest.mark.parametrize("take", [True, False])
def test_both_branches_yield_owned_buffers(heap: Heap, take: bool) -> None:
    program = Program(BRANCH, heap)
    x = rand(5)
    r, s = program("branch", x, take)
    np.testing.assert_allclose(r, (2 * x) ** 2 if take else x, rtol=1e-5)
    np.testing.assert_allclose(s, 2 * x if take else x, rtol=1e-5)


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_carried_buffers_swap_and_pass_through_branches_and_calls(heap: Heap, n: int) -> None:
    program = Program(CARRIED, heap)
    p, q = np.arange(4, dtype=np.float32), -np.arange(4, dtype=np.float32)
    want = [p, q]
    for i in range(n):
        want = [want[1], want[0] * 2 if i % 2 == 0 else want[0]]
    got = program("swap_and_branch", p, q, n)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    # The branch that keeps the carried buffer yields it without a copy.
    assert "memref.copy" not in program.buffers.split("scf.for")[1]


@pytest.mark.parametrize("limit", [0.5, 1.0, 100.0])
def test_while_loop_hands_buffers_between_regions(heap: Heap, limit: float) -> None:
    program = Program(WHILE, heap)
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    steps = 0
    while x[0] * 2**steps < limit:
        steps += 1
    np.testing.assert_array_equal(program("grow", x, np.float32(limit)), x * 2**steps)


def test_calls_return_owned_buffers_and_globals_are_never_written(heap: Heap) -> None:
    # The caller comes first: calls see the callee's buffer signature before it is rewritten.
    program = Program(CALLS, heap)
    x = np.array([1.0, -2.0, 0.5], np.float32)
    for _ in range(2):
        d, c, k, k2 = program("calls", x)
        np.testing.assert_array_equal(d, 4 * x)
        np.testing.assert_array_equal(c, x)
        np.testing.assert_array_equal(k, [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(k2, [1.0, 9.0, 3.0])
    assert "memref.global" in program.buffers and "memref.get_global" in program.buffers


@pytest.mark.parametrize("n", [0, 3])
def test_views_reshapes_and_dynamic_shapes(heap: Heap, n: int) -> None:
    program = Program(SHAPES, heap)
    x = rand(4, 6)
    neg, lr, v, small, block = program("shapes", x, n)
    view = x[:, 1::2]
    np.testing.assert_array_equal(neg, -view[1 : 1 + n])
    np.testing.assert_array_equal(lr, np.concatenate([view.reshape(2, 6), x[:2]], axis=1))
    assert v == view[1, 1]
    np.testing.assert_array_equal(small, [[v, 2.0], [v, 2.0]])
    np.testing.assert_array_equal(block, x[1:3].reshape(3, 4))
    # The stride-2 view is copied before it is collapsed; the contiguous rows are reshaped in place
    # (copied only when returned).
    assert "collapse_shape %mid [[0 : i64, 1 : i64]] : memref<2x6xf32, strided<[6, 1], offset: 6>>" in program.buffers


def test_a_live_view_keeps_its_base_from_being_updated_in_place(heap: Heap) -> None:
    program = Program(VIEW_OUTLIVES_UPDATE, heap)
    x = np.arange(6, dtype=np.float32)
    s, w = program("hazard", x)
    np.testing.assert_array_equal(s, [-2.0, -3.0])
    z = -x
    z[2] = 7.0
    np.testing.assert_array_equal(w, z * z)


def test_a_tensor_read_inside_a_body_is_not_overwritten_by_it(heap: Heap) -> None:
    program = Program(CAPTURED, heap)
    x = np.arange(6, dtype=np.float32)
    np.testing.assert_array_equal(program("reverse_add", x), -x - x[::-1])
    assert "memref.load %t" in program.buffers or "memref.load %e" in program.buffers


def test_to_tensor_owns_a_function_allocation_and_to_buffer_keeps_it_alive(heap: Heap) -> None:
    # The writable to_buffer of a tensor used afterwards is a copy: @poke's store is not seen.
    program = Program(RUNTIME_MEMORY, heap)
    g, r = program("loaded", np.float32(1.5), 4)
    assert r == 1.5
    np.testing.assert_array_equal(g, [5.0, 1.5, 1.5, 1.5])
    assert "bufferization" not in program.buffers


def test_no_tensor_type_survives() -> None:
    for text in PROGRAMS:
        module = bufferize(text)
        for op in module.walk():
            types = [*op.operand_types, *op.result_types]
            assert not any(isinstance(t, TensorType) for t in types), op.name


@pytest.mark.skipif(MLIR_OPT is None, reason="mlir-opt-19 is not installed (apt-get install mlir-19-tools)")
def test_upstream_mlir_opt_accepts_the_buffers(tmp_path: Path) -> None:
    assert MLIR_OPT is not None
    for k, text in enumerate(PROGRAMS):
        source = tmp_path / f"buffers-{k}.mlir"
        source.write_text(str(bufferize(text)))
        done = subprocess.run([MLIR_OPT, str(source)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[:2000]


def test_an_op_without_a_rule_is_reported_by_name() -> None:
    text = """
    func.func @pad(%x: tensor<2xf32>) -> tensor<4xf32> {
      %z = arith.constant 0.0 : f32
      %p = tensor.pad %x low[1] high[1] {
      ^bb0(%i: index):
        tensor.yield %z : f32
      } : tensor<2xf32> to tensor<4xf32>
      func.return %p : tensor<4xf32>
    }
    """
    with pytest.raises(PassFailedException, match=r"charl-bufferize: tensor.pad: has no bufferization rule"):
        bufferize(text)
