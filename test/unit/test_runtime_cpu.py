"""The CPU runtime: MLIR loop nests lowered by convert-to-llvm, JIT-compiled by `CpuModule` and run on
NumPy arrays (passed without copies through runtime/abi.py), with results checked against NumPy.
"""

from __future__ import annotations

import gc
import math
import weakref
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef
from xdsl.dialects.scf import Scf
from xdsl.parser import Parser

from passes._llvm_emit import signatures, to_llvm_ir, to_llvmlite
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.abi import Allocation, MemRefSpec, ScalarSpec, UnrankedSpec, parse_signature
from runtime.cpu import CompileOptions, CompileStats, CpuModule, ObjectCache

M2 = "memref<?x?xf32>"
STRIDED = "memref<?x?xf32, strided<[?, ?], offset: ?>>"


def ir_of(mlir: str) -> str:
    """LLVM IR of a func/scf/memref/arith/math module."""
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, MemRef):
        ctx.load_dialect(dialect)
    module = Parser(ctx, mlir).parse_module()
    module.verify()
    ConvertToLlvmPass().apply(ctx, module)
    return to_llvm_ir(module)


def compiled(mlir: str, **kwargs: object) -> CpuModule:
    return CpuModule(ir_of(mlir), **kwargs)  # type: ignore[arg-type]


def loop_nest_2d(name: str, t: str, body: str, args: str = "") -> str:
    """`func @name(%a: t, %b: t, %c: t{args})` running `body` for every (%i, %j) of %a."""
    return f"""
    func.func @{name}(%a: {t}, %b: {t}, %c: {t}{args}) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %a, %c0 : {t}
      %m = memref.dim %a, %c1 : {t}
      scf.for %i = %c0 to %n step %c1 {{
        scf.for %j = %c0 to %m step %c1 {{
          %x = memref.load %a[%i, %j] : {t}
          %y = memref.load %b[%i, %j] : {t}
          {body}
        }}
      }}
      func.return
    }}
    """


ELEMENTWISE = loop_nest_2d(
    "fused",
    M2,
    f"""%e = math.exp %x : f32
          %p = arith.mulf %e, %y : f32
          %t = math.tanh %p : f32
          %g = math.erf %y : f32
          %s = arith.addf %t, %g : f32
          memref.store %s, %c[%i, %j] : {M2}""",
)


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_elementwise_2d_kernel_matches_numpy() -> None:
    fused = compiled(ELEMENTWISE).function("fused", f"({M2}, {M2}, {M2}) -> ()")
    a, b = rand(37, 61, seed=1), rand(37, 61, seed=2)
    c = np.empty_like(a)
    assert fused(a, b, c) is None
    erf = np.vectorize(math.erf)(b.astype(np.float64))
    expected = np.tanh(np.exp(a.astype(np.float64)) * b) + erf
    np.testing.assert_allclose(c, expected, rtol=2e-6, atol=2e-6)


def test_inner_loops_vectorize() -> None:
    module = compiled(ELEMENTWISE, options=CompileOptions(keep_ir=True))
    assert module.optimized_ir is not None
    assert "x float>" in module.optimized_ir, "the elementwise loop was not vectorized"


REDUCE = """
func.func @total(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %s = arith.addf %acc, %x : f64
    scf.yield %s : f64
  }
  func.return %r : f64
}
"""


def test_reduction_returns_a_scalar() -> None:
    total = compiled(REDUCE).function("total", "(memref<?xf64>) -> f64")
    x = np.random.default_rng(3).standard_normal(1001)
    result = total(x)
    assert isinstance(result, np.float64)
    assert result == pytest.approx(x.sum(), rel=1e-12)
    assert total(np.zeros(0)) == 0.0


def matmul(ta: str, tb: str, tc: str) -> str:
    """C += A @ B as an ikj loop nest."""
    return f"""
    func.func @matmul(%a: {ta}, %b: {tb}, %c: {tc}) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %a, %c0 : {ta}
      %k = memref.dim %a, %c1 : {ta}
      %m = memref.dim %b, %c1 : {tb}
      scf.for %i = %c0 to %n step %c1 {{
        scf.for %p = %c0 to %k step %c1 {{
          %x = memref.load %a[%i, %p] : {ta}
          scf.for %j = %c0 to %m step %c1 {{
            %y = memref.load %b[%p, %j] : {tb}
            %z = memref.load %c[%i, %j] : {tc}
            %w = arith.mulf %x, %y : f32
            %s = arith.addf %z, %w : f32
            memref.store %s, %c[%i, %j] : {tc}
          }}
        }}
      }}
      func.return
    }}
    """


