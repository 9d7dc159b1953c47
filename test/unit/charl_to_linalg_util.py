"""The harness of the convert-charl-to-linalg numeric tests: a family of charl functions compiled
end to end (convert-charl-to-linalg, charl-bufferize, convert-linalg-to-loops, convert-to-llvm) into
one JIT module, and cases that call one function each and compare it with a NumPy reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from charlc.api import make_context, parse_ir
from charlc.diagnostics import Source
from passes._llvm_emit import signatures, to_llvm_ir
from passes.charl_bufferize import CharlBufferizePass
from passes.convert_charl_to_linalg import ConvertCharlToLinalgPass
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuFunction, CpuModule
from runtime.native import NativeRuntime

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Case:
    """`@name` (its MLIR text) called on `args` must give `expected(*args)` (to `tol`)."""

    name: str
    text: str
    args: tuple[Any, ...]
    expected: Callable[..., Any]
    tol: float = 1e-5


def fn(name: str, params: str, result: str, *body: str) -> str:
    """`func.func @name(params) -> result` running `body`, which defines `%r`."""
    lines = "\n    ".join(body)
    return f"  func.func @{name}({params}) -> {result} {{\n    {lines}\n    func.return %r : {result}\n  }}\n"


class Family:
    """One JIT-compiled module holding the functions of several cases."""

    def __init__(self, cases: Sequence[Case]) -> None:
        ctx = make_context()
        text = "builtin.module {\n" + "".join(c.text for c in cases) + "}\n"
        module = parse_ir(ctx, Source("numerics.mlir", text))
        for p in (ConvertCharlToLinalgPass(), CharlBufferizePass(), ConvertLinalgToLoopsPass(), ConvertToLlvmPass()):
            p.apply(ctx, module)
        self.signatures = signatures(module)
        NativeRuntime().load()  # run-time checks call the C runtime
        self.module = CpuModule(to_llvm_ir(module))

    def function(self, name: str) -> CpuFunction:
        return self.module.function(name, self.signatures[name])


def check(family: Family, case: Case) -> None:
    actual = np.asarray(family.function(case.name)(*case.args))
    expected = np.asarray(case.expected(*case.args))
    assert actual.shape == expected.shape, f"{case.name}: shape {actual.shape}, expected {expected.shape}"
    if np.issubdtype(expected.dtype, np.floating):
        np.testing.assert_allclose(actual, expected, rtol=case.tol, atol=case.tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected.astype(actual.dtype))


def floats(rng: np.random.Generator, *shape: int, low: float = -2.0, high: float = 2.0) -> Array:
    """Uniform float32 values in [low, high)."""
    return rng.uniform(low, high, shape).astype(np.float32)


def ints(rng: np.random.Generator, *shape: int, low: int = -9, high: int = 10) -> Array:
    """Uniform int32 values in [low, high)."""
    return rng.integers(low, high, shape).astype(np.int32)
