"""examples/gpt2.ch against PyTorch (examples/gpt2_reference.py) on the same weights, in a tiny
configuration (2 layers, width 64, 4 heads, vocabulary 512, context 64) written over the constants
at the top of the example: the logits of every prompt position and of several decoded steps agree
to rtol 1e-3 (float32), and the program's greedy tokens are PyTorch's, on the cpu and gpu targets.

The weights are a HuggingFace-style state_dict built here (`GPT2LMHeadModel` names with their
`transformer.` prefix, the tied `lm_head.weight` and the attention-mask buffers; every array random,
biases and layer-norm parameters included), `torch.save`d and converted by
`examples/make_gpt2_weights.py --from-hf` (with `--n-head`, which the arrays do not show), which
also prints the configuration lines substituted into the program.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from gpu_target_util import require_adapter

from charlc.api import load
from charlc.cache import Cache
from charlc.options import Options
from charlc.run import Program

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "gpt2.ch"
sys.path.insert(0, str(ROOT / "examples"))
from gpt2_reference import GPT2  # noqa: E402
from make_gpt2_weights import Config  # noqa: E402

TINY = Config(n_layer=2, n_head=4, d_model=64, vocab=512, ctx=64)
PROMPT = [17, 300, 5, 42, 511, 0, 256]
N_NEW = 10
STACKED = (
    "ln_1.weight",
    "ln_1.bias",
    "attn.c_attn.weight",
    "attn.c_attn.bias",
    "attn.c_proj.weight",
    "attn.c_proj.bias",
    "ln_2.weight",
    "ln_2.bias",
    "mlp.c_fc.weight",
    "mlp.c_fc.bias",
    "mlp.c_proj.weight",
    "mlp.c_proj.bias",
)
"""The per-layer arrays in the order of `step`'s parameters (after wte and wpe)."""


