"""Calls between compiled code and C: convert-to-llvm's external declarations and unranked memrefs
(docs/runtime.md's calling convention), a C library built in the test and loaded into the JIT, and
a native executable whose C `main` calls the renamed Charl `@main`.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import llvmlite.binding as llvm
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

from passes._llvm_emit import signatures, to_llvm_ir
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuModule

C_SOURCE = r"""
#include <stdbool.h>
#include <stdint.h>

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes_and_strides[]; /* sizes[rank], then strides[rank] */
} Descriptor;

int64_t charl_test_log[24];
char charl_test_text[64];
double charl_test_total;

/* The elements of any rank, each weighted by 1 + its row-major position. */
static double weighted_sum(int64_t rank, const Descriptor *d) {
  const float *data = (const float *)d->aligned + d->offset;
  int64_t count = 1, index[8] = {0};
  for (int64_t k = 0; k < rank; k++) count *= d->sizes_and_strides[k];
  double total = 0;
  for (int64_t n = 0; n < count; n++) {
    int64_t at = 0, rest = n;
    for (int64_t k = rank - 1; k >= 0; k--) {
      index[k] = rest % d->sizes_and_strides[k];
      rest /= d->sizes_and_strides[k];
      at += index[k] * d->sizes_and_strides[rank + k];
    }
    total += (double)(n + 1) * data[at];
  }
  return total;
}

double charl_test_probe(int64_t rank, Descriptor *d, int8_t *text_allocated, int8_t *text, int64_t text_offset,
                        int64_t text_size, int64_t text_stride, bool flag, int32_t dtype) {
  charl_test_log[0] = rank;
  charl_test_log[1] = d->offset;
  charl_test_log[2] = flag;
  charl_test_log[3] = dtype;
  charl_test_log[4] = text_allocated == 0;
  for (int64_t k = 0; k < 2 * rank && k < 16; k++) charl_test_log[5 + k] = d->sizes_and_strides[k];
  for (int64_t i = 0; i < text_size && i < 63; i++) charl_test_text[i] = text[text_offset + i * text_stride];
  charl_test_text[text_size < 63 ? text_size : 63] = 0;
  double total = weighted_sum(rank, d);
  return flag ? total : -total;
}

bool charl_test_is_positive(double x) { return x > 0; }

/* Adds the row's weighted sum times (1 + its offset): each call must see its own row. */
void charl_test_accumulate(int64_t rank, Descriptor *d) {
  charl_test_total += weighted_sum(rank, d) * (double)(1 + d->offset);
}
"""

STRIDED = "memref<?x?xf32, strided<[?, ?], offset: ?>>"
WINDOW = "memref<2x3xf32, strided<[?, ?], offset: ?>>"
ROW = "memref<?xf32, strided<[1], offset: ?>>"
CALLS_C = f"""
"memref.global"() <{{sym_name = "hello", sym_visibility = "private", type = memref<5xi8>,
  initial_value = dense<[104, 101, 108, 108, 111]> : tensor<5xi8>, constant}}> : () -> ()
func.func private @charl_test_probe(memref<*xf32>, memref<?xi8>, i1, i32) -> f64
func.func private @charl_test_is_positive(f64) -> i1
func.func private @charl_test_accumulate(memref<*xf32>)

func.func @window(%a: {STRIDED}, %x: f64) -> (f64, i1) {{
  %v = memref.subview %a[1, 1] [2, 3] [1, 1] : {STRIDED} to {WINDOW}
  %u = "memref.cast"(%v) : ({WINDOW}) -> memref<*xf32>
  %g = memref.get_global @hello : memref<5xi8>
  %s = "memref.cast"(%g) : (memref<5xi8>) -> memref<?xi8>
  %zero = arith.constant 0.0 : f64
  %flag = arith.cmpf ogt, %x, %zero : f64
  %dtype = arith.constant 0 : i32
  %r = func.call @charl_test_probe(%u, %s, %flag, %dtype) : (memref<*xf32>, memref<?xi8>, i1, i32) -> f64
  %p = func.call @charl_test_is_positive(%r) : (f64) -> i1
  func.return %r, %p : f64, i1
}}

func.func @scalar(%a: memref<f32>) -> f64 {{
  %u = "memref.cast"(%a) : (memref<f32>) -> memref<*xf32>
  %g = memref.get_global @hello : memref<5xi8>
  %s = "memref.cast"(%g) : (memref<5xi8>) -> memref<?xi8>
  %true = arith.constant true
  %dtype = arith.constant 3 : i32
  %r = func.call @charl_test_probe(%u, %s, %true, %dtype) : (memref<*xf32>, memref<?xi8>, i1, i32) -> f64
  func.return %r : f64
}}

