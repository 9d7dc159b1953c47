"""GPT-2 small decoding at batch 1: tokens/s of examples/gpt2.ch with float32, int8 and int4 matmul
weights (QUANT = 0, 8, 4) against PyTorch float32 eager and PyTorch dynamic int8
(`torch.ao.quantization.quantize_dynamic` on nn.Linear layers built from the same weights), after a
16-token prompt (gpt2.ch's), 128 new tokens by default, each beside its memory-bandwidth bound
(measured bandwidth / weight bytes read per token); then the accuracy over teacher-forced
positions: relative L2 error of the int8 logits against float32, Charl's and PyTorch's, and greedy
agreement.

    python bench/gpt2_decode.py                     # cpu; weights from examples/make_gpt2_weights.py
    python bench/gpt2_decode.py --target=gpu        # Charl --target=gpu against PyTorch CUDA eager

Threads are pinned: Charl runs with CHARL_NUM_THREADS (`--threads`, default all cores), each PyTorch
reference at its best of 1 and 2 threads. Writes bench/results/gpt2_decode[_gpu].json and the table
in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch
from report import machine, pinned_env, run_charl, update_readme, write_json
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "gpt2.ch"
sys.path.insert(0, str(ROOT / "examples"))
from gpt2_reference import EPS, PROMPT  # noqa: E402

MATMULS = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
"""Each block's matmul weights ([in, out]); with the LM head (wte) the weights quantized."""


def substituted(quant: int, n_new: int, weights: Path) -> str:
    """examples/gpt2.ch with `QUANT`, `N_NEW` and `WEIGHTS` set."""
    text = EXAMPLE.read_text()
    for name, value in (("QUANT", str(quant)), ("N_NEW", str(n_new)), ("WEIGHTS", f'"{weights}"')):
        text, n = re.subn(rf"(?m)^let {name} = .*$", f"let {name} = {value}", text, count=1)
        assert n == 1, name
    return text


# -- PyTorch ------------------------------------------------------------------------------------


