"""Both targets compute the same values and gradients for the programs of test_grad_programs (an
MLP with cross_entropy, a causal transformer block, an RNN loop, a piecewise `if`, nested loops,
a second derivative): each function is called through `load(src, Options(target=...)).fn(...)` with
the same NumPy arguments, and the GPU's results must match the CPU's to rtol 1e-9 in float64 and
1e-5 in float32 (the same programs with every float64 replaced by float32).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from gpu_target_util import TARGETS, require_adapter, same_arrays
from grad_programs_util import MLP, NESTED, PIECEWISE, RNN, SECOND, TB_SHAPES, TRANSFORMER, uniform

from charlc.api import load
from charlc.options import Options
from charlc.run import Program

require_adapter()

SOURCES = {"mlp": MLP, "transformer": TRANSFORMER, "rnn": RNN, "piecewise": PIECEWISE, "nested": NESTED}
SOURCES["second"] = SECOND
DTYPES = ("float64", "float32")


def _mlp() -> list[Any]:
    return [*uniform(1, [(4, 6), (6, 8), (8,), (8, 3), (3,)]), np.array([0, 2, 1, 2], dtype=np.int32)]


def _block() -> list[Any]:
    args = uniform(2, [s for _, s in TB_SHAPES], scale=0.8)
    args[1] += 1.0  # layer-norm gains around 1
    args[7] += 1.0
    return args


def _rnn() -> list[Any]:
    return uniform(3, [(5, 4, 3), (3, 6), (6, 6), (6,), (4, 6)], scale=0.7)


def _piecewise(s: float) -> Callable[[], list[Any]]:
    return lambda: [uniform(4, [(3,)])[0], np.float64(s)]


def _nested(s: float, n: int) -> Callable[[], list[Any]]:
    return lambda: [*uniform(6, [(3,), (3,)]), np.float64(s), np.int32(n)]


def _second() -> list[Any]:
    return [uniform(5, [(4,)])[0]]


# (program, function, arguments): each function of each program, on the inputs of test_grad_programs.
CASES: list[tuple[str, str, Callable[[], list[Any]]]] = [
    ("mlp", "loss", _mlp),
    ("mlp", "g", _mlp),
    ("transformer", "block", _block),
    ("transformer", "g", _block),
    ("rnn", "loss", _rnn),
    ("rnn", "g", _rnn),
    *[("piecewise", fn, _piecewise(s)) for fn in ("f", "g") for s in (0.7, -1.3)],
    *[("nested", fn, _nested(s, n)) for fn in ("f", "g") for s, n in ((0.7, 2), (-1.3, 3), (0.5, 0))],
    ("second", "df", _second),
    ("second", "d2", _second),
]
IDS = [f"{p}.{fn}-{k}" for k, (p, fn, _) in enumerate(CASES)]


@pytest.fixture(scope="module")
def programs() -> dict[tuple[str, str, str], Program]:
    """Each program compiled on first use, by (program, dtype, target)."""
    return {}


def program(programs: dict[tuple[str, str, str], Program], name: str, dtype: str, target: str) -> Program:
    key = (name, dtype, target)
    if key not in programs:
        programs[key] = load(SOURCES[name].replace("float64", dtype), Options(target=target), path=f"{name}.ch")
    return programs[key]


def in_dtype(args: list[Any], dtype: str) -> list[Any]:
    """The float arguments converted to `dtype` (integers unchanged)."""
    t = np.dtype(dtype).type
    return [np.asarray(a, t) if np.asarray(a).dtype.kind == "f" else a for a in args]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "fn", "args"), CASES, ids=IDS)
def test_function_gives_the_same_results_on_both_targets(
    programs: dict[tuple[str, str, str], Program], name: str, fn: str, args: Callable[[], list[Any]], dtype: str
) -> None:
    values = in_dtype(args(), dtype)
    results = {t: program(programs, name, dtype, t).fn(fn)(*[np.copy(v) for v in values]) for t in TARGETS}
    flat = results["cpu"] if isinstance(results["cpu"], tuple) else (results["cpu"],)
    assert all(np.all(np.isfinite(r)) for r in flat), results["cpu"]
    same_arrays(results["gpu"], results["cpu"])


def test_the_results_are_not_all_zero(programs: dict[tuple[str, str, str], Program]) -> None:
    """The comparison above compares something: the transformer's gradients are not trivial."""
    grads = program(programs, "transformer", "float64", "gpu").fn("g")(*_block())
    assert len(grads) == 13 and all(float(np.abs(g).max()) > 1e-3 for g in grads)
