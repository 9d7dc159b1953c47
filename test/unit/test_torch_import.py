"""`charlc import-torch` and training against PyTorch from the same initial weights.

The converter maps a PyTorch `state_dict` onto a Charl model's parameters (by name, else in order;
`nn.Linear` weights transposed) and writes the `.npz` that `load(Model, path)` reads. The training
test builds the 784-128-64-10 MLP in PyTorch, converts its initial weights, and trains both for 20
steps on the same batches with SGD, SGD with momentum and weight decay, Adam and AdamW: the losses
printed by the compiled Charl program agree with PyTorch's to 1e-4.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from charlc.diagnostics import Source
from charlc.options import UsageError
from charlc.torch_import import Param, convert, model_params

TORCH_REASON = "torch is not installed: the comparison with PyTorch needs it"

MODELS = """
model Mlp {
    layers {
        dense(784, 128, activation: relu)
        dense(128, 64, activation: relu)
        dense(64, 10)
    }
}
model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> { return x @ self.w + self.b }
}
model Two {
    params {
        first: Linear(3, 3)
        head: Mlp()
    }
    fn forward(self, x: tensor<float32, [B, 3]>) -> tensor<float32, [B, 3]> { return self.first(x) }
}
"""

STEPS = 20
BATCH = 32

TRAIN = f"""
{MODELS}
fn loss(m: Mlp, x: tensor<float32, [B, 784]>, y: tensor<int32, [B]>) -> float32 {{
    return cross_entropy(m(x), y)
}}
let x: tensor<float32, [{STEPS * BATCH}, 784]> = load_npy("x.npy")
let y: tensor<int32, [{STEPS * BATCH}]> = load_npy("y.npy")
let mut m = load(Mlp, "weights.npz")
for step in 0..{STEPS} {{
    let lo = step * {BATCH}
    let (l, g) = value_and_grad(loss)(m, x[lo : lo + {BATCH}, :], y[lo : lo + {BATCH}])
    m = sgd(m, g, lr: 0.1)
    print("sgd", l)
}}
let mut m2 = load(Mlp, "weights.npz")
let mut s2 = sgd_init(m2)
for step in 0..{STEPS} {{
    let lo = step * {BATCH}
    let (l, g) = value_and_grad(loss)(m2, x[lo : lo + {BATCH}, :], y[lo : lo + {BATCH}])
    (m2, s2) = sgd(m2, g, s2, lr: 0.05, momentum: 0.9, weight_decay: 0.01)
    print("momentum", l)
}}
let mut m3 = load(Mlp, "weights.npz")
let mut s3 = adam_init(m3)
for step in 0..{STEPS} {{
    let lo = step * {BATCH}
    let (l, g) = value_and_grad(loss)(m3, x[lo : lo + {BATCH}, :], y[lo : lo + {BATCH}])
    (m3, s3) = adam(m3, g, s3, lr: 0.001)
    print("adam", l)
}}
let mut m4 = load(Mlp, "weights.npz")
let mut s4 = adamw_init(m4)
for step in 0..{STEPS} {{
    let lo = step * {BATCH}
    let (l, g) = value_and_grad(loss)(m4, x[lo : lo + {BATCH}, :], y[lo : lo + {BATCH}])
    (m4, s4) = adamw(m4, g, s4, lr: 0.001, weight_decay: 0.1)
    print("adamw", l)
}}
"""


def _params(spec: str) -> list[Param]:
    return model_params(Source("models.ch", MODELS), spec)


def test_model_params_of_a_sequential_model() -> None:
    """Paths, shapes and layer kinds come from the front end, in path order."""
    assert _params("Mlp") == [
        Param("layers.0.weight", (784, 128), "float32", "dense"),
        Param("layers.0.bias", (128,), "float32", "dense"),
        Param("layers.1.weight", (128, 64), "float32", "dense"),
        Param("layers.1.bias", (64,), "float32", "dense"),
        Param("layers.2.weight", (64, 10), "float32", "dense"),
        Param("layers.2.bias", (10,), "float32", "dense"),
    ]


def test_model_params_with_arguments_and_nesting() -> None:
    """`Linear(4, 8)` is instantiated with its arguments; nested models keep their layers' kinds."""
    assert [(p.path, p.shape) for p in _params("Linear(4, 8)")] == [("w", (4, 8)), ("b", (8,))]
    two = _params("Two")
    assert [p.path for p in two][:3] == ["first.w", "first.b", "head.layers.0.weight"]
    assert two[2].layer == "dense" and two[0].layer == "param"


def test_unknown_model_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="declares no model named 'Cnn'"):
        _params("Cnn")


