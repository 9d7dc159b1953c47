"""irgen's lowering of built-in calls (creation, math, reductions, shapes, neural-network functions,
losses, input/output): the IR it emits is run through xDSL's interpreter extended with a NumPy model
of every charl op (`evaluate`), and the results are compared with NumPy computing what LANGUAGE.md
section 7 says; structural properties (static constants, dynamic sizes, dispatch) are checked on
the IR itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
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

# ---------------------------------------------------------------------------------------------
# A NumPy model of the charl ops, for xDSL's interpreter

ELEMENTWISE: dict[type[Operation], Callable[..., Any]] = {
    C.AddOp: np.add,
    C.SubOp: np.subtract,
    C.MulOp: np.multiply,
    C.PowOp: np.power,
    C.MaximumOp: np.maximum,
    C.MinimumOp: np.minimum,
    C.NegOp: np.negative,
    C.AbsOp: np.abs,
    C.ExpOp: np.exp,
    C.LogOp: np.log,
    C.SqrtOp: np.sqrt,
    C.RsqrtOp: lambda x: 1 / np.sqrt(x),
    C.SinOp: np.sin,
    C.CosOp: np.cos,
    C.TanhOp: np.tanh,
    C.SigmoidOp: lambda x: 1 / (1 + np.exp(-x)),
    C.ReluOp: lambda x: np.maximum(x, 0),
    C.GeluOp: lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    C.SiluOp: lambda x: x / (1 + np.exp(-x)),
    C.SignOp: np.sign,
    C.FloorOp: np.floor,
    C.CeilOp: np.ceil,
    C.RoundOp: np.round,
    C.StopGradientOp: lambda x: x,
}
COMPARE = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}
QMAX = {"int8": 127, "int4": 7}
QMIN = {"int8": -127, "int4": -8}


def np_dtype(t: Attribute) -> Any:
    elem = t.get_element_type() if isinstance(t, IRTensorType) else t
    if isinstance(elem, IntegerType):
        return {1: np.bool_, 4: np.int8, 8: np.int8, 32: np.int32, 64: np.int64}[elem.width.data]
    return np.float64 if "64" in str(elem) else np.float32


def result_shape(t: Attribute, dyn: Any) -> tuple[int, ...]:
    if not isinstance(t, IRTensorType):
        return ()
    sizes = iter(dyn)
    return tuple(int(next(sizes)) if d < 0 else d for d in t.get_shape())


def typed(op: Operation, value: Any, i: int = 0) -> Any:
    return np.asarray(value).astype(np_dtype(op.results[i].type))[()]


def scale_layout(scale: Any, shape: tuple[int, ...], axis: int, group: int) -> Any:
    """Scales expanded to `shape` (per index of `axis`, per group of the other dimension)."""
    s = np.asarray(scale)
    if not group:
        return np.expand_dims(s, [i for i in range(len(shape)) if i != axis])
    return np.repeat(s, group, axis=1 - axis)


def quantize(w: Any, qtype: str, axis: int, group: int) -> tuple[Any, Any]:
    a = np.asarray(w, dtype=np.float64)
    if group:
        other = 1 - axis
        blocks = np.abs(a).reshape(a.shape[0] // group, group, a.shape[1]) if other == 0 else None
        amax = blocks.max(axis=1) if blocks is not None else np.abs(a).reshape(a.shape[0], -1, group).max(axis=2)
    else:
        amax = np.abs(a).max(axis=tuple(i for i in range(a.ndim) if i != axis))
    scale = np.where(amax == 0, 1.0, amax / QMAX[qtype])
    q = np.clip(np.round(a / scale_layout(scale, a.shape, axis, group)), QMIN[qtype], QMAX[qtype])
    return q.astype(np.int8), scale.astype(np.float32)


def softmax_rule(op: Any, x: Any) -> Any:
    axis = op.axis.value.data
    s = np.asarray(x, dtype=np.float64)
    s = s - s.max(axis=axis, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=axis, keepdims=True))
    return logp if op.log is not None else np.exp(logp)


def layer_norm_rule(op: Any, x: Any, gamma: Any, beta: Any) -> Any:
    x = np.asarray(x, dtype=np.float64)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + op.eps.value.data) * gamma + beta


def random_rule(op: Any, seed: Any, a: Any, b: Any, *dyn: Any) -> Any:
    rng = np.random.default_rng(int(seed) % (1 << 63))
    draw = {"normal": rng.normal, "uniform": rng.uniform, "int": rng.integers}[op.distribution.data]
    return draw(a, b, size=result_shape(op.results[0].type, dyn))


def dequantize_rule(op: Any, q: Any, scale: Any) -> Any:
    q = np.asarray(q, dtype=np.float64)
    return q * scale_layout(scale, q.shape, op.axis.value.data, op.group.value.data)


def qmatmul_rule(op: Any, x: Any, q: Any, scale: Any) -> Any:
    q = np.asarray(q, dtype=np.float64)
    return np.matmul(x, q * scale_layout(scale, q.shape, 1, op.group.value.data))


def constant_rule(op: Any) -> Any:
    v = op.value
    if isinstance(v, DenseIntOrFPElementsAttr):
        vals = np.array(v.get_values(), dtype=np.float64)
        return np.broadcast_to(vals, v.get_shape()) if vals.size == 1 else vals.reshape(v.get_shape())
    assert isinstance(v, FloatAttr | IntegerAttr)
    return v.value.data


def div_rule(op: Any, a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    return np.trunc(a / b) if a.dtype.kind == "i" else a / b


def reduce_rule(op: Any, x: Any) -> Any:
    fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}[op.kind.data]
    return fn(x, axis=tuple(op.axes.get_values()), keepdims=op.keepdims is not None)


def elementwise_rule(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda op, *args: fn(*args)


RULES: dict[type[Operation], Callable[..., Any]] = {
    **{cls: elementwise_rule(fn) for cls, fn in ELEMENTWISE.items()},
    C.ConstantOp: constant_rule,
    C.DivOp: div_rule,
    C.CompareOp: lambda op, a, b: COMPARE[op.predicate.data](a, b),
    C.SelectOp: lambda op, c, a, b: np.where(c, a, b),
    C.CastOp: lambda op, x: np.trunc(x) if np.asarray(x).dtype.kind == "f" else x,
    C.BroadcastToOp: lambda op, x, *dyn: np.broadcast_to(x, result_shape(op.results[0].type, dyn)),
    C.ReshapeOp: lambda op, x, *dyn: np.reshape(x, result_shape(op.results[0].type, dyn)),
    C.TransposeOp: lambda op, x: np.transpose(x, op.perm.get_values()),
    C.ConcatOp: lambda op, *xs: np.concatenate(xs, axis=op.axis.value.data),
    C.ExtractOp: lambda op, x, *idx: np.asarray(x)[tuple(int(i) for i in idx)],
    C.FromElementsOp: lambda op, *xs: np.reshape(np.array(xs), result_shape(op.results[0].type, ())),
    C.IotaOp: lambda op, *dyn: np.indices(result_shape(op.results[0].type, dyn))[op.dim.value.data],
    C.GatherOp: lambda op, x, i: np.take(x, np.asarray(i), axis=op.axis.value.data),
    C.MatmulOp: lambda op, a, b: np.matmul(a, b),
    C.ReduceOp: reduce_rule,
    C.ArgmaxOp: lambda op, x: np.argmax(x, axis=op.axis.value.data, keepdims=op.keepdims is not None),
    C.SoftmaxOp: softmax_rule,
    C.LayerNormOp: layer_norm_rule,
    C.RandomOp: random_rule,
    C.DequantizeOp: dequantize_rule,
    C.QMatmulOp: qmatmul_rule,
}


def rule_impl(fn: Callable[..., Any]) -> Any:
    def run(_self: InterpreterFunctions, _: Interpreter, op: Operation, args: PythonValues) -> PythonValues:
        with np.errstate(all="ignore"):
            return (typed(op, fn(op, *args)),)

    return run


BaseFunctions = type(
    "BaseFunctions", (InterpreterFunctions,), {f"run_{cls.name}": impl(cls)(rule_impl(fn)) for cls, fn in RULES.items()}
)


@register_impls
class CharlFunctions(BaseFunctions):  # type: ignore[valid-type, misc]
    """NumPy semantics of the charl ops (random values come from NumPy's generator, not the runtime's)."""

    def __init__(self) -> None:
        self.out: list[str] = []

    @impl(C.DimOp)
    def run_dim(self, _: Interpreter, op: C.DimOp, args: PythonValues) -> PythonValues:
        return (np.asarray(args[0]).shape[op.axis.value.data],)

    @impl(C.QuantizeOp)
    def run_quantize(self, _: Interpreter, op: C.QuantizeOp, args: PythonValues) -> PythonValues:
        return quantize(args[0], op.qtype.data, op.axis.value.data, op.group.value.data)

    @impl(C.SaveNpzOp)
    def run_save_npz(self, _: Interpreter, op: C.SaveNpzOp, args: PythonValues) -> PythonValues:
        np.savez(op.path.data, **{n.data: np.asarray(v) for n, v in zip(op.names.data, args, strict=True)})
        return ()

    @impl(C.LoadNpzOp)
    def run_load_npz(self, _: Interpreter, op: C.LoadNpzOp, args: PythonValues) -> PythonValues:
        with np.load(op.path.data) as data:
            return tuple(data[n.data] for n in op.names.data)

    @impl(C.PrintOp)
    def run_print(self, _: Interpreter, op: C.PrintOp, args: PythonValues) -> PythonValues:
        text = op.format.data.replace("{{", "\0").replace("}}", "\1")
        for v in args:
            text = text.replace("{}", str(np.asarray(v).tolist()), 1)
        self.out.append(text.replace("\0", "{").replace("\1", "}"))
        return ()

    @impl(C.GradOp)
    def run_grad(self, interp: Interpreter, op: C.GradOp, args: PythonValues) -> PythonValues:
        """Central finite differences of the callee (float64 perturbations)."""
        callee = op.callee.string_value()

        def f(values: list[Any]) -> float:
            return float(interp.call_op(callee, tuple(values))[0])

        grads = [finite_difference(f, list(args), p) for p in op.wrt.get_values()]
        out = [np.float32(f(list(args)))] if op.with_value is not None else []
        return tuple(out + [typed(op, g, len(out) + i) for i, g in enumerate(grads)])


def finite_difference(f: Callable[[list[Any]], float], args: list[Any], p: int, h: float = 1e-3) -> Any:
    x = np.array(args[p], dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        for sign in (1, -1):
            moved = x.copy()
            moved[idx] += sign * h
            vals = list(args)
            vals[p] = moved.astype(np.asarray(args[p]).dtype)[()]
            g[idx] += sign * f(vals) / (2 * h)
    return g[()]


@register_impls
class IndexArith(ArithFunctions):
    """xDSL's arith semantics, with `index_cast` accepting NumPy integers."""

    @impl(arith.IndexCastOp)
    def run_indexcast(self, _: Interpreter, op: arith.IndexCastOp, args: PythonValues) -> PythonValues:
        return (int(args[0]) if isinstance(op.result.type, IndexType) else np_dtype(op.result.type)(int(args[0])),)


