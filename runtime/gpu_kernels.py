"""What the GPU runtime needs to know about each compiled kernel: `KernelSpec`.

The WGSL emitter (`charlc/wgsl.py`) produces one `KernelSpec` per `gpu.func ... kernel`; the
runtime (`runtime/gpu.py`) builds pipelines and fills parameter blocks from it without importing
the compiler. Specs are plain frozen data with a JSON form, so the program cache can store them.

Bindings of a kernel's WGSL (all in `@group(0)`):

- binding `k` (k = 0, 1, ...) is the k-th memref argument, the whole device buffer of its host
  allocation: `array<T>` for f32, f64, i32, i64; `array<u32>` words for i8, i4 and i1 (four elements a
  word, little-endian; i4 values packed eight a word, two a byte, low nibble first, as on the host),
  `array<atomic<u32>>` when the kernel writes them. Declared `read` when the
  kernel does not write the argument, else `read_write`; the runtime switches every `read` to
  `read_write` (`wgsl_all_writable`) when one dispatch binds a buffer both ways (WebGPU forbids
  mixing read-only and writable storage use of a buffer in a dispatch).
- binding `n_memrefs` is the *parameter block*: `array<u32>`, read-only storage bound with a dynamic
  offset, one slot of `param_words` words per dispatch. Its words (`params`, in word order) are:
  per memref argument its element offset (`offset`: the element index, in the device buffer, of
  the view's element `[0, ..., 0]`, i.e. the aligned pointer's distance from the buffer's start
  plus the descriptor's offset) followed by the sizes and strides that the memref type leaves
  dynamic; per scalar argument its value (`value`). A word is an `i32` (offsets, sizes, strides,
  `index`, `i32`, `i8` and `i4` sign-extended), an `f32`, `u32` 0/1 (`i1`); f64 and i64 take two words,
  low word first (their little-endian bytes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

ELEMENTS = ("f32", "f64", "i32", "i64", "i8", "i4", "i1")
"""Element types a memref argument may have."""
SCALARS = ("f32", "f64", "i32", "i64", "i8", "i4", "i1", "index")
"""Types a scalar argument may have (host code stages an `i4` as `i8`, an `i1` as `i32`)."""
BYTE_ELEMENTS = ("i8", "i4", "i1")
"""Element types stored one byte an element, packed into `u32` words on the device."""

ITEMSIZE = {"f32": 4, "f64": 8, "i32": 4, "i64": 8, "i8": 1, "i4": 1, "i1": 1}
"""Bytes per element of each memref element type."""

PARAM_FORMAT = {"f32": "f", "f64": "d", "i32": "i", "i64": "q", "i8": "i", "i4": "i", "i1": "I", "index": "i"}
"""The `struct` format character of each scalar's parameter words (little-endian, `<`)."""

Field = Literal["offset", "size", "stride", "value"]

_READ_ONLY = re.compile(r"var<storage, read> (?!prm\b|params\b)")


@dataclass(frozen=True)
class MemRefArg:
    """A memref argument: element type, rank, and whether the kernel stores into it."""

    element: str
    rank: int
    writes: bool
    kind: Literal["memref"] = "memref"


@dataclass(frozen=True)
class ScalarArg:
    """A scalar argument of type `type` (one of `SCALARS`)."""

    type: str
    kind: Literal["scalar"] = "scalar"


ArgSpec = MemRefArg | ScalarArg


@dataclass(frozen=True)
class ParamSlot:
    """One value of the parameter block: `field` of argument `arg` (`dim` for sizes and strides),
    at word `word`, of type `type` (`index` for offsets, sizes and strides)."""

    arg: int
    field: Field
    dim: int
    word: int
    type: str


@dataclass(frozen=True)
class KernelSpec:
    """A compiled kernel: its WGSL (entry point `main`) and what the runtime needs to launch it."""

    number: int
    name: str
    wgsl: str
    workgroup_size: int
    args: tuple[ArgSpec, ...]
    params: tuple[ParamSlot, ...]
    param_words: int
    features: tuple[str, ...]
    """The wgpu features the WGSL needs (`shader-f64`, `shader-int64`)."""

    @property
    def memrefs(self) -> tuple[MemRefArg, ...]:
        """The memref arguments, in binding order."""
        return tuple(a for a in self.args if isinstance(a, MemRefArg))

    def wgsl_all_writable(self) -> str:
        """The WGSL with every memref binding `read_write` (for dispatches that alias buffers); the
        parameter block (`prm` or `params`) stays read-only."""
        return _READ_ONLY.sub("var<storage, read_write> ", self.wgsl)

    def to_json(self) -> str:
        """The spec as JSON text."""
        data: dict[str, Any] = {
            "number": self.number,
            "name": self.name,
            "wgsl": self.wgsl,
            "workgroup_size": self.workgroup_size,
            "args": [_arg_json(a) for a in self.args],
            "params": [[p.arg, p.field, p.dim, p.word, p.type] for p in self.params],
            "param_words": self.param_words,
            "features": list(self.features),
        }
        return json.dumps(data)

    @staticmethod
    def from_json(text: str) -> KernelSpec:
        """The spec `to_json` wrote."""
        data = json.loads(text)
        return KernelSpec(
            number=int(data["number"]),
            name=str(data["name"]),
            wgsl=str(data["wgsl"]),
            workgroup_size=int(data["workgroup_size"]),
            args=tuple(_arg_from_json(a) for a in data["args"]),
            params=tuple(ParamSlot(int(a), f, int(d), int(w), str(t)) for a, f, d, w, t in data["params"]),
            param_words=int(data["param_words"]),
            features=tuple(str(f) for f in data["features"]),
        )


def _arg_json(arg: ArgSpec) -> dict[str, Any]:
    if isinstance(arg, MemRefArg):
        return {"kind": "memref", "element": arg.element, "rank": arg.rank, "writes": arg.writes}
    return {"kind": "scalar", "type": arg.type}


def _arg_from_json(data: dict[str, Any]) -> ArgSpec:
    if data["kind"] == "memref":
        return MemRefArg(str(data["element"]), int(data["rank"]), bool(data["writes"]))
    return ScalarArg(str(data["type"]))


def kernels_to_json(kernels: list[KernelSpec]) -> str:
    """A list of specs as one JSON array."""
    return "[" + ",".join(k.to_json() for k in kernels) + "]"


def kernels_from_json(text: str) -> list[KernelSpec]:
    """The list `kernels_to_json` wrote."""
    return [KernelSpec.from_json(json.dumps(item)) for item in json.loads(text)]