def test_convert_in_order_transposes_linear_weights() -> None:
    """An nn.Sequential's keys (0.weight, 2.weight, ...) match in order; Linear weights transpose."""
    rng = np.random.default_rng(0)
    shapes = [(128, 784), (128,), (64, 128), (64,), (10, 64), (10,)]
    keys = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    state = {k: rng.normal(size=s) for k, s in zip(keys, shapes, strict=True)}
    arrays = convert(state, _params("Mlp"))
    np.testing.assert_array_equal(arrays["layers.1.weight"], state["2.weight"].T.astype(np.float32))
    assert arrays["layers.2.bias"].dtype == np.float32


def test_convert_by_name_keeps_square_params() -> None:
    """Keys named like the Charl paths (after `module.`) match by name; a square field is copied."""
    w = np.arange(9.0).reshape(3, 3)
    state = {"module.b": np.ones(3), "module.w": w}
    arrays = convert(state, _params("Linear(3, 3)"))
    np.testing.assert_array_equal(arrays["w"], w.astype(np.float32))


def test_convert_names_both_shapes_on_a_mismatch() -> None:
    state = {"0.weight": np.zeros((128, 700)), "0.bias": np.zeros(128)}
    state |= {"2.weight": np.zeros((64, 128)), "2.bias": np.zeros(64), "4.weight": np.zeros((10, 64))}
    state |= {"4.bias": np.zeros(10)}
    with pytest.raises(
        UsageError, match=r"layers.0.weight needs a tensor of shape \[128, 784\] .* '0.weight' has \[128, 700\]"
    ):
        convert(state, _params("Mlp"))
    with pytest.raises(UsageError, match="has 1 tensors"):
        convert({"0.weight": np.zeros((128, 784))}, _params("Mlp"))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHARL_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "charlc", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def _torch_losses(torch: Any, net: Any, make_opt: Any, x: np.ndarray, y: np.ndarray) -> list[float]:
    opt = make_opt(net.parameters())
    losses = []
    for step in range(STEPS):
        rows = slice(step * BATCH, step * BATCH + BATCH)
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x[rows])), torch.from_numpy(y[rows]).long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def test_training_matches_pytorch_from_the_same_weights(tmp_path: Path) -> None:
    """20 steps of SGD, SGD with momentum and weight decay, Adam and AdamW: the same losses (1e-4)."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    torch.save(net.state_dict(), tmp_path / "mlp.pt")
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    rng = np.random.default_rng(1)
    x = rng.normal(size=(STEPS * BATCH, 784)).astype(np.float32)
    y = np.argmax(x @ rng.normal(size=(784, 10)), axis=1).astype(np.int32)  # learnable labels
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    (tmp_path / "models.ch").write_text(MODELS)
    (tmp_path / "train.ch").write_text(TRAIN)
    converted = _run(["import-torch", "models.ch", "mlp.pt", "--model", "Mlp", "-o", "weights.npz"], tmp_path)
    assert converted.returncode == 0, converted.stderr
    assert "layers.0.weight [784, 128] float32" in converted.stdout
    trained = _run(["run", "train.ch"], tmp_path)
    assert trained.returncode == 0, trained.stderr
    printed: dict[str, list[float]] = {}
    for line in trained.stdout.splitlines():
        name, value = line.split()
        printed.setdefault(name, []).append(float(value))
    optimizers = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        "adam": lambda p: torch.optim.Adam(p, lr=0.001),
        "adamw": lambda p: torch.optim.AdamW(p, lr=0.001, weight_decay=0.1),
    }
    for name, make_opt in optimizers.items():
        net.load_state_dict(initial)
        expected = _torch_losses(torch, net, make_opt, x, y)
        np.testing.assert_allclose(printed[name], expected, rtol=1e-4, atol=1e-4, err_msg=name)
        assert expected[-1] < expected[0], f"{name}: the loss did not decrease"


def test_save_writes_dotted_names_and_load_reads_them_back(tmp_path: Path) -> None:
    """`save(m, path)` writes one array per parameter named by its path; `load(Model, path)` gives a
    model computing the same outputs."""
    program = (
        MODELS
        + 'let m = Two(seed: 4)\nsave(m, "two.npz")\nlet back = load(Two, "two.npz")\n'
        + "let x = random_normal([2, 3], seed: 5)\nprint(m(x))\nprint(back(x))\n"
    )
    (tmp_path / "save.ch").write_text(program)
    done = _run(["run", "save.ch"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[: len(lines) // 2] == lines[len(lines) // 2 :]
    with np.load(tmp_path / "two.npz") as saved:
        shapes = {k: saved[k].shape for k in saved.files}
    assert shapes["first.w"] == (3, 3) and shapes["first.b"] == (3,)
    assert shapes["head.layers.0.weight"] == (784, 128) and shapes["head.layers.2.bias"] == (10,)
