"""Shared machinery of the test_grad_builtins_*.py files (no tests here).

A `Case` is one differentiated Charl expression over named float64 (and int32) inputs. For a case
`name` the program holds

    fn f_name(a: ..., b: ..., c: <type of expr>) -> float64 { <stmts>; return sum((<expr>) * c) }
    fn g_name(a: ..., b: ..., c: ...) -> (<types of wrt>) { return grad(f_name, wrt: [...])(a, b, c) }

where `c` is a fixed random weight, so the seed of the backward sweep is not uniform. All the cases
of a test file are compiled into ONE program (`compile_cases`), and each case's gradients are checked
against central finite differences of `f_name` on every entry (`check_finite_differences`) and against
torch.autograd on the same computation (`check_torch`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from charlc.api import load
from charlc.run import Program

TORCH_REASON = "torch is not installed: the comparison with torch.autograd needs it"
FD_RTOL, FD_ATOL = 1e-5, 1e-8
TORCH_RTOL, TORCH_ATOL = 1e-6, 1e-12

TorchFn = Callable[..., Any]
"""`(torch, *inputs) -> value of the case's expression`, inputs as torch tensors in `args` order."""


@dataclass(frozen=True)
class Case:
    """`sum((expr) * c)` over the inputs `args` (name -> value, in parameter order), differentiated
    with respect to `wrt` (default: every float64 input). `out` is the shape of `expr` (`()` for a
    scalar); `stmts` are Charl statements run before the `return`. `eps` is the finite-difference
    step; `zero` says every gradient must be exactly zero; `fd` false leaves the case out of the
    finite-difference checks (`stop_gradient`: its test holds the stopped value itself). The weight
    `c` depends only on `out`, so cases of one output shape share it."""

    name: str
    args: dict[str, np.ndarray]
    expr: str
    out: tuple[int, ...]
    torch: TorchFn | None
    stmts: str = ""
    wrt: tuple[str, ...] | None = None
    eps: float = 1e-6
    zero: bool = False
    fd: bool = True
    weight: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(zlib.crc32(repr(self.out).encode()))
        object.__setattr__(self, "weight", rng.uniform(0.5, 1.5, self.out) * rng.choice([-1.0, 1.0], self.out))

    @property
    def wrt_names(self) -> list[str]:
        """The differentiated inputs."""
        if self.wrt is not None:
            return list(self.wrt)
        return [n for n, v in self.args.items() if v.dtype == np.float64]

    @property
    def wrt_positions(self) -> list[int]:
        """The parameter positions of the differentiated inputs."""
        names = list(self.args)
        return [names.index(n) for n in self.wrt_names]

    def inputs(self) -> list[Any]:
        """The arguments of `f_name` and `g_name` (the inputs then the weight `c`)."""
        return [*(_scalar_or_array(v) for v in self.args.values()), _scalar_or_array(self.weight)]

    def source(self) -> str:
        """The Charl functions `f_name` and `g_name`."""
        params = ", ".join(f"{n}: {charl_type(v.dtype, v.shape)}" for n, v in self.args.items())
        params += f", c: {charl_type(np.dtype(np.float64), self.out)}"
        names = ", ".join([*self.args, "c"])
        wrt = self.wrt_positions
        types = [charl_type(self.args[n].dtype, self.args[n].shape) for n in self.wrt_names]
        result = types[0] if len(types) == 1 else "(" + ", ".join(types) + ")"
        positions = str(wrt[0]) if len(wrt) == 1 else "[" + ", ".join(map(str, wrt)) + "]"
        stmts = "".join(f"    {line.strip()}\n" for line in self.stmts.strip().splitlines())
        return (
            f"fn f_{self.name}({params}) -> float64 {{\n{stmts}    return sum(({self.expr}) * c)\n}}\n"
            f"fn g_{self.name}({params}) -> {result} {{\n"
            f"    return grad(f_{self.name}, wrt: {positions})({names})\n}}\n"
        )


def charl_type(dtype: np.dtype[Any], shape: Sequence[int]) -> str:
    """The Charl type of a NumPy dtype and shape (a scalar type for `()`)."""
    name = {np.dtype(np.float64): "float64", np.dtype(np.float32): "float32", np.dtype(np.int32): "int32"}[dtype]
    return f"tensor<{name}, [{', '.join(map(str, shape))}]>" if len(shape) else name


def _scalar_or_array(v: np.ndarray) -> Any:
    return v if v.shape else v.dtype.type(v)


def uniform(seed: int, *shapes: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> list[np.ndarray]:
    """Float64 arrays uniform in [low, high), one per shape, from one seeded generator."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, s) for s in shapes]


def away(seed: int, shape: tuple[int, ...], low: float = 0.2, high: float = 1.0) -> np.ndarray:
    """Float64 values with |x| in [low, high) and random signs (away from the kink at 0)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def compile_cases(cases: Sequence[Case], extra: str = "") -> Program:
    """One program holding every case's `f_` and `g_` functions (and `extra` Charl source)."""
    return load("".join(c.source() for c in cases) + extra)


