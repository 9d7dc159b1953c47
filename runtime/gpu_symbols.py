"""The C entry points of the GPU runtime: ctypes callbacks that JIT-compiled host code calls.

| symbol | C signature |
| --- | --- |
| `charl_gpu_alloc` | `void *(int64_t bytes)` |
| `charl_gpu_free` | `void (void *allocated)` |
| `charl_gpu_memref_<T>` | `void (int64_t rank, void *desc)`, T in `f32 f64 i32 i64 i8 i4 i1` |
| `charl_gpu_scalar_<T>` | `void (T value)`, T in `f32 f64 i32 i64 i8 i1 index` (`index` is `int64_t`) |

An `i1` kernel argument may be staged with `charl_gpu_scalar_i32` (0 or 1) or `charl_gpu_scalar_i1`,
an `i4` one with `charl_gpu_scalar_i8` (sign-extended). An `i4` memref holds two elements a byte (low nibble first).
| `charl_gpu_launch` | `void (int32_t kernel, int64_t invocations)` |
| `charl_gpu_access_<T>` | `void (int64_t rank, void *desc, int32_t writes)` |

An exception cannot cross the C boundary: a callback that fails records the error on the runtime
(`GpuRuntime.check()` raises it) and returns (null from `charl_gpu_alloc`); launches and accesses
do nothing while an error is pending, until `check()` clears it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runtime.gpu_kernels import ELEMENTS

if TYPE_CHECKING:
    from runtime.gpu import GpuRuntime

SCALAR_CTYPES: dict[str, type[Any]] = {
    "f32": ctypes.c_float,
    "f64": ctypes.c_double,
    "i32": ctypes.c_int32,
    "i64": ctypes.c_int64,
    "i8": ctypes.c_int8,
    "i1": ctypes.c_bool,
    "index": ctypes.c_int64,
}

ALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64)
FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
MEMREF = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p)
LAUNCH = ctypes.CFUNCTYPE(None, ctypes.c_int32, ctypes.c_int64)
ACCESS = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int32)


def make_functions(rt: GpuRuntime) -> dict[str, Any]:
    """The ctypes function objects of `rt`'s entry points, by symbol name (keep them alive).

    Each callback is one Python function (ctypes' own cost, about a microsecond a call, dominates
    a launch's six or so calls): the runtime's staging lists are appended to directly."""
    fail = rt.record_error

    def alloc(nbytes: int) -> int | None:
        try:
            return rt.alloc(nbytes)
        except BaseException as e:  # noqa: BLE001 - must not unwind into C
            fail(e)
            return None

    def free(address: int | None) -> None:
        try:
            rt.free(address or 0)
        except BaseException as e:  # noqa: BLE001
            fail(e)

    def launch(kernel: int, invocations: int) -> None:
        try:
            rt.launch(kernel, invocations)
        except BaseException as e:  # noqa: BLE001
            fail(e)

    functions: dict[str, Any] = {
        "charl_gpu_alloc": ALLOC(alloc),
        "charl_gpu_free": FREE(free),
        "charl_gpu_launch": LAUNCH(launch),
    }
    for element in ELEMENTS:
        functions[f"charl_gpu_memref_{element}"] = MEMREF(_memref(rt, element))
        functions[f"charl_gpu_access_{element}"] = ACCESS(_access(rt, element))
    for scalar, ctype in SCALAR_CTYPES.items():
        functions[f"charl_gpu_scalar_{scalar}"] = ctypes.CFUNCTYPE(None, ctype)(_scalar(rt, scalar))
    return functions


def _memref(rt: GpuRuntime, element: str) -> Callable[[int, int], None]:
    stage, fail = rt.stage_memref, rt.record_error

    def call(rank: int, desc: int) -> None:
        try:
            stage(element, rank, desc)
        except BaseException as e:  # noqa: BLE001
            fail(e)

    return call


def _access(rt: GpuRuntime, element: str) -> Callable[[int, int, int], None]:
    access, fail = rt.access, rt.record_error

    def call(rank: int, desc: int, writes: int) -> None:
        if rt.error is not None:
            return
        try:
            access(element, rank, desc, writes)
        except BaseException as e:  # noqa: BLE001
            fail(e)

    return call


def _scalar(rt: GpuRuntime, scalar: str) -> Callable[[Any], None]:
    tags, values = rt.staged_lists()
    tag = "si32" if scalar == "i1" else f"s{scalar}"  # an i1 is staged as the i32 0 or 1
    if scalar == "i1":

        def call_bool(value: Any) -> None:
            tags.append(tag)
            values.append(int(value))

        return call_bool

    def call(value: Any) -> None:
        tags.append(tag)
        values.append(value)

    return call
