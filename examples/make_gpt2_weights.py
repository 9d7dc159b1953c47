"""Writes the `.npz` of GPT-2 weights that examples/gpt2.ch reads (HuggingFace `GPT2Model` state_dict
names: `wte.weight`, `wpe.weight`, `h.{i}.ln_1.weight`, `h.{i}.attn.c_attn.weight` [d, 3d] in
Conv1D's [in, out] layout, ..., `ln_f.bias`; float32).

    python examples/make_gpt2_weights.py                    # GPT-2 small, random: examples/data/gpt2.npz
    python examples/make_gpt2_weights.py --n-layer 2 --d-model 64 --n-head 4 --vocab 512 --ctx 64 -o tiny.npz
    python examples/make_gpt2_weights.py --from-hf pytorch_model.bin   # or model.safetensors

Random weights follow GPT-2's initialization, seeded (`--seed`): every weight matrix and embedding
normal(0, 0.02), the two residual projections (`attn.c_proj`, `mlp.c_proj`) scaled by
1/sqrt(2 * n_layer), biases 0, layer-norm weights 1. `--from-hf` converts a real checkpoint (the
state_dict of `GPT2Model` or `GPT2LMHeadModel`, as `torch.save`d `.bin` or `.safetensors`): it drops
the `transformer.` prefix, the tied `lm_head.weight` and the attention-mask buffers, and prints the
configuration to set at the top of gpt2.ch. Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_OUTPUT = Path("examples/data/gpt2.npz")
LAYER_PARAMS = (
    ("ln_1.weight", "ones"),
    ("ln_1.bias", "zeros"),
    ("attn.c_attn.weight", "normal"),
    ("attn.c_attn.bias", "zeros"),
    ("attn.c_proj.weight", "residual"),
    ("attn.c_proj.bias", "zeros"),
    ("ln_2.weight", "ones"),
    ("ln_2.bias", "zeros"),
    ("mlp.c_fc.weight", "normal"),
    ("mlp.c_fc.bias", "zeros"),
    ("mlp.c_proj.weight", "residual"),
    ("mlp.c_proj.bias", "zeros"),
)
"""Each block's parameters (after `h.{i}.`) and how GPT-2 initializes them."""


@dataclass(frozen=True)
class Config:
    """GPT-2's sizes; the defaults are GPT-2 small (124M parameters)."""

    n_layer: int = 12
    n_head: int = 12
    d_model: int = 768
    vocab: int = 50257
    ctx: int = 1024

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every array, by name, in state_dict order."""
        d = self.d_model
        layer = {
            "ln_1.weight": (d,),
            "ln_1.bias": (d,),
            "attn.c_attn.weight": (d, 3 * d),
            "attn.c_attn.bias": (3 * d,),
            "attn.c_proj.weight": (d, d),
            "attn.c_proj.bias": (d,),
            "ln_2.weight": (d,),
            "ln_2.bias": (d,),
            "mlp.c_fc.weight": (d, 4 * d),
            "mlp.c_fc.bias": (4 * d,),
            "mlp.c_proj.weight": (4 * d, d),
            "mlp.c_proj.bias": (d,),
        }
        out: dict[str, tuple[int, ...]] = {"wte.weight": (self.vocab, d), "wpe.weight": (self.ctx, d)}
        for i in range(self.n_layer):
            out.update({f"h.{i}.{k}": s for k, s in layer.items()})
        return {**out, "ln_f.weight": (d,), "ln_f.bias": (d,)}


def random_weights(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """GPT-2's initialization of `config`, seeded."""
    rng = np.random.default_rng(seed)
    kinds = {"wte.weight": "normal", "wpe.weight": "normal", "ln_f.weight": "ones", "ln_f.bias": "zeros"}
    kinds.update({f"h.{i}.{k}": kind for i in range(config.n_layer) for k, kind in LAYER_PARAMS})
    residual_std = 0.02 / math.sqrt(2 * config.n_layer)
    out: dict[str, np.ndarray] = {}
    for name, shape in config.shapes().items():
        kind = kinds[name]
        if kind in ("normal", "residual"):
            std = 0.02 if kind == "normal" else residual_std
            out[name] = (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)
        else:
            out[name] = (np.ones if kind == "ones" else np.zeros)(shape, np.float32)
    return out


SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "BF16": np.uint16}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a `.safetensors` file (an 8-byte little-endian header size, a JSON header, the
    data), float16/bfloat16 widened to float32."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in SAFETENSORS_DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}; expected a float type")
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"])
        if info["dtype"] == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        out[name] = array.astype(np.float32)
    return out


def read_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """A state_dict saved by `torch.save` (`.bin`, `.pt`) or as `.safetensors`, as float32 arrays."""
    if path.suffix == ".safetensors":
        return read_safetensors(path)
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v.detach().to(torch.float32).numpy() for k, v in state.items()}


DROPPED = re.compile(r"^lm_head\.weight$|\.attn\.(masked_)?bias$")
"""State-dict entries that are not parameters of GPT2Model: the LM head (tied to `wte.weight`) and
the causal-mask buffers of older transformers versions."""


def convert(state: Mapping[str, np.ndarray], n_head: int | None = None) -> tuple[dict[str, np.ndarray], Config]:
    """A HuggingFace GPT-2 state_dict as the arrays gpt2.ch reads, and the configuration it has
    (`n_head`, which the arrays do not show, defaults to d_model / 64 as in every GPT-2 size)."""
    arrays = {k.removeprefix("transformer."): np.ascontiguousarray(v, np.float32) for k, v in state.items()}
    arrays = {k: v for k, v in arrays.items() if not DROPPED.search(k)}
    if "wte.weight" not in arrays or "wpe.weight" not in arrays:
        raise ValueError("not a GPT-2 state_dict: it has no wte.weight and wpe.weight")
    vocab, d_model = arrays["wte.weight"].shape
    n_layer = len({k.split(".")[1] for k in arrays if k.startswith("h.")})
    config = Config(n_layer, n_head or max(d_model // 64, 1), d_model, vocab, arrays["wpe.weight"].shape[0])
    expected = config.shapes()
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"not a GPT-2 state_dict: missing {missing[:5]}, unexpected {extra[:5]}")
    for name, shape in expected.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{name} has shape {arrays[name].shape}, expected {shape}")
    return {k: arrays[k] for k in expected}, config


def constants(config: Config) -> str:
    """The configuration lines of gpt2.ch for `config`."""
    d = config.d_model
    values = {
        "N_LAYER": config.n_layer,
        "N_HEAD": config.n_head,
        "D_MODEL": d,
        "D_HEAD": d // config.n_head,
        "D_MLP": 4 * d,
        "D_QKV": 3 * d,
        "VOCAB": config.vocab,
        "CTX": config.ctx,
    }
    return "\n".join(f"let {k} = {v}" for k, v in values.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="the .npz to write")
    parser.add_argument("--from-hf", type=Path, metavar="PATH", help="a GPT-2 checkpoint to convert")
    parser.add_argument("--seed", type=int, default=0)
    defaults = Config()
    for name in ("n_layer", "n_head", "d_model", "vocab", "ctx"):
        flag, default = f"--{name.replace('_', '-')}", getattr(defaults, name)
        help_text = "with --from-hf: the number of heads (default d_model / 64)" if name == "n_head" else None
        parser.add_argument(flag, type=int, default=None if name == "n_head" else default, help=help_text)
    args = parser.parse_args()
    if args.from_hf is not None:
        arrays, config = convert(read_checkpoint(args.from_hf), args.n_head)
    else:
        n_head = args.n_head or defaults.n_head
        config = Config(args.n_layer, n_head, args.d_model, args.vocab, args.ctx)
        arrays = random_weights(config, args.seed)
    if config.d_model % config.n_head:
        parser.error(f"d_model {config.d_model} is not a multiple of n_head {config.n_head}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.output, **arrays)
    count = sum(a.size for a in arrays.values())
    print(f"wrote {args.output}: {len(arrays)} arrays, {count} parameters; gpt2.ch's configuration:")
    print(constants(config))


if __name__ == "__main__":
    main()
