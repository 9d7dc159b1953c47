"""The calling convention of compiled functions, and NumPy interop without copies.

Compiled functions follow MLIR's memref descriptor convention, with arguments expanded:

- a `memref<...>` argument is passed as its descriptor fields `allocated: void*, aligned: void*,
  offset: int64, sizes: int64[rank], strides: int64[rank]` (offset and strides in elements). A
  NumPy array passes as `data, data, 0, shape, strides / itemsize`: no copy. An argument whose type
  has the identity layout (`memref<?x4xf32>`) needs a C-contiguous array; a strided layout
  (`strided<[?, 1], offset: ?>`) takes any strides its static entries allow.
- an unranked `memref<*xT>` argument is passed as `rank: int64, descriptor: void*`, the pointer
  addressing the ranked descriptor as a C struct (`descriptor_struct(rank)`): any NumPy array of
  the element type passes, whatever its rank and strides. Unranked results do not exist.
- `index` is `int64`; `f32`, `f64`, `i1` (`bool`), `i8`..`i64` are their C types.
- no result: `void`; one scalar result: returned directly.
- otherwise (several results, or a memref result): the function returns `void` and its first
  argument points to a caller-owned struct of the results flattened in order (a memref result as its
  descriptor fields, a scalar as itself), with C layout. This is an out-parameter struct, not MLIR's
  `_mlir_ciface_` wrapper; it is what `passes/_llvm_func.py` emits.

A memref result becomes a NumPy array viewing the returned buffer. If its allocated pointer is the
data pointer of an argument array, the result keeps that array alive; if it is null, the buffer
is static storage of the compiled module (kept alive by the result); otherwise the buffer came from
`malloc` and is released with `free` when the last array viewing it is collected.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_SCALARS: dict[str, tuple[type[np.generic], type[Any] | None]] = {
    "f16": (np.float16, None),
    "f32": (np.float32, ctypes.c_float),
    "f64": (np.float64, ctypes.c_double),
    "i1": (np.bool_, ctypes.c_bool),
    "i8": (np.int8, ctypes.c_int8),
    "i16": (np.int16, ctypes.c_int16),
    "i32": (np.int32, ctypes.c_int32),
    "i64": (np.int64, ctypes.c_int64),
    "index": (np.int64, ctypes.c_int64),
}


@dataclass(frozen=True)
class ScalarSpec:
    """A scalar parameter or result."""

    name: str

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype."""
        return np.dtype(_SCALARS[self.name][0])

    @property
    def ctype(self) -> type[Any]:
        """The ctypes type (f16 scalars have none: they cannot cross the C boundary)."""
        ctype = _SCALARS[self.name][1]
        if ctype is None:
            raise TypeError(f"a scalar {self.name} cannot be passed to or returned from a compiled function")
        return ctype


@dataclass(frozen=True)
class MemRefSpec:
    """A memref parameter or result: element type, static shape and layout (`None` = dynamic)."""

    element: str
    shape: tuple[int | None, ...]
    strides: tuple[int | None, ...] | None = None
    """Static strides of a `strided<...>` layout; `None` for the identity (row-major) layout."""
    offset: int | None = 0

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the elements."""
        return np.dtype(_SCALARS[self.element][0])

    @property
    def rank(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    def ctypes_fields(self) -> list[type[Any]]:
        """The C types of the descriptor fields."""
        return [ctypes.c_void_p, ctypes.c_void_p, *[ctypes.c_int64] * (1 + 2 * self.rank)]

    def __str__(self) -> str:
        dims = "".join(f"{'?' if d is None else d}x" for d in self.shape)
        if self.strides is None:
            return f"memref<{dims}{self.element}>"
        strides = ", ".join("?" if s is None else str(s) for s in self.strides)
        offset = "?" if self.offset is None else self.offset
        return f"memref<{dims}{self.element}, strided<[{strides}], offset: {offset}>>"


@dataclass(frozen=True)
class UnrankedSpec:
    """An unranked memref parameter (`memref<*xf32>`): any NumPy array of the element type."""

    element: str

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the elements."""
        return np.dtype(_SCALARS[self.element][0])

    def ctypes_fields(self) -> list[type[Any]]:
        """The C types of the unranked descriptor: rank and a pointer to the ranked descriptor."""
        return [ctypes.c_int64, ctypes.c_void_p]

    def __str__(self) -> str:
        return f"memref<*x{self.element}>"


def descriptor_struct(rank: int) -> type[ctypes.Structure]:
    """The ranked descriptor as a C struct: `allocated, aligned, offset, sizes[rank], strides[rank]`."""
    return type(
        f"Descriptor{rank}",
        (ctypes.Structure,),
        {
            "_fields_": [
                ("allocated", ctypes.c_void_p),
                ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64),
                ("sizes", ctypes.c_int64 * rank),
                ("strides", ctypes.c_int64 * rank),
            ]
        },
    )