def compile_module(text: str) -> ModuleOp:
    """The verified charl module of a program."""
    src = Source("t.ch", text)
    return generate(check(parse(src), src), src)


class Program:
    """A compiled program whose functions can be called with NumPy values."""

    def __init__(self, text: str) -> None:
        self.module = compile_module(text)
        self.charl = CharlFunctions()
        self.interp = Interpreter(self.module)
        for fns in (ScfFunctions(), FuncFunctions(), IndexArith(), self.charl):
            self.interp.register_implementations(fns)

    def __call__(self, fn: str, *args: Any) -> Any:
        out = self.interp.call_op(fn, tuple(args))
        return out[0] if len(out) == 1 else out

    def ops(self, fn: str, name: str) -> list[Operation]:
        """The ops called `name` in function `fn`."""
        func = next(op for op in self.module.ops if getattr(op, "sym_name", None) and op.sym_name.data == fn)
        return [op for op in func.walk() if op.name == name]


def f32(*shape: int, seed: int = 0) -> Any:
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Dispatch


def test_every_builtin_the_checker_knows_has_a_lowering() -> None:
    from charlc.check_builtins import table
    from charlc.irgen_builtins import BUILTINS

    assert set(table()) - set(BUILTINS) == {"print"}  # print is lowered by irgen's core


