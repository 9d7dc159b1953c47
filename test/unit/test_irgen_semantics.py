"""What irgen's IR computes: programs run through xDSL's interpreter (func/scf/arith) extended with
a NumPy model of the charl ops irgen's core emits; their printed lines are compared with what the
Charl program means (control flow with break/continue/early return, shadowing, tuples, indexing,
slicing, indexed assignment, broadcasting, matmul)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from xdsl.dialects import arith
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, FloatAttr, IndexType, IntegerAttr, IntegerType, ModuleOp
from xdsl.dialects.builtin import TensorType as IRTensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.interpreters.arith import ArithFunctions
from xdsl.interpreters.func import FuncFunctions
from xdsl.interpreters.scf import ScfFunctions
from xdsl.ir import Attribute, Operation

from charlc.diagnostics import Source
from charlc.irgen import generate
from charlc.parser import parse
from charlc.typecheck import check
from dialects import charl as C

NP_BINARY = {
    C.AddOp: np.add,
    C.SubOp: np.subtract,
    C.MulOp: np.multiply,
    C.PowOp: np.power,
    C.MaximumOp: np.maximum,
    C.MinimumOp: np.minimum,
    C.AndOp: np.logical_and,
    C.OrOp: np.logical_or,
}
NP_COMPARE = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}


def np_dtype(t: Attribute) -> Any:
    elem = t.get_element_type() if isinstance(t, IRTensorType) else t
    if isinstance(elem, IntegerType):
        return {1: np.bool_, 32: np.int32, 64: np.int64, 8: np.int8}[elem.width.data]
    return np.float64 if "64" in str(elem) else np.float32


def shape_of(op: Operation, dyn: tuple[Any, ...]) -> tuple[int, ...]:
    t = op.results[0].type
    if not isinstance(t, IRTensorType):
        return ()
    it = iter(dyn)
    return tuple(int(next(it)) if d < 0 else d for d in t.get_shape())


def show(v: Any) -> str:
    a = np.asarray(v)
    if a.dtype == np.bool_:
        return str(a.tolist()).replace("True", "true").replace("False", "false")
    if a.dtype.kind == "f":
        return str(np.round(a.astype(np.float64), 5).tolist())
    return str(a.tolist())


def binary(fn: Any) -> Any:
    def run(_self: InterpreterFunctions, _: Interpreter, op: Operation, args: PythonValues) -> PythonValues:
        return (fn(args[0], args[1]),)

    return run


BinaryFunctions = type(
    "BinaryFunctions", (InterpreterFunctions,), {f"run_{op.name}": impl(op)(binary(fn)) for op, fn in NP_BINARY.items()}
)


@register_impls
class CharlFunctions(BinaryFunctions):  # type: ignore[valid-type, misc]
    """NumPy semantics of the charl ops irgen's core emits."""

    def __init__(self) -> None:
        self.out: list[str] = []

    @impl(C.ConstantOp)
    def run_constant(self, _: Interpreter, op: C.ConstantOp, args: PythonValues) -> PythonValues:
        v = op.value
        dt = np_dtype(op.result.type)
        if isinstance(v, DenseIntOrFPElementsAttr):
            vals = np.array(v.get_values(), dtype=np.float64)
            return (
                np.broadcast_to(vals, v.get_shape()).astype(dt).copy()
                if vals.size == 1
                else vals.reshape(v.get_shape()).astype(dt),
            )
        assert isinstance(v, FloatAttr | IntegerAttr)
        return (dt(bool(v.value.data) if dt is np.bool_ else v.value.data),)

    @impl(C.CompareOp)
    def run_compare(self, _: Interpreter, op: C.CompareOp, args: PythonValues) -> PythonValues:
        return (NP_COMPARE[op.predicate.data](args[0], args[1]),)

    @impl(C.DivOp)
    def run_div(self, _: Interpreter, op: C.DivOp, args: PythonValues) -> PythonValues:
        a, b = args
        if np.asarray(a).dtype.kind == "i":
            return ((np.trunc(np.asarray(a) / np.asarray(b))).astype(np.asarray(a).dtype),)
        return (np.divide(a, b),)

    @impl(C.RemOp)
    def run_rem(self, _: Interpreter, op: C.RemOp, args: PythonValues) -> PythonValues:
        return (np.fmod(args[0], args[1]),)

    @impl(C.NegOp)
    def run_neg(self, _: Interpreter, op: C.NegOp, args: PythonValues) -> PythonValues:
        return (np.negative(args[0]),)

    @impl(C.NotOp)
    def run_not(self, _: Interpreter, op: C.NotOp, args: PythonValues) -> PythonValues:
        return (np.logical_not(args[0]),)

    @impl(C.CastOp)
    def run_cast(self, _: Interpreter, op: C.CastOp, args: PythonValues) -> PythonValues:
        return (np.asarray(args[0]).astype(np_dtype(op.result.type))[()],)

    @impl(C.BroadcastToOp)
    def run_broadcast(self, _: Interpreter, op: C.BroadcastToOp, args: PythonValues) -> PythonValues:
        return (np.broadcast_to(args[0], shape_of(op, args[1:])).copy(),)

    @impl(C.ReshapeOp)
    def run_reshape(self, _: Interpreter, op: C.ReshapeOp, args: PythonValues) -> PythonValues:
        return (np.reshape(args[0], shape_of(op, args[1:]))[()],)

    @impl(C.SliceOp)
    def run_slice(self, _: Interpreter, op: C.SliceOp, args: PythonValues) -> PythonValues:
        rank = len(op.offsets)
        offsets, dyn = args[1 : 1 + rank], iter(args[1 + rank :])
        sizes = [int(next(dyn)) if s == -1 else s for s in op.static_sizes.get_values()]
        window = tuple(slice(int(o), int(o) + s) for o, s in zip(offsets, sizes, strict=True))
        return (np.asarray(args[0])[window].copy(),)

    @impl(C.UpdateSliceOp)
    def run_update(self, _: Interpreter, op: C.UpdateSliceOp, args: PythonValues) -> PythonValues:
        dest, src, *offsets = args
        out = np.array(dest)
        src = np.asarray(src)
        out[tuple(slice(int(o), int(o) + n) for o, n in zip(offsets, src.shape, strict=True))] = src
        return (out,)

    @impl(C.ExtractOp)
    def run_extract(self, _: Interpreter, op: C.ExtractOp, args: PythonValues) -> PythonValues:
        return (np.asarray(args[0])[tuple(int(i) for i in args[1:])],)

    @impl(C.FromElementsOp)
    def run_from_elements(self, _: Interpreter, op: C.FromElementsOp, args: PythonValues) -> PythonValues:
        return (np.array(args, dtype=np_dtype(op.result.type)).reshape(shape_of(op, ())),)

    @impl(C.DimOp)
    def run_dim(self, _: Interpreter, op: C.DimOp, args: PythonValues) -> PythonValues:
        return (np.asarray(args[0]).shape[op.axis.value.data],)

    @impl(C.MatmulOp)
    def run_matmul(self, _: Interpreter, op: C.MatmulOp, args: PythonValues) -> PythonValues:
        return (np.matmul(args[0], args[1]),)

    @impl(C.ReduceOp)
    def run_reduce(self, _: Interpreter, op: C.ReduceOp, args: PythonValues) -> PythonValues:
        fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}[op.kind.data]
        axes = tuple(op.axes.get_values())
        return (fn(args[0], axis=axes, keepdims=op.keepdims is not None).astype(np_dtype(op.result.type))[()],)

    @impl(C.PrintOp)
    def run_print(self, _: Interpreter, op: C.PrintOp, args: PythonValues) -> PythonValues:
        text = op.format.data.replace("{{", "\0").replace("}}", "\1")
        for v in args:
            text = text.replace("{}", show(v), 1)
        self.out.append(text.replace("\0", "{").replace("\1", "}"))
        return ()