@pytest.mark.parametrize(
    ("types", "shape"),
    [(("memref<48x32xf32>", "memref<32x40xf32>", "memref<48x40xf32>"), (48, 32, 40)), ((M2, M2, M2), (67, 45, 33))],
    ids=["static", "dynamic"],
)
def test_matmul_ikj_matches_numpy(types: tuple[str, str, str], shape: tuple[int, int, int]) -> None:
    n, k, m = shape
    fn = compiled(matmul(*types)).function("matmul", f"({', '.join(types)}) -> ()")
    a, b = rand(n, k, seed=4), rand(k, m, seed=5)
    c = np.zeros((n, m), np.float32)
    fn(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4)


ALLOCATING = """
func.func @iota2(%n: index, %m: index) -> memref<?x?xf32> {
  %r = memref.alloc(%n, %m) : memref<?x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c1 {
      %row = arith.muli %i, %m : index
      %k = arith.addi %row, %j : index
      %k64 = arith.index_cast %k : index to i64
      %f = arith.sitofp %k64 : i64 to f32
      memref.store %f, %r[%i, %j] : memref<?x?xf32>
    }
  }
  func.return %r : memref<?x?xf32>
}
"""


def test_dynamic_shape_result_is_an_owned_buffer_freed_with_its_arrays() -> None:
    iota2 = compiled(ALLOCATING).function("iota2", "(index, index) -> memref<?x?xf32>")
    result = iota2(5, 7)
    np.testing.assert_array_equal(result, np.arange(35, dtype=np.float32).reshape(5, 7))
    assert result.ctypes.data % 64 == 0, "alloc aligns to 64 bytes"
    view = result[1:, ::2]
    owner = weakref.ref(result.base.owner)
    assert isinstance(owner(), Allocation)
    del result
    gc.collect()
    assert owner() is not None, "a view keeps the buffer alive"
    assert view[0, 0] == 7.0
    del view
    gc.collect()
    assert owner() is None, "the buffer is freed with its last array"
    assert iota2(0, 3).shape == (0, 3)


SCALE_STRIDED = loop_nest_2d(
    "axpy",
    STRIDED,
    f"""%ax = arith.mulf %x, %alpha : f32
          %s = arith.addf %ax, %y : f32
          memref.store %s, %c[%i, %j] : {STRIDED}""",
    ", %alpha: f32",
)


def test_strided_views_pass_without_copies() -> None:
    axpy = compiled(SCALE_STRIDED).function("axpy", f"({STRIDED}, {STRIDED}, {STRIDED}, f32) -> ()")
    base = rand(12, 20, seed=6)
    a, b = base[::2, 1::3], rand(6, 7, seed=7).T.copy().T
    out = np.zeros((30, 30), np.float32)
    c = out[3:9, 2:16:2]
    axpy(a, b, c, 2.5)
    np.testing.assert_allclose(c, 2.5 * a + b, rtol=1e-6)
    assert np.count_nonzero(out) == np.count_nonzero(c), "only the view was written"


WINDOW = """
func.func @window(%a: memref<6x8xf32>, %r: index) -> (f32, memref<2x3xf32, strided<[8, 1], offset: ?>>) {
  %v = memref.subview %a[%r, 2] [2, 3] [1, 1] : memref<6x8xf32> to memref<2x3xf32, strided<[8, 1], offset: ?>>
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %x = memref.load %v[%c1, %c2] : memref<2x3xf32, strided<[8, 1], offset: ?>>
  func.return %x, %v : f32, memref<2x3xf32, strided<[8, 1], offset: ?>>
}
"""


def test_subview_result_aliases_its_argument() -> None:
    view_type = "memref<2x3xf32, strided<[8, 1], offset: ?>>"
    window = compiled(WINDOW).function("window", f"(memref<6x8xf32>, index) -> (f32, {view_type})")
    a = rand(6, 8, seed=8)
    x, v = window(a, 3)
    assert x == a[4, 4]
    np.testing.assert_array_equal(v, a[3:5, 2:5])
    assert np.shares_memory(v, a) and v.base.owner is a


GCD = """
func.func @gcd(%a: i64, %b: i64) -> i64 {
  %zero = arith.constant 0 : i64
  %r:2 = scf.while (%x = %a, %y = %b) : (i64, i64) -> (i64, i64) {
    %go = arith.cmpi ne, %y, %zero : i64
    scf.condition(%go) %x, %y : i64, i64
  } do {
  ^bb0(%x: i64, %y: i64):
    %m = arith.remsi %x, %y : i64
    scf.yield %y, %m : i64, i64
  }
  func.return %r#0 : i64
}
"""


def test_scf_while_loop() -> None:
    gcd = compiled(GCD).function("gcd", "(i64, i64) -> i64")
    for a, b in [(48, 18), (17, 5), (0, 9), (1071, 462), (2**40, 2**35 * 3)]:
        assert gcd(a, b) == math.gcd(a, b)


