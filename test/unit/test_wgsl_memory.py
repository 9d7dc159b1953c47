"""WGSL memory access: static and dynamic strided layouts, offsets, negative strides, every rank,
`memref.dim`, every element type, and byte-sized stores that must not disturb their neighbours."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_util import gpu_context, kernel, run

from runtime.gpu import GpuRuntime

DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64, "i8": np.int8, "i1": np.bool_}


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def copy2d(src_type: str, dst_type: str, element: str) -> Any:
    """y[i, j] = x[i, j] over an (M, N) grid given by the sizes of y (memref.dim)."""
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
      %c1 = arith.constant 1 : index
      %cols = memref.dim %y, %c1 : {dst_type}
      %i = arith.divui %t, %cols : index
      %j = arith.remui %t, %cols : index
      %v = memref.load %x[%i, %j] : {src_type}
      memref.store %v, %y[%i, %j] : {dst_type}
    }}"""
    return kernel(f"%x: {src_type}, %y: {dst_type}, %n: index", body)


@pytest.mark.parametrize("element", list(DTYPES))
def test_dynamic_strided_views(ctx: Any, element: str) -> None:
    """A non-contiguous view with an offset into its base (every stride and the offset dynamic)
    copied into a contiguous array, for every element type."""
    layout = f"memref<?x?x{element}, strided<[?, ?], offset: ?>>"
    spec = copy2d(layout, f"memref<?x?x{element}>", element)
    base = (np.arange(7 * 11) % 127).astype(DTYPES[element]).reshape(7, 11)
    view = base[1::2, 2::3]
    out = np.zeros(view.shape, DTYPES[element])
    run(GpuRuntime([spec], ctx), spec, [(view, base), out, view.size])
    np.testing.assert_array_equal(out, view)


def test_negative_strides_and_transposes(ctx: Any) -> None:
    layout = "memref<?x?xf32, strided<[?, ?], offset: ?>>"
    spec = copy2d(layout, "memref<?x?xf32>", "f32")
    base = np.arange(30, dtype=np.float32).reshape(5, 6)
    for view in (base[::-1, ::-2], base.T, base[:, ::-1].T):
        out = np.zeros(view.shape, np.float32)
        run(GpuRuntime([spec], ctx), spec, [(view, base), out, view.size])
        np.testing.assert_array_equal(out, view)


def test_static_layouts(ctx: Any) -> None:
    """Static strides and offset in the type become constants in the WGSL."""
    src = "memref<3x4xf32, strided<[1, 5], offset: 2>>"
    spec = copy2d(src, "memref<3x4xf32>", "f32")
    assert "_stride" not in spec.wgsl and "* 5" in spec.wgsl
    base = np.arange(40, dtype=np.float32)
    view = np.lib.stride_tricks.as_strided(base[2:], shape=(3, 4), strides=(4, 20))
    out = np.zeros((3, 4), np.float32)
    run(GpuRuntime([spec], ctx), spec, [(view, base), out, 12])
    np.testing.assert_array_equal(out, view)


@pytest.mark.parametrize(
    ("src", "shape"),
    [("memref<?x5xf32>", (3, 5)), ("memref<3x?xf32>", (3, 4)), ("memref<?x?xf32>", (2, 6))],
)
def test_identity_layouts_with_dynamic_sizes(ctx: Any, src: str, shape: tuple[int, int]) -> None:
    spec = copy2d(src, src, "f32")
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) + 1
    out = np.zeros(shape, np.float32)
    run(GpuRuntime([spec], ctx), spec, [x, out, x.size])
    np.testing.assert_array_equal(out, x)


def test_rank0_and_rank3(ctx: Any) -> None:
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %s = memref.load %scale[] : memref<f64>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %d1 = memref.dim %x, %c1 : memref<?x?x?xf64>
      %d2 = memref.dim %x, %c2 : memref<?x?x?xf64>
      %plane = arith.muli %d1, %d2 : index
      %i = arith.divui %t, %plane : index
      %r = arith.remui %t, %plane : index
      %j = arith.divui %r, %d2 : index
      %k = arith.remui %r, %d2 : index
      %v = memref.load %x[%i, %j, %k] : memref<?x?x?xf64>
      %w = arith.mulf %v, %s : f64
      memref.store %w, %x[%i, %j, %k] : memref<?x?x?xf64>
      %first = arith.cmpi eq, %t, %c0 : index
      scf.if %first {
        memref.store %w, %last[] : memref<f64>
      }
    }"""
    spec = kernel("%x: memref<?x?x?xf64>, %scale: memref<f64>, %last: memref<f64>, %n: index", body)
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) + 0.5
    scale, last = np.array(2.0), np.array(0.0)
    want = x * 2
    run(GpuRuntime([spec], ctx), spec, [x, scale, last, x.size])
    np.testing.assert_array_equal(x, want)
    assert last == want[0, 0, 0]


def test_memref_dim_with_a_runtime_index(ctx: Any) -> None:
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %d = memref.dim %x, %t : memref<?x7x?xi32>
      %v = arith.index_cast %d : index to i32
      memref.store %v, %y[%t] : memref<3xi32>
    }"""
    spec = kernel("%x: memref<?x7x?xi32>, %y: memref<3xi32>, %n: index", body)
    x = np.zeros((2, 7, 5), np.int32)
    y = np.zeros(3, np.int32)
    run(GpuRuntime([spec], ctx), spec, [x, y, 3])
    np.testing.assert_array_equal(y, [2, 7, 5])


