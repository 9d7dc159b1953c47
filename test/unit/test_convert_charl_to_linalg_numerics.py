"""convert-charl-to-linalg numerics: every op family compiled end to end and compared with NumPy.

Each family is one module of small charl functions (float32 and int32, broadcasts, `?` dims),
lowered by convert-charl-to-linalg, charl-bufferize, convert-linalg-to-loops and convert-to-llvm,
JIT-compiled once with `runtime.cpu.CpuModule`; each case calls one function on NumPy inputs and
compares its result with a NumPy reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import charl_to_linalg_util as util
import numpy as np
import pytest
from charl_to_linalg_util import Array, Case, Family, check, fn

RNG = np.random.default_rng(11)


def floats(*shape: int, low: float = -2.0, high: float = 2.0) -> Array:
    return util.floats(RNG, *shape, low=low, high=high)


def ints(*shape: int, low: int = -9, high: int = 10) -> Array:
    return util.ints(RNG, *shape, low=low, high=high)


# ---------------------------------------------------------------------------------------------
# Elementwise


def trunc_div(a: Array, b: Array) -> Array:
    return (np.trunc(a.astype(np.float64) / b)).astype(a.dtype)


def int_pow(a: Array, b: Array) -> Array:
    def one(x: int, n: int) -> int:
        if n >= 0:
            return x**n
        return 1 if x == 1 else (-1 if n % 2 else 1) if x == -1 else 0

    return np.array([one(int(x), int(n)) for x, n in zip(a.ravel(), b.ravel(), strict=True)], np.int32).reshape(a.shape)


def gelu(x: Array) -> Array:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def sigmoid(x: Array) -> Array:
    return 1 / (1 + np.exp(-x))


DYN = "tensor<?x3xf32>"
NONZERO_INTS = np.array([[7, -7, 9, -9], [1, -1, 5, -6]], np.int32)
DIVISORS = np.array([[2, 2, -4, -4], [3, -3, 2, 4]], np.int32)

FLOAT_BINARY: dict[str, tuple[Callable[..., Any], Array, Array]] = {
    "add": (np.add, floats(2, 3), floats(2, 3)),
    "sub": (np.subtract, floats(2, 3), floats(2, 3)),
    "mul": (np.multiply, floats(2, 3), floats(2, 3)),
    "div": (np.divide, floats(2, 3), floats(2, 3, low=0.5)),
    "rem": (np.fmod, floats(2, 3, low=-9, high=9), floats(2, 3, low=0.5)),
    "pow": (np.power, floats(2, 3, low=0.1), floats(2, 3)),
    "maximum": (np.maximum, floats(2, 3), floats(2, 3)),
    "minimum": (np.minimum, floats(2, 3), floats(2, 3)),
}

INT_BINARY: dict[str, tuple[Callable[..., Any], Array, Array]] = {
    "add": (np.add, ints(2, 4), ints(2, 4)),
    "sub": (np.subtract, ints(2, 4), ints(2, 4)),
    "mul": (np.multiply, ints(2, 4), ints(2, 4)),
    "div": (trunc_div, NONZERO_INTS, DIVISORS),
    "rem": (np.fmod, NONZERO_INTS, DIVISORS),
    "pow": (
        int_pow,
        np.array([[2, -3, 1, -1], [0, 5, -1, 2]], np.int32),
        np.array([[10, 3, -4, -3], [3, 0, -2, -1]], np.int32),
    ),
    "maximum": (np.maximum, ints(2, 4), ints(2, 4)),
    "minimum": (np.minimum, ints(2, 4), ints(2, 4)),
}

ROUNDING = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.7, 3.2], np.float32)

FLOAT_UNARY: dict[str, tuple[Callable[..., Any], Array]] = {
    "neg": (np.negative, floats(8)),
    "abs": (np.abs, floats(8)),
    "exp": (np.exp, floats(8)),
    "log": (np.log, floats(8, low=0.1)),
    "sqrt": (np.sqrt, floats(8, low=0.0)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), floats(8, low=0.1)),
    "sin": (np.sin, floats(8)),
    "cos": (np.cos, floats(8)),
    "tanh": (np.tanh, floats(8)),
    "sigmoid": (sigmoid, floats(8, low=-6, high=6)),
    "relu": (lambda x: np.maximum(x, 0), floats(8)),
    "gelu": (gelu, floats(8, low=-4, high=4)),
    "silu": (lambda x: x * sigmoid(x), floats(8, low=-6, high=6)),
    "sign": (np.sign, np.array([-2.0, 0.0, 3.5, -0.0, 1e-30, -4.0, 0.5, 7.0], np.float32)),
    "floor": (np.floor, ROUNDING),
    "ceil": (np.ceil, ROUNDING),
    "round": (np.round, ROUNDING),
    "stop_gradient": (lambda x: x, floats(8)),
}

INT_UNARY: dict[str, tuple[Callable[..., Any], Array]] = {
    "neg": (np.negative, ints(6)),
    "abs": (np.abs, ints(6)),
    "relu": (lambda x: np.maximum(x, 0), ints(6)),
    "sign": (np.sign, np.array([-5, 0, 3, -1, 1, 0], np.int32)),
    "floor": (lambda x: x, ints(6)),
    "round": (lambda x: x, ints(6)),
}


def elementwise_cases() -> list[Case]:
    cases: list[Case] = []
    for op, (ref, a, b) in FLOAT_BINARY.items():
        body = f"%r = charl.{op} %a, %b : {DYN}"
        cases.append(Case(f"{op}_f32", fn(f"{op}_f32", f"%a: {DYN}, %b: {DYN}", DYN, body), (a, b), ref))
    for op, (ref, a, b) in INT_BINARY.items():
        t = "tensor<2x4xi32>"
        cases.append(
            Case(f"{op}_i32", fn(f"{op}_i32", f"%a: {t}, %b: {t}", t, f"%r = charl.{op} %a, %b : {t}"), (a, b), ref)
        )
    for op, (ref1, x) in FLOAT_UNARY.items():
        t = "tensor<?xf32>"
        cases.append(Case(f"{op}_uf32", fn(f"{op}_uf32", f"%x: {t}", t, f"%r = charl.{op} %x : {t}"), (x,), ref1, 2e-5))
    for op, (ref1, x) in INT_UNARY.items():
        t = "tensor<6xi32>"
        cases.append(Case(f"{op}_ui32", fn(f"{op}_ui32", f"%x: {t}", t, f"%r = charl.{op} %x : {t}"), (x,), ref1))
    return cases


def scalar_cases() -> list[Case]:
    """Scalar ops: straight-line arith/math code, no linalg."""
    gelu_text = fn("gelu_s", "%x: f32, %y: f32", "f32", "%g = charl.gelu %x : f32", "%r = charl.pow %g, %y : f32")
    ipow_text = fn("ipow_s", "%x: i64, %n: i64", "i64", "%r = charl.pow %x, %n : i64")
    sign_text = fn("sign_s", "%x: i32", "i32", "%a = charl.abs %x : i32", "%r = charl.sign %a : i32")
    return [
        Case("gelu_s", gelu_text, (np.float32(1.3), np.float32(2.0)), lambda x, y: gelu(np.float32(x)) ** y),
        Case("ipow_s", ipow_text, (3, 13), lambda x, n: np.int64(3**13)),
        Case("ipow_neg_s", ipow_text.replace("@ipow_s", "@ipow_neg_s"), (-1, -3), lambda x, n: np.int64(-1)),
        Case("sign_s", sign_text, (np.int32(-4),), lambda x: np.int32(1)),
    ]


NAN = np.float32("nan")
LEFT = np.array([1.0, 2.0, NAN, -1.0, 3.0, NAN], np.float32)
RIGHT = np.array([1.0, 1.0, 1.0, 2.0, NAN, NAN], np.float32)
PREDICATES = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}


def compare_cases() -> list[Case]:
    cases: list[Case] = []
    for p, ref in PREDICATES.items():
        t, b = "tensor<?xf32>", "tensor<?xi1>"
        text = fn(f"cmp_{p}_f32", f"%a: {t}, %b: {t}", b, f"%r = charl.compare {p} %a, %b : {t} -> {b}")
        cases.append(Case(f"cmp_{p}_f32", text, (LEFT, RIGHT), ref))
        t, b = "tensor<5xi32>", "tensor<5xi1>"
        text = fn(f"cmp_{p}_i32", f"%a: {t}, %b: {t}", b, f"%r = charl.compare {p} %a, %b : {t} -> {b}")
        cases.append(
            Case(
                f"cmp_{p}_i32",
                text,
                (np.array([1, -2, 3, 0, -5], np.int32), np.array([1, 2, -3, 0, -4], np.int32)),
                ref,
            )
        )
    return cases


def logic_cases() -> list[Case]:
    t = "tensor<4xi1>"
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    body = (f"%a = charl.and %p, %q : {t}", f"%o = charl.or %a, %q : {t}", f"%r = charl.not %o : {t}")
    select = fn(
        "select_f32",
        f"%c: tensor<2x3xi1>, %a: {DYN}, %b: {DYN}",
        DYN,
        f"%r = charl.select %c, %a, %b : tensor<2x3xi1>, {DYN}",
    )
    mask = np.array([[True, False, True], [False, False, True]])
    return [
        Case("logic", fn("logic", f"%p: {t}, %q: {t}", t, *body), (p, q), lambda p, q: ~((p & q) | q)),
        Case("select_f32", select, (mask, floats(2, 3), floats(2, 3)), np.where),
    ]


CASTS: dict[str, tuple[str, str, Array, Callable[[Array], Array]]] = {
    "i32_f32": ("i32", "f32", ints(5), lambda x: x.astype(np.float32)),
    "f32_i32": (
        "f32",
        "i32",
        np.array([-2.7, -0.5, 0.0, 1.9, 7.2], np.float32),
        lambda x: np.trunc(x).astype(np.int32),
    ),
    "f32_f64": ("f32", "f64", floats(5), lambda x: x.astype(np.float64)),
    "f64_f32": ("f64", "f32", floats(5).astype(np.float64) / 3, lambda x: x.astype(np.float32)),
    "i32_i64": ("i32", "i64", ints(5), lambda x: x.astype(np.int64)),
    "i64_i32": ("i64", "i32", np.array([-3, 2**33 + 5, 7, 0, -(2**40)], np.int64), lambda x: x.astype(np.int32)),
    "f32_i1": ("f32", "i1", np.array([0.0, -0.0, 2.5, NAN, -1.0], np.float32), lambda x: x != 0),
    "i32_i1": ("i32", "i1", np.array([0, 1, -3, 0, 9], np.int32), lambda x: x != 0),
    "i1_f32": ("i1", "f32", np.array([True, False, True, True, False]), lambda x: x.astype(np.float32)),
    "i1_i32": ("i1", "i32", np.array([True, False, True, True, False]), lambda x: x.astype(np.int32)),
}


def cast_cases() -> list[Case]:
    cases: list[Case] = []
    for name, (src, dst, x, ref) in CASTS.items():
        text = fn(
            f"cast_{name}",
            f"%x: tensor<5x{src}>",
            f"tensor<5x{dst}>",
            f"%r = charl.cast %x : tensor<5x{src}> to tensor<5x{dst}>",
        )
        cases.append(Case(f"cast_{name}", text, (x,), ref))
    return cases


def constant_cases() -> list[Case]:
    text = fn(
        "constant_broadcast",
        "%n: index",
        "tensor<?x3xf32>",
        "%c = charl.constant dense<[1.0, -2.0, 0.5]> : tensor<3xf32>",
        "%s = charl.constant 2.0 : f32",
        "%b = charl.broadcast_to %c dims(%n) : tensor<3xf32> -> tensor<?x3xf32>",
        "%k = charl.broadcast_to %s dims(%n) : f32 -> tensor<?x3xf32>",
        "%r = charl.mul %b, %k : tensor<?x3xf32>",
    )
    return [Case("constant_broadcast", text, (4,), lambda n: np.tile(np.array([2.0, -4.0, 1.0], np.float32), (n, 1)))]


CASES = [*elementwise_cases(), *scalar_cases(), *compare_cases(), *logic_cases(), *cast_cases(), *constant_cases()]


@pytest.fixture(scope="module")
def family() -> Family:
    return Family(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_numpy(family: Family, case: Case) -> None:
    check(family, case)