class Block(nn.Module):
    def __init__(self, w: dict[str, torch.Tensor], n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.ln_1 = (w["ln_1.weight"], w["ln_1.bias"])
        self.ln_2 = (w["ln_2.weight"], w["ln_2.bias"])
        self.c_attn, self.attn_proj, self.c_fc, self.mlp_proj = (
            linear(w[name], w[name.replace("weight", "bias")]) for name in MATMULS
        )

    def forward(self, x: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, pos: int) -> torch.Tensor:
        d = x.shape[-1]
        q, k, v = self.c_attn(F.layer_norm(x, (d,), *self.ln_1, eps=EPS)).split(d, dim=-1)
        k_cache[:, pos] = k.reshape(self.n_head, -1)
        v_cache[:, pos] = v.reshape(self.n_head, -1)
        q = q.reshape(self.n_head, 1, -1)
        scores = q @ k_cache[:, : pos + 1].transpose(1, 2) / (q.shape[-1] ** 0.5)
        x = x + self.attn_proj((torch.softmax(scores, -1) @ v_cache[:, : pos + 1]).reshape(1, d))
        h = F.gelu(self.c_fc(F.layer_norm(x, (d,), *self.ln_2, eps=EPS)), approximate="tanh")
        return x + self.mlp_proj(h)


def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Linear:
    """nn.Linear computing `x @ w + b` (w [in, out], Conv1D's layout)."""
    layer = nn.Linear(*w.shape)
    layer.weight.data, layer.bias.data = w.t().contiguous(), b.clone()
    return layer


class TorchGPT2(nn.Module):
    """GPT-2 with nn.Linear layers (so quantize_dynamic quantizes the four products of each block
    and the LM head), decoding one position at a time with a KV cache."""

    def __init__(self, arrays: dict[str, np.ndarray], n_head: int) -> None:
        super().__init__()
        w = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in arrays.items()}
        n_layer = len({k.split(".")[1] for k in arrays if k.startswith("h.")})
        self.wte, self.wpe, self.n_head = w["wte.weight"], w["wpe.weight"], n_head
        self.blocks = nn.ModuleList(
            Block({k.removeprefix(f"h.{i}."): v for k, v in w.items() if k.startswith(f"h.{i}.")}, n_head)
            for i in range(n_layer)
        )
        self.ln_f = (w["ln_f.weight"], w["ln_f.bias"])
        self.head = nn.Linear(self.wte.shape[1], self.wte.shape[0], bias=False)
        self.head.weight.data = self.wte.clone()

    def to_device(self, device: str) -> TorchGPT2:
        self.to(device)
        self.wte, self.wpe = self.wte.to(device), self.wpe.to(device)
        self.ln_f = tuple(t.to(device) for t in self.ln_f)  # type: ignore[assignment]
        for b in self.blocks:
            b.ln_1, b.ln_2 = (tuple(t.to(device) for t in ln) for ln in (b.ln_1, b.ln_2))  # type: ignore[union-attr]
        return self

    @torch.no_grad()
    def run(self, tokens: list[int], n_new: int) -> tuple[list[int], list[torch.Tensor], float]:
        """Feeds `tokens` (then greedy tokens, `n_new` in all): the generated tokens, the logits of
        every position and the seconds of the decoding steps (after the prompt)."""
        n_layer, d = len(self.blocks), self.wte.shape[1]
        device = self.wte.device
        cache = (n_layer, self.n_head, self.wpe.shape[0], d // self.n_head)
        k_cache, v_cache = torch.zeros(cache, device=device), torch.zeros(cache, device=device)
        fed, generated, logits = list(tokens), [], []
        start = 0.0
        for pos in range(len(tokens) + n_new - 1):
            if pos == len(tokens):
                if device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
            x = (self.wte[fed[pos]] + self.wpe[pos]).reshape(1, d)
            for i, block in enumerate(self.blocks):
                x = block(x, k_cache[i], v_cache[i], pos)
            out = self.head(F.layer_norm(x, (d,), *self.ln_f, eps=EPS)).reshape(-1)
            logits.append(out)
            if pos >= len(tokens) - 1 and len(generated) < n_new:
                generated.append(int(out.argmax()))
                if pos + 1 >= len(fed):
                    fed.append(generated[-1])
        if device.type == "cuda":
            torch.cuda.synchronize()
        return generated, logits, time.perf_counter() - start


def torch_decode(model: TorchGPT2, n_new: int, threads: int) -> float:
    """Decode tokens/s (the n_new - 1 steps after the prompt)."""
    torch.set_num_threads(threads)
    model.run(list(PROMPT), 2)  # warm-up
    _, _, seconds = model.run(list(PROMPT), n_new)
    return (n_new - 1) / seconds


# -- Charl --------------------------------------------------------------------------------------


def charl_decode(quant: int, n_new: int, weights: Path, threads: int, target: str) -> tuple[float, list[int]]:
    """gpt2.ch's decode tokens/s and its generated tokens."""
    out = run_charl(
        substituted(quant, n_new, weights),
        f"gpt2_q{quant}.ch",
        ["-m", "charlc", "run", f"--target={target}"],
        pinned_env(threads),
    )
    rate = re.search(r"^decode: .* s, (\S+) tokens/s$", out, re.MULTILINE)
    tokens = re.search(r"^generated \[([^\]]*)\]", out, re.MULTILINE)
    assert rate is not None and tokens is not None, out
    return float(rate.group(1)), [int(t) for t in tokens.group(1).split()]


TEACHER = """
fn api_logits(
    wte: tensor<float32, [{VOCAB}, {D}]>, wpe: tensor<float32, [{CTX}, {D}]>,
    ln_1_w: tensor<float32, [{L}, {D}]>, ln_1_b: tensor<float32, [{L}, {D}]>,
    attn_w: tensor<float32, [{L}, {D}, {QKV}]>, attn_b: tensor<float32, [{L}, {QKV}]>,
    attn_proj_w: tensor<float32, [{L}, {D}, {D}]>, attn_proj_b: tensor<float32, [{L}, {D}]>,
    ln_2_w: tensor<float32, [{L}, {D}]>, ln_2_b: tensor<float32, [{L}, {D}]>,
    fc_w: tensor<float32, [{L}, {D}, {MLP}]>, fc_b: tensor<float32, [{L}, {MLP}]>,
    mlp_proj_w: tensor<float32, [{L}, {MLP}, {D}]>, mlp_proj_b: tensor<float32, [{L}, {D}]>,
    ln_f_w: tensor<float32, [{D}]>, ln_f_b: tensor<float32, [{D}]>,
    tokens: tensor<int32, [{T}]>,
) -> (tensor<float32, [{T}, {VOCAB}]>, tensor<float32, [{T}, {VOCAB}]>) {{
    let (attn_q, attn_s) = quantize_tensor(reshape(attn_w, [{L} * {D}, {QKV}]), int8, axis: 1, group: {D})
    let (attn_proj_q, attn_proj_s) = quantize_tensor(reshape(attn_proj_w, [{L} * {D}, {D}]), int8, axis: 1, group: {D})
    let (fc_q, fc_s) = quantize_tensor(reshape(fc_w, [{L} * {D}, {MLP}]), int8, axis: 1, group: {D})
    let (mlp_proj_q, mlp_proj_s) = quantize_tensor(reshape(mlp_proj_w, [{L} * {MLP}, {D}]), int8, axis: 1, group: {MLP})
    let (head_q, head_s) = quantize_tensor(transpose(wte), int8, axis: 1)
    let mut k32 = zeros([{L}, {H}, {CTX}, {DH}])
    let mut v32 = zeros([{L}, {H}, {CTX}, {DH}])
    let mut k8 = zeros([{L}, {H}, {CTX}, {DH}])
    let mut v8 = zeros([{L}, {H}, {CTX}, {DH}])
    let mut out32 = zeros([{T}, {VOCAB}])
    let mut out8 = zeros([{T}, {VOCAB}])
    for t in 0..{T} {{
        let (a, k, v) = step(wte, wpe, ln_1_w, ln_1_b, attn_w, attn_b, attn_proj_w, attn_proj_b,
            ln_2_w, ln_2_b, fc_w, fc_b, mlp_proj_w, mlp_proj_b, ln_f_w, ln_f_b, k32, v32, tokens[t], t)
        k32[:, :, t, :] = k
        v32[:, :, t, :] = v
        out32[t] = a
        let (b, k_, v_) = step_int8(wte, wpe, ln_1_w, ln_1_b, attn_q, attn_s, attn_b, attn_proj_q,
            attn_proj_s, attn_proj_b, ln_2_w, ln_2_b, fc_q, fc_s, fc_b, mlp_proj_q, mlp_proj_s, mlp_proj_b,
            ln_f_w, ln_f_b, head_q, head_s, k8, v8, tokens[t], t)
        k8[:, :, t, :] = k_
        v8[:, :, t, :] = v_
        out8[t] = b
    }}
    return (out32, out8)
}}
"""


def charl_teacher_forced(arrays: dict[str, np.ndarray], tokens: list[int], n_head: int) -> tuple[np.ndarray, ...]:
    """Charl's float32 and int8 logits at every position of `tokens` (one call of `api_logits`)."""
    from charlc.api import load
    from charlc.options import Options

    names = ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight")
    names += ("attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias")
    names += ("mlp.c_proj.weight", "mlp.c_proj.bias")
    n_layer = len({k.split(".")[1] for k in arrays if k.startswith("h.")})
    stacked = [np.stack([arrays[f"h.{i}.{n}"] for i in range(n_layer)]) for n in names]
    vocab, d = arrays["wte.weight"].shape
    sizes = {"VOCAB": vocab, "D": d, "CTX": arrays["wpe.weight"].shape[0], "L": n_layer, "QKV": 3 * d}
    sizes |= {"MLP": 4 * d, "H": n_head, "DH": d // n_head, "T": len(tokens)}
    source = EXAMPLE.read_text() + TEACHER.format(**sizes)
    source = re.sub(r"(?m)^let N_NEW = .*$", "let N_NEW = 1", source, count=1)
    program = load(source, Options(), path="gpt2_teacher.ch")
    args = [arrays["wte.weight"], arrays["wpe.weight"], *stacked, arrays["ln_f.weight"], arrays["ln_f.bias"]]
    f32, i8 = program.fn("api_logits")(*args, np.asarray(tokens, np.int32))
    return np.asarray(f32), np.asarray(i8)


# -- the run ------------------------------------------------------------------------------------


def bandwidth() -> float:
    """Memory bandwidth in bytes/s: the best of 5 NumPy copies of a 1 GB array (read + write)."""
    a = np.ones(1 << 27, np.float64)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - start)
    return 2 * a.nbytes / best


def gpu_bandwidth() -> float:
    """The CUDA device's memory bandwidth in bytes/s: the best of 5 PyTorch copies of 1 GB."""
    a = torch.ones(1 << 28, dtype=torch.float32, device="cuda")
    b = torch.empty_like(a)
    best = float("inf")
    for _ in range(5):
        torch.cuda.synchronize()
        start = time.perf_counter()
        b.copy_(a)
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * a.numel() * 4 / best


def weight_bytes(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """Bytes of matmul weights read per token: float32, int8 (+ a float32 scale per output channel
    and layer), int4 (+ one per 32 weights)."""
    n_layer = len({k.split(".")[1] for k in arrays if k.startswith("h.")})
    shapes = [arrays[f"h.{i}.{n}"].shape for i in range(n_layer) for n in MATMULS]
    shapes.append(arrays["wte.weight"].shape[::-1])
    weights = sum(k * n for k, n in shapes)
    channels = sum(n for _, n in shapes)
    return {"fp32": 4.0 * weights, "int8": weights + 4.0 * channels, "int4": weights / 2 + 4.0 * weights / 32}


def rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=ROOT / "examples/data/gpt2.npz")
    parser.add_argument("--n-head", type=int, default=12)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--positions", type=int, default=128, help="teacher-forced positions for the accuracy")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CHARL_NUM_THREADS")
    parser.add_argument("--target", choices=("cpu", "gpu"), default="cpu")
    args = parser.parse_args()
    started = time.perf_counter()
    arrays = dict(np.load(args.weights))
    on_gpu = args.target == "gpu" and torch.cuda.is_available()
    bw, wbytes = (gpu_bandwidth() if on_gpu else bandwidth()), weight_bytes(arrays)
    bound = {k: bw / v for k, v in wbytes.items()}
    print(
        f"bandwidth {bw / 1e9:.1f} GB/s; weight MB/token { ({k: round(v / 1e6) for k, v in wbytes.items()}) }",
        file=sys.stderr,
    )
    rows: dict[str, dict[str, object]] = {}
    tokens: dict[str, list[int]] = {}
    for name, quant in (("charl fp32", 0), ("charl int8", 8), ("charl int4", 4)):
        rate, tokens[name] = charl_decode(quant, args.new_tokens, args.weights, args.threads, args.target)
        rows[name] = {"tokens_per_s": rate, "threads": args.threads, "bound": bound[name.split()[1]]}
        print(f"{name}: {rate:.2f} tokens/s", file=sys.stderr, flush=True)
    model = TorchGPT2(arrays, args.n_head)
    if args.target == "gpu":
        if torch.cuda.is_available():
            rate = torch_decode(model.to_device("cuda"), args.new_tokens, 1)
            rows["torch fp32 cuda"] = {"tokens_per_s": rate, "threads": 1, "bound": bound["fp32"]}
        else:
            print("CUDA is not available to PyTorch: no PyTorch CUDA reference", file=sys.stderr)
    else:
        dynamic = torch.ao.quantization.quantize_dynamic(TorchGPT2(arrays, args.n_head), {nn.Linear}, dtype=torch.qint8)
        for name, m, kind in (("torch fp32", model, "fp32"), ("torch dynamic int8", dynamic, "int8")):
            per_thread = {t: torch_decode(m, args.new_tokens, t) for t in (1, 2)}
            best = max(per_thread, key=lambda t: per_thread[t])
            rows[name] = {"tokens_per_s": per_thread[best], "threads": best, "per_thread": per_thread}
            rows[name]["bound"] = bound[kind]
            print(f"{name}: {per_thread}", file=sys.stderr, flush=True)
    accuracy: dict[str, object] = {}
    if args.target == "cpu":
        torch.set_num_threads(args.threads)
        teacher, _, _ = model.run(list(PROMPT), args.positions - len(PROMPT) + 1)
        fed = [*PROMPT, *teacher][: args.positions]
        f32, i8 = charl_teacher_forced(arrays, fed, args.n_head)
        _, t32, _ = model.run(fed, 1)
        _, tq8, _ = dynamic.run(fed, 1)
        t32n = torch.stack(t32[: len(fed)]).numpy()
        tq8n = torch.stack(tq8[: len(fed)]).numpy()
        accuracy = {
            "positions": len(fed),
            "charl_int8_rel_l2": rel_l2(i8, f32),
            "torch_dynamic_int8_rel_l2": rel_l2(tq8n, t32n),
            "charl_int8_greedy_agreement": float(np.mean(i8.argmax(1) == f32.argmax(1))),
            "torch_dynamic_int8_greedy_agreement": float(np.mean(tq8n.argmax(1) == t32n.argmax(1))),
            "charl_fp32_vs_torch_fp32_rel_l2": rel_l2(f32, t32n),
        }
    md = table(rows, accuracy, args, bw)
    print(md)
    suffix = "" if args.target == "cpu" else "_gpu"
    record = {"machine": machine(), "target": args.target, "new_tokens": args.new_tokens, "prompt": len(PROMPT)}
    record |= {"bandwidth_bytes_per_s": bw, "weight_bytes_per_token": wbytes, "rows": rows, "accuracy": accuracy}
    write_json(f"gpt2_decode{suffix}", record)
    update_readme(f"gpt2_decode{suffix}", md)
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


