"""convert-to-llvm numerics: every arith and math op the CPU lowering emits, on each integer and
float width it is used at, JIT-compiled and run elementwise over edge values, checked against a
Python or NumPy reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.arith import Arith, FloatingPointLikeBinaryOperation
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef
from xdsl.dialects.scf import Scf
from xdsl.irdl import irdl_op_definition
from xdsl.parser import Parser

from passes._llvm_emit import signatures, to_llvm_ir
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuModule
from runtime.native import NativeRuntime

DTYPES: dict[str, type[np.generic]] = {
    "i1": np.bool_,
    "i8": np.int8,
    "i32": np.int32,
    "i64": np.int64,
    "f32": np.float32,
    "f64": np.float64,
}


@dataclass(frozen=True)
class Case:
    """`result[k] = op(a[k], b[k])` (or `op(a[k])`) of MLIR types `args -> result`."""

    name: str
    op: str
    """The op's text with `%a`, `%b` for the operands (the types after the colon included)."""
    args: tuple[str, ...]
    result: str
    expected: Callable[..., Any]
    rtol: float = 0.0
    """Relative tolerance for a float result (0: exact, the sign of zero included)."""


def wrap(value: int, bits: int) -> int:
    """`value` as a signed `bits`-bit integer (two's complement wrap-around)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) and bits > 1 else value


def unsigned(value: int, bits: int) -> int:
    return value & ((1 << bits) - 1)


def trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def ipow(a: int, b: int, bits: int) -> int:
    if b >= 0:
        return wrap(pow(a, b, 1 << bits), bits)
    return 1 if a == 1 else (-1 if b % 2 else 1) if a == -1 else 0


def maximum(a: float, b: float) -> float:
    """LLVM `maximum` / arith.maximumf: NaN propagates, +0 above -0."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return a if math.copysign(1, a) > 0 else b
    return max(a, b)