def params(cases: Sequence[Case]) -> list[Any]:
    """`cases` as pytest parameters named by case."""
    return [pytest.param(c, id=c.name) for c in cases]


def gradients(prog: Program, case: Case) -> list[np.ndarray]:
    """Charl's gradients of the case, one per differentiated input."""
    result = prog.fn(f"g_{case.name}")(*case.inputs())
    grads = [np.asarray(g) for g in (result if isinstance(result, tuple) else (result,))]
    for g, n in zip(grads, case.wrt_names, strict=True):
        assert g.shape == case.args[n].shape, f"{case.name}: d/d{n} has shape {g.shape}"
    return grads


def finite_differences(prog: Program, case: Case) -> list[np.ndarray]:
    """Central differences of `f_name` on every entry of every differentiated input."""
    f, base = prog.fn(f"f_{case.name}"), case.inputs()
    out = []
    for i in case.wrt_positions:
        numeric = np.zeros(np.shape(base[i]))
        for k in np.ndindex(numeric.shape):
            values = []
            for sign in (1.0, -1.0):
                x = np.array(base[i], dtype=np.float64)
                x[k] += sign * case.eps
                args = [*base[:i], x if x.shape else np.float64(x), *base[i + 1 :]]
                values.append(float(f(*args)))
            numeric[k] = (values[0] - values[1]) / (2 * case.eps)
        out.append(numeric)
    return out


def assert_finite_differences(grads: Sequence[np.ndarray], numeric: Sequence[np.ndarray], case: Case) -> None:
    """`grads` agree with the central differences `numeric` (rtol 1e-5)."""
    for g, d, n in zip(grads, numeric, case.wrt_names, strict=True):
        np.testing.assert_allclose(g, d, rtol=FD_RTOL, atol=FD_ATOL, err_msg=f"{case.name}: d/d{n}")


def check_finite_differences(prog: Program, case: Case) -> None:
    """Every entry of every gradient agrees with a central difference of `f_name` (rtol 1e-5); with
    `zero`, every gradient is exactly zero."""
    grads = gradients(prog, case)
    assert_finite_differences(grads, finite_differences(prog, case), case)
    if case.zero:
        for g in grads:
            assert np.all(g == 0.0), f"{case.name}: the gradient is not exactly zero: {g}"


def torch_gradients(case: Case, fn: TorchFn | None = None) -> list[np.ndarray]:
    """torch.autograd's gradients of `sum(fn(inputs) * c)` (`fn` defaults to the case's), zeros where
    the result does not depend on an input."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    fn = fn or case.torch
    assert fn is not None, f"{case.name} has no torch reference"
    wrt = set(case.wrt_names)
    ts = [torch.tensor(v, requires_grad=n in wrt) for n, v in case.args.items()]
    loss = (fn(torch, *ts) * torch.tensor(case.weight)).sum()
    chosen = [ts[i] for i in case.wrt_positions]
    if not loss.requires_grad:
        return [np.zeros_like(case.args[n]) for n in case.wrt_names]
    grads = torch.autograd.grad(loss, chosen, allow_unused=True)
    return [np.zeros_like(case.args[n]) if g is None else g.numpy() for g, n in zip(grads, case.wrt_names, strict=True)]


def check_torch(prog: Program, case: Case, fn: TorchFn | None = None) -> None:
    """Charl's gradients equal torch.autograd's (rtol 1e-6)."""
    reference = torch_gradients(case, fn)
    for g, r, n in zip(gradients(prog, case), reference, case.wrt_names, strict=True):
        np.testing.assert_allclose(g, r, rtol=TORCH_RTOL, atol=TORCH_ATOL, err_msg=f"{case.name}: d/d{n}")


def with_torch(cases: Sequence[Case]) -> list[Case]:
    """The cases that have a torch reference."""
    return [c for c in cases if c.torch is not None]


def with_fd(cases: Sequence[Case]) -> list[Case]:
    """The cases checked against finite differences of their own function."""
    return [c for c in cases if c.fd]


def standard_tests(cases: Sequence[Case], compiled: Sequence[Case] = (), extra: str = "") -> tuple[Any, Any, Any]:
    """The `prog` fixture (`cases` and `compiled` in one program, with `extra` source) and the two
    tests every module runs on `cases`: finite differences and torch.autograd. A module binds them:
    `prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES)`."""

    @pytest.fixture(scope="module")
    def prog() -> Program:
        """Every case of the module, compiled once."""
        return compile_cases([*cases, *compiled], extra)

    @pytest.mark.parametrize("case", params(with_fd(cases)))
    def test_matches_finite_differences(prog: Program, case: Case) -> None:
        """Every entry of every gradient agrees with a central difference."""
        check_finite_differences(prog, case)

    @pytest.mark.parametrize("case", params(with_torch(cases)))
    def test_matches_torch(prog: Program, case: Case) -> None:
        """The gradients equal torch.autograd's on the same expression."""
        check_torch(prog, case)

    return prog, test_matches_finite_differences, test_matches_torch