@register_impls
class IndexArith(ArithFunctions):
    """xDSL's arith semantics, with `index_cast` accepting NumPy integers."""

    @impl(arith.IndexCastOp)
    def run_indexcast(self, _: Interpreter, op: arith.IndexCastOp, args: PythonValues) -> PythonValues:
        return (int(args[0]) if isinstance(op.result.type, IndexType) else np_dtype(op.result.type)(int(args[0])),)


def run(text: str) -> list[str]:
    """The lines a program prints, by interpreting the IR irgen generates for it."""
    src = Source("test.ch", text)
    module: ModuleOp = generate(check(parse(src), src), src)
    charl = CharlFunctions()
    interp = Interpreter(module)
    interp.register_implementations(ScfFunctions())
    interp.register_implementations(FuncFunctions())
    interp.register_implementations(IndexArith())
    interp.register_implementations(charl)
    interp.call_op("main", ())
    return charl.out


CASES: dict[str, tuple[str, list[str]]] = {
    "language-section-4": (
        """
let loss = 0.5
let mut step = 0
if loss < 0.01 { print("converged") } else if loss > 10.0 { print("diverging") } else { print("training") }
for epoch in 0..10 { step = step + 1 }
while step < 100 { step = step + 1 }
for i in 0..5 {
    if i == 1 { continue }
    if i == 3 { break }
    print(i)
}
print(step)
""",
        ["training", "0", "2", "100"],
    ),
    "nested-loops": (
        """
fn nested(n: int32) -> int32 {
    let mut total = 0
    for i in 0..n {
        for j in 0..n {
            if j > i { break }
            total = total + 1
        }
        let mut k = 0
        while true {
            k = k + 1
            if k >= 3 { break }
            if k == 1 { continue }
            total = total + 100
        }
        if total > 250 { return -total }
    }
    return total
}
print(nested(1), nested(4))
""",
        ["101 -306"],
    ),
    "early-return": (
        """
fn first_neg(x: tensor<float32, [N]>) -> int32 {
    for i in 0..N {
        if x[i] < 0.0 { return i }
    }
    return -1
}
fn clampish(a: float32) -> float32 {
    if a > 1.0 { return 1.0 }
    let b = a * 2.0
    return b
}
print(first_neg([1.0, -2.0, -3.0]), first_neg([1.0, 2.0]), clampish(0.25), clampish(3.0))
""",
        ["1 -1 0.5 1.0"],
    ),
    "short-circuit": (
        """
fn find(x: tensor<int32, [N]>, v: int32) -> int32 {
    let mut i = 0
    while i < N and x[i] != v { i = i + 1 }
    return i
}
print(find([3, 4, 5], 4), find([3, 4, 5], 9))
""",
        ["1 3"],
    ),
    "shadowing-and-tuples": (
        """
let x = 1
let mut y = 2
{
    let x = 5.0
    let y = 7
    print(x, y)
}
let (a, b) = (1, 2)
let mut p = a
let mut q = b
(p, q) = (q, p)
let t = (p, [q, 3])
print(x, y, p, q, t.1)
""",
        ["5.0 7", "1 2 2 1 [1, 3]"],
    ),
    "if-assigns-outer": (
        """
let mut a = 0
let mut b = 10
for i in 0..6 {
    if i % 2 == 0 { a = a + i } else if i == 3 { b = b - 1 } else { a = a - 1; b = b + 2 }
}
print(a, b)
""",
        ["4 13"],
    ),
    "indexing-and-assignment": (
        """
let a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
let mut z = zeros([3, 4])
z[0] = 1.0
z[1:3, 1:3] = [7.0, 8.0]
z[2, 3] = a[1, 2]
print(a[1], a[:, 2], a[0:2, 1:], a[-1, -1], z)
let mut acc = zeros([4])
for i in 0..4 {
    acc[i] = acc[i] + cast(i, float32)
    print(acc[0:i])
}
""",
        [
            "[4.0, 5.0, 6.0] [3.0, 6.0] [[2.0, 3.0], [5.0, 6.0]] 6.0 "
            "[[1.0, 1.0, 1.0, 1.0], [0.0, 7.0, 8.0, 0.0], [0.0, 7.0, 8.0, 6.0]]",
            "[]",
            "[0.0]",
            "[0.0, 1.0]",
            "[0.0, 1.0, 2.0]",
        ],
    ),
    "operators-and-matmul": (
        """
let a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
let b = [1.0, 2.0, 3.0]
print(a + b, a * 2.0, b - a, -b, a / b, 7 / 2, -7 / 2, -7 % 3, 2 ** 3)
print(a @ b, b @ b, [1.0, 1.0] @ a, a @ [[1.0], [0.0], [1.0]])
print(ones([2, 2, 3]) @ b, a > 2.0 and a < 6.0, not (b > 1.0))
""",
        [
            "[[2.0, 4.0, 6.0], [5.0, 7.0, 9.0]] [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]] "
            "[[0.0, 0.0, 0.0], [-3.0, -3.0, -3.0]] [-1.0, -2.0, -3.0] [[1.0, 1.0, 1.0], [4.0, 2.5, 2.0]] 3 -3 -1 8",
            "[14.0, 32.0] 14.0 [5.0, 7.0, 9.0] [[4.0], [10.0]]",
            "[[6.0, 6.0], [6.0, 6.0]] [[false, false, true], [true, true, false]] [true, false, false]",
        ],
    ),
    "dynamic-shapes": (
        """
fn window(x: tensor<float32, [?]>, i: int32) -> tensor<float32, [2]> { return x[i:i + 2] }
fn head(x: tensor<float32, [?, 2]>, n: int32) -> tensor<float32, [?, 2]> { return x[0:n, :] * x[0, 1] }
fn bmm(a: tensor<float32, [B, 2, 3]>, b: tensor<float32, [3]>) -> tensor<float32, [B, 2]> { return a @ b }
fn addrow(a: tensor<float32, [?, 3]>, b: tensor<float32, [3]>) -> tensor<float32, [?, 3]> { return a + b }
let x: tensor<float32, [?]> = [1.0, 2.0, 3.0, 4.0]
let y: tensor<float32, [?, 2]> = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
let q: tensor<float32, [?, 2, 3]> = ones([2, 2, 3])
print(window(x, 1), head(y, 2), bmm(q, [1.0, 2.0, 3.0]), addrow(ones([2, 3]), [1.0, 2.0, 3.0]))
""",
        ["[2.0, 3.0] [[2.0, 4.0], [6.0, 8.0]] [[6.0, 6.0], [6.0, 6.0]] [[2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]"],
    ),
    "return-from-while": (
        """
fn collatz(n0: int32) -> int32 {
    let mut n = n0
    let mut steps = 0
    while true {
        if n == 1 { return steps }
        if n % 2 == 0 { n = n / 2 } else { n = 3 * n + 1 }
        steps = steps + 1
        if steps > 100 { return -1 }
    }
    return -2
}
print(collatz(1), collatz(6), collatz(27))
""",
        ["0 8 -1"],
    ),
    "print-format": (
        'print("a {b}", 1, "c", (2, 3.5))\n',
        ["a {b} 1 c (2, 3.5)"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_program_prints(name: str) -> None:
    text, expected = CASES[name]
    assert run(text) == expected