def hf_state_dict(config: Config, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random GPT2LMHeadModel state_dict of `config`: weights normal(0, 0.1), biases normal(0,
    0.1), layer-norm weights around 1."""
    g = torch.Generator().manual_seed(seed)
    state: dict[str, torch.Tensor] = {}
    for name, shape in config.shapes().items():
        values = torch.randn(shape, generator=g) * 0.1
        state[f"transformer.{name}"] = values + 1.0 if re.search(r"ln_.\.weight$", name) else values
    for i in range(config.n_layer):
        state[f"transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(config.ctx, config.ctx)).view(
            1, 1, config.ctx, config.ctx
        )
        state[f"transformer.h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    state["lm_head.weight"] = state["transformer.wte.weight"]
    return state


def substitute(text: str, values: dict[str, str]) -> str:
    """`text` with each `let NAME = ...` line at the top replaced by `let NAME = values[NAME]`."""
    for name, value in values.items():
        line = f"let {name} = {value}"
        text, count = re.subn(rf"(?m)^let {name} = .*$", lambda _, line=line: line, text, count=1)
        assert count == 1, f"examples/gpt2.ch has no line `let {name} = ...`"
    return text


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The converted .npz and the configuration lines the converter printed."""
    directory = tmp_path_factory.mktemp("gpt2")
    checkpoint, npz = directory / "pytorch_model.bin", directory / "gpt2.npz"
    torch.save(hf_state_dict(TINY), checkpoint)
    r = subprocess.run(
        [
            sys.executable,
            "examples/make_gpt2_weights.py",
            "--from-hf",
            str(checkpoint),
            "--n-head",
            "4",
            "-o",
            str(npz),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return npz, r.stdout


def api_step(text: str, sizes: dict[str, str]) -> str:
    """`fn api_step` with `step`'s parameters, sizes written as numbers: a non-generic function the
    Python API can call (`step`'s dimensions name the constants, so it is generic: its size
    variables are bound by the call)."""
    start = text.index("fn step(") + len("fn step(")
    header = text[start : text.index("{", start)]
    for name, value in sizes.items():
        header = re.sub(rf"\b{name}\b", value, header)
    params = re.findall(r"(\w+): (?:tensor<|int32)", header)
    return f"fn api_step({header}{{\n    return step({', '.join(params)})\n}}\n"


def tiny_source(weights: tuple[Path, str]) -> str:
    """examples/gpt2.ch in the tiny configuration, reading `weights`, with `api_step`."""
    npz, printed = weights
    sizes = dict(re.findall(r"(?m)^let (\w+) = (\d+)$", printed))
    values = {**sizes, "WEIGHTS": f'"{npz}"', "N_NEW": str(N_NEW), "PROMPT": str(PROMPT)}
    text = substitute(EXAMPLE.read_text(), values)
    return text + api_step(text, sizes)


def test_the_converter_keeps_the_parameters_and_prints_the_configuration(weights: tuple[Path, str]) -> None:
    npz, printed = weights
    arrays = dict(np.load(npz))
    state = hf_state_dict(TINY)
    assert set(arrays) == set(TINY.shapes())
    for name, array in arrays.items():
        assert array.dtype == np.float32
        np.testing.assert_array_equal(array, state[f"transformer.{name}"].numpy())
    assert "let N_LAYER = 2\nlet N_HEAD = 4\nlet D_MODEL = 64\nlet D_HEAD = 16\n" in printed
    assert "let D_MLP = 256\nlet D_QKV = 192\nlet VOCAB = 512\nlet CTX = 64" in printed


def test_random_weights_follow_gpt2_initialization() -> None:
    from make_gpt2_weights import random_weights

    arrays = random_weights(Config(n_layer=8, n_head=4, d_model=128, vocab=1000, ctx=256), seed=1)
    assert abs(float(arrays["wte.weight"].std()) - 0.02) < 1e-3
    assert abs(float(arrays["h.3.mlp.c_proj.weight"].std()) - 0.02 / 4) < 1e-3
    assert abs(float(arrays["h.0.attn.c_proj.weight"].std()) - 0.02 / 4) < 1e-3
    assert not arrays["h.7.mlp.c_fc.bias"].any() and (arrays["ln_f.weight"] == 1).all()
    np.testing.assert_array_equal(arrays["wpe.weight"], random_weights(Config(8, 4, 128, 1000, 256), 1)["wpe.weight"])


def step_arguments(arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    """`step`'s weight arguments: the embeddings, each per-layer array stacked over layers, ln_f."""
    n_layer = len({k.split(".")[1] for k in arrays if k.startswith("h.")})
    stacked = [np.stack([arrays[f"h.{i}.{name}"] for i in range(n_layer)]) for name in STACKED]
    return [arrays["wte.weight"], arrays["wpe.weight"], *stacked, arrays["ln_f.weight"], arrays["ln_f.bias"]]


def compare(program: Program, arrays: dict[str, np.ndarray], n_decoded: int) -> None:
    """Calls the compiled `step` (through `api_step`) position by position (the caches kept here, updated as the program
    does) on the prompt and `n_decoded` greedy tokens: its logits are PyTorch's."""
    reference = GPT2(arrays, TINY.n_head)
    tokens, logits = reference.generate(PROMPT, n_decoded + 1)
    step, weights = program.fn("api_step"), step_arguments(arrays)
    shape = (TINY.n_layer, TINY.n_head, TINY.ctx, TINY.d_model // TINY.n_head)
    k_cache, v_cache = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    inputs = [*PROMPT, *tokens[:n_decoded]]
    for t, (token, want) in enumerate(zip(inputs, logits, strict=True)):
        got, k, v = step(*weights, k_cache, v_cache, np.int32(token), np.int32(t))
        k_cache[:, :, t, :], v_cache[:, :, t, :] = k, v
        scale = float(np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5 * scale, err_msg=f"position {t}")
        assert int(np.argmax(got)) == int(np.argmax(want))


def generated(program: Program, capfd: pytest.CaptureFixture[str]) -> list[int]:
    """The token ids the program prints on its `generated` line."""
    capfd.readouterr()
    program.run()
    out = capfd.readouterr().out
    match = re.search(r"^generated \[([^\]]*)\]", out, re.MULTILINE)
    assert match is not None, out
    assert re.search(r"^decode: \d+ steps in \S+ s, \S+ tokens/s$", out, re.MULTILINE), out
    return [int(t) for t in match.group(1).split()]


@pytest.fixture(scope="module")
def arrays(weights: tuple[Path, str]) -> dict[str, np.ndarray]:
    return dict(np.load(weights[0]))


@pytest.fixture(scope="module")
def cpu_program(weights: tuple[Path, str]) -> Iterator[Program]:
    yield load(tiny_source(weights), Options(), path="gpt2-tiny.ch", cache=Cache.from_environment())


def test_cpu_logits_match_pytorch(cpu_program: Program, arrays: dict[str, np.ndarray]) -> None:
    compare(cpu_program, arrays, n_decoded=4)


def test_cpu_greedy_tokens_match_pytorch(
    cpu_program: Program, arrays: dict[str, np.ndarray], capfd: pytest.CaptureFixture[str]
) -> None:
    tokens, _ = GPT2(arrays, TINY.n_head).generate(PROMPT, N_NEW)
    assert len(set(tokens)) > 1, "the test's weights should not decode a single repeated token"
    assert generated(cpu_program, capfd) == tokens


def test_gpu_logits_and_tokens_match_pytorch(
    weights: tuple[Path, str], arrays: dict[str, np.ndarray], capfd: pytest.CaptureFixture[str]
) -> None:
    require_adapter()
    program = load(tiny_source(weights), Options(target="gpu"), path="gpt2-tiny.ch", cache=Cache.from_environment())
    compare(program, arrays, n_decoded=2)
    tokens, _ = GPT2(arrays, TINY.n_head).generate(PROMPT, N_NEW)
    assert generated(program, capfd) == tokens


def test_the_example_runs_at_full_size_from_its_defaults() -> None:
    """The constants at the top are GPT-2 small's and point at make_gpt2_weights.py's default output."""
    text = EXAMPLE.read_text()
    values: dict[str, Any] = dict(re.findall(r"(?m)^let (\w+) = (\S+)", text))
    assert values["WEIGHTS"] == '"examples/data/gpt2.npz"'
    assert {k: int(values[k]) for k in ("N_LAYER", "N_HEAD", "D_MODEL", "VOCAB", "CTX")} == {
        "N_LAYER": 12,
        "N_HEAD": 12,
        "D_MODEL": 768,
        "VOCAB": 50257,
        "CTX": 1024,
    }
    assert int(values["D_HEAD"]) * 12 == 768 and int(values["D_MLP"]) == 3072 and int(values["D_QKV"]) == 2304
    assert len(re.findall(r"\d+", re.search(r"(?m)^let PROMPT = (.*)$", text).group(1))) == 16  # type: ignore[union-attr]
