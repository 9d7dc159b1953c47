"""charl-bufferize writes an indexed assignment inside an `if` branch in place when the updated
tensor dies at the `if` (a KV cache updated in a decoding loop: examples/gpt2.ch): the branch takes
the buffer over from the enclosing block and writes it once no later op of the branch reads the old
value (or hands it to a loop of the branch); before, every such update copied the whole tensor.
Results match NumPy, nothing leaks or is freed twice (bufferize_util's counted heap)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from bufferize_util import Heap, Program
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from charlc.api import compile_source, print_ir
from charlc.options import Options
from charlc.pipeline import Stage

CHARL = """
fn update(x: tensor<float32, [6, 8]>, n: int32) -> tensor<float32, [6, 8]> {
    let mut c = x * 1.0
    for i in 0..n {
        if i < 4 {
            c[i, :] = ones([8]) * cast(i, float32)
            c[i + 1, 0] = 7.0
        }
    }
    return c
}

fn read_after(x: tensor<float32, [6, 8]>, flag: bool) -> (tensor<float32, [6, 8]>, tensor<float32, [8]>) {
    let mut c = x * 1.0
    let mut old = zeros([8])
    if flag {
        c[0, :] = zeros([8])
        old = c[1, :] + 0.0
        c[1, :] = ones([8])
    }
    return (c, old)
}

fn read_old(x: tensor<float32, [6, 8]>, flag: bool) -> (tensor<float32, [6, 8]>, tensor<float32, [8]>) {
    let mut c = x * 1.0
    let mut old = zeros([8])
    if flag {
        let before = c
        c[0, :] = zeros([8])
        old = before[0, :] + 0.0
    }
    return (c, old)
}

fn loop_in_branch(x: tensor<float32, [6, 8]>, flag: bool) -> tensor<float32, [6, 8]> {
    let mut c = x * 1.0
    if flag {
        for i in 0..3 {
            c[i, :] = c[i + 1, :] * 2.0
        }
        c = c + 1.0
    }
    return c
}

fn keep_old(x: tensor<float32, [6, 8]>, flag: bool) -> (tensor<float32, [6, 8]>, tensor<float32, [6, 8]>) {
    let c = x * 1.0
    let mut d = c
    if flag {
        d[2, :] = ones([8])
    }
    return (c, d)
}
"""


@pytest.fixture(scope="module")
def heap() -> Iterator[Heap]:
    yield Heap()


def expected_update(x: np.ndarray, n: int) -> np.ndarray:
    c = x.copy()
    for i in range(min(n, 4)):
        c[i, :] = i
        c[i + 1, 0] = 7.0
    return c


def then_branch(module: ModuleOp, name: str) -> str:
    """The printed then-branch of the first `scf.if` of function `name`."""
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp) and op.sym_name.data == name)
    text = print_ir(fn, Options())
    return text[text.index("scf.if") : text.index("} else {")]


def test_updates_in_a_branch_are_written_in_place() -> None:
    module = compile_source(CHARL, "branch.ch", Options(stop_after=Stage.BUFFERS, bounds_checks=False))
    whole = "memref.alloc() : memref<6x8xf32>"
    assert whole not in then_branch(module, "update")
    assert whole not in then_branch(module, "read_after")
    assert whole in then_branch(module, "read_old")  # the old value is read after the update
    assert whole in then_branch(module, "keep_old")  # the old value is used after the `if`


def test_branch_updates_compute_the_same_values(heap: Heap) -> None:
    module = compile_source(CHARL, "branch.ch", Options(stop_after=Stage.LINALG, bounds_checks=False))
    program = Program(str(module), heap)
    x = np.arange(48, dtype=np.float32).reshape(6, 8)
    for n in (0, 2, 6):
        np.testing.assert_array_equal(program("update", x, n), expected_update(x, n))
    for flag in (True, False):
        c, old = program("read_after", x, flag)
        want = x.copy()
        if flag:
            want[0], want[1] = 0.0, 1.0
        np.testing.assert_array_equal(c, want)
        np.testing.assert_array_equal(old, x[1] if flag else np.zeros(8, np.float32))
        c, old = program("read_old", x, flag)
        want = x.copy()
        if flag:
            want[0] = 0.0
        np.testing.assert_array_equal(c, want)
        np.testing.assert_array_equal(old, x[0] if flag else np.zeros(8, np.float32))
        want = x.copy()
        if flag:
            for i in range(3):
                want[i] = want[i + 1] * 2.0
            want += 1.0
        np.testing.assert_array_equal(program("loop_in_branch", x, flag), want)
        c, d = program("keep_old", x, flag)
        np.testing.assert_array_equal(c, x)
        want = x.copy()
        if flag:
            want[2] = 1.0
        np.testing.assert_array_equal(d, want)
