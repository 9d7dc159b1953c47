"""The C entry points of the GPU runtime: ctypes callbacks that JIT-compiled host code calls.

| symbol | C signature |
| --- | --- |
| `charl_gpu_alloc` | `void *(int64_t bytes)` |
| `charl_gpu_free` | `void (void *allocated)` |
| `charl_gpu_memref_<T>` | `void (int64_t rank, void *desc)`, T in `f32 f64 i32 i64 i8 i1` |
| `charl_gpu_scalar_<T>` | `void (T value)`, T in `f32 f64 i32 i64 i8 i1 index` (`index` is `int64_t`) |

An `i1` kernel argument may be staged with `charl_gpu_scalar_i32` (0 or 1) or `charl_gpu_scalar_i1`.
| `charl_gpu_launch` | `void (int32_t kernel, int64_t invocations)` |
| `charl_gpu_access_<T>` | `void (int64_t rank, void *desc, int32_t writes)` |

An exception cannot cross the C boundary: a callback that fails records the error on the runtime
(`GpuRuntime.check()` raises it), returns (null from `charl_gpu_alloc` only if allocation itself
failed), and later staging and launches do nothing until `check()` clears it.
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
    """The ctypes function objects of `rt`'s entry points, by symbol name (keep them alive)."""

    def guarded(fn: Callable[..., Any], default: Any = None, skip_after_error: bool = True) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if skip_after_error and rt.error is not None:
                rt.discard_staged()
                return default
            try:
                return fn(*args)
            except BaseException as e:  # noqa: BLE001 - must not unwind into C
                rt.record_error(e)
                rt.discard_staged()
                return default

        return call

    functions: dict[str, Any] = {
        "charl_gpu_alloc": ALLOC(guarded(rt.alloc, None, skip_after_error=False)),
        "charl_gpu_free": FREE(guarded(lambda p: rt.free(p or 0), None, skip_after_error=False)),
        "charl_gpu_launch": LAUNCH(guarded(rt.launch)),
    }
    for element in ELEMENTS:
        functions[f"charl_gpu_memref_{element}"] = MEMREF(guarded(_memref(rt, element)))
        functions[f"charl_gpu_access_{element}"] = ACCESS(guarded(_access(rt, element)))
    for scalar, ctype in SCALAR_CTYPES.items():
        functions[f"charl_gpu_scalar_{scalar}"] = ctypes.CFUNCTYPE(None, ctype)(guarded(_scalar(rt, scalar)))
    return functions


def _memref(rt: GpuRuntime, element: str) -> Callable[[int, int], None]:
    stage = rt.stage_memref

    def call(rank: int, desc: int) -> None:
        stage(element, rank, desc)

    return call


def _access(rt: GpuRuntime, element: str) -> Callable[[int, int, int], None]:
    access = rt.access

    def call(rank: int, desc: int, writes: int) -> None:
        access(element, rank, desc, writes)

    return call


def _scalar(rt: GpuRuntime, scalar: str) -> Callable[[Any], None]:
    stage = rt.stage_scalar
    if scalar == "i1":  # the same as an i32 0 or 1

        def call_bool(value: Any) -> None:
            stage("si32", int(value))

        return call_bool
    tag = f"s{scalar}"

    def call(value: Any) -> None:
        stage(tag, value)

    return call
