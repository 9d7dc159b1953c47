"""int4 data on the gpu target (regression: convert-linalg-to-gpu stopped with "no GPU type for i4").

An `i4` memref holds two elements a byte (element e is the low nibble of byte e / 2 when e is even,
the high nibble when odd), on the host as on the device: kernels read the nibble sign-extended
(`wrap4`) and store it without touching its neighbour. An `i4` scalar that host code passes to a
kernel travels as a sign-extended `i8`. A program that quantizes to int4
on the device, reads elements and views of the result on the host, passes one to a kernel and
dequantizes must print what the CPU prints; the kernels' i4 arithmetic wraps like MLIR's.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pytest
from gpu_target_util import TARGETS, printed, require_adapter, same_printed
from gpu_util import descriptor, gpu_context, kernel, rows_kernel

from runtime.gpu import GpuRuntime
from runtime.gpu_kernels import KernelSpec, MemRefArg

require_adapter()

PROGRAM = """
let w = [[0.5, -1.0, 0.75, -0.1], [0.25, 2.0, -2.0, 1.0], [-0.3, 0.0, 1.5, -1.5]]
let (q, scale) = quantize_tensor(w, int4, axis: 1)
for i in 0..3 {
    print(q[i], q[i, 1], full([2], q[i, 2]))
}
print(q[0:2, 1:3], q[1:3, 2])
print(dequantize(q, scale, axis: 1))
"""


def test_int4_program_prints_the_same_on_both_targets(capfd: pytest.CaptureFixture[str]) -> None:
    out = {t: printed(PROGRAM, "int4.ch", t, capfd) for t in TARGETS}
    assert out["cpu"].startswith("[ 7 -3  3  0] -3 [3 3]\n"), out["cpu"]
    same_printed(out["gpu"], out["cpu"])


def wrap4(v: int) -> int:
    v &= 0xF
    return v - 16 if v & 8 else v


# Row k of %out is the i32 value of row k's expression of %a, %b (i4 elements of %x, %y).
ROWS = {
    "extsi": ("%r = arith.extsi %a : i4 to i32", lambda a, b: a),
    "extui": ("%r = arith.extui %a : i4 to i32", lambda a, b: a & 0xF),
    "addi": ("%s = arith.addi %a, %b : i4\n%r = arith.extsi %s : i4 to i32", lambda a, b: wrap4(a + b)),
    "subi": ("%s = arith.subi %a, %b : i4\n%r = arith.extsi %s : i4 to i32", lambda a, b: wrap4(a - b)),
    "muli": ("%s = arith.muli %a, %b : i4\n%r = arith.extsi %s : i4 to i32", lambda a, b: wrap4(a * b)),
    "divui": (
        "%s = arith.divui %a, %b : i4\n%r = arith.extui %s : i4 to i32",
        lambda a, b: (a & 0xF) // (b & 0xF),
    ),
    "shrui": (
        "%one = arith.constant 1 : i4\n%s = arith.shrui %a, %one : i4\n%r = arith.extsi %s : i4 to i32",
        lambda a, b: wrap4((a & 0xF) >> 1),
    ),
    "cmpi ult": (
        "%c = arith.cmpi ult, %a, %b : i4\n%r = arith.extui %c : i1 to i32",
        lambda a, b: int((a & 0xF) < (b & 0xF)),
    ),
    "cmpi slt": ("%c = arith.cmpi slt, %a, %b : i4\n%r = arith.extui %c : i1 to i32", lambda a, b: int(a < b)),
    "sitofp": ("%f = arith.sitofp %a : i4 to f32\n%r = arith.fptosi %f : f32 to i32", lambda a, b: a),
    "trunci": (
        "%w = arith.extsi %a : i4 to i32\n%three = arith.constant 3 : i32\n%m = arith.muli %w, %three : i32\n"
        "%s = arith.trunci %m : i32 to i4\n%r = arith.extsi %s : i4 to i32",
        lambda a, b: wrap4(3 * a),
    ),
}


STORE = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %a = memref.load %x[%t] : memref<?xi4>
      %b = memref.load %y[%t] : memref<?xi4>
      %s = arith.addi %a, %b : i4
      memref.store %s, %q[%t] : memref<?xi4>
    }"""


