"""charl-autodiff through the whole CPU pipeline: gradients of every core VJP rule, across
broadcasting shapes, agree in float64 with central finite differences (and with torch.autograd when
torch is installed); higher-order gradients; located errors for ops without a rule.

All rule cases are compiled as one program (`f_<case>` and its gradient `g_<case>`) to stay fast.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from autodiff_util import central_differences, load_with_autodiff
from xdsl.utils.exceptions import PassFailedException

from charlc.api import make_context, parse_ir
from charlc.diagnostics import Source
from charlc.run import Program
from passes.charl_autodiff import CharlAutodiffPass

HAS_TORCH = importlib.util.find_spec("torch") is not None
Torch = Callable[[Any, Any, Any], Any]

# name: (shape of x, shape of y, Charl expression, torch expression (t = torch module))
CASES: dict[str, tuple[tuple[int, ...], tuple[int, ...], str, Torch]] = {
    "add": ((2, 3), (3,), "x + y", lambda t, x, y: x + y),
    "sub": ((2, 3), (2, 1), "x - y", lambda t, x, y: x - y),
    "mul": ((2, 3), (1, 3), "x * y", lambda t, x, y: x * y),
    "div": ((2, 3), (3,), "x / (y * y + 1.0)", lambda t, x, y: x / (y * y + 1.0)),
    "pow": ((2, 3), (3,), "pow(x * x + 1.0, y)", lambda t, x, y: t.pow(x * x + 1.0, y)),
    "maximum": ((2, 3), (3,), "maximum(x, y)", lambda t, x, y: t.maximum(x, y)),
    "minimum": ((2, 3), (2, 3), "minimum(x, y)", lambda t, x, y: t.minimum(x, y)),
    "neg": ((3,), (3,), "-x * y", lambda t, x, y: -x * y),
    "abs": ((3,), (3,), "abs(x) * y", lambda t, x, y: t.abs(x) * y),
    "exp": ((2, 3), (3,), "exp(x) * y", lambda t, x, y: t.exp(x) * y),
    "log": ((2, 3), (3,), "log(x * x + 1.0) * y", lambda t, x, y: t.log(x * x + 1.0) * y),
    "sqrt": ((2, 3), (3,), "sqrt(x * x + 1.0) * y", lambda t, x, y: t.sqrt(x * x + 1.0) * y),
    "rsqrt": ((2, 3), (3,), "rsqrt(x * x + 1.0) * y", lambda t, x, y: t.rsqrt(x * x + 1.0) * y),
    "sin": ((2, 3), (3,), "sin(x) * y", lambda t, x, y: t.sin(x) * y),
    "cos": ((2, 3), (3,), "cos(x) * y", lambda t, x, y: t.cos(x) * y),
    "tanh": ((2, 3), (3,), "tanh(x) * y", lambda t, x, y: t.tanh(x) * y),
    "sigmoid": ((2, 3), (3,), "sigmoid(x) * y", lambda t, x, y: t.sigmoid(x) * y),
    "relu": ((2, 3), (3,), "relu(x) * y", lambda t, x, y: t.relu(x) * y),
    "gelu": (
        (2, 3),
        (3,),
        "gelu(x) * y",
        lambda t, x, y: t.nn.functional.gelu(x, approximate="tanh") * y,
    ),
    "silu": ((2, 3), (3,), "silu(x) * y", lambda t, x, y: t.nn.functional.silu(x) * y),
    "scalar": ((), (2, 3), "x * y + x * x", lambda t, x, y: x * y + x * x),
    "broadcast_to": ((2, 3), (3,), "broadcast_to(y, [2, 3]) * x", lambda t, x, y: y.expand(2, 3) * x),
    "reshape": ((2, 3), (2,), "reshape(x, [3, 2]) * y", lambda t, x, y: x.reshape(3, 2) * y),
    "transpose": ((2, 3), (2,), "transpose(x) * y", lambda t, x, y: x.T * y),
    "matmul": ((2, 3), (3, 4), "x @ y", lambda t, x, y: x @ y),
    "matmul_batched": ((2, 2, 3), (3, 4), "x @ y", lambda t, x, y: x @ y),
    "sum_axis": ((2, 3), (3,), "sum(x * y, axis: 1)", lambda t, x, y: (x * y).sum(1)),
    "mean_keepdims": ((2, 3), (3,), "mean(x * y, axis: 0, keepdims: true)", lambda t, x, y: (x * y).mean(0, True)),
    "max_axis": ((2, 3), (3,), "max(x * y, axis: 1)", lambda t, x, y: (x * y).amax(1)),
    "min_all": ((2, 3), (3,), "min(x * y) * x", lambda t, x, y: (x * y).amin() * x),
}


def _charl_type(shape: tuple[int, ...]) -> str:
    return f"tensor<float64, [{', '.join(map(str, shape))}]>" if shape else "float64"


def _program() -> str:
    parts = []
    for name, (sx, sy, expr, _) in CASES.items():
        tx, ty = _charl_type(sx), _charl_type(sy)
        parts.append(f"fn f_{name}(x: {tx}, y: {ty}) -> float64 {{ return sum(sin({expr})) }}")
        parts.append(
            f"fn g_{name}(x: {tx}, y: {ty}) -> (float64, ({tx}, {ty})) "
            f"{{ return value_and_grad(f_{name}, wrt: [0, 1])(x, y) }}"
        )
    return "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def rules_program() -> Program:
    """Every rule case, compiled once."""
    return load_with_autodiff(_program())


def _inputs(name: str) -> list[Any]:
    sx, sy, _, _ = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x, y = rng.uniform(-1.5, 1.5, sx), rng.uniform(-1.5, 1.5, sy)
    return [np.float64(x) if not sx else x, y]


def _flat(result: Any) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for r in result if isinstance(result, tuple) else (result,):
        out.extend(_flat(r) if isinstance(r, tuple) else [np.asarray(r)])
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_rule_matches_finite_differences(rules_program: Program, name: str) -> None:
    """value_and_grad agrees with f and with central differences (rtol 1e-5)."""
    args = _inputs(name)
    f = rules_program.fn(f"f_{name}")
    value, gx, gy = _flat(rules_program.fn(f"g_{name}")(*args))
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    for i, g in enumerate([gx, gy]):
        np.testing.assert_allclose(g, central_differences(f, args, i), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_rule_matches_torch(rules_program: Program, name: str) -> None:
    """The gradients agree with torch.autograd (rtol 1e-6)."""
    if not HAS_TORCH:
        pytest.skip("torch is not installed: the comparison with torch.autograd needs it")
    import torch

    args = _inputs(name)
    _, gx, gy = _flat(rules_program.fn(f"g_{name}")(*args))
    tx, ty = (torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True) for a in args)
    torch.sin(CASES[name][3](torch, tx, ty)).sum().backward()
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(gy, ty.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_second_derivative_and_calls() -> None:
    """grad(grad(f)) through a called helper: d2/dx2 (x^2 sin x)."""
    mod = load_with_autodiff(
        "fn sq(x: float64) -> float64 { return x * x }\n"
        "fn f(x: float64) -> float64 { return sq(x) * sin(x) }\n"
        "fn df(x: float64) -> float64 { return grad(f)(x) }\n"
        "fn d2(x: float64) -> float64 { return grad(df)(x) }\n"
    )
    for x in (0.3, 2.0):
        expected = 2 * np.sin(x) + 4 * x * np.cos(x) - x * x * np.sin(x)
        np.testing.assert_allclose(float(mod.fn("d2")(np.float64(x))), expected, rtol=1e-12)
        np.testing.assert_allclose(
            float(mod.fn("df")(np.float64(x))), central_differences(mod.fn("f"), [np.float64(x)], 0), rtol=1e-5
        )


def test_unreached_argument_gets_zeros() -> None:
    """An argument the result does not depend on gets a zero gradient."""
    mod = load_with_autodiff(
        "fn f(x: tensor<float64, [3]>, y: tensor<float64, [2]>) -> float64 { return sum(x * x) }\n"
        "fn g(x: tensor<float64, [3]>, y: tensor<float64, [2]>) -> tensor<float64, [2]> "
        "{ return grad(f, wrt: 1)(x, y) }\n"
    )
    np.testing.assert_array_equal(mod.fn("g")(np.ones(3), np.ones(2)), np.zeros(2))


def test_op_without_rule_is_a_located_error() -> None:
    """An op without a rule (arith.mulf, not a charl op) on the differentiated path: the error names
    the op and its position."""
    text = (
        "func.func @f(%x: f64) -> f64 {\n"
        '  %r = arith.mulf %x, %x : f64 loc("m.ch":2:9)\n'
        "  func.return %r : f64\n}\n"
        "func.func @main(%x: f64) -> f64 {\n"
        "  %g = charl.grad @f(%x) {wrt = array<i64: 0>} : (f64) -> f64\n"
        "  func.return %g : f64\n}\n"
    )
    ctx = make_context()
    module = parse_ir(ctx, Source("a.mlir", text))
    with pytest.raises(PassFailedException, match=r"charl-autodiff: m.ch:2:9: arith.mulf: cannot differentiate"):
        CharlAutodiffPass().apply(ctx, module)


def test_if_branches_match_finite_differences() -> None:
    """scf.if: the backward sweep takes the branch the forward sweep took (both branches tested)."""
    mod = load_with_autodiff(
        "fn f(x: float64, y: tensor<float64, [3]>) -> float64 {\n"
        "  let mut a = x * y\n"
        "  if x > 0.0 { a = a * x + exp(y) } else { a = sin(a) + y }\n"
        "  if sum(y) > 100.0 { a = a * 2.0 }\n"
        "  return sum(a * y)\n}\n"
        "fn g(x: float64, y: tensor<float64, [3]>) -> (float64, tensor<float64, [3]>) "
        "{ return grad(f, wrt: [0, 1])(x, y) }\n"
    )
    y = np.array([0.3, -0.7, 1.1])
    for x in (0.8, -0.6):
        args = [np.float64(x), y]
        gx, gy = mod.fn("g")(*args)
        np.testing.assert_allclose(gx, central_differences(mod.fn("f"), args, 0), rtol=1e-5)
        np.testing.assert_allclose(gy, central_differences(mod.fn("f"), args, 1), rtol=1e-5)


def test_for_loop_tape_matches_finite_differences() -> None:
    """scf.for with scalar and tensor carried values, a loop index used in the body, an `if` after."""
    mod = load_with_autodiff(
        "fn f(x: float64, w: tensor<float64, [2, 2]>, v: tensor<float64, [2]>) -> float64 {\n"
        "  let mut s = x\n  let mut h = v\n"
        "  for i in 0..4 {\n"
        "    h = tanh(w @ h + s)\n"
        "    s = s * x + sum(h) * cast(i, float64)\n"
        "  }\n"
        "  if s > 0.0 { s = s * s }\n"
        "  return s + sum(h * v)\n}\n"
        "fn g(x: float64, w: tensor<float64, [2, 2]>, v: tensor<float64, [2]>) "
        "-> (float64, tensor<float64, [2, 2]>, tensor<float64, [2]>) { return grad(f, wrt: [0, 1, 2])(x, w, v) }\n"
    )
    args = [np.float64(0.7), np.array([[0.5, -0.3], [0.2, 0.4]]), np.array([0.1, -0.6])]
    grads = mod.fn("g")(*args)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, central_differences(mod.fn("f"), args, i), rtol=1e-5, atol=1e-9)


def test_for_loop_with_a_run_time_trip_count() -> None:
    """A loop bound known only at run time: the tape is sized by a counting loop."""
    mod = load_with_autodiff(
        "fn f(x: tensor<float64, [3]>, n: int32) -> float64 {\n"
        "  let mut h = x\n  for i in 0..n { h = sin(h) * x }\n  return sum(h)\n}\n"
        "fn g(x: tensor<float64, [3]>, n: int32) -> tensor<float64, [3]> { return grad(f)(x, n) }\n"
    )
    x = np.array([0.4, -1.2, 0.9])
    for n in (0, 1, 5):
        args = [x, np.int32(n)]
        np.testing.assert_allclose(mod.fn("g")(*args), central_differences(mod.fn("f"), args, 0), rtol=1e-5, atol=1e-9)


def test_program_prints_value_and_gradient(capfd: pytest.CaptureFixture[str]) -> None:
    """Top-level `value_and_grad` and `grad` statements run and print (f = sum(w^2) + 3 sum(w))."""
    mod = load_with_autodiff(
        "fn f(w: tensor<float64, [3]>) -> float64 { return sum(w * w) + 3.0 * sum(w) }\n"
        "let w = cast([1.0, 2.0, 3.0], float64)\n"
        "let (l, g) = value_and_grad(f)(w)\n"
        "print(l)\nprint(g)\nprint(grad(f)(w))\n"
    )
    mod.run()
    assert capfd.readouterr().out.split("\n")[:3] == ["32.0", "[5. 7. 9.]", "[5. 7. 9.]"]
