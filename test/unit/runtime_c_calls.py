"""Calling the C runtime with ctypes alone (no NumPy: subprocesses that import only this start fast).

`CRuntime(path).call(name, ...)` calls `charl_rt_NAME` with its arguments as convert-to-llvm expands
them: a string as `string_args(text)` (a `memref<?xi8>`), a shape as `shape_args(dims)` (a
`memref<?xi64>`), a tensor as a `Descriptor` (`(rank, pointer)` of an unranked memref).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

_MEMREF_1D = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64]
_PARAMS: dict[str, list[Any]] = {
    "str": _MEMREF_1D,
    "shape": _MEMREF_1D,
    "tensor": [ctypes.c_int64, ctypes.c_void_p],
    "i32": [ctypes.c_int32],
    "i64": [ctypes.c_int64],
}
SIGNATURES: dict[str, tuple[list[str], Any]] = {
    "print_str": (["str"], None),
    "clock": ([], ctypes.c_double),
    "check_slice": (["i64", "i64", "i64", "i64", "str"], None),
    "check_dim": (["i64", "i64", "str", "str"], None),
    "error": (["str", "str"], None),
    "npy_open": (["str", "str", "str", "i32", "shape"], None),
    "npy_dim": (["str", "i64"], ctypes.c_int64),
    "npy_read": (["str", "str", "tensor", "i32"], None),
    "npy_save": (["str", "str", "tensor", "i32"], None),
    "npz_save_begin": (["str", "str"], None),
    "npz_save_add": (["str", "tensor", "i32"], None),
    "npz_save_end": ([], None),
    "npz_read": (["str", "str", "str", "str", "i32", "shape", "tensor"], None),
}
"""The runtime functions `CRuntime.call` knows: their MLIR parameter kinds and C result type."""


@dataclass
class Descriptor:
    """An unranked memref: its rank, a pointer to the ranked descriptor, and what must stay alive."""

    rank: int
    pointer: ctypes.c_void_p
    keep: tuple[Any, ...]


def make_descriptor(data: int, shape: list[int], strides: list[int], keep: tuple[Any, ...]) -> Descriptor:
    """The descriptor of the elements at `data` (aligned pointer, offset 0; strides in elements)."""
    rank = len(shape)
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p), ("offset", ctypes.c_int64)]
    fields.append(("sizes_strides", ctypes.c_int64 * (2 * rank)))
    struct_type = type("Desc", (ctypes.Structure,), {"_fields_": fields})
    desc = struct_type(data, data, 0, (ctypes.c_int64 * (2 * rank))(*shape, *strides))
    return Descriptor(rank, ctypes.cast(ctypes.pointer(desc), ctypes.c_void_p), (desc, *keep))


def zeros(shape: tuple[int, ...], itemsize: int) -> Descriptor:
    """A row-major tensor of zero bytes."""
    count = 1
    for d in shape:
        count *= d
    buffer = ctypes.create_string_buffer(max(count * itemsize, 1))
    strides = [1] * len(shape)
    for k in range(len(shape) - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1]
    return make_descriptor(ctypes.addressof(buffer), list(shape), strides, (buffer,))


def string_args(text: str | bytes) -> list[Any]:
    """A string as the five arguments of a `memref<?xi8>` (and its buffer, to keep it alive)."""
    raw = text.encode() if isinstance(text, str) else text
    buffer = ctypes.create_string_buffer(raw, len(raw) + 1)
    address = ctypes.cast(buffer, ctypes.c_void_p)
    return [address, address, 0, len(raw), 1, buffer]


def shape_args(dims: list[int]) -> list[Any]:
    """A `memref<?xi64>` of sizes (-1 for a dynamic one) as its five arguments (and its buffer)."""
    array = (ctypes.c_int64 * max(len(dims), 1))(*dims)
    address = ctypes.cast(array, ctypes.c_void_p)
    return [address, address, 0, len(dims), 1, array]


class CRuntime:
    """The runtime's shared library, loaded with ctypes, its SIGNATURES declared."""

    def __init__(self, shared_library: str) -> None:
        self.dll = ctypes.CDLL(shared_library)
        for name, (params, result) in SIGNATURES.items():
            fn = getattr(self.dll, f"charl_rt_{name}")
            fn.argtypes = [t for p in params for t in _PARAMS[p]]
            fn.restype = result

    def call(self, name: str, *args: Any) -> Any:
        """Calls `charl_rt_NAME`: strings and shapes as argument lists, tensors as `Descriptor`s."""
        flat: list[Any] = []
        for a in args:
            if isinstance(a, Descriptor):
                flat.extend([a.rank, a.pointer])
            elif isinstance(a, list):
                flat.extend(a[:5])
            else:
                flat.append(a)
        return getattr(self.dll, f"charl_rt_{name}")(*flat)