@pytest.mark.parametrize("element", ["i8", "i1"])
def test_byte_stores_leave_neighbours_alone(ctx: Any, element: str) -> None:
    """Invocations store neighbouring bytes of the same words (atomics), every other byte of a
    strided view is untouched, and the bytes after the view keep their values."""
    t = element
    op = "arith.xori %v, %c : i1" if t == "i1" else "arith.muli %v, %c : i8"
    const = "%c = arith.constant true" if t == "i1" else "%c = arith.constant 3 : i8"
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
      %v = memref.load %x[%t] : memref<?x{t}, strided<[?], offset: ?>>
      {const}
      %w = {op}
      memref.store %w, %x[%t] : memref<?x{t}, strided<[?], offset: ?>>
      memref.store %w, %y[%t] : memref<?x{t}>
    }}"""
    spec = kernel(f"%x: memref<?x{t}, strided<[?], offset: ?>>, %y: memref<?x{t}>, %n: index", body)
    n = 1001
    rng = np.random.default_rng(9)
    raw = rng.integers(-128, 128, 2 * n + 7).astype(np.int8)
    base = raw.astype(bool) if t == "i1" else raw
    before = base.copy()
    view = base[1 : 2 * n : 2]
    ybase = np.full(n + 3, 1, DTYPES[t])
    y = ybase[:n]
    run(GpuRuntime([spec], ctx), spec, [(view, base), (y, ybase), n])
    want = ~before[1 : 2 * n : 2] if t == "i1" else (before[1 : 2 * n : 2].astype(np.int32) * 3).astype(np.int8)
    np.testing.assert_array_equal(view, want)
    np.testing.assert_array_equal(base[0::2], before[0::2])
    np.testing.assert_array_equal(base[2 * n :], before[2 * n :])
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(ybase[n:], np.full(3, 1, DTYPES[t]))


@pytest.mark.parametrize("element", ["f32", "f64", "i32", "i64"])
def test_odd_lengths_and_scalars_of_every_width(ctx: Any, element: str) -> None:
    """y[t] = x[t] + s for lengths that are not multiples of 4 bytes' worth; the scalar travels
    through the parameter block (two words for 64-bit types)."""
    add = "arith.addf" if element.startswith("f") else "arith.addi"
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
      %v = memref.load %x[%t] : memref<?x{element}>
      %w = {add} %v, %s : {element}
      memref.store %w, %y[%t] : memref<?x{element}>
    }}"""
    spec = kernel(f"%x: memref<?x{element}>, %s: {element}, %y: memref<?x{element}>, %n: index", body)
    dtype = DTYPES[element]
    s = 2.5e300 if element == "f64" else -(2**40) - 3 if element == "i64" else -7
    x = np.arange(5, dtype=dtype)
    y = np.zeros(5, dtype)
    run(GpuRuntime([spec], ctx), spec, [x, s, y, 5])
    np.testing.assert_array_equal(y, x + dtype(s))


def test_scalar_bool_and_i8_arguments(ctx: Any) -> None:
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %v = arith.select %flag, %a, %b : i8
      memref.store %v, %y[%t] : memref<?xi8>
    }"""
    spec = kernel("%flag: i1, %a: i8, %b: i8, %y: memref<?xi8>, %n: index", body)
    y = np.zeros(6, np.int8)
    run(GpuRuntime([spec], ctx), spec, [True, -5, 9, y, 6])
    np.testing.assert_array_equal(y, np.full(6, -5, np.int8))
    run(GpuRuntime([spec], ctx), spec, [False, -5, 9, y, 6])
    np.testing.assert_array_equal(y, np.full(6, 9, np.int8))