def test_object_cache_hit_skips_compilation(tmp_path: Path) -> None:
    text = ir_of(REDUCE)
    cache = ObjectCache(tmp_path / "objects")
    reports: list[CompileStats] = []
    first = CpuModule(text, cache=cache, on_compiled=reports.append)
    assert not first.stats.cache_hit and first.stats.optimize_seconds > 0
    assert cache.path(first.stats.cache_key).is_file()
    second = CpuModule(text, cache=cache, on_compiled=reports.append)
    assert second.stats.cache_hit and second.stats.optimize_seconds == 0
    assert second.stats.cache_key == first.stats.cache_key
    assert (cache.hits, cache.misses) == (1, 1) and len(reports) == 2
    x = np.arange(10.0)
    assert second.function("total", "(memref<?xf64>) -> f64")(x) == 45.0
    other = CpuModule(text, cache=cache, options=CompileOptions(opt_level=1))
    assert not other.stats.cache_hit and other.stats.cache_key != first.stats.cache_key


def test_arguments_are_checked() -> None:
    fused = compiled(ELEMENTWISE).function("fused", f"({M2}, {M2}, {M2}) -> ()")
    a = rand(4, 5)
    with pytest.raises(ValueError, match=r"expected memref<\?x\?xf32>, got an array of float64"):
        fused(a, a.astype(np.float64), a)
    with pytest.raises(ValueError, match="needs a C-contiguous array"):
        fused(a, a, np.zeros((5, 4), np.float32).T)
    with pytest.raises(TypeError, match="expected 3 arguments, got 2"):
        fused(a, a)
    t = "memref<2x2xf32>"
    static = compiled(matmul(t, t, t)).function("matmul", f"({t}, {t}, {t}) -> ()")
    with pytest.raises(ValueError, match=r"got shape \(3, 2\) \(dimension 0\)"):
        static(rand(3, 2), rand(2, 2), rand(2, 2))


def test_signatures_parse_from_mlir_types() -> None:
    sig = parse_signature("(memref<?x4xf32, strided<[?, 1], offset: ?>>, index, i1) -> (f64, memref<2xi32>)")
    assert sig.inputs == (MemRefSpec("f32", (None, 4), (None, 1), None), ScalarSpec("index"), ScalarSpec("i1"))
    assert sig.results == (ScalarSpec("f64"), MemRefSpec("i32", (2,)))
    assert sig.out_struct and len(sig.argtypes()) == 1 + 7 + 2
    assert str(sig.inputs[0]) == "memref<?x4xf32, strided<[?, 1], offset: ?>>"
    assert not parse_signature("() -> f32").out_struct


def test_unranked_signatures() -> None:
    sig = parse_signature("(memref<*xf32>, i1) -> f32")
    assert sig.inputs[0] == UnrankedSpec("f32") and str(sig.inputs[0]) == "memref<*xf32>"
    assert len(sig.argtypes()) == 3
    with pytest.raises(ValueError, match="an unranked memref cannot be returned"):
        parse_signature("(memref<?xf32>) -> memref<*xf32>")


GLOBALS = """
"memref.global"() <{sym_name = "table", sym_visibility = "private", type = memref<2x3xf32>,
  initial_value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>, constant}> : () -> ()
"memref.global"() <{sym_name = "counts", sym_visibility = "private", type = memref<3xi64>, initial_value}> : () -> ()
func.func @get_table() -> memref<2x3xf32> {
  %g = memref.get_global @table : memref<2x3xf32>
  func.return %g : memref<2x3xf32>
}
func.func @bump(%k: index) -> i64 {
  %g = memref.get_global @counts : memref<3xi64>
  %x = memref.load %g[%k] : memref<3xi64>
  %one = arith.constant 1 : i64
  %y = arith.addi %x, %one : i64
  memref.store %y, %g[%k] : memref<3xi64>
  func.return %y : i64
}
func.func @scalars(%x: f64, %n: index, %flag: i1) -> (f64, index, i1) {
  %t = math.tanh %x : f64
  %e = math.erf %t : f64
  %two = arith.constant 2 : index
  %m = arith.muli %n, %two : index
  %true = arith.constant true
  %nf = arith.xori %flag, %true : i1
  func.return %e, %m, %nf : f64, index, i1
}
"""


def test_globals_scalar_results_and_llvmlite_module_input() -> None:
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, MemRef):
        ctx.load_dialect(dialect)
    module = Parser(ctx, GLOBALS).parse_module()
    ConvertToLlvmPass().apply(ctx, module)
    cpu = CpuModule(to_llvmlite(module))
    sigs = signatures(module)
    table = cpu.function("get_table", sigs["get_table"])()
    np.testing.assert_array_equal(table, [[1, 2, 3], [4, 5, 6]])
    assert table.base.owner is cpu, "static storage is owned by the module"
    bump = cpu.function("bump", sigs["bump"])
    assert [bump(1), bump(1), bump(0)] == [1, 2, 1]
    e, m, nf = cpu.function("scalars", sigs["scalars"])(0.75, 21, True)
    assert e == pytest.approx(math.erf(math.tanh(0.75)), rel=1e-15)
    assert (m, nf) == (42, False) and isinstance(nf, np.bool_)
