"""Shared machinery of the test_builtins_numeric_*.py files (no tests here).

A `Case` is one Charl function with concrete parameter types whose body returns one expression or
a tuple of them, each with a NumPy reference. `Suite` compiles all the cases of a file into one
program through `charlc.api.load` (the whole CPU pipeline and the JIT) and checks each case's
results against its references: the dtype exactly, the values exactly for integers and booleans
and to a tolerance for floats. `threefry` is a NumPy model of the runtime's random numbers
(docs/runtime.md).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from charlc import api
from charlc.run import Function, Program

DTYPES: dict[str, type[np.generic]] = {
    "float32": np.float32,
    "float64": np.float64,
    "int32": np.int32,
    "int64": np.int64,
    "bool": np.bool_,
}
FLOATS = ("float32", "float64")
INTS = ("int32", "int64")
NUMERIC = (*FLOATS, *INTS)
TOLERANCE = {np.dtype(np.float32): (2e-5, 1e-6), np.dtype(np.float64): (1e-12, 1e-13)}


@dataclass(frozen=True)
class Param:
    """A parameter: element type, shape (`()` for a scalar) and the domain its values come from:
    `any`, `positive`, `nonzero`, `small` (|x| <= 4 integers or [-2, 2] floats), `unit` ((0, 1)),
    `index:N` (integers in [0, N))."""

    dtype: str
    shape: tuple[int, ...] = ()
    domain: str = "any"

    def charl(self) -> str:
        """The parameter's Charl type."""
        if not self.shape:
            return self.dtype
        return f"tensor<{self.dtype}, [{', '.join(str(d) for d in self.shape)}]>"

    def sample(self, rng: np.random.Generator) -> Any:
        """A value of this parameter (a NumPy array, or a NumPy scalar for a scalar)."""
        value = np.asarray(_draw(self.dtype, self.shape, self.domain, rng)).astype(DTYPES[self.dtype])
        return value if self.shape else value[()]


def _draw(dtype: str, shape: tuple[int, ...], domain: str, rng: np.random.Generator) -> Any:
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if domain.startswith("index:"):
        return rng.integers(0, int(domain.split(":")[1]), shape)
    if dtype in INTS:
        if domain == "positive":
            return rng.integers(1, 10, shape)
        if domain == "small":
            return rng.integers(0, 5, shape)
        if domain == "nonzero":
            return rng.choice(np.array([-7, -3, -2, -1, 1, 2, 3, 5]), shape)
        return rng.integers(-20, 21, shape)
    if domain == "positive":
        return rng.uniform(0.25, 3.0, shape)
    if domain == "nonzero":
        return rng.choice(np.array([-1.0, 1.0]), shape) * rng.uniform(0.5, 3.0, shape)
    if domain == "small":
        return rng.uniform(-2.0, 2.0, shape)
    if domain == "unit":
        return rng.uniform(0.05, 0.95, shape)
    return rng.normal(0.0, 2.0, shape)


Reference = Callable[..., Any]


@dataclass(frozen=True)
class Case:
    """A Charl function `name(a, b, ...)` returning `exprs` (a tuple when more than one), each
    expression checked against the NumPy reference beside it; `dtypes` overrides the expected
    result dtype of an expression (default: the reference's)."""

    name: str
    params: Sequence[Param]
    exprs: Sequence[tuple[str, Reference]]
    dtypes: dict[int, str] = field(default_factory=dict)
    tolerance: tuple[float, float] | None = None
    body: str = ""
    """Statements before the `return` (with `let`), when an expression needs them."""

    def source(self) -> str:
        """The Charl function."""
        names = "abcdefgh"
        params = ", ".join(f"{names[k]}: {p.charl()}" for k, p in enumerate(self.params))
        result = ", ".join(e for e, _ in self.exprs)
        if len(self.exprs) > 1:
            result = f"({result})"
        return f"fn {self.name}({params}) {{\n{self.body}    return {result}\n}}\n"


def one(name: str, params: Sequence[Param], expr: str, ref: Reference, **kw: Any) -> Case:
    """A case with one expression."""
    return Case(name, params, [(expr, ref)], **kw)


class Suite:
    """The cases of one test file, compiled together into one program on first use.

    When the whole program does not compile (one construct the pipeline cannot lower yet), each
    case is compiled on its own, so that a failure names the cases it concerns.
    """

    def __init__(self, cases: Sequence[Case], prelude: str = "") -> None:
        names = [c.name for c in cases]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"duplicate case names: {sorted(duplicates)}")
        self.cases = {c.name: c for c in cases}
        self.prelude = prelude
        self._program: Program | None = None
        self._alone: dict[str, Program] = {}
        self._whole_failed = False

    @property
    def ids(self) -> list[str]:
        """The case names, for `pytest.mark.parametrize`."""
        return list(self.cases)

    def source(self, names: Sequence[str] | None = None) -> str:
        """The program of the cases `names` (default: all)."""
        cases = self.cases.values() if names is None else [self.cases[n] for n in names]
        return self.prelude + "\n".join(c.source() for c in cases)

    def program(self, name: str | None = None) -> Program:
        """The compiled program holding case `name` (all cases, compiled once, when they compile)."""
        if not self._whole_failed and self._program is None:
            try:
                self._program = api.load(self.source(), path="numeric.ch")
            except Exception:
                self._whole_failed = True
        if self._program is not None:
            return self._program
        if name is None:
            raise RuntimeError("the cases do not compile together; compile them one by one")
        if name not in self._alone:
            self._alone[name] = api.load(self.source([name]), path=f"{name}.ch")
        return self._alone[name]

    def fn(self, name: str) -> Function:
        """The compiled function of case `name`."""
        return self.program(name).fn(name)

    def check(self, name: str, seed: int = 0) -> None:
        """Call case `name` on sampled inputs and compare every result with its reference."""
        case = self.cases[name]
        rng = np.random.default_rng(zlib.crc32(name.encode()) + seed)
        args = [p.sample(rng) for p in case.params]
        got = self.fn(name)(*args)
        results = got if len(case.exprs) > 1 else (got,)
        assert len(results) == len(case.exprs)
        for k, ((expr, ref), value) in enumerate(zip(case.exprs, results, strict=True)):
            want = np.asarray(ref(*args))
            dtype = np.dtype(DTYPES[case.dtypes[k]]) if k in case.dtypes else want.dtype
            compare(f"{name}: {expr}", np.asarray(value), want.astype(dtype), case.tolerance, args)


