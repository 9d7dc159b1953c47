"""WGSL structured control flow (`scf.for`, `scf.if`, `scf.while` with loop-carried values), the
`KernelSpec` of emitted kernels (arguments, parameter layout, features, JSON) and the emitter's
errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gpu_util import compile_kernels, gpu_context, kernel, kernel_ir, module_ir, run

from charlc.wgsl import WgslError
from runtime.gpu import GpuRuntime
from runtime.gpu_kernels import KernelSpec, MemRefArg, ParamSlot, ScalarArg, kernels_from_json, kernels_to_json

ROW_SUM = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %cols = memref.dim %x, %c1 : memref<?x?xf32>
      %zero = arith.constant 0.0 : f32
      %sum, %count = scf.for %j = %c0 to %cols step %c1 iter_args(%acc = %zero, %k = %c0) -> (f32, index) {
        %v = memref.load %x[%t, %j] : memref<?x?xf32>
        %a = arith.addf %acc, %v : f32
        %k1 = arith.addi %k, %c1 : index
        scf.yield %a, %k1 : f32, index
      }
      %ki = arith.index_cast %count : index to i32
      memref.store %sum, %y[%t] : memref<?xf32>
      memref.store %ki, %z[%t] : memref<?xi32>
    }"""


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def test_for_with_iter_args(ctx: Any) -> None:
    spec = kernel("%x: memref<?x?xf32>, %y: memref<?xf32>, %z: memref<?xi32>, %n: index", ROW_SUM)
    x = np.arange(4 * 7, dtype=np.float32).reshape(4, 7)
    y, z = np.zeros(4, np.float32), np.zeros(4, np.int32)
    run(GpuRuntime([spec], ctx), spec, [x, y, z, 4])
    np.testing.assert_array_equal(y, x.sum(axis=1))
    np.testing.assert_array_equal(z, [7] * 4)


def test_swapped_iter_args_and_nested_loops(ctx: Any) -> None:
    """Fibonacci by swapping two carried values, inside an outer loop with a step of 2."""
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c6 = arith.constant 6 : index
      %i0 = arith.constant 0 : i64
      %i1 = arith.constant 1 : i64
      %steps = arith.addi %t, %c1 : index
      %r = scf.for %o = %c0 to %c6 step %c2 iter_args(%total = %i0) -> (i64) {
        %a, %b = scf.for %j = %c0 to %steps step %c1 iter_args(%p = %i0, %q = %i1) -> (i64, i64) {
          %s = arith.addi %p, %q : i64
          scf.yield %q, %s : i64, i64
        }
        %u = arith.addi %total, %a : i64
        scf.yield %u : i64
      }
      memref.store %r, %y[%t] : memref<?xi64>
    }"""
    spec = kernel("%y: memref<?xi64>, %n: index", body)
    y = np.zeros(10, np.int64)
    run(GpuRuntime([spec], ctx), spec, [y, 10])
    fib = [0, 1]
    while len(fib) < 20:
        fib.append(fib[-1] + fib[-2])
    np.testing.assert_array_equal(y, [3 * fib[t + 1] for t in range(10)])


def test_if_with_results_and_else(ctx: Any) -> None:
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %v = memref.load %x[%t] : memref<?xf32>
      %zero = arith.constant 0.0 : f32
      %neg = arith.cmpf olt, %v, %zero : f32
      %r, %s = scf.if %neg -> (f32, i32) {
        %m = arith.negf %v : f32
        %a = arith.constant -1 : i32
        scf.yield %m, %a : f32, i32
      } else {
        %big = arith.constant 10.0 : f32
        %gt = arith.cmpf ogt, %v, %big : f32
        %w = scf.if %gt -> (f32) {
          scf.yield %big : f32
        } else {
          scf.yield %v : f32
        }
        %b = arith.constant 1 : i32
        scf.yield %w, %b : f32, i32
      }
      memref.store %r, %y[%t] : memref<?xf32>
      memref.store %s, %z[%t] : memref<?xi32>
    }"""
    spec = kernel("%x: memref<?xf32>, %y: memref<?xf32>, %z: memref<?xi32>, %n: index", body)
    x = np.array([-3.0, 0.0, 5.0, 12.0, -0.5], np.float32)
    y, z = np.zeros(5, np.float32), np.zeros(5, np.int32)
    run(GpuRuntime([spec], ctx), spec, [x, y, z, 5])
    np.testing.assert_array_equal(y, np.minimum(np.abs(x), 10))
    np.testing.assert_array_equal(z, np.where(x < 0, -1, 1))