Spec = ScalarSpec | MemRefSpec | UnrankedSpec


@dataclass(frozen=True)
class Signature:
    """The MLIR signature of a compiled function (before lowering)."""

    inputs: tuple[Spec, ...]
    results: tuple[Spec, ...]

    @property
    def out_struct(self) -> bool:
        """Whether results are returned through the struct pointed to by the first argument."""
        return len(self.results) > 1 or any(isinstance(r, MemRefSpec) for r in self.results)

    def argtypes(self) -> list[type[Any]]:
        """The C parameter types (the result-struct pointer first, when there is one)."""
        flat = [t for spec in self.inputs for t in _ctypes_of(spec)]
        return [ctypes.c_void_p, *flat] if self.out_struct else flat

    def restype(self) -> type[Any] | None:
        """The C return type."""
        if self.out_struct or not self.results:
            return None
        result = self.results[0]
        assert isinstance(result, ScalarSpec)
        return result.ctype

    def result_struct(self) -> type[ctypes.Structure]:
        """A ctypes struct with the flattened results as fields `f0, f1, ...`."""
        types = [t for spec in self.results for t in _ctypes_of(spec)]
        return type("Results", (ctypes.Structure,), {"_fields_": [(f"f{k}", t) for k, t in enumerate(types)]})


def _ctypes_of(spec: Spec) -> list[type[Any]]:
    return [spec.ctype] if isinstance(spec, ScalarSpec) else spec.ctypes_fields()


def split_top(text: str) -> list[str]:
    """Splits on commas outside `<>`, `[]` and `()`."""
    parts, depth, start = [], 0, 0
    for k, c in enumerate(text):
        depth += c in "<[("
        depth -= c in ">])"
        if c == "," and depth == 0:
            parts.append(text[start:k].strip())
            start = k + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def _dim(text: str) -> int | None:
    return None if text.strip() == "?" else int(text)


def parse_type(text: str) -> Spec:
    """A spec from MLIR type syntax: `f32`, `index`, `memref<?x4xf32>`, `memref<4xf32, strided<[2]>>`."""
    text = text.strip()
    if text in _SCALARS:
        return ScalarSpec(text)
    if not (text.startswith("memref<") and text.endswith(">")):
        raise ValueError(f"unsupported type in a signature: {text}")
    if text.startswith("memref<*x"):
        element = text[len("memref<*x") : -1]
        if element not in _SCALARS:
            raise ValueError(f"unsupported element type {element} in {text}")
        return UnrankedSpec(element)
    body = split_top(text[len("memref<") : -1])
    *dims, element = body[0].split("x")
    if element not in _SCALARS:
        raise ValueError(f"unsupported element type {element} in {text}")
    shape = tuple(_dim(d) for d in dims)
    if len(body) == 1:
        return MemRefSpec(element, shape)
    layout = body[1]
    if not layout.startswith("strided<"):
        raise ValueError(f"unsupported memref layout in {text}")
    strides_text, _, rest = layout[len("strided<[") :].partition("]")
    strides = tuple(_dim(s) for s in strides_text.split(",") if s.strip())
    offset: int | None = 0
    if "offset:" in rest:
        offset = _dim(rest.split("offset:")[1].rstrip(">").strip())
    return MemRefSpec(element, shape, strides, offset)


def parse_signature(text: str) -> Signature:
    """A signature from MLIR function type syntax: `(memref<?xf32>, index) -> (f32, memref<?xf32>)`."""
    args_text, arrow, results_text = text.partition("->")
    if not arrow:
        raise ValueError(f"not a function type: {text}")
    args_text = args_text.strip()
    if not (args_text.startswith("(") and args_text.endswith(")")):
        raise ValueError(f"not a function type: {text}")
    results_text = results_text.strip()
    if results_text.startswith("(") and results_text.endswith(")"):
        results_text = results_text[1:-1]
    inputs = tuple(parse_type(t) for t in split_top(args_text[1:-1]))
    results = tuple(parse_type(t) for t in split_top(results_text))
    if any(isinstance(r, UnrankedSpec) for r in results):
        raise ValueError(f"an unranked memref cannot be returned: {text}")
    return Signature(inputs, results)


