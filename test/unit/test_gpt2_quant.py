"""examples/gpt2.ch with quantized matmul weights (QUANT = 8 or 4), in test_gpt2.py's tiny
configuration: the products run on the integer kernels (`charl_rt_qgemm_i8` / `_i4` on the cpu),
int8 logits stay close to float32 over teacher-forced positions, and the gpu target computes the
cpu's int8 logits.

`api_int8` (appended to the program like test_gpt2's `api_step`) quantizes the float32 weights as
the program's QUANT = 8 branch does and runs `step_int8` for one position.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gpu_target_util import require_adapter
from test_gpt2 import PROMPT, TINY, api_step, step_arguments, substitute, tiny_source, weights  # noqa: F401

from charlc.api import load
from charlc.cache import Cache
from charlc.options import Options
from charlc.run import Program

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from gpt2_reference import GPT2  # noqa: E402

N_POSITIONS = 12

API_INT8 = """
    let (attn_q, attn_s) = quantize_tensor(reshape(attn_w, [{L} * {D}, {QKV}]), int8, axis: 1, group: {D})
    let (attn_proj_q, attn_proj_s) = quantize_tensor(reshape(attn_proj_w, [{L} * {D}, {D}]), int8, axis: 1, group: {D})
    let (fc_q, fc_s) = quantize_tensor(reshape(fc_w, [{L} * {D}, {MLP}]), int8, axis: 1, group: {D})
    let (mlp_proj_q, mlp_proj_s) = quantize_tensor(reshape(mlp_proj_w, [{L} * {MLP}, {D}]), int8, axis: 1, group: {MLP})
    let (head_q, head_s) = quantize_tensor(transpose(wte), int8, axis: 1)
    return step_int8(wte, wpe, ln_1_w, ln_1_b, attn_q, attn_s, attn_b, attn_proj_q, attn_proj_s, attn_proj_b,
        ln_2_w, ln_2_b, fc_q, fc_s, fc_b, mlp_proj_q, mlp_proj_s, mlp_proj_b, ln_f_w, ln_f_b, head_q, head_s,
        k_cache, v_cache, token, t)
}}
"""


def quant_source(weights: tuple[Path, str], quant: int) -> str:  # noqa: F811
    """The tiny program with `QUANT = quant` and `api_int8` (`api_step`'s parameters)."""
    text = substitute(tiny_source(weights), {"QUANT": str(quant)})
    sizes = dict(re.findall(r"(?m)^let (\w+) = (\d+)$", weights[1]))
    header = api_step(text, sizes).split("{\n")[0].replace("fn api_step(", "fn api_int8(")
    body = API_INT8.format(L=sizes["N_LAYER"], D=sizes["D_MODEL"], QKV=sizes["D_QKV"], MLP=sizes["D_MLP"])
    return text + header + "{" + body


def logits(program: Program, fn: str, arrays: dict[str, np.ndarray], tokens: list[int]) -> np.ndarray:
    """`fn`'s logits at every position of `tokens` (teacher-forced), the caches kept here."""
    step, args = program.fn(fn), step_arguments(arrays)
    shape = (TINY.n_layer, TINY.n_head, TINY.ctx, TINY.d_model // TINY.n_head)
    k_cache, v_cache = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    out = []
    for t, token in enumerate(tokens):
        got, k, v = step(*args, k_cache, v_cache, np.int32(token), np.int32(t))
        k_cache[:, :, t, :], v_cache[:, :, t, :] = k, v
        out.append(np.asarray(got))
    return np.stack(out)


def relative_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def arrays(weights: tuple[Path, str]) -> dict[str, np.ndarray]:  # noqa: F811
    return dict(np.load(weights[0]))


@pytest.fixture(scope="module")
def tokens(arrays: dict[str, np.ndarray]) -> list[int]:
    generated, _ = GPT2(arrays, TINY.n_head).generate(PROMPT, N_POSITIONS - len(PROMPT) + 1)
    return [*PROMPT, *generated][:N_POSITIONS]


@pytest.fixture(scope="module")
def cpu_int8(weights: tuple[Path, str], arrays: dict[str, np.ndarray], tokens: list[int]) -> np.ndarray:  # noqa: F811
    program = load(quant_source(weights, 8), Options(), path="gpt2-int8.ch", cache=Cache.from_environment())
    return logits(program, "api_int8", arrays, tokens)


@pytest.mark.parametrize("quant, kernel", [(8, "charl_rt_qgemm_i8"), (4, "charl_rt_qgemm_i4")])
def test_quantized_products_call_the_integer_kernels(weights: tuple[Path, str], quant: int, kernel: str) -> None:  # noqa: F811
    path = Path(weights[0]).parent / f"gpt2-q{quant}.ch"
    path.write_text(substitute(tiny_source(weights), {"QUANT": str(quant)}))
    cmd = [sys.executable, "-m", "charlc", "compile", str(path), "--emit=mlir", "--stop-after=loops"]
    ir = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    # five products per step (c_attn, attn c_proj, c_fc, mlp c_proj, the LM head), one call each
    assert len(re.findall(rf"func.call @{kernel}\b", ir)) == 5, ir.count(kernel)


def test_int8_logits_are_close_to_float32(
    weights: tuple[Path, str],  # noqa: F811
    arrays: dict[str, np.ndarray],
    tokens: list[int],
    cpu_int8: np.ndarray,
) -> None:
    program = load(tiny_source(weights), Options(), path="gpt2-tiny.ch", cache=Cache.from_environment())
    float32 = logits(program, "api_step", arrays, tokens)
    error = relative_l2(cpu_int8, float32)
    print(f"int8 logits: relative L2 error {error:.4g} over {len(tokens)} positions")
    assert error < 0.03
    agree = np.mean(cpu_int8.argmax(axis=1) == float32.argmax(axis=1))
    assert agree >= 0.75, agree


def test_gpu_int8_logits_equal_the_cpu(
    weights: tuple[Path, str],  # noqa: F811
    arrays: dict[str, np.ndarray],
    tokens: list[int],
    cpu_int8: np.ndarray,
) -> None:
    require_adapter()
    program = load(quant_source(weights, 8), Options(target="gpu"), path="gpt2-int8.ch", cache=Cache.from_environment())
    gpu = logits(program, "api_int8", arrays, tokens)
    assert relative_l2(gpu, cpu_int8) < 1e-3
