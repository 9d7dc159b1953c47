"""ctypes bindings of the GPU runtime's host side in C (runtime/c/gpu_host.c and gpu_host.h).

`host_library(path)` loads the built C runtime and declares the `charl_gpu_c_*` functions' types;
`Hooks` is the struct of Python callbacks the C code calls when it needs a wgpu object made, an
upload, or a submit. The C structs here mirror gpu_host.h field for field.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from runtime.gpu_kernels import ELEMENTS, PARAM_FORMAT

HOST, DEVICE, BOTH = 1, 2, 3
"""Where a buffer's valid copy is (`GpuBufferInfo.state`)."""

SCALAR_CODES = {"f32": 0, "f64": 1, "i32": 2, "i64": 3, "i8": 4, "index": 5}
"""The C code of each staged scalar type (an i1 is staged as i32, an i4 as i8)."""
PARAM_CODES = {"f": 0, "d": 1, "i": 2, "q": 3, "I": 4}
"""The C code of each parameter word format (`PARAM_FORMAT`'s characters)."""
TAG_SCALAR, TAG_MEMREF = 10, 1000

PREPARE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32)
DEVICE_HOOK = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32)
GROUP = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(ctypes.c_int32))
UPLOAD = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32)
BEGIN = ctypes.CFUNCTYPE(ctypes.c_int32)
FLUSH = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, ctypes.c_int64)
DROPPED = ctypes.CFUNCTYPE(None, ctypes.c_int32)
ERROR = ctypes.CFUNCTYPE(None)


class Hooks(ctypes.Structure):
    """`GpuHooks`: each returns 0, or nonzero after recording its own error."""

    _fields_ = [
        ("prepare", PREPARE),
        ("device", DEVICE_HOOK),
        ("group", GROUP),
        ("upload", UPLOAD),
        ("begin", BEGIN),
        ("flush", FLUSH),
        ("dropped", DROPPED),
        ("error", ERROR),
    ]


class BufferInfo(ctypes.Structure):
    """`GpuBufferInfo`: one buffer's host range, capacity and where its valid copy is."""

    _fields_ = [
        ("base", ctypes.c_int64),
        ("size", ctypes.c_int64),
        ("capacity", ctypes.c_int64),
        ("batch", ctypes.c_int64),
        ("state", ctypes.c_int32),
        ("owned", ctypes.c_int32),
        ("pooled", ctypes.c_int32),
        ("has_device", ctypes.c_int32),
    ]


class Counts(ctypes.Structure):
    """`GpuCounts`."""

    _fields_ = [
        ("launches", ctypes.c_int64),
        ("dispatches", ctypes.c_int64),
        ("live", ctypes.c_int64),
        ("pooled", ctypes.c_int64),
        ("pooled_bytes", ctypes.c_int64),
        ("groups", ctypes.c_int64),
        ("batch", ctypes.c_int64),
    ]


P, I32, I64, U8P = ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64, ctypes.POINTER(ctypes.c_uint8)
I32P = ctypes.POINTER(ctypes.c_int32)
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "charl_gpu_c_new": (P, [ctypes.POINTER(Hooks), P, P, P]),
    "charl_gpu_c_delete": (None, [P]),
    "charl_gpu_c_clear": (None, [P]),
    "charl_gpu_c_alloc": (P, [P, I64]),
    "charl_gpu_c_free": (None, [P, P]),
    "charl_gpu_c_memref": (None, [P, I32, I64, P]),
    "charl_gpu_c_scalar_f32": (None, [P, ctypes.c_float]),
    "charl_gpu_c_scalar_f64": (None, [P, ctypes.c_double]),
    "charl_gpu_c_scalar_i32": (None, [P, I32]),
    "charl_gpu_c_scalar_i64": (None, [P, I64]),
    "charl_gpu_c_scalar_i8": (None, [P, ctypes.c_int8]),
    "charl_gpu_c_scalar_i1": (None, [P, ctypes.c_bool]),
    "charl_gpu_c_scalar_index": (None, [P, I64]),
    "charl_gpu_c_launch": (None, [P, I32, I64]),
    "charl_gpu_c_access": (None, [P, I32, I64, P, I32]),
    "charl_gpu_c_discard": (None, [P]),
    "charl_gpu_c_trim": (None, [P]),
    "charl_gpu_c_capacity_of": (I64, [I64]),
    "charl_gpu_c_params": (P, [P]),
    "charl_gpu_c_param_capacity": (I64, []),
    "charl_gpu_c_set_limit": (None, [P, ctypes.c_uint32]),
    "charl_gpu_c_set_pass": (None, [P, P]),
    "charl_gpu_c_set_submit_every": (None, [P, I64]),
    "charl_gpu_c_set_device": (None, [P, I32, P]),
    "charl_gpu_c_message": (ctypes.c_char_p, [P]),
    "charl_gpu_c_failed": (I32, [P]),
    "charl_gpu_c_clear_failure": (None, [P]),
    "charl_gpu_c_set_failure": (None, [P, ctypes.c_char_p]),
    "charl_gpu_c_kernel": (None, [P, I32, ctypes.c_char_p, I32, I32P, I32, I32P, I32P, I32, I32, I32, I32, U8P]),
    "charl_gpu_c_set_group": (None, [P, I32, I32, I32P, P, P]),
    "charl_gpu_c_group_count": (I64, [P, I32]),
    "charl_gpu_c_flush": (None, [P, I32, I32]),
    "charl_gpu_c_sync": (None, [P, I32]),
    "charl_gpu_c_buffer": (I32, [P, I32, ctypes.POINTER(BufferInfo)]),
    "charl_gpu_c_slots": (I32, [P]),
    "charl_gpu_c_counts": (None, [P, ctypes.POINTER(Counts)]),
}


def host_library(path: str | Path) -> ctypes.CDLL:
    """The C runtime at `path` with the `charl_gpu_c_*` functions typed."""
    lib = ctypes.CDLL(str(path))
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def tag_code(tag: str) -> int:
    """The C code of a staged argument's tag (`m<element>/<rank>` or `s<type>`)."""
    if tag[0] == "m":
        element, _, rank = tag[1:].partition("/")
        return TAG_MEMREF + 100 * ELEMENTS.index(element) + int(rank)
    return TAG_SCALAR + SCALAR_CODES[tag[1:]]


def param_code(scalar: str) -> int:
    """The C code of how a parameter of type `scalar` is written."""
    return PARAM_CODES[PARAM_FORMAT[scalar]]


def int32s(values: list[int] | tuple[int, ...]) -> Any:
    """A C array of `int32_t`."""
    return (ctypes.c_int32 * max(len(values), 1))(*values)
