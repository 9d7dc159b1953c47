"""Whole-program gradients through the CPU pipeline, in float64: an MLP with cross_entropy, a
transformer block (layer_norm, causal multi-head attention, gelu MLP, residuals), an RNN written as
a `for` loop, a piecewise function with `if`, and a second derivative. Charl's gradients agree with
torch.autograd on the same program and inputs (rtol 1e-6) and with central finite differences on a
few entries (rtol 1e-5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from grad_programs_util import MLP, NESTED, PIECEWISE, RNN, SECOND, TB_SHAPES, TRANSFORMER, check_entries, flat, uniform

from charlc.api import load
from charlc.run import Program

TORCH_REASON = "torch is not installed: the comparison with torch.autograd needs it"


def _torch_grads(fn: Any, args: list[np.ndarray], wrt: list[int]) -> list[np.ndarray]:
    """The gradients of `fn` (a torch function of tensors) w.r.t. `args[i]` for i in `wrt`."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    ts = [torch.tensor(np.asarray(a), requires_grad=i in wrt) for i, a in enumerate(args)]
    loss = fn(torch, *ts)
    grads = torch.autograd.grad(loss, [ts[i] for i in wrt], allow_unused=True)
    return [np.zeros_like(args[i]) if g is None else g.numpy() for g, i in zip(grads, wrt, strict=True)]


def _assert_close(charl: list[np.ndarray], reference: list[np.ndarray]) -> None:
    assert len(charl) == len(reference)
    for c, r in zip(charl, reference, strict=True):
        assert c.shape == r.shape
        np.testing.assert_allclose(c, r, rtol=1e-6, atol=1e-10)


# MLP -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mlp() -> Program:
    """The MLP program, compiled once."""
    return load(MLP)


def _mlp_args() -> list[Any]:
    labels = np.array([0, 2, 1, 2], dtype=np.int32)
    return [*uniform(1, [(4, 6), (6, 8), (8,), (8, 3), (3,)]), labels]


def _mlp_torch(t: Any, x: Any, w1: Any, b1: Any, w2: Any, b2: Any, y: Any) -> Any:
    logits = t.relu(x @ w1 + b1) @ w2 + b2
    return t.nn.functional.cross_entropy(logits, y.long())


def test_mlp_matches_torch(mlp: Program) -> None:
    """d cross_entropy / d (w1, b1, w2, b2) of a two-layer relu MLP equals torch.autograd's."""
    args = _mlp_args()
    charl = flat(mlp.fn("g")(*args))
    _assert_close(charl, _torch_grads(_mlp_torch, args, [1, 2, 3, 4]))


def test_mlp_matches_finite_differences(mlp: Program) -> None:
    """A few entries of every MLP gradient agree with central differences."""
    args = _mlp_args()
    check_entries(mlp.fn("loss"), args, flat(mlp.fn("g")(*args)), [1, 2, 3, 4], seed=11)


# Transformer block -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def block() -> Program:
    """The transformer block program, compiled once."""
    return load(TRANSFORMER)


def _block_args() -> list[np.ndarray]:
    args = uniform(2, [s for _, s in TB_SHAPES], scale=0.8)
    args[1] += 1.0  # layer-norm gains around 1
    args[7] += 1.0
    return args


def _block_torch(t: Any, x: Any, g1: Any, be1: Any, wq: Any, wk: Any, wv: Any, wo: Any, *rest: Any) -> Any:
    g2, be2, w1, b1, w2, b2, c = rest
    f = t.nn.functional

    def heads(a: Any) -> Any:
        return a.reshape(4, 2, 4).permute(1, 0, 2)

    h = f.layer_norm(x, (8,), g1, be1, eps=1e-5)
    q, k, v = heads(h @ wq), heads(h @ wk), heads(h @ wv)
    scores = q @ k.permute(0, 2, 1) / 2.0
    mask = t.tril(t.ones(4, 4, dtype=t.bool))
    masked = t.where(mask, scores, t.full((2, 4, 4), -1e9, dtype=t.float64))
    att = t.softmax(masked, dim=-1) @ v
    x1 = x + att.permute(1, 0, 2).reshape(4, 8) @ wo
    m = f.gelu(f.layer_norm(x1, (8,), g2, be2, eps=1e-5) @ w1 + b1, approximate="tanh") @ w2 + b2
    return ((x1 + m) * c).sum()


def test_transformer_block_matches_torch(block: Program) -> None:
    """The gradients w.r.t. the input and every weight of a causal attention block equal torch's."""
    args = _block_args()
    charl = flat(block.fn("g")(*args))
    _assert_close(charl, _torch_grads(_block_torch, args, list(range(13))))


def test_transformer_block_matches_finite_differences(block: Program) -> None:
    """A few entries of every transformer-block gradient agree with central differences."""
    args = _block_args()
    check_entries(block.fn("block"), args, flat(block.fn("g")(*args)), list(range(13)), seed=12, count=2)


# RNN -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rnn() -> Program:
    """The RNN program, compiled once."""
    return load(RNN)