func.func @rows(%a: memref<?x?xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?x?xf32>
  %m = memref.dim %a, %c1 : memref<?x?xf32>
  scf.for %i = %c0 to %n step %c1 {{
    %row = memref.subview %a[%i, 0] [1, %m] [1, 1] : memref<?x?xf32> to {ROW}
    %u = "memref.cast"(%row) : ({ROW}) -> memref<*xf32>
    func.call @charl_test_accumulate(%u) : (memref<*xf32>) -> ()
  }}
  func.return
}}
"""


def lowered(text: str, **options: str):  # noqa: ANN201 (an xDSL ModuleOp)
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, MemRef):
        ctx.load_dialect(dialect)
    module = Parser(ctx, text).parse_module()
    module.verify()
    ConvertToLlvmPass(**options).apply(ctx, module)
    return module


@pytest.fixture(scope="module")
def library_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C file above as a shared library (built with the system C compiler)."""
    directory = tmp_path_factory.mktemp("clib")
    (directory / "probe.c").write_text(C_SOURCE)
    path = directory / "libprobe.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(path), str(directory / "probe.c")], check=True)
    return path


@pytest.fixture(scope="module")
def calls_c(library_path: Path) -> tuple[CpuModule, dict[str, str]]:
    """CALLS_C compiled, its external functions resolved in the library (`libraries=`)."""
    module = lowered(CALLS_C)
    return CpuModule(to_llvm_ir(module), libraries=[library_path]), signatures(module)


@pytest.fixture(scope="module")
def library(library_path: Path, calls_c: object) -> ctypes.CDLL:
    """The library as ctypes sees it: the same loaded copy as the JIT's, to read its globals."""
    return ctypes.CDLL(str(library_path))


def log(library: ctypes.CDLL) -> list[int]:
    return list((ctypes.c_int64 * 24).in_dll(library, "charl_test_log"))


def weighted(view: np.ndarray) -> float:
    return float(np.sum(np.arange(1, view.size + 1) * view.astype(np.float64).ravel()))


@pytest.mark.parametrize("x", [1.5, -2.0])
def test_c_function_reads_an_unranked_memref_a_string_and_a_bool(
    library: ctypes.CDLL, calls_c: tuple[CpuModule, dict[str, str]], x: float
) -> None:
    cpu, sigs = calls_c
    a = np.arange(40, dtype=np.float32).reshape(5, 8)[:, ::2]  # element strides (8, 2)
    total, positive = cpu.function("window", sigs["window"])(a, x)
    expected = weighted(a[1:3, 1:4])
    assert total == (expected if x > 0 else -expected)
    assert positive == (x > 0) and isinstance(positive, np.bool_)
    rank, offset, flag, dtype, no_owner, *layout = log(library)[:9]
    assert (rank, offset, flag, dtype, no_owner) == (2, 1 * 8 + 1 * 2, x > 0, 0, 1)
    assert layout == [2, 3, 8, 2]  # sizes, then strides, in elements
    assert ctypes.c_char_p(ctypes.addressof(ctypes.c_char.in_dll(library, "charl_test_text"))).value == b"hello"


def test_rank_zero_memref_passes_as_rank_zero(library: ctypes.CDLL, calls_c: tuple[CpuModule, dict[str, str]]) -> None:
    cpu, sigs = calls_c
    assert cpu.function("scalar", sigs["scalar"])(np.array(2.5, np.float32)) == 2.5
    assert log(library)[:4] == [0, 0, 1, 3]


def test_a_cast_in_a_loop_passes_each_iteration_its_own_descriptor(
    library: ctypes.CDLL, calls_c: tuple[CpuModule, dict[str, str]]
) -> None:
    cpu, sigs = calls_c
    a = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    ctypes.c_double.in_dll(library, "charl_test_total").value = 0.0
    cpu.function("rows", sigs["rows"])(a)
    expected = sum(weighted(a[i]) * (1 + 5 * i) for i in range(6))
    assert ctypes.c_double.in_dll(library, "charl_test_total").value == pytest.approx(expected, rel=1e-12)


