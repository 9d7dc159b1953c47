"""convert-to-llvm: hand-written func/scf/cf/memref/arith/math modules lower to llvm-dialect-only
modules whose LLVM IR llvmlite parses and verifies; the calling convention, linkage, fast-math
flags and memory access shape are checked on the IR. Execution is tested in test_runtime_cpu.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import llvmlite.binding as llvm
import pytest
from xdsl.backend.llvm.convert import convert_module
from xdsl.context import Context
from xdsl.dialects import llvm as llvm_dialect
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.cf import Cf
from xdsl.dialects.func import Func
from xdsl.dialects.llvm import LLVM
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef
from xdsl.dialects.scf import Scf
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException

from passes._llvm_emit import EXTRA_LLVM_OPS, signatures, to_llvm_ir, to_llvmlite
from passes.convert_to_llvm import ConvertToLlvmPass

LIT_FILE = Path(__file__).parents[1] / "filecheck" / "passes" / "convert-to-llvm.mlir"

M2 = "memref<?x?xf32>"
ELEMENTWISE = f"""
func.func @add(%a: {M2}, %b: {M2}, %c: {M2}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : {M2}
  %m = memref.dim %a, %c1 : {M2}
  scf.for %i = %c0 to %n step %c1 {{
    scf.for %j = %c0 to %m step %c1 {{
      %x = memref.load %a[%i, %j] : {M2}
      %y = memref.load %b[%i, %j] : {M2}
      %z = arith.addf %x, %y : f32
      memref.store %z, %c[%i, %j] : {M2}
    }}
  }}
  func.return
}}
"""

CALLS = """
func.func private @make(%n: index) -> memref<?xf32> {
  %m = memref.alloc(%n) : memref<?xf32>
  func.return %m : memref<?xf32>
}
func.func @pair(%n: index) -> (f32, memref<?xf32>) {
  %m = func.call @make(%n) : (index) -> memref<?xf32>
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<?xf32>
  func.return %x, %m : f32, memref<?xf32>
}
func.func @scale(%x: f64) -> f64 {
  %two = arith.constant 2.0 : f64
  %y = arith.mulf %x, %two : f64
  func.return %y : f64
}
"""

CASTS = """
func.func @casts(%a: f32, %i: i32, %n: index, %b: i1) -> f64 {
  %0 = arith.fptosi %a : f32 to i32
  %1 = arith.fptoui %a : f32 to i64
  %2 = arith.uitofp %i : i32 to f64
  %3 = arith.index_cast %n : index to i32
  %4 = arith.index_cast %i : i32 to index
  %5 = arith.extui %b : i1 to i32
  %6 = arith.cmpf ult, %a, %a : f32
  %7 = arith.select %6, %0, %3 : i32
  %8 = arith.floordivsi %7, %5 : i32
  %9 = arith.ceildivsi %8, %i : i32
  %10 = arith.maxsi %9, %i : i32
  %11 = arith.minimumf %a, %a : f32
  %12 = arith.sitofp %10 : i32 to f64
  %13 = arith.addf %12, %2 : f64
  func.return %13 : f64
}
"""

MATH = """
func.func @m(%x: f32, %y: f64, %k: i32) -> f32 {
  %0 = math.exp %x : f32
  %1 = math.log %0 : f32
  %2 = math.tanh %1 : f32
  %3 = math.erf %2 : f32
  %4 = math.powf %3, %x : f32
  %5 = math.fpowi %4, %k : f32, i32
  %6 = math.atan2 %5, %x : f32
  %7 = math.rsqrt %6 : f32
  %8 = math.fma %7, %x, %x : f32
  %9 = math.erf %y : f64
  %10 = arith.truncf %9 : f64 to f32
  %11 = arith.addf %8, %10 : f32
  func.return %11 : f32
}
"""

CONTROL = """
func.func @control(%n: i32, %flag: i1) -> i32 {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %r:2 = scf.while (%i = %n, %s = %c0) : (i32, i32) -> (i32, i32) {
    %p = arith.cmpi sgt, %i, %c0 : i32
    scf.condition(%p) %i, %s : i32, i32
  } do {
  ^bb0(%i: i32, %s: i32):
    %i2 = arith.subi %i, %c1 : i32
    %s2 = arith.addi %s, %i : i32
    scf.yield %i2, %s2 : i32, i32
  }
  %v = scf.if %flag -> (i32) {
    scf.yield %r#1 : i32
  } else {
    %neg = arith.subi %c0, %r#1 : i32
    scf.yield %neg : i32
  }
  cf.cond_br %flag, ^a(%v : i32), ^b
^a(%x: i32):
  cf.assert %flag, "flag"
  func.return %x : i32
^b:
  cf.br ^a(%c1 : i32)
}
"""

DYN = "memref<?x?xf32, strided<[?, ?], offset: ?>>"
MEMORY = f"""
"memref.global"() <{{sym_name = "table", sym_visibility = "private", type = memref<2x3xf32>,
  initial_value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>, constant}}> : () -> ()
