"""Testing the C runtime (runtime/c): building it, NumPy arrays as memref descriptors, subprocesses.

`RuntimeLib` adds the formatting entry points to `runtime_c_calls.CRuntime`; `descriptor(a)` is the
unranked memref of a NumPy array (any strides, negative ones included); `run_c(...)` runs calls in a
subprocess, for the functions that print or exit.
"""

from __future__ import annotations

import ctypes
import math
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from runtime_c_calls import CRuntime, Descriptor, make_descriptor

from runtime.native import NativeRuntime, RuntimeLibrary

DTYPES_BY_CODE: list[np.dtype[Any]] = [
    np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64, np.bool_, np.int8)
]
"""The element type codes of docs/runtime.md, in order."""
DTYPE_CODES: dict[np.dtype[Any], int] = {d: k for k, d in enumerate(DTYPES_BY_CODE)}

FLOATS = [np.float32, np.float64]
INTS = [np.int32, np.int64, np.int8]
DTYPES = [*FLOATS, *INTS, np.bool_]
REGIMES = ["ints", "decimals", "scaled", "bits", "wide"]
"""How random floats are drawn (see `float_values`)."""


def descriptor(array: np.ndarray[Any, Any]) -> Descriptor:
    """The `(rank, descriptor*)` pair of `array` (aligned = its first element, offset 0)."""
    itemsize = array.dtype.itemsize
    data = array.__array_interface__["data"][0]
    return make_descriptor(data, list(array.shape), [s // itemsize for s in array.strides], (array,))


class RuntimeLib(CRuntime):
    """The runtime's shared library with its formatting functions declared."""

    def __init__(self, library: RuntimeLibrary) -> None:
        super().__init__(str(library.shared))
        self.library = library
        self.dll.charl_rt_format_tensor.argtypes = [
            ctypes.c_int64, ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p, ctypes.c_int64,
        ]  # fmt: skip
        self.dll.charl_rt_format_tensor.restype = ctypes.c_int64
        for name, scalar in (("f32", ctypes.c_float), ("f64", ctypes.c_double)):
            fn = getattr(self.dll, f"charl_rt_format_{name}")
            fn.argtypes = [scalar, ctypes.c_char_p, ctypes.c_int64]
            fn.restype = ctypes.c_int64

    def format_tensor(self, array: np.ndarray[Any, Any]) -> str:
        """What `charl_rt_print_tensor` prints for `array`."""
        d = descriptor(array)
        code = DTYPE_CODES[array.dtype]
        n = self.dll.charl_rt_format_tensor(d.rank, d.pointer, code, None, 0)
        out = ctypes.create_string_buffer(n + 1)
        assert self.dll.charl_rt_format_tensor(d.rank, d.pointer, code, out, n) == n
        return out.raw[:n].decode()

    def format_scalar(self, x: float, dtype: type[np.floating[Any]]) -> str:
        """What `charl_rt_print_f32`/`_f64` prints for `x`."""
        fn = self.dll.charl_rt_format_f32 if dtype is np.float32 else self.dll.charl_rt_format_f64
        out = ctypes.create_string_buffer(512)
        n = fn(x, out, 512)
        return out.raw[:n].decode()


def numpy_text(array: np.ndarray[Any, Any]) -> str:
    """What Charl prints for `array`: NumPy's `str()`, booleans spelled `true`/`false`."""
    text = str(array)
    if array.dtype == np.bool_:
        if array.ndim == 0:
            return text.lower()
        return text.replace(" True", "true").replace("False", "false")
    return text


def native(cache: Path, **options: Any) -> NativeRuntime:
    """The runtime's builder for tests: warnings are errors, so that the sources stay clean."""
    return NativeRuntime(cache, extra_flags=("-Wall", "-Wextra", "-Werror"), **options)


def build(cache: Path, **options: Any) -> RuntimeLibrary:
    """The runtime built into `cache` (one build per worker: modules share the directory)."""
    return native(cache, **options).build()


@dataclass
class Outcome:
    """A subprocess's exit status and output."""

    returncode: int
    stdout: str
    stderr: str


def run_c(library: RuntimeLibrary, body: str, cwd: Path) -> Outcome:
    """Runs Python `body` in a fast-starting subprocess (no site, no NumPy) where `u` is
    runtime_c_calls and `rt` the loaded CRuntime."""
    program = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import ctypes
        import runtime_c_calls as u
        rt = u.CRuntime({str(library.shared)!r})
        """
    ) + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-S", "-c", program], capture_output=True, text=True, cwd=cwd, check=False)
    return Outcome(done.returncode, done.stdout, done.stderr)


def float_values(rng: np.random.Generator, dtype: Any, n: int, regime: str) -> np.ndarray[Any, Any]:
    """`n` floats of one regime: integers, short decimals, one magnitude, any bits, or mixed magnitudes."""
    if regime == "ints":
        values = rng.integers(-1000, 1000, n).astype(np.float64)
    elif regime == "decimals":
        values = np.round(rng.standard_normal(n) * 10.0 ** rng.integers(-2, 5), int(rng.integers(0, 5)))
    elif regime == "scaled":
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 12)
    elif regime == "bits":
        unsigned = np.uint32 if dtype == np.float32 else np.uint64
        return rng.integers(0, np.iinfo(unsigned).max, n, dtype=unsigned, endpoint=True).view(dtype)
    else:
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-40, 40, n)
    with np.errstate(over="ignore"):
        out = values.astype(dtype)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype)
    mask = rng.random(n) < rng.choice([0.0, 0.0, 0.1, 0.5])
    out[mask] = rng.choice(specials, int(mask.sum()))
    return out


def int_values(rng: np.random.Generator, dtype: Any, n: int) -> np.ndarray[Any, Any]:
    info = np.iinfo(dtype)
    bound = int(rng.choice([10, 1000, info.max]))
    values = rng.integers(max(-bound, info.min), min(bound, info.max), n, dtype=dtype, endpoint=True)
    if n and rng.random() < 0.2:
        values[rng.integers(0, n)] = info.min
    return values


def random_array(seed: int, dtype: Any, shape: tuple[int, ...], regime: str) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if dtype in FLOATS:
        values = float_values(rng, dtype, n, regime)
    elif dtype == np.bool_:
        values = rng.random(n) < rng.random()
    else:
        values = int_values(rng, dtype, n)
    return values.reshape(shape)