def descriptor_fields(array: np.ndarray[Any, Any], spec: MemRefSpec) -> list[int]:
    """The descriptor fields of `array` viewed as `spec`, after checking that it conforms."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected a NumPy array for {spec}, got {type(array).__name__}")
    if array.dtype != spec.dtype or array.ndim != spec.rank:
        raise ValueError(f"expected {spec}, got an array of {array.dtype} with shape {array.shape}")
    for k, (want, got) in enumerate(zip(spec.shape, array.shape, strict=True)):
        if want is not None and want != got:
            raise ValueError(f"expected {spec}, got shape {array.shape} (dimension {k})")
    itemsize = array.dtype.itemsize
    if any(s % itemsize for s in array.strides):
        raise ValueError(f"array strides {array.strides} are not multiples of its item size {itemsize}")
    strides = [s // itemsize for s in array.strides]
    _check_layout(array, spec, strides)
    data = array.ctypes.data
    offset = spec.offset or 0
    aligned = data - offset * itemsize
    return [data, aligned, offset, *array.shape, *strides]


def _check_layout(array: np.ndarray[Any, Any], spec: MemRefSpec, strides: Sequence[int]) -> None:
    if spec.strides is None:
        if not array.flags.c_contiguous:
            raise ValueError(f"{spec} needs a C-contiguous array; pass np.ascontiguousarray(x)")
        return
    for k, (want, got) in enumerate(zip(spec.strides, strides, strict=True)):
        if want is not None and want != got and array.shape[k] > 1:
            raise ValueError(f"expected {spec}, got element strides {tuple(strides)} (dimension {k})")


def flatten_args(signature: Signature, args: Sequence[Any]) -> tuple[list[Any], dict[int, Any]]:
    """The C arguments for `args`, and the argument arrays by data pointer (for result aliasing)."""
    if len(args) != len(signature.inputs):
        raise TypeError(f"expected {len(signature.inputs)} arguments, got {len(args)}")
    flat: list[Any] = []
    arrays: dict[int, Any] = {}
    for spec, arg in zip(signature.inputs, args, strict=True):
        if isinstance(spec, MemRefSpec):
            fields = descriptor_fields(arg, spec)
            arrays[fields[0]] = arg
            flat.extend(fields)
        elif isinstance(spec, UnrankedSpec):
            flat.extend(unranked_fields(arg, spec))
        else:
            flat.append(spec.ctype(arg))
    return flat, arrays


def unranked_fields(array: np.ndarray[Any, Any], spec: UnrankedSpec) -> list[Any]:
    """`(rank, pointer to a descriptor of array)`; the pointer keeps the descriptor alive."""
    if not isinstance(array, np.ndarray) or array.dtype != spec.dtype:
        got = f"an array of {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
        raise ValueError(f"expected {spec}, got {got}")
    ranked = MemRefSpec(spec.element, tuple(array.shape), tuple([None] * array.ndim), None)
    fields = descriptor_fields(array, ranked)
    rank = array.ndim
    descriptor = descriptor_struct(rank)(
        fields[0],
        fields[1],
        fields[2],
        (ctypes.c_int64 * rank)(*fields[3 : 3 + rank]),
        (ctypes.c_int64 * rank)(*fields[3 + rank :]),
    )
    return [rank, ctypes.pointer(descriptor)]


class Allocation:
    """A `malloc`ed buffer returned by compiled code: freed when the last array viewing it goes."""

    def __init__(self, address: int, free: Callable[[int], object]) -> None:
        self.address = address
        self._free = free

    def __del__(self) -> None:
        self._free(self.address)


class _View:
    """Hands one result's memory to NumPy (`__array_interface__`) and keeps its owner alive."""

    def __init__(self, interface: dict[str, Any], owner: object) -> None:
        self.__array_interface__ = interface
        self.owner = owner


def unpack_results(
    signature: Signature,
    values: Sequence[Any],
    arrays: dict[int, Any],
    static_owner: object,
    free: Callable[[int], object],
) -> tuple[Any, ...]:
    """The results as NumPy scalars and arrays, from the flattened values a call returned.

    `arrays` maps argument data pointers to the argument arrays; `static_owner` keeps memory of the
    compiled module alive (results whose allocated pointer is null); `free` releases the rest.
    """
    owners: dict[int, object] = {}
    results: list[Any] = []
    pos = 0
    for spec in signature.results:
        if isinstance(spec, ScalarSpec):
            results.append(spec.dtype.type(values[pos]))
            pos += 1
            continue
        if not isinstance(spec, MemRefSpec):
            raise TypeError(f"an unranked memref cannot be returned: {spec}")
        count = 3 + 2 * spec.rank
        fields = [v or 0 for v in values[pos : pos + count]]
        pos += count
        allocated = fields[0]
        if allocated == 0:
            owner = static_owner
        elif allocated in arrays:
            owner = arrays[allocated]
        else:
            owner = owners.setdefault(allocated, Allocation(allocated, free))
        results.append(_array(spec, fields, owner))
    return tuple(results)


def _array(spec: MemRefSpec, fields: Sequence[int], owner: object) -> np.ndarray[Any, Any]:
    itemsize = spec.dtype.itemsize
    aligned, offset = fields[1], fields[2]
    sizes, strides = fields[3 : 3 + spec.rank], fields[3 + spec.rank :]
    interface = {
        "version": 3,
        "shape": tuple(sizes),
        "typestr": spec.dtype.str,
        "data": (aligned + offset * itemsize, False),
        "strides": tuple(s * itemsize for s in strides),
    }
    return np.asarray(_View(interface, owner))