UNRANKED_ARGUMENT = """
func.func @weighted(%u: memref<*xf32>, %axis: index) -> (f32, index) {
  %m = "memref.cast"(%u) : (memref<*xf32>) -> memref<?x?xf32, strided<[?, ?], offset: ?>>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<*xf32>
  %k = memref.dim %m, %c1 : memref<?x?xf32, strided<[?, ?], offset: ?>>
  %size = memref.dim %u, %axis : memref<*xf32>
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %row = scf.for %j = %c0 to %k step %c1 iter_args(%racc = %acc) -> (f32) {
      %x = memref.load %m[%i, %j] : memref<?x?xf32, strided<[?, ?], offset: ?>>
      %ik = arith.muli %i, %k : index
      %p = arith.addi %ik, %j : index
      %p1 = arith.addi %p, %c1 : index
      %p64 = arith.index_cast %p1 : index to i64
      %w = arith.sitofp %p64 : i64 to f32
      %wx = arith.mulf %w, %x : f32
      %s = arith.addf %racc, %wx : f32
      scf.yield %s : f32
    }
    scf.yield %row : f32
  }
  func.return %r, %size : f32, index
}
func.func @outer(%a: memref<?x?xf32>) -> f32 {
  %u = "memref.cast"(%a) : (memref<?x?xf32>) -> memref<*xf32>
  %c0 = arith.constant 0 : index
  %r:2 = func.call @weighted(%u, %c0) : (memref<*xf32>, index) -> (f32, index)
  func.return %r#0 : f32
}
func.func @negate(%b: i1) -> i1 {
  %true = arith.constant true
  %r = arith.xori %b, %true : i1
  func.return %r : i1
}
"""


def test_unranked_arguments_from_numpy_and_from_compiled_callers() -> None:
    module = lowered(UNRANKED_ARGUMENT)
    sigs = signatures(module)
    assert sigs["weighted"] == "(memref<*xf32>, index) -> (f32, index)"
    cpu = CpuModule(to_llvm_ir(module))
    a = np.arange(7 * 9, dtype=np.float32).reshape(7, 9)[1::2, 2:7] / 8
    total, size = cpu.function("weighted", sigs["weighted"])(a, 1)
    assert total == pytest.approx(weighted(a), rel=1e-6) and size == 5
    c = np.ascontiguousarray(a)
    assert cpu.function("outer", sigs["outer"])(c) == pytest.approx(weighted(c), rel=1e-6)
    negate = cpu.function("negate", sigs["negate"])
    assert negate(True) == np.False_ and negate(False) == np.True_
    with pytest.raises(ValueError, match=r"expected memref<\*xf32>, got an array of float64"):
        cpu.function("weighted", sigs["weighted"])(a.astype(np.float64), 0)


def test_a_missing_library_or_function_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no shared library at"):
        CpuModule(to_llvm_ir(lowered(EXECUTABLE_MAIN)), libraries=[tmp_path / "libnothing.so"])
    missing = EXECUTABLE_MAIN.replace("putchar", "charl_test_nowhere")
    with pytest.raises(LookupError, match="the compiled code calls charl_test_nowhere, which no loaded library"):
        CpuModule(to_llvm_ir(lowered(missing)))


EXECUTABLE_MAIN = """
func.func private @putchar(i32) -> i32
func.func @emit(%c: i32) {
  %r = func.call @putchar(%c) : (i32) -> i32
  func.return
}
func.func @main() {
  %o = arith.constant 111 : i32
  %k = arith.constant 107 : i32
  %nl = arith.constant 10 : i32
  func.call @emit(%o) : (i32) -> ()
  func.call @emit(%k) : (i32) -> ()
  func.call @emit(%nl) : (i32) -> ()
  func.return
}
"""


def test_renamed_main_links_into_a_native_executable(tmp_path: Path) -> None:
    module = lowered(EXECUTABLE_MAIN, main_symbol="charl_main")
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    machine = llvm.Target.from_default_triple().create_target_machine(reloc="pic")
    compiled = llvm.parse_assembly(to_llvm_ir(module, llvm.get_default_triple()))
    (tmp_path / "charl.o").write_bytes(machine.emit_object(compiled))
    (tmp_path / "main.c").write_text("void charl_main(void);\nint main(void) { charl_main(); return 0; }\n")
    compiler = shutil.which("cc")
    assert compiler is not None, "a C compiler is needed to link executables"
    exe = tmp_path / "program"
    subprocess.run([compiler, "-o", str(exe), str(tmp_path / "main.c"), str(tmp_path / "charl.o")], check=True)
    assert subprocess.run([str(exe)], capture_output=True, check=True).stdout == b"ok\n"