def test_while(ctx: Any) -> None:
    """Collatz: the number of steps from t + 1 to 1 (before region computes, after region steps)."""
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %c1 = arith.constant 1 : index
      %start = arith.addi %t, %c1 : index
      %i0 = arith.constant 0 : i32
      %steps:2 = scf.while (%v = %start, %k = %i0) : (index, i32) -> (index, i32) {
        %more = arith.cmpi ugt, %v, %c1 : index
        scf.condition(%more) %v, %k : index, i32
      } do {
      ^bb0(%w: index, %j: i32):
        %c2 = arith.constant 2 : index
        %c3 = arith.constant 3 : index
        %odd = arith.remui %w, %c2 : index
        %is_odd = arith.cmpi eq, %odd, %c1 : index
        %up = arith.muli %w, %c3 : index
        %up1 = arith.addi %up, %c1 : index
        %down = arith.divui %w, %c2 : index
        %next = arith.select %is_odd, %up1, %down : index
        %one = arith.constant 1 : i32
        %j1 = arith.addi %j, %one : i32
        scf.yield %next, %j1 : index, i32
      }
      memref.store %steps#1, %y[%t] : memref<?xi32>
    }"""
    spec = kernel("%y: memref<?xi32>, %n: index", body)
    y = np.zeros(30, np.int32)
    run(GpuRuntime([spec], ctx), spec, [y, 30])

    def collatz(v: int) -> int:
        steps = 0
        while v > 1:
            v, steps = (3 * v + 1 if v % 2 else v // 2), steps + 1
        return steps

    np.testing.assert_array_equal(y, [collatz(t + 1) for t in range(30)])


def test_spec_arguments_parameters_and_json() -> None:
    text = module_ir(
        kernel_ir("%x: memref<?x?xf32>, %y: memref<?xf32>, %z: memref<?xi32>, %n: index", ROW_SUM, 3),
        kernel_ir("%a: memref<4xf64>, %s: f64, %n: index", "    %t = gpu.global_id x", 5, 128),
        kernel_ir("%a: memref<?xi64>, %n: index", "    %t = gpu.global_id x", 6),
    )
    specs = compile_kernels(text)
    assert [s.number for s in specs] == [3, 5, 6]
    row = specs[0]
    assert row.args == (
        MemRefArg("f32", 2, False),
        MemRefArg("f32", 1, True),
        MemRefArg("i32", 1, True),
        ScalarArg("index"),
    )
    assert row.params[:4] == (
        ParamSlot(0, "offset", 0, 0, "index"),
        ParamSlot(0, "size", 0, 1, "index"),
        ParamSlot(0, "size", 1, 2, "index"),
        ParamSlot(0, "stride", 0, 3, "index"),
    )
    assert row.param_words == 7 and row.features == () and row.workgroup_size == 64
    assert "@compute @workgroup_size(64)" in row.wgsl and "fn main(" in row.wgsl
    f64 = specs[1]
    assert f64.workgroup_size == 128 and f64.features == ("shader-f64", "shader-int64")
    assert f64.params[1] == ParamSlot(1, "value", 0, 1, "f64") and f64.param_words == 4
    assert specs[2].features == ("shader-int64",)
    assert kernels_from_json(kernels_to_json(specs)) == specs
    assert KernelSpec.from_json(row.to_json()) == row


def test_emitter_errors() -> None:
    bad_op = "    %t = gpu.global_id x\n    %a = math.cbrt %s : f32"
    with pytest.raises(WgslError, match="math.cbrt") as info:
        compile_kernels(module_ir(kernel_ir("%s: f32, %n: index", bad_op)))
    assert info.value.op is not None and info.value.op.name == "math.cbrt"
    with pytest.raises(WgslError, match="f16"):
        compile_kernels(module_ir(kernel_ir("%s: f16, %n: index", "    %t = gpu.global_id x")))
    local = "    %t = gpu.global_id x\n    %m = memref.alloc() : memref<4xf32>"
    with pytest.raises(WgslError, match="memref.alloc"):
        compile_kernels(module_ir(kernel_ir("%n: index", local)))
    big = "    %c = arith.constant 4294967296 : index"
    with pytest.raises(WgslError, match="32-bit index"):
        compile_kernels(module_ir(kernel_ir("%n: index", big)))