# ---------------------------------------------------------------------------------------------
# Creation

CREATION = """
fn static_() {
    return (zeros([2, 3]), ones([3], dtype: float64), full([2], 7, dtype: int32), arange(4))
}
fn masks() { return (eye(3), causal_mask(3)) }
fn dynamic(x: tensor<float32, [N]>, v: float32) {
    return (full([N, 2], v), eye(N))
}
fn randoms(s: int32) {
    return (random_normal([500], seed: s, mean: 2.0, std: 0.5), random_uniform([500], low: -1.0, high: 1.0,
        dtype: float64), random_int([500], 3, 6))
}
let x: tensor<float32, [?]> = load_npy("x.npy")
print(static_(), masks(), dynamic(x, 1.5), randoms(1))
"""


def test_creation_values() -> None:
    p = Program(CREATION)
    z, o, f, a = p("static_")
    assert z.shape == (2, 3) and not z.any() and o.dtype == np.float64 and o.tolist() == [1, 1, 1]
    assert f.tolist() == [7, 7] and a.tolist() == [0, 1, 2, 3]
    eye, mask = p("masks")
    assert (eye == np.eye(3)).all() and (mask == np.tril(np.ones((3, 3), bool))).all()
    filled, dyn_eye = p("dynamic", np.zeros(4, np.float32), np.float32(1.5))
    assert filled.shape == (4, 2) and (filled == 1.5).all() and (dyn_eye == np.eye(4)).all()