def _rnn_args() -> list[np.ndarray]:
    return uniform(3, [(5, 4, 3), (3, 6), (6, 6), (6,), (4, 6)], scale=0.7)


def _rnn_torch(t: Any, x: Any, wx: Any, wh: Any, b: Any, c: Any) -> Any:
    h = t.zeros(4, 6, dtype=t.float64)
    for step in range(5):
        h = t.tanh(x[step] @ wx + h @ wh + b)
    return (h * c).sum()


def test_rnn_loop_matches_torch(rnn: Program) -> None:
    """Gradients through a `for` loop over time steps (w.r.t. Wx, Wh, b) equal torch's."""
    args = _rnn_args()
    _assert_close(flat(rnn.fn("g")(*args)), _torch_grads(_rnn_torch, args, [1, 2, 3]))


def test_rnn_loop_matches_finite_differences(rnn: Program) -> None:
    """A few entries of every RNN gradient agree with central differences."""
    args = _rnn_args()
    check_entries(rnn.fn("loss"), args, flat(rnn.fn("g")(*args)), [1, 2, 3], seed=13)


# Piecewise function with `if` ------------------------------------------------------------------


@pytest.fixture(scope="module")
def piecewise() -> Program:
    """The piecewise program, compiled once."""
    return load(PIECEWISE)


def _piecewise_torch(t: Any, x: Any, s: Any) -> Any:
    if float(s.detach()) > 0.0:
        return (t.sin(x) * s * s).sum()
    return (t.exp(x) * s).sum() + s * s * s


@pytest.mark.parametrize("s", [0.7, -1.3])
def test_piecewise_if_matches_torch(piecewise: Program, s: float) -> None:
    """Both branches of an `if` differentiate like torch (s > 0 and s <= 0)."""
    args: list[Any] = [uniform(4, [(3,)])[0], np.float64(s)]
    _assert_close(flat(piecewise.fn("g")(*args)), _torch_grads(_piecewise_torch, args, [0, 1]))


@pytest.mark.parametrize("s", [0.7, -1.3])
def test_piecewise_if_matches_finite_differences(piecewise: Program, s: float) -> None:
    """Both branches' gradients agree with central differences."""
    args: list[Any] = [uniform(4, [(3,)])[0], np.float64(s)]
    check_entries(piecewise.fn("f"), args, flat(piecewise.fn("g")(*args)), [0, 1], seed=14)


# Loops nested in loops and branches -------------------------------------------------------------


@pytest.fixture(scope="module")
def nested() -> Program:
    """The nested-loops program, compiled once."""
    return load(NESTED)


def _nested_torch(n: int) -> Any:
    def fn(t: Any, x: Any, w: Any, s: Any) -> Any:
        h = x
        for _ in range(3):
            for _ in range(n):
                h = t.tanh(h * w + 0.1)
            if float(s.detach()) > 0.0:
                for _ in range(2):
                    h = t.sin(h) * w
            else:
                h = h * s
            h = h + x
        return (h * h).sum()

    return fn


@pytest.mark.parametrize(("s", "n"), [(0.7, 2), (-1.3, 3), (0.5, 0)])
def test_nested_loops_match_torch(nested: Program, s: float, n: int) -> None:
    """A `for` inside a `for` (run-time trip count) and inside an `if` branch, itself in a `for`."""
    x, w = uniform(6, [(3,), (3,)])
    charl = flat(nested.fn("g")(x, w, np.float64(s), np.int32(n)))
    _assert_close(charl, _torch_grads(_nested_torch(n), [x, w, np.float64(s)], [0, 1, 2]))


@pytest.mark.parametrize(("s", "n"), [(0.7, 2), (-1.3, 3)])
def test_nested_loops_match_finite_differences(nested: Program, s: float, n: int) -> None:
    """A few entries of the nested-loop gradients agree with central differences."""
    x, w = uniform(6, [(3,), (3,)])
    args: list[Any] = [x, w, np.float64(s), np.int32(n)]
    check_entries(nested.fn("f"), args, flat(nested.fn("g")(*args)), [0, 1, 2], seed=16)


# Second derivative -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second() -> Program:
    """The second-derivative program, compiled once."""
    return load(SECOND)


def test_second_derivative_matches_torch(second: Program) -> None:
    """grad of sum(grad(f)(x)) equals torch.autograd.grad with create_graph=True."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x = uniform(5, [(4,)])[0]
    tx = torch.tensor(x, requires_grad=True)
    fx = (torch.sin(tx) * tx * tx).sum() + tx.sum() * torch.tanh(tx).sum()
    (first,) = torch.autograd.grad(fx, tx, create_graph=True)
    (expected,) = torch.autograd.grad(first.sum(), tx)
    np.testing.assert_allclose(float(second.fn("df")(x)), float(first.sum().detach()), rtol=1e-12)
    _assert_close(flat(second.fn("d2")(x)), [expected.numpy()])


def test_second_derivative_matches_finite_differences(second: Program) -> None:
    """d2 agrees with central differences of df on a few entries."""
    x = uniform(5, [(4,)])[0]
    check_entries(second.fn("df"), [x], flat(second.fn("d2")(x)), [0], seed=15)