func.func @memory(%a: memref<8x8xf32>, %b: {DYN}) -> f32 {{
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %v = memref.subview %a[1, 2] [3, 4] [2, 1] : memref<8x8xf32> to memref<3x4xf32, strided<[16, 1], offset: 10>>
  %x = memref.load %v[%c2, %c1] : memref<3x4xf32, strided<[16, 1], offset: 10>>
  %g = memref.get_global @table : memref<2x3xf32>
  %y = memref.load %g[%c1, %c2] : memref<2x3xf32>
  %t = memref.alloca() : memref<64xf32>
  %f = memref.collapse_shape %a [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  "memref.copy"(%f, %t) : (memref<64xf32>, memref<64xf32>) -> ()
  %s = memref.subview %a[0, 0] [4, 4] [1, 1] : memref<8x8xf32> to memref<4x4xf32, strided<[8, 1]>>
  %d = "memref.cast"(%s) : (memref<4x4xf32, strided<[8, 1]>>) -> {DYN}
  "memref.copy"(%d, %b) : ({DYN}, {DYN}) -> ()
  %z = arith.addf %x, %y : f32
  func.return %z : f32
}}
"""

RUNTIME = """
"memref.global"() <{sym_name = "where", sym_visibility = "private", type = memref<6xi8>,
  initial_value = dense<[97, 46, 99, 104, 58, 49]> : tensor<6xi8>, constant}> : () -> ()
func.func private @charl_rt_print_str(memref<?xi8>)
func.func private @charl_rt_print_i1(i1)
func.func private @charl_rt_print_tensor_f32(memref<*xf32>, i32)
func.func private @charl_rt_clock() -> f64
func.func private @charl_rt_is_set(f64) -> i1
func.func @runtime(%t: memref<2x3xf32>, %b: i1, %u: memref<*xf32>) -> i1 {
  %g = memref.get_global @where : memref<6xi8>
  %s = "memref.cast"(%g) : (memref<6xi8>) -> memref<?xi8>
  func.call @charl_rt_print_str(%s) : (memref<?xi8>) -> ()
  func.call @charl_rt_print_i1(%b) : (i1) -> ()
  %code = arith.constant 0 : i32
  %v = "memref.cast"(%t) : (memref<2x3xf32>) -> memref<*xf32>
  func.call @charl_rt_print_tensor_f32(%v, %code) : (memref<*xf32>, i32) -> ()
  func.call @charl_rt_print_tensor_f32(%u, %code) : (memref<*xf32>, i32) -> ()
  %either = arith.select %b, %v, %u : memref<*xf32>
  func.call @charl_rt_print_tensor_f32(%either, %code) : (memref<*xf32>, i32) -> ()
  %back = "memref.cast"(%u) : (memref<*xf32>) -> memref<?x3xf32>
  %c1 = arith.constant 1 : index
  %x = memref.load %back[%c1, %c1] : memref<?x3xf32>
  %now = func.call @charl_rt_clock() : () -> f64
  %xd = arith.extf %x : f32 to f64
  %sum = arith.addf %now, %xd : f64
  %r = func.call @charl_rt_is_set(%sum) : (f64) -> i1
  func.return %r : i1
}
"""


def context() -> Context:
    """Every dialect the pass reads or writes, and the llvm casts it adds."""
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, Cf, MemRef, LLVM):
        ctx.load_dialect(dialect)
    for op in EXTRA_LLVM_OPS:
        ctx.load_op(op)
    return ctx


def lower(text: str, **options: str) -> ModuleOp:
    """Parses, verifies, applies convert-to-llvm and verifies the result."""
    ctx = context()
    module = Parser(ctx, text).parse_module()
    module.verify()
    ConvertToLlvmPass(**options).apply(ctx, module)
    module.verify()
    return module


def verified_ir(module: ModuleOp) -> str:
    """The module's LLVM IR, after checking that llvmlite parses and verifies it."""
    text = to_llvm_ir(module)
    llvm.parse_assembly(text).verify()
    return text


def op_names(module: ModuleOp) -> set[str]:
    return {op.name for op in module.walk() if op is not module}


def define_line(ir_text: str, name: str) -> str:
    found = re.search(rf'^define .*@"{name}"\(.*$', ir_text, re.MULTILINE)
    assert found is not None, f"no definition of {name}"
    return found.group(0)


@pytest.mark.parametrize(
    "text", [ELEMENTWISE, CALLS, CASTS, MATH, CONTROL, MEMORY, RUNTIME], ids=lambda t: t.split("@")[1][:8]
)
def test_only_llvm_ops_remain_and_llvm_verifies(text: str) -> None:
    module = lower(text)
    assert all(name.startswith("llvm.") for name in op_names(module)), op_names(module)
    ir_text = verified_ir(module)
    assert "inttoptr" not in ir_text


def test_memref_arguments_expand_to_descriptor_fields_with_noalias_pointers() -> None:
    line = define_line(verified_ir(lower(ELEMENTWISE)), "add")
    params = line[line.index("(") + 1 : line.rindex(")")].split(", ")
    assert len(params) == 3 * 7
    assert [p.split()[0] for p in params[:7]] == ["ptr", "ptr", "i64", "i64", "i64", "i64", "i64"]
    assert all("noalias" in p for p in params if p.startswith("ptr"))
    assert line.startswith('define void @"add"')


def test_elements_are_reached_by_one_gep_on_the_aligned_pointer() -> None:
    ir_text = verified_ir(lower(ELEMENTWISE))
    geps = re.findall(r'getelementptr inbounds float, ptr %"\.(\d+)", i64', ir_text)
    assert sorted(set(geps)) == ["16", "2", "9"]  # the aligned pointer of a, b and c
    assert "fadd contract float" in ir_text


def test_results_scalar_direct_memref_and_several_through_the_result_pointer() -> None:
    ir_text = verified_ir(lower(CALLS))
    assert define_line(ir_text, "scale").startswith('define double @"scale"(double')
    assert define_line(ir_text, "make").startswith('define internal void @"make"(ptr noalias %".1", i64')
    assert define_line(ir_text, "pair").startswith('define void @"pair"(ptr noalias %".1", i64')
    assert "alloca {ptr, ptr, i64, i64, i64}" in ir_text  # the callee's result struct, in the caller


def test_private_functions_are_internal_and_public_ones_external_with_their_signature() -> None:
    lowered = lower(CALLS)
    module = to_llvmlite(lowered)
    linkage = {fn.name: fn.linkage for fn in module.functions if not fn.is_declaration}
    assert linkage == {"make": "internal", "pair": "", "scale": ""}
    assert signatures(lowered) == {"pair": "(index) -> (f32, memref<?xf32>)", "scale": "(f64) -> f64"}


def test_static_views_fold_into_constant_offsets() -> None:
    module = lower(MEMORY)
    ir_text = verified_ir(module)
    assert 'getelementptr inbounds float, ptr %".2", i64 43' in ir_text  # a[1 + 2*2][2 + 1] = 5*8 + 3
    assert '@"table" = internal constant [6 x float]' in ir_text
    assert "llvm.memcpy.p0.p0.i64" in ir_text and "alloca float, i64 64, align 64" in ir_text


def test_casts_and_integer_division_use_llvm_instructions() -> None:
    ir_text = verified_ir(lower(CASTS))
    for instr in ("fptosi float", "fptoui float", "uitofp i32", "trunc i64", "sext i32", "zext i1", "fcmp ult"):
        assert instr in ir_text, instr
    assert "llvm.maximum" not in ir_text and "llvm.minimum.f32" in ir_text


def test_math_uses_intrinsics_polynomials_for_f32_and_libm_otherwise() -> None:
    ir_text = verified_ir(lower(MATH))
    for name in ("llvm.exp.f32", "llvm.log.f32", "llvm.pow.f32", "llvm.sqrt.f32", "llvm.fma.f32"):
        assert f'@"{name}"' in ir_text, name
    assert '@"atan2f"' in ir_text and '@"erf"(double' in ir_text
    assert "tanhf" not in ir_text and "erff" not in ir_text
    assert "powi" not in ir_text, "fpowi is a loop of multiplications, not libgcc's __powisf2"


def test_control_flow_becomes_blocks_without_cf_ops() -> None:
    module = lower(CONTROL)
    assert not any(name.startswith(("cf.", "scf.")) for name in op_names(module))
    ir_text = verified_ir(module)
    assert 'call ccc void @"abort"()' in ir_text and "unreachable" in ir_text


def test_fastmath_option() -> None:
    def fadd_flags(**options: str) -> set[str]:
        found = re.search(r"= fadd ([a-z ]*)float", verified_ir(lower(ELEMENTWISE, **options)))
        assert found is not None
        return set(found.group(1).split())

    assert fadd_flags() == {"contract"}
    assert fadd_flags(fastmath="fast") == {"reassoc", "nnan", "ninf", "nsz", "arcp", "contract", "afn"}
    assert fadd_flags(fastmath="reassoc+contract") == {"reassoc", "contract"}
    assert fadd_flags(fastmath="none") == set()
    with pytest.raises(ValueError, match="unknown fast-math flag 'quick'"):
        lower(ELEMENTWISE, fastmath="quick")
    with pytest.raises(ValueError, match="main-symbol 'charl main' is not a C identifier"):
        ConvertToLlvmPass(main_symbol="charl main")


def test_unsupported_op_is_a_pass_error_naming_it() -> None:
    text = """
    func.func @f(%m: memref<4xf32>) -> index {
      %r = "memref.extract_aligned_pointer_as_index"(%m) : (memref<4xf32>) -> index
      func.return %r : index
    }
    """
    with pytest.raises(DiagnosticException, match="no lowering for memref.extract_aligned_pointer_as_index"):
        lower(text)


def test_xdsl_convert_module_translates_the_output() -> None:
    module = lower(CASTS)
    text = str(convert_module(module, fallback_target_triple=None))
    llvm.parse_assembly(text).verify()


def test_lowered_module_round_trips_through_the_printer() -> None:
    module = lower(CASTS + CONTROL + MEMORY)
    reparsed = Parser(context(), str(module)).parse_module()
    reparsed.verify()
    assert str(reparsed) == str(module)


def test_runtime_declarations_are_external_c_functions_with_the_expanded_signature() -> None:
    module = lower(RUNTIME)
    declared = {op.sym_name.data: op for op in module.ops if isinstance(op, llvm_dialect.FuncOp) and not op.body.blocks}
    assert {op.linkage.linkage.data for op in declared.values()} == {"external"}
    ir_text = verified_ir(module)
    string = 'ptr %".1", ptr %".2", i64 %".3", i64 %".4", i64 %".5"'
    assert f'declare void @"charl_rt_print_str"({string})' in ir_text, "no noalias on C functions"
    assert 'declare void @"charl_rt_print_i1"(i1 zeroext %".1")' in ir_text
    assert 'declare void @"charl_rt_print_tensor_f32"(i64 %".1", ptr %".2", i32 %".3")' in ir_text
    assert 'declare double @"charl_rt_clock"()' in ir_text
    assert 'declare zeroext i1 @"charl_rt_is_set"(double %".1")' in ir_text
    line = define_line(ir_text, "runtime")
    assert line.startswith('define zeroext i1 @"runtime"(ptr noalias %".1", ptr noalias %".2"')
    assert line.endswith('i1 zeroext %".8", i64 %".9", ptr %".10") nounwind'), "a descriptor pointer is not noalias"


def test_unranked_cast_fills_a_descriptor_slot_of_the_entry_block() -> None:
    ir_text = verified_ir(lower(RUNTIME))
    body = ir_text[ir_text.index('define zeroext i1 @"runtime"') :]
    entry = body[: body.index("br label")]
    slot = re.search(r'(%"\.\d+") = alloca ptr, i64 7, align 8', entry)
    assert slot is not None, "a 3 + 2 * 2 word descriptor allocated in the entry block"
    for field in ("0", "1", "2", "3, i32 0", "3, i32 1", "4, i32 0", "4, i32 1"):
        gep = f"getelementptr {{ptr, ptr, i64, [2 x i64], [2 x i64]}}, ptr {slot.group(1)}, i32 0, i32 {field}"
        assert gep in body, field
    assert f'call ccc void @"charl_rt_print_tensor_f32"(i64 2, ptr {slot.group(1)}, i32 0)' in body
    assert 'call ccc void @"charl_rt_print_tensor_f32"(i64 %".9", ptr %".10", i32 0)' in body
    assert re.search(rf'select +i1 %"\.8", ptr {re.escape(slot.group(1))}, ptr %"\.10"', body), "a select of unranked"
    assert 'getelementptr {ptr, ptr, i64, [2 x i64], [2 x i64]}, ptr %".10", i32 0, i32 3, i32 0' in body


def test_an_unranked_result_is_a_pass_error() -> None:
    text = """
    func.func @f(%m: memref<4xf32>) -> memref<*xf32> {
      %u = "memref.cast"(%m) : (memref<4xf32>) -> memref<*xf32>
      func.return %u : memref<*xf32>
    }
    """
    with pytest.raises(DiagnosticException, match=r"@f returns memref<\*xf32>: an unranked memref cannot be returned"):
        lower(text)


MAIN = """
func.func @main() {
  func.call @helper() : () -> ()
  func.return
}
func.func @helper() {
  func.return
}
func.func @again() {
  func.call @main() : () -> ()
  func.return
}
"""


def test_main_symbol_renames_the_entry_and_its_calls() -> None:
    ir_text = verified_ir(lower(MAIN, main_symbol="charl_main"))
    assert 'define void @"charl_main"()' in ir_text and '@"main"' not in ir_text
    assert 'call ccc void @"charl_main"()' in ir_text
    assert 'define void @"main"()' in verified_ir(lower(MAIN))
    assert "charl_main" not in verified_ir(lower(CASTS, main_symbol="charl_main")), "no @main: nothing to rename"
    with pytest.raises(DiagnosticException, match="cannot rename @main to 'helper': the name is already defined"):
        lower(MAIN, main_symbol="helper")


def test_lit_file_checks() -> None:
    """Runs the lit file's RUN pipeline in-process and feeds the printed module to filecheck."""
    text = LIT_FILE.read_text()
    assert re.search(r"// RUN: charlc %s -p convert-to-llvm \| filecheck %s", text)
    module = lower(text)
    filecheck = shutil.which("filecheck") or str(Path(sys.executable).parent / "filecheck")
    result = subprocess.run(
        [filecheck, "--enable-var-scope", str(LIT_FILE)], input=str(module), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    directives = re.findall(r"//\s*(CHECK[-A-Z]*)\b(:?)", text)
    assert directives and all(colon for _, colon in directives), "a CHECK directive without its colon"