def compare(what: str, got: Any, want: Any, tolerance: tuple[float, float] | None, args: Sequence[Any]) -> None:
    """`got` has `want`'s dtype and shape, and its values (exactly, or within the tolerance)."""
    context = f"{what}\ninputs: {[np.asarray(a).tolist() for a in args]}"
    assert got.dtype == want.dtype, f"{context}\ndtype {got.dtype}, expected {want.dtype}"
    assert got.shape == want.shape, f"{context}\nshape {got.shape}, expected {want.shape}"
    if want.dtype.kind == "f":
        rtol, atol = tolerance or TOLERANCE[want.dtype]
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=context)
    else:
        np.testing.assert_array_equal(got, want, err_msg=context)


# ---------------------------------------------------------------------------------------------
# NumPy references that NumPy does not have under the name Charl uses


def trunc_div(a: Any, b: Any) -> Any:
    """Integer division truncating toward zero (C, Rust); IEEE division on floats."""
    dtype = np.result_type(a, b)
    if dtype.kind == "f":
        return np.divide(a, b, dtype=dtype)
    q = np.abs(a) // np.abs(b)
    return (np.sign(a) * np.sign(b) * q).astype(dtype)


def int_pow(a: Any, b: Any) -> Any:
    """`a ** b` keeping the integer type."""
    return np.power(a, b).astype(np.result_type(a, b))


def sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def gelu(x: Any) -> Any:
    """The tanh approximation (GPT-2)."""
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi).astype(x.dtype) * (x + 0.044715 * x**3)))


def softmax(x: Any, axis: int = -1) -> Any:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: int = -1) -> Any:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# ---------------------------------------------------------------------------------------------
# The runtime's random numbers (docs/runtime.md): Threefry-2x32, 20 rounds


ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)
PARITY = 0x1BD11BDA


def threefry(seed: int, count: int) -> tuple[Any, Any]:
    """The two output words of Threefry-2x32-20 for counters 0..count-1 (key = the 64-bit seed)."""
    mask = np.uint64(0xFFFFFFFF)
    seed &= 0xFFFFFFFFFFFFFFFF
    k = [np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)]
    ks = [k[0], k[1], np.uint64(PARITY) ^ k[0] ^ k[1]]
    n = np.arange(count, dtype=np.uint64)
    x0 = ((n & mask) + ks[0]) & mask
    x1 = ((n >> np.uint64(32)) + ks[1]) & mask
    for r in range(20):
        x0 = (x0 + x1) & mask
        rot = np.uint64(ROTATIONS[r % 8])
        x1 = ((x1 << rot) | (x1 >> (np.uint64(32) - rot))) & mask
        x1 ^= x0
        if r % 4 == 3:
            s = (r + 1) // 4
            x0 = (x0 + ks[s % 3]) & mask
            x1 = (x1 + ks[(s + 1) % 3] + np.uint64(s)) & mask
    return x0.astype(np.uint32), x1.astype(np.uint32)


def random_uniform(shape: tuple[int, ...], seed: int, low: float = 0.0, high: float = 1.0) -> Any:
    """`random_uniform` as float32: `(x0 >> 8) * 2^-24` scaled to `[low, high)`."""
    x0, _ = threefry(seed, int(np.prod(shape)))
    u = (x0 >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)
    return (np.float32(low) + u * np.float32(high - low)).reshape(shape)


def random_normal(shape: tuple[int, ...], seed: int, mean: float = 0.0, std: float = 1.0) -> Any:
    """`random_normal` (Box-Muller on the two words), computed in float64."""
    x0, x1 = threefry(seed, int(np.prod(shape)))
    u1 = 1.0 - (x0 >> np.uint32(8)).astype(np.float64) * 2.0**-24
    u2 = (x1 >> np.uint32(8)).astype(np.float64) * 2.0**-24
    return (mean + std * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).reshape(shape)


def random_int(shape: tuple[int, ...], low: int, high: int, seed: int) -> Any:
    """`random_int`: `low + x0 mod (high - low)`."""
    x0, _ = threefry(seed, int(np.prod(shape)))
    return (low + (x0.astype(np.int64) % (high - low))).astype(np.int32).reshape(shape)