def table(rows: dict[str, dict[str, object]], accuracy: dict[str, object], args: argparse.Namespace, bw: float) -> str:
    lines = [
        f"GPT-2 small decoding, batch 1, {len(PROMPT)}-token prompt then {args.new_tokens} new tokens, target"
        f" {args.target} ({machine()}); memory bandwidth {bw / 1e9:.1f} GB/s"
        f" ({'PyTorch CUDA copy' if args.target == 'gpu' and torch.cuda.is_available() else 'NumPy copy'}),"
        " bound = bandwidth /"
        " matmul weight bytes per token:",
        "",
        "| run | tokens/s | threads | bandwidth bound | of bound |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, r in rows.items():
        rate, b = float(r["tokens_per_s"]), r.get("bound")  # type: ignore[arg-type]
        shown = f"{b:.1f}" if isinstance(b, float) else "-"
        of = f"{rate / b:.0%}" if isinstance(b, float) else "-"
        lines.append(f"| {name} | {rate:.2f} | {r['threads']} | {shown} | {of} |")
    if "torch dynamic int8" in rows:
        c8, c4 = float(rows["charl int8"]["tokens_per_s"]), float(rows["charl int4"]["tokens_per_s"])  # type: ignore[arg-type]
        t8, t32 = float(rows["torch dynamic int8"]["tokens_per_s"]), float(rows["torch fp32"]["tokens_per_s"])  # type: ignore[arg-type]
        lines += [
            "",
            f"charl int8 / torch dynamic int8: {c8 / t8:.2f}x (target >= 1.1x); charl int4 / torch fp32:"
            f" {c4 / t32:.2f}x (target >= 5x)",
        ]
    if accuracy:
        a = accuracy
        lines += [
            "",
            f"Accuracy over {a['positions']} teacher-forced positions: relative L2 error of int8 logits vs float32:"
            f" charl {a['charl_int8_rel_l2']:.4f}, PyTorch dynamic int8 {a['torch_dynamic_int8_rel_l2']:.4f};"
            f" greedy agreement charl {a['charl_int8_greedy_agreement']:.1%}, PyTorch"
            f" {a['torch_dynamic_int8_greedy_agreement']:.1%} (charl fp32 vs PyTorch fp32:"
            f" {a['charl_fp32_vs_torch_fp32_rel_l2']:.1e})",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