def test_creation_static_shapes_are_splat_constants() -> None:
    p = Program(CREATION)
    assert not p.ops("static_", "charl.broadcast_to") and len(p.ops("static_", "charl.constant")) == 3
    assert [op.dim.value.data for op in p.ops("masks", "charl.iota")] == [0, 1, 0, 1]
    assert len(p.ops("dynamic", "charl.broadcast_to")) == 1


def test_random_arguments() -> None:
    p = Program(CREATION)
    n, u, i = p("randoms", np.int32(1))
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 0.5) < 0.1
    assert u.dtype == np.float64 and -1 <= u.min() and u.max() < 1
    assert set(i.tolist()) == {3, 4, 5}
    seeds = [op.seed.owner for op in p.ops("randoms", "charl.random")]
    assert [str(s.results[0].type) for s in seeds] == ["i64"] * 3
    assert isinstance(seeds[0], C.CastOp) and seeds[1].value.value.data == 0  # default seed 0


# ---------------------------------------------------------------------------------------------
# Elementwise math and reductions

MATH = """
fn unary(x: tensor<float32, [2, 3]>) {
    return (gelu(x), silu(x), sign(x), round(x * 3.0))
}
fn binary(x: tensor<float32, [2, 3]>, y: tensor<float32, [3]>) {
    return (clip(x, -0.5, y), maximum(x, y), where(x > y, x, 0.0), pow(abs(x), y))
}
fn casts(x: tensor<float32, [2, 3]>) {
    return (cast(x * 4.0, int32), cast(x > 0.0, float64))
}
fn reductions(x: tensor<float32, [2, 3, 4]>) {
    return (sum(x), max(x, axis: 1), mean(x, axis: [1, -1], keepdims: true), argmax(x, axis: 1))
}
print(unary(zeros([2, 3])), binary(zeros([2, 3]), ones([3])), casts(zeros([2, 3])), reductions(zeros([2, 3, 4])))
"""


