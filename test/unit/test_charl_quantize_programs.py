"""Programs whose matmuls run on quantized weights (`charl-quantize`), on both targets.

Each program quantizes a model of `dense` layers (`quantize(m, int8|int4, group:)`, what
`--quantize` does to every model), saves the float model and the input, and prints the output.
NumPy quantizes the saved weights as the compiler does and checks the output against the
dequantize-then-float reference `x @ (q * scale) + b` (the integer kernels quantize the activations per row to int8, so
the two agree to about 1%) and, closely, against the same math as the kernels'
(`test_qgemm.reference`); the CPU (runtime/c/qgemm.c) and the GPU print the same to float rounding.
Shapes include a single row (GEMV), odd K and N, K longer than the GPU kernel's 32 slices, more
groups than one round of them (65 groups of 16), and groups of 16 and 32; the second layer reads
the first one's output through a relu.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from charl_to_linalg_extra_util import quantize_reference
from gpu_target_util import TARGETS, printed, require_adapter
from test_examples import NUMBER
from test_qgemm import reference

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
model Net {{
    layers {{
        dense({k}, {h}, activation: relu)
        dense({h}, {n})
    }}
}}
let m = Net(seed: 3)
let x = random_normal([{m}, {k}], seed: 1)
let q = quantize(m, {qtype}{group_arg})
save(m, "m.npz")
save_npy("x.npy", x)
print(q(x))
"""

CASES = [
    ("int8", 0, 1, 75, 31, 33),
    ("int8", 16, 3, 64, 48, 40),
    ("int4", 32, 1, 96, 64, 33),
    ("int4", 16, 5, 48, 32, 70),
    ("int8", 0, 2, 300, 40, 70),
    ("int4", 16, 2, 1040, 48, 9),
]


def source(qtype: str, group: int, m: int, k: int, h: int, n: int) -> str:
    group_arg = f", group: {group}" if group else ""
    return PROGRAM.format(qtype=qtype, group_arg=group_arg, m=m, k=k, h=h, n=n)


def expected(directory: Path, qtype: str, group: int) -> tuple[np.ndarray, np.ndarray]:
    """The float reference of the saved model (quantized like the compiler does) and input, and
    the kernels' math on them."""
    npz = np.load(directory / "m.npz")
    x = np.load(directory / "x.npy")
    float_out, kernel_out = x.astype(np.float64), x
    for layer in (0, 1):
        q, s = quantize_reference(npz[f"layers.{layer}.weight"], qtype, 1, group)
        q, b = q.astype(np.int64), npz[f"layers.{layer}.bias"]
        g = group or q.shape[0]
        w = q * (np.repeat(s, g, axis=0) if s.ndim == 2 else s[None, :])
        float_out = float_out @ w + b
        kernel_out = (reference(kernel_out.astype(np.float32), q, s, g) + b).astype(np.float32)
        if layer == 0:
            float_out, kernel_out = np.maximum(float_out, 0), np.maximum(kernel_out, 0)
    return float_out, kernel_out


@pytest.mark.parametrize(("qtype", "group", "m", "k", "h", "n"), CASES)
def test_quantized_models_match_the_dequantized_reference(
    qtype: str,
    group: int,
    m: int,
    k: int,
    h: int,
    n: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    require_adapter()
    text = source(qtype, group, m, k, h, n)
    got: dict[str, np.ndarray] = {}
    for target in TARGETS:
        (tmp_path / target).mkdir()
        monkeypatch.chdir(tmp_path / target)
        numbers = np.array([float(t) for t in NUMBER.findall(printed(text, "q.ch", target, capfd))])
        got[target] = numbers.reshape(m, n)
        float_out, kernel_out = expected(tmp_path / target, qtype, group)
        error = np.linalg.norm(got[target] - float_out) / np.linalg.norm(float_out)
        assert error < 0.03, (target, error)
        np.testing.assert_allclose(got[target], kernel_out, rtol=1e-4, atol=1e-5, err_msg=target)
    np.testing.assert_allclose(got["gpu"], got["cpu"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("qtype", "group"), [("int8", 0), ("int4", 32)])
def test_the_cpu_calls_the_integer_kernels(qtype: str, group: int, tmp_path: Path) -> None:
    """Each quantized matmul of a rank-2 input becomes a call of the runtime's integer kernel."""
    path = tmp_path / "q.ch"
    path.write_text(source(qtype, group, 1, 64, 32, 8))
    command = [sys.executable, "-m", "charlc", str(path), "--emit=mlir", "--stop-after=loops"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.count(f"func.call @charl_rt_qgemm_i{qtype[3:]}(") == 2, done.stdout


@pytest.mark.parametrize(("qtype", "group"), [("int8", 0), ("int4", 32)])
def test_the_gpu_prints_the_qgemm_template(qtype: str, group: int, tmp_path: Path) -> None:
    """Each quantized matmul is a qgemm kernel reading the packed weights from u32 words (a byte or
    a nibble at a time) and summing each group in integers."""
    path = tmp_path / "q.ch"
    path.write_text(source(qtype, group, 1, 64, 32, 8))
    command = [sys.executable, "-m", "charlc", str(path), "--target=gpu", "--emit=wgsl"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.count(f"(qgemm template, {qtype}, 32 columns a workgroup)") == 2, done.stdout
    assert f"& {'7u) * 4u' if qtype == 'int4' else '3u) * 8u'}" in done.stdout
    assert "var isum0 = 0i;" in done.stdout
    # per channel: one i32 sum per column, added over the 32 slices in a tree; groups: in rounds
    assert ("var<workgroup> red_f" if group else "var<workgroup> red_i") in done.stdout


SLICED = """
let w = random_normal([3 * {k}, {n}], seed: 4)
let x = random_normal([{m}, {k}], seed: 5)
let (q, s) = quantize_tensor(w, {qtype}, axis: 1, group: {group})
let (l, per) = (1, {k} / {group})
let a = l * {k}
let g = a / {group}
print(qmatmul(x, q[a:a + {k}], s[g:g + per], group: {group}))
print(x @ dequantize(q[a:a + {k}], s[g:g + per], group: {group}))
"""


@pytest.mark.parametrize(("qtype", "group", "m", "k", "n"), [("int4", 32, 1, 96, 40), ("int8", 16, 3, 64, 33)])
def test_slices_of_stacked_scales_on_both_targets(
    qtype: str, group: int, m: int, k: int, n: int, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A layer's rows of stacked weights and scales (as examples/gpt2.ch takes them): the scales'
    row count is known only at run time, and the GPU kernel divides K by it there."""
    text = SLICED.format(qtype=qtype, group=group, m=m, k=k, n=n)
    path = tmp_path / "sliced.ch"
    path.write_text(text)
    command = [sys.executable, "-m", "charlc", str(path), "--target=gpu", "--emit=wgsl"]
    wgsl = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert f"(qgemm template, {qtype}, 32 columns a workgroup)" in wgsl and "let per = max(1i, k / max(1i," in wgsl
    require_adapter()
    got = {}
    for target in TARGETS:
        numbers = np.array([float(t) for t in NUMBER.findall(printed(text, "sliced.ch", target, capfd))])
        got[target] = numbers.reshape(2, m, n)
    np.testing.assert_allclose(got["gpu"], got["cpu"], rtol=1e-4, atol=1e-5)
    error = np.linalg.norm(got["cpu"][0] - got["cpu"][1]) / np.linalg.norm(got["cpu"][1])
    assert error < 0.03, error
