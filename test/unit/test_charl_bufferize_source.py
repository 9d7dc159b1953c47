"""charl-bufferize from source: small Charl programs and two examples go through the front end and
convert-charl-to-linalg, then charl-bufferize and the CPU pipeline, with every `malloc` and `free`
of the compiled code counted (bufferize_util.py): results match NumPy and nothing leaks or is freed
twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bufferize_util import Heap, Program, counted, rand

from runtime.cpu import CpuModule


@pytest.fixture(scope="module")
def heap() -> Iterator[Heap]:
    yield Heap()


CHARL = """
fn scale(x: tensor<float32, [5]>, n: int32) -> tensor<float32, [5]> {
    let mut y = x
    for i in 0..n {
        y = y * 2.0 + x
    }
    return y
}

fn pick(x: tensor<float32, [4, 6]>, flag: bool) -> tensor<float32, [2, 6]> {
    let mut t = x[1:3, :]
    if flag {
        t = exp(t) - x[0:2, :]
    }
    t[0, 1] = 5.0
    return t
}

fn halve(x: tensor<float32, [4]>) -> tensor<float32, [4]> {
    let mut v = x
    while sum(v) > 1.0 {
        v = v / 2.0
    }
    return v
}

fn lookup(table: tensor<float32, [5, 3]>, ids: tensor<int32, [4]>) -> tensor<float32, [4, 3]> {
    let t = table * 2.0
    return take(t, ids, axis: 0) + take(table, ids, axis: 0)
}

fn dense(x: tensor<float32, [2, 3]>, w: tensor<float32, [3, 4]>, b: tensor<float32, [4]>) -> tensor<float32, [2, 4]> {
    return relu(x @ w + b)
}
"""


def test_charl_programs_end_to_end(heap: Heap) -> None:
    from charlc.api import compile_source
    from charlc.options import Options
    from charlc.pipeline import Stage

    module = compile_source(CHARL, "bufferize.ch", Options(stop_after=Stage.LINALG, bounds_checks=False))
    program = Program(str(module), heap)
    x = np.arange(5, dtype=np.float32)
    for n in (0, 1, 3):
        np.testing.assert_array_equal(program("scale", x, n), x * (2 ** (n + 1) - 1))
    x46 = rand(4, 6)
    for flag in (True, False):
        t = np.exp(x46[1:3]) - x46[0:2] if flag else x46[1:3].copy()
        t[0, 1] = 5.0
        np.testing.assert_allclose(program("pick", x46, flag), t, rtol=1e-5)
    np.testing.assert_array_equal(program("halve", np.array([1, 2, 3, 4], np.float32)), [0.0625, 0.125, 0.1875, 0.25])
    table, ids = rand(5, 3), np.array([4, 0, 2, 2], np.int32)
    np.testing.assert_allclose(program("lookup", table, ids), 3 * table[ids], rtol=1e-6)
    a, w, b = rand(2, 3), rand(3, 4, seed=1), rand(4, seed=2)
    np.testing.assert_allclose(program("dense", a, w, b), np.maximum(a @ w + b, 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["basics", "mlp_inference"])
def test_example_programs_free_every_buffer(
    heap: Heap, name: str, tmp_path: Path, capfd: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from charlc.api import Session
    from charlc.diagnostics import Source
    from charlc.options import Options
    from charlc.run import lower, runtime_library

    runtime = runtime_library()
    path = Path(__file__).parents[2] / "examples" / f"{name}.ch"
    lowered = lower(Session(Options()), Source(str(path), path.read_text()))
    module = CpuModule(counted(lowered.llvm_ir))
    before, bad, count = set(heap.live), heap.bad_frees, heap.allocations
    monkeypatch.chdir(tmp_path)  # basics.ch writes and reads back a .npy file
    try:
        module.function("main", "() -> ()")()
    finally:
        runtime.charl_rt_flush()
    assert heap.allocations > count and heap.live == before and heap.bad_frees == bad
    assert capfd.readouterr().out