def test_math_values() -> None:
    p = Program(MATH)
    x, y = f32(2, 3), np.abs(f32(3, seed=1)) + 0.1
    gelu, silu, sign, rnd = p("unary", x)
    ref = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    assert np.allclose(gelu, ref, atol=1e-6) and np.allclose(silu, x / (1 + np.exp(-x)), atol=1e-6)
    assert (sign == np.sign(x)).all() and (rnd == np.round(x * 3)).all()
    clip, mx, wh, pw = p("binary", x, y)
    assert np.allclose(clip, np.minimum(np.maximum(x, -0.5), y)) and np.allclose(mx, np.maximum(x, y))
    assert np.allclose(wh, np.where(x > y, x, 0)) and np.allclose(pw, np.abs(x) ** y, rtol=1e-5)
    ints, floats = p("casts", x)
    assert (ints == np.trunc(x * 4).astype(np.int32)).all() and (floats == (x > 0)).all()


def test_reduction_values() -> None:
    p = Program(MATH)
    x = f32(2, 3, 4)
    total, mx, mean, arg = p("reductions", x)
    assert np.isclose(total, x.sum(), rtol=1e-5) and np.allclose(mx, x.max(axis=1))
    assert np.allclose(mean, x.mean(axis=(1, 2), keepdims=True)) and (arg == x.argmax(axis=1)).all()
    (red,) = [op for op in p.ops("reductions", "charl.reduce") if op.keepdims is not None]
    assert list(red.axes.get_values()) == [1, 2]


# ---------------------------------------------------------------------------------------------
# Shapes and indexing

SHAPES = """
fn shapes(x: tensor<float32, [2, 3, 4]>) {
    return (reshape(x, [-1, 6]), flatten(x), expand_dims(x, 1), transpose(x), transpose(x, [1, 0, 2]))
}
fn joins(a: tensor<float32, [2, 3]>, b: tensor<float32, [2, 1]>) {
    return (concat([a, b], axis: 1), broadcast_to(b, [2, 3]), squeeze(b, 1))
}
fn dyn(x: tensor<float32, [B, 6]>) {
    return (reshape(x, [-1, 3]), shape(x), reshape(x, [B, 2, 3]), flatten(x, start: 0))
}
fn pick(t: tensor<float32, [5, 2]>, ids: tensor<int32, [3]>, y: tensor<int32, [4]>) {
    return (take(t, ids), one_hot(y, 5), take(t, 1, axis: 1))
}
let d: tensor<float32, [?, 6]> = load_npy("d.npy")
print(shapes(zeros([2, 3, 4])), joins(zeros([2, 3]), zeros([2, 1])), dyn(d))
print(pick(zeros([5, 2]), [0, 1, 2], [0, 1, 2, 3]))
"""


def test_shape_values() -> None:
    p = Program(SHAPES)
    x = f32(2, 3, 4)
    r, fl, ex, t1, t2 = p("shapes", x)
    assert (r == x.reshape(-1, 6)).all() and (fl == x.reshape(2, 12)).all() and ex.shape == (2, 1, 3, 4)
    assert (t1 == x.transpose()).all() and (t2 == x.transpose(1, 0, 2)).all()
    a, b = f32(2, 3), f32(2, 1, seed=1)
    cat, bc, sq = p("joins", a, b)
    assert (cat == np.concatenate([a, b], 1)).all() and (bc == np.broadcast_to(b, (2, 3))).all()
    assert (sq == b[:, 0]).all()


def test_dynamic_shape_values() -> None:
    p = Program(SHAPES)
    x = f32(5, 6)
    r, s, r3, flat = p("dyn", x)
    assert (r == x.reshape(-1, 3)).all() and s.tolist() == [5, 6] and s.dtype == np.int64
    assert (r3 == x.reshape(5, 2, 3)).all() and (flat == x.reshape(-1)).all()
    assert len(p.ops("dyn", "charl.from_elements")) == 1


def test_indexing_values() -> None:
    p = Program(SHAPES)
    t = f32(5, 2)
    rows, oh, col = p("pick", t, np.array([4, 0, 4], np.int32), np.array([3, 0, 1, 3], np.int32))
    assert (rows == t[[4, 0, 4]]).all() and (oh == np.eye(5)[[3, 0, 1, 3]]).all() and (col == t[:, 1]).all()