def pack(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """int4 `values` (an even count) packed two a byte, low nibble first."""
    nibbles = (values & 0xF).astype(np.uint8)
    return (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8)


def unpack(packed: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The int4 values of packed bytes, sign-extended."""
    nibbles = np.stack([packed & 0xF, packed >> 4], axis=1).ravel().astype(np.int64)
    return np.where(nibbles & 8, nibbles - 16, nibbles)


def nibble_descriptor(packed: np.ndarray[Any, Any]) -> Any:
    """The rank-1 descriptor of the `2 * packed.size` int4 elements of `packed`."""
    from runtime.abi import descriptor_struct

    n, ptr = 2 * packed.size, packed.ctypes.data
    return descriptor_struct(1)(ptr, ptr, 0, (ctypes.c_int64 * 1)(n), (ctypes.c_int64 * 1)(1))


def _launch(rt: GpuRuntime, spec: KernelSpec, args: list[Any], n: int) -> None:
    """Stage `args` with the entry points of the spec's element types (packed bytes for i4)."""
    symbols = rt.functions()
    staged = []
    for arg_spec, arg in zip(spec.args, args, strict=True):
        if isinstance(arg_spec, MemRefArg):
            desc = nibble_descriptor(arg) if arg_spec.element == "i4" else descriptor(arg)
            staged.append((arg_spec.element, arg, desc))
            symbols[f"charl_gpu_memref_{arg_spec.element}"](arg.ndim, ctypes.addressof(desc))
        else:
            symbols["charl_gpu_scalar_index"](arg)
    symbols["charl_gpu_launch"](spec.number, n)
    for element, array, desc in staged:
        symbols[f"charl_gpu_access_{element}"](array.ndim, ctypes.addressof(desc), 0)
    rt.check()


def _operands() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Every pair (a, b) of -8..7 with b nonzero (divui by zero is undefined), and both packed."""
    a, b = (v.ravel() for v in np.meshgrid(np.arange(-8, 8), np.arange(-8, 8)))
    a, b = a[b != 0], b[b != 0]
    return a, b, pack(a), pack(b)


def test_int4_kernel_ops_wrap_like_mlir() -> None:
    """Loads of packed nibbles give the values; i4 arithmetic and conversions match MLIR's."""
    spec = rows_kernel(["i4", "i4"], "i32", [text for text, _ in ROWS.values()])
    assert [m.element for m in spec.memrefs] == ["i4", "i4", "i32"]
    a, b, x, y = _operands()
    out = np.zeros((len(ROWS), a.size), np.int32)
    _launch(GpuRuntime([spec], gpu_context()), spec, [x, y, out, a.size], a.size)
    for k, (name, (_, ref)) in enumerate(ROWS.items()):
        want = np.array([ref(int(u), int(v)) for u, v in zip(a, b, strict=True)], np.int32)
        np.testing.assert_array_equal(out[k], want, err_msg=f"{name} on i4")


def test_int4_kernel_stores_packed_nibbles() -> None:
    """Each stored nibble is the sum's, in the byte that held 0xa, 0xa before."""
    spec = kernel("%x: memref<?xi4>, %y: memref<?xi4>, %q: memref<?xi4>, %n: index", STORE)
    a, b, x, y = _operands()
    q = np.full(a.size // 2 + 1, 0xAA, np.uint8)
    _launch(GpuRuntime([spec], gpu_context()), spec, [x, y, q, a.size], a.size)
    want = np.array([wrap4(int(u + v)) for u, v in zip(a, b, strict=True)])
    np.testing.assert_array_equal(unpack(q)[: a.size], want)
    assert q[-1] == 0xAA, "the nibbles past the last element are kept"
