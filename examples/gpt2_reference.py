"""GPT-2 in plain PyTorch with KV-cache decoding: the reference examples/gpt2.ch is tested against
(test/unit/test_gpt2.py), on the arrays examples/make_gpt2_weights.py writes.

    python examples/gpt2_reference.py examples/data/gpt2.npz 12 128   # n_head, new tokens (gpt2.ch's prompt)

`GPT2(arrays, n_head).step(token, pos)` runs one position through the model (pre-LN blocks, causal attention over
the cached positions 0..pos, GELU with GPT-2's tanh approximation, layer-norm eps 1e-5) and returns
the logits of the next token (the LM head is `wte` transposed); `generate` decodes greedily.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

EPS = 1e-5
PROMPT = (464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 383, 2068, 7586, 21831, 18045, 625)
"""gpt2.ch's prompt: "The quick brown fox jumps over the lazy dog. The quick brown fox jumps"."""


def layer_norm(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.layer_norm(x, x.shape[-1:], w, b, eps=EPS)


class GPT2(nn.Module):
    """GPT-2 on the arrays of make_gpt2_weights.py (HuggingFace names, Conv1D [in, out] weights),
    decoding one position at a time with a KV cache ([n_layer, n_head, ctx, d_head] each)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], n_head: int) -> None:
        super().__init__()
        self.w = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in arrays.items()}
        self.n_head = n_head
        self.n_layer = len({k.split(".")[1] for k in arrays if k.startswith("h.")})
        self.ctx, self.d_model = self.w["wpe.weight"].shape
        self.reset()

    def reset(self) -> None:
        """Empties the KV cache."""
        shape = (self.n_layer, self.n_head, self.ctx, self.d_model // self.n_head)
        self.k_cache, self.v_cache = torch.zeros(shape), torch.zeros(shape)

    def block(self, i: int, x: torch.Tensor, pos: int) -> torch.Tensor:
        """Block `i` on `x` [d] at position `pos`: writes its key and value into the caches, attends
        over positions 0..pos."""
        w = {k.removeprefix(f"h.{i}."): v for k, v in self.w.items() if k.startswith(f"h.{i}.")}
        qkv = layer_norm(x, w["ln_1.weight"], w["ln_1.bias"]) @ w["attn.c_attn.weight"] + w["attn.c_attn.bias"]
        q, k, v = (t.reshape(self.n_head, -1) for t in qkv.split(self.d_model))
        self.k_cache[i, :, pos] = k
        self.v_cache[i, :, pos] = v
        keys, values = self.k_cache[i, :, : pos + 1], self.v_cache[i, :, : pos + 1]
        scores = torch.einsum("hd,htd->ht", q, keys) / np.sqrt(q.shape[-1])
        attended = torch.einsum("ht,htd->hd", torch.softmax(scores, dim=-1), values).reshape(-1)
        x = x + attended @ w["attn.c_proj.weight"] + w["attn.c_proj.bias"]
        h = layer_norm(x, w["ln_2.weight"], w["ln_2.bias"]) @ w["mlp.c_fc.weight"] + w["mlp.c_fc.bias"]
        return x + F.gelu(h, approximate="tanh") @ w["mlp.c_proj.weight"] + w["mlp.c_proj.bias"]

    @torch.no_grad()
    def step(self, token: int, pos: int) -> torch.Tensor:
        """The logits [vocab] after `token` at position `pos` (the cache holds positions < pos); the
        LM head is `wte` transposed."""
        x = self.w["wte.weight"][token] + self.w["wpe.weight"][pos]
        for i in range(self.n_layer):
            x = self.block(i, x, pos)
        return self.w["wte.weight"] @ layer_norm(x, self.w["ln_f.weight"], self.w["ln_f.bias"])

    @torch.no_grad()
    def generate(self, prompt: Sequence[int], n_new: int) -> tuple[list[int], list[np.ndarray]]:
        """Greedy decoding: the `n_new` tokens after `prompt`, and the logits of every step run
        (one per prompt token, then one per new token but the last)."""
        self.reset()
        logits = [self.step(t, pos).numpy() for pos, t in enumerate(prompt)]
        tokens: list[int] = []
        for i in range(n_new):
            tokens.append(int(np.argmax(logits[-1])))
            if i < n_new - 1:
                logits.append(self.step(tokens[-1], len(prompt) + i).numpy())
        return tokens, logits


def main() -> None:
    path, n_head, n_new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    model = GPT2(dict(np.load(path)), n_head)
    model.reset()
    start = time.perf_counter()
    logits = [model.step(t, pos) for pos, t in enumerate(PROMPT)][-1]
    middle = time.perf_counter()
    tokens = [int(torch.argmax(logits))]
    for i in range(n_new - 1):
        tokens.append(int(torch.argmax(model.step(tokens[-1], len(PROMPT) + i))))
    end = time.perf_counter()
    print("generated", tokens)
    print(f"prompt: {len(PROMPT)} positions in {middle - start:.3f} s")
    print(f"decode: {n_new - 1} steps in {end - middle:.3f} s, {(n_new - 1) / (end - middle):.2f} tokens/s")


if __name__ == "__main__":
    main()