def minimum(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return a if math.copysign(1, a) < 0 else b
    return min(a, b)


def int_cases(bits: int) -> list[Case]:
    t = f"i{bits}"

    def binary(name: str, f: Callable[[int, int], int]) -> Case:
        return Case(f"{name}_{t}", f"arith.{name} %a, %b : {t}", (t, t), t, lambda a, b: wrap(f(a, b), bits))

    def on_unsigned(f: Callable[[int, int], int]) -> Callable[[int, int], int]:
        return lambda a, b: f(unsigned(a, bits), unsigned(b, bits))

    return [
        binary("addi", lambda a, b: a + b),
        binary("subi", lambda a, b: a - b),
        binary("muli", lambda a, b: a * b),
        binary("divsi", trunc_div),
        binary("remsi", lambda a, b: a - b * trunc_div(a, b)),
        binary("floordivsi", lambda a, b: a // b),
        binary("ceildivsi", lambda a, b: -(-a // b)),
        binary("divui", on_unsigned(lambda a, b: a // b)),
        binary("remui", on_unsigned(lambda a, b: a % b)),
        binary("ceildivui", on_unsigned(lambda a, b: -(-a // b))),
        binary("minsi", min),
        binary("maxsi", max),
        binary("minui", on_unsigned(min)),
        binary("maxui", on_unsigned(max)),
        binary("andi", lambda a, b: a & b),
        binary("ori", lambda a, b: a | b),
        binary("xori", lambda a, b: a ^ b),
        binary("shli", lambda a, b: a << b),
        binary("shrsi", lambda a, b: a >> b),
        binary("shrui", lambda a, b: unsigned(a, bits) >> b),
        Case(f"absi_{t}", f"math.absi %a : {t}", (t,), t, lambda a: wrap(abs(a), bits)),
        Case(f"ipowi_{t}", f"math.ipowi %a, %b : {t}", (t, t), t, lambda a, b: ipow(a, b, bits)),
    ]


def float_cases(t: str) -> list[Case]:
    ulps = 2e-6 if t == "f32" else 1e-13

    def binary(name: str, f: Callable[[float, float], float]) -> Case:
        return Case(f"{name}_{t}", f"arith.{name} %a, %b : {t}", (t, t), t, f)

    def unary(name: str, f: Callable[[Any], Any], rtol: float = 0.0) -> Case:
        return Case(f"{name}_{t}", f"math.{name} %a : {t}", (t,), t, lambda a: float(f(np.float64(a))), rtol)

    return [
        binary("maximumf", maximum),
        binary("minimumf", minimum),
        binary("maxnumf", lambda a, b: b if math.isnan(a) else a if math.isnan(b) else max(a, b)),
        binary("minnumf", lambda a, b: b if math.isnan(a) else a if math.isnan(b) else min(a, b)),
        binary("divf", lambda a, b: float(np.divide(a, b))),
        binary("remf", lambda a, b: float(np.fmod(a, b))),
        Case(f"powf_{t}", f"math.powf %a, %b : {t}", (t, t), t, lambda a, b: float(np.power(a, b)), ulps),
        Case(f"fpowi_{t}", f"math.fpowi %a, %b : {t}, i32", (t, "i32"), t, lambda a, n: np.power(a, float(n)), ulps),
        unary("roundeven", np.round),
        unary("round", lambda a: np.copysign(np.floor(np.abs(a) + 0.5), a)),
        unary("floor", np.floor),
        unary("ceil", np.ceil),
        unary("trunc", np.trunc),
        unary("absf", np.abs),
        unary("sqrt", np.sqrt, ulps),
        unary("rsqrt", lambda a: 1 / np.sqrt(a), ulps),
        unary("exp", np.exp, ulps),
        unary("log", np.log, ulps),
        unary("tanh", np.tanh, 1e-6 if t == "f32" else ulps),
        unary("erf", np.vectorize(math.erf), 1e-6 if t == "f32" else ulps),
    ]


CAST_CASES = [
    Case("uitofp_i32_f32", "arith.uitofp %a : i32 to f32", ("i32",), "f32", lambda a: float(unsigned(a, 32))),
    Case("uitofp_i8_f64", "arith.uitofp %a : i8 to f64", ("i8",), "f64", lambda a: float(unsigned(a, 8))),
    Case("uitofp_i1_f32", "arith.uitofp %a : i1 to f32", ("i1",), "f32", lambda a: float(a)),
    Case("sitofp_i1_f32", "arith.sitofp %a : i1 to f32", ("i1",), "f32", lambda a: -1.0 if a else 0.0),
    Case("sitofp_i64_f64", "arith.sitofp %a : i64 to f64", ("i64",), "f64", float),
    Case("extui_i1_i32", "arith.extui %a : i1 to i32", ("i1",), "i32", int),
    Case("extui_i8_i64", "arith.extui %a : i8 to i64", ("i8",), "i64", lambda a: unsigned(a, 8)),
    Case("extsi_i8_i32", "arith.extsi %a : i8 to i32", ("i8",), "i32", int),
    Case("trunci_i64_i8", "arith.trunci %a : i64 to i8", ("i64",), "i8", lambda a: wrap(a, 8)),
    Case("trunci_i32_i1", "arith.trunci %a : i32 to i1", ("i32",), "i1", lambda a: bool(a & 1)),
    Case("fptosi_f32_i32", "arith.fptosi %a : f32 to i32", ("f32",), "i32", math.trunc),
    Case("fptoui_f64_i8", "arith.fptoui %a : f64 to i8", ("f64",), "i8", lambda a: wrap(math.trunc(a), 8)),
    Case("extf_f32_f64", "arith.extf %a : f32 to f64", ("f32",), "f64", float),
    Case("truncf_f64_f32", "arith.truncf %a : f64 to f32", ("f64",), "f32", lambda a: float(np.float32(a))),
]

BOOL_CASES = [
    Case(f"{name}_i1", f"arith.{name} %a, %b : i1", ("i1", "i1"), "i1", f)
    for name, f in [
        ("andi", lambda a, b: a and b),
        ("ori", lambda a, b: a or b),
        ("xori", lambda a, b: a != b),
        ("addi", lambda a, b: a != b),
    ]
] + [Case("select_i1", "arith.select %a, %b, %b : i8", ("i1", "i8"), "i8", lambda a, b: b)]

CASES = [*int_cases(8), *int_cases(32), *int_cases(64), *float_cases("f32"), *float_cases("f64")]
CASES += CAST_CASES + BOOL_CASES


def elementwise(case: Case) -> str:
    """`func @name(%x0: memref<?xA>, ..., %out: memref<?xR>)` applying `case.op` at each index."""
    named = list(zip("ab", case.args, strict=False))
    params = ", ".join(f"%{c}s: memref<?x{t}>" for c, t in named)
    loads = "\n".join(f"    %{c} = memref.load %{c}s[%i] : memref<?x{t}>" for c, t in named)
    return f"""
func.func @{case.name}({params}, %out: memref<?x{case.result}>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?x{case.result}>
  scf.for %i = %c0 to %n step %c1 {{
{loads}
    %r = {case.op}
    memref.store %r, %out[%i] : memref<?x{case.result}>
  }}
  func.return
}}
"""


@irdl_op_definition
class RemfOp(FloatingPointLikeBinaryOperation):
    """`arith.remf`, which xDSL 0.74 lacks (convert-charl-to-linalg defines it; lowered by name)."""

    name = "arith.remf"


def context() -> Context:
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, MemRef):
        ctx.load_dialect(dialect)
    ctx.load_op(RemfOp)
    return ctx


@pytest.fixture(scope="module")
def cpu() -> CpuModule:
    """All cases in one module, compiled once."""
    ctx = context()
    module = Parser(ctx, "\n".join(elementwise(c) for c in CASES)).parse_module()
    module.verify()
    ConvertToLlvmPass().apply(ctx, module)
    NativeRuntime().load()  # run-time checks call the C runtime
    return CpuModule(to_llvm_ir(module))


def operands(case: Case) -> list[np.ndarray]:
    """Edge values and random ones for each operand; divisors and exponents kept in range."""
    rng = np.random.default_rng(len(case.name))
    count = 64
    arrays: list[np.ndarray] = []
    for k, t in enumerate(case.args):
        dtype = np.dtype(DTYPES[t])
        if t == "i1":
            values = rng.integers(0, 2, count).astype(bool)
        elif t.startswith("i"):
            info = np.iinfo(dtype)
            edges = [info.min, info.min + 1, -7, -1, 0, 1, 2, 7, info.max - 1, info.max]
            values = np.concatenate([edges * 6, rng.integers(info.min, info.max, count - 60, endpoint=True)])
            values = rng.permutation(values).astype(dtype) if k else values.astype(dtype)
        else:
            edges = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, -0.5, 3.7, -3.7, 100.25, math.nan, math.inf, -math.inf]
            values = np.array(edges * 4 + list(rng.standard_normal(count - 52) * 10), dtype)
        arrays.append(values)
    return restrict(case, arrays)


def restrict(case: Case, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Keeps operands where the op is defined: no division by zero or MIN / -1, shifts below the
    width, small exponents, casts in range, rsqrt of positive numbers."""
    op = case.name.split("_")[0]
    a = arrays[0]
    if op in ("divsi", "remsi", "floordivsi", "ceildivsi", "divui", "remui", "ceildivui"):
        b = arrays[1]
        b[b == 0] = 3
        if b.dtype.kind == "i":
            b[(a == np.iinfo(a.dtype).min) & (b == -1)] = 5
    if op in ("shli", "shrsi", "shrui"):
        arrays[1] = (arrays[1] % (8 * a.dtype.itemsize)).astype(a.dtype)
    if op == "ipowi":
        arrays[1] = (arrays[1] % 23 - 4).astype(a.dtype)
    if op == "fpowi":
        arrays[1] = (arrays[1] % 13 - 6).astype(np.int32)
    if op in ("fptosi", "fptoui"):
        arrays[0] = np.nan_to_num(a, posinf=99.0, neginf=-99.0) % (120 if op == "fptosi" else 250)
    if op == "rsqrt":
        arrays[0] = np.abs(np.nan_to_num(a, nan=4.0, posinf=9.0)) + np.array(0.25, a.dtype)
    if op in ("powf", "log", "sqrt"):
        arrays[0] = np.abs(a)
    return arrays


def reference(case: Case, arrays: list[np.ndarray]) -> np.ndarray:
    dtype = DTYPES[case.result]
    rows = zip(*[a.tolist() for a in arrays], strict=True)
    with np.errstate(all="ignore"):  # overflow to inf and 0 ** -n are expected values
        return np.array([case.expected(*row) for row in rows], dtype=dtype)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op_matches_reference(cpu: CpuModule, case: Case) -> None:
    arrays = operands(case)
    signature = f"({', '.join(f'memref<?x{t}>' for t in (*case.args, case.result))}) -> ()"
    out = np.zeros(len(arrays[0]), DTYPES[case.result])
    cpu.function(case.name, signature)(*arrays, out)
    expected = reference(case, arrays)
    if case.result.startswith("f"):
        np.testing.assert_allclose(out, expected, rtol=case.rtol, atol=case.rtol * 1e-3, equal_nan=True)
        if not case.rtol:
            zeros = (expected == 0) & (out == 0)
            np.testing.assert_array_equal(np.signbit(out[zeros]), np.signbit(expected[zeros]), "sign of zero")
    else:
        np.testing.assert_array_equal(out, expected)


def compile_module(text: str) -> tuple[CpuModule, dict[str, str]]:
    """A module of MLIR functions compiled, with the signatures of its public functions."""
    ctx = context()
    module = Parser(ctx, text).parse_module()
    module.verify()
    ConvertToLlvmPass().apply(ctx, module)
    NativeRuntime().load()  # run-time checks call the C runtime
    return CpuModule(to_llvm_ir(module)), signatures(module)


def global_op(name: str, t: str, value: str) -> str:
    return (
        f'"memref.global"() <{{sym_name = "{name}", sym_visibility = "private", type = {t}, '
        f"initial_value = {value}, constant}}> : () -> ()"
    )


GLOBALS = "\n".join(
    [
        global_op("text", "memref<5xi8>", "dense<[104, 101, 108, 108, -61]> : tensor<5xi8>"),
        global_op("flags", "memref<2x2xi1>", "dense<[[true, false], [false, true]]> : tensor<2x2xi1>"),
        global_op("halves", "memref<3x2xf32>", "dense<2.5> : tensor<3x2xf32>"),
        global_op("seven", "memref<f64>", "dense<7.0> : tensor<f64>"),
        global_op("wide", "memref<3xi64>", "dense<[-1, 4294967296, 9223372036854775807]> : tensor<3xi64>"),
    ]
    + [
        f"""func.func @get_{name}() -> {t} {{
  %g = memref.get_global @{name} : {t}
  func.return %g : {t}
}}"""
        for name, t in [
            ("text", "memref<5xi8>"),
            ("flags", "memref<2x2xi1>"),
            ("halves", "memref<3x2xf32>"),
            ("seven", "memref<f64>"),
            ("wide", "memref<3xi64>"),
        ]
    ]
)

STRING_LENGTH = (
    global_op("path", "memref<9xi8>", 'dense<"0x6D6F64656C2E6E7079"> : tensor<9xi8>')  # model.npy
    + """
func.func @length() -> index {
  %g = memref.get_global @path : memref<9xi8>
  %s = "memref.cast"(%g) : (memref<9xi8>) -> memref<?xi8>
  %c0 = arith.constant 0 : index
  %n = memref.dim %s, %c0 : memref<?xi8>
  func.return %n : index
}
"""
)


def test_constant_globals_of_every_element_type_dense_and_splat() -> None:
    cpu, sigs = compile_module(GLOBALS + STRING_LENGTH)
    get = {name: cpu.function(name, sig) for name, sig in sigs.items()}
    assert get["get_text"]().tobytes() == "hell\u00c3".encode("latin-1")
    np.testing.assert_array_equal(get["get_flags"](), [[True, False], [False, True]])
    np.testing.assert_array_equal(get["get_halves"](), np.full((3, 2), 2.5, np.float32))
    seven = get["get_seven"]()
    assert seven.shape == () and seven == 7.0
    np.testing.assert_array_equal(get["get_wide"](), [-1, 2**32, 2**63 - 1])
    assert get["length"]() == 9


VIEW = "memref<?x?xf32, strided<[?, 1], offset: ?>>"
VIEWS = f"""
func.func @expand(%a: memref<?xf32>, %n: index) -> memref<?x4xf32> {{
  %e = memref.expand_shape %a [[0, 1]] output_shape [%n, 4] : memref<?xf32> into memref<?x4xf32>
  func.return %e : memref<?x4xf32>
}}
func.func @collapse(%a: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>) -> {VIEW} {{
  %c = memref.collapse_shape %a [[0, 1], [2]] : memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>> into {VIEW}
  func.return %c : {VIEW}
}}
func.func @window(%a: memref<?x?xf32>, %i: index, %j: index, %h: index, %w: index, %s: index)
    -> memref<?x?xf32, strided<[?, 1], offset: ?>> {{
  %v = memref.subview %a[%i, %j] [%h, %w] [%s, 1] : memref<?x?xf32> to {VIEW}
  func.return %v : {VIEW}
}}
func.func @row(%a: memref<?x?xf32>, %i: index, %w: index) -> memref<?xf32, strided<[1], offset: ?>> {{
  %v = memref.subview %a[%i, 1] [1, %w] [1, 1] : memref<?x?xf32> to memref<?xf32, strided<[1], offset: ?>>
  func.return %v : memref<?xf32, strided<[1], offset: ?>>
}}
func.func @copy_in(%src: memref<?x?xf32, strided<[?, ?], offset: ?>>, %dst: memref<?x?xf32>) {{
  "memref.copy"(%src, %dst) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32>) -> ()
  func.return
}}
func.func @copy_out(%src: memref<?x?xi8>, %dst: memref<?x?xi8, strided<[?, ?], offset: ?>>) {{
  "memref.copy"(%src, %dst) : (memref<?x?xi8>, memref<?x?xi8, strided<[?, ?], offset: ?>>) -> ()
  func.return
}}
func.func @rank(%a: memref<?x?x?xf32>) -> index {{
  %r = "memref.rank"(%a) : (memref<?x?x?xf32>) -> index
  func.return %r : index
}}
func.func @copy_bytes(%src: memref<?x3xi8>, %dst: memref<?x3xi8>) {{
  "memref.copy"(%src, %dst) : (memref<?x3xi8>, memref<?x3xi8>) -> ()
  func.return
}}
"""


def test_views_with_dynamic_sizes_and_copies_between_layouts() -> None:
    cpu, sigs = compile_module(VIEWS)
    fn = {name: cpu.function(name, sig) for name, sig in sigs.items()}
    flat = np.arange(24, dtype=np.float32)
    np.testing.assert_array_equal(fn["expand"](flat, 6), flat.reshape(6, 4))
    cube = np.arange(4 * 3 * 5, dtype=np.float32).reshape(4, 3, 5)[1:, :, 1:4]
    collapsed = fn["collapse"](cube)
    np.testing.assert_array_equal(collapsed, cube.reshape(9, 3))
    assert np.shares_memory(collapsed, cube)
    a = np.arange(9 * 7, dtype=np.float32).reshape(9, 7)
    np.testing.assert_array_equal(fn["window"](a, 1, 2, 3, 4, 2), a[1:7:2, 2:6])
    np.testing.assert_array_equal(fn["row"](a, 4, 5), a[4, 1:6])
    dst = np.zeros((7, 9), np.float32)
    fn["copy_in"](a.T, dst)
    np.testing.assert_array_equal(dst, a.T)
    small = np.arange(12, dtype=np.int8).reshape(3, 4)
    out = np.zeros((4, 8), np.int8)
    fn["copy_out"](small, out[1:, ::2])
    expected = np.zeros((4, 8), np.int8)
    expected[1:, ::2] = small
    np.testing.assert_array_equal(out, expected)
    assert fn["rank"](np.zeros((1, 2, 3), np.float32)) == 3
    bytes_out = np.zeros((2, 3), np.int8)
    fn["copy_bytes"](np.array([[1, -2, 3], [4, 5, -128]], np.int8), bytes_out)
    np.testing.assert_array_equal(bytes_out, [[1, -2, 3], [4, 5, -128]])


def test_f32_tanh_and_erf_saturate_exactly(cpu: CpuModule) -> None:
    """Where the f32 result rounds to +-1, the polynomials give exactly +-1 (so `1 + tanh(x)` is 0,
    as GELU of a large negative number needs)."""
    x = np.array([-60.0, -9.5, 9.5, 60.0, -np.inf, np.inf], np.float32)
    for name in ("tanh_f32", "erf_f32"):
        out = np.zeros_like(x)
        cpu.function(name, "(memref<?xf32>, memref<?xf32>) -> ()")(x, out)
        np.testing.assert_array_equal(out, np.sign(x), name)
