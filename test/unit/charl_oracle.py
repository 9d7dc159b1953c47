"""A test oracle for the semantics of the charl dialect.

A NumPy model of every charl op irgen emits, plugged into xDSL's interpreter next to its own
func, scf and arith semantics, so that the IR of a Charl program can be run and its values (or the
lines it prints) compared with what LANGUAGE.md and docs/charl-dialect.md say the program means.
It is test code: it states the meaning of each op as directly as NumPy allows and makes no attempt
to be fast. `charl.random` draws from NumPy's generator (not the runtime's counter-based one), and
`charl.grad` is evaluated by central finite differences of its callee.

`Program` compiles a program and calls its functions with NumPy values; `printed` runs `main` and
returns what it prints. `log_softmax` and `dense` are the NumPy references several tests share.
"""

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
# Tables

ELEMENTWISE: dict[type[Operation], Callable[..., Any]] = {
    C.AddOp: np.add,
    C.SubOp: np.subtract,
    C.MulOp: np.multiply,
    C.RemOp: np.fmod,
    C.PowOp: np.power,
    C.MaximumOp: np.maximum,
    C.MinimumOp: np.minimum,
    C.AndOp: np.logical_and,
    C.OrOp: np.logical_or,
    C.NotOp: np.logical_not,
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
REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}
QMAX = {"int8": 127, "int4": 7}
QMIN = {"int8": -127, "int4": -8}


# ---------------------------------------------------------------------------------------------
# Types and shapes


def np_dtype(t: Attribute) -> Any:
    """The NumPy dtype of an IR scalar or tensor type (`i4` values are held in `int8`)."""
    elem = t.get_element_type() if isinstance(t, IRTensorType) else t
    if isinstance(elem, IntegerType):
        return {1: np.bool_, 4: np.int8, 8: np.int8, 32: np.int32, 64: np.int64}[elem.width.data]
    return np.float64 if "64" in str(elem) else np.float32


def result_shape(t: Attribute, dyn: Any) -> tuple[int, ...]:
    """The concrete shape of type `t`, its `?` dimensions taken from `dyn` in order."""
    if not isinstance(t, IRTensorType):
        return ()
    sizes = iter(dyn)
    return tuple(int(next(sizes)) if d < 0 else d for d in t.get_shape())


def typed(op: Operation, value: Any, i: int = 0) -> Any:
    """`value` converted to the element type of `op`'s result `i` (a NumPy scalar for a scalar type)."""
    return np.asarray(value).astype(np_dtype(op.results[i].type))[()]


def show(v: Any) -> str:
    """How the oracle prints a value: lists, `true`/`false`, floats rounded to 5 decimals."""
    a = np.asarray(v)
    if a.dtype == np.bool_:
        return str(a.tolist()).replace("True", "true").replace("False", "false")
    if a.dtype.kind == "f":
        return str(np.round(a.astype(np.float64), 5).tolist())
    return str(a.tolist())


# ---------------------------------------------------------------------------------------------
# NumPy references


def log_softmax(x: Any, axis: int = -1) -> Any:
    """`log(softmax(x))` along `axis`, computed stably."""
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def dense(x: Any, w: Any, b: Any) -> Any:
    """A dense layer without activation."""
    return x @ w + b


def scale_layout(scale: Any, shape: tuple[int, ...], axis: int, group: int) -> Any:
    """Scales expanded to `shape` (per index of `axis`, per group of the other dimension)."""
    s = np.asarray(scale)
    if not group:
        return np.expand_dims(s, [i for i in range(len(shape)) if i != axis])
    return np.repeat(s, group, axis=1 - axis)


def quantize(w: Any, qtype: str, axis: int, group: int) -> tuple[Any, Any]:
    """Symmetric quantization of `w` to `qtype`: the integer values and their scales."""
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


def finite_difference(f: Callable[[list[Any]], float], args: list[Any], p: int, h: float = 1e-3) -> Any:
    """The gradient of `f` with respect to argument `p`, by central differences."""
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


# ---------------------------------------------------------------------------------------------
# One rule per op: `rule(op, *operands)` gives the result (converted to the result type after)


def constant_rule(op: Any) -> Any:
    """`charl.constant`: the attribute's value (a splat is broadcast)."""
    v = op.value
    if isinstance(v, DenseIntOrFPElementsAttr):
        vals = np.array(v.get_values(), dtype=np.float64)
        return np.broadcast_to(vals, v.get_shape()) if vals.size == 1 else vals.reshape(v.get_shape())
    assert isinstance(v, FloatAttr | IntegerAttr)
    return v.value.data


def div_rule(op: Any, a: Any, b: Any) -> Any:
    """`charl.div`: IEEE division on floats, truncation toward zero on integers."""
    a, b = np.asarray(a), np.asarray(b)
    return np.trunc(a / b) if a.dtype.kind == "i" else a / b


def reduce_rule(op: Any, x: Any) -> Any:
    """`charl.reduce`: sum, mean, max or min over `axes`."""
    return REDUCE[op.kind.data](x, axis=tuple(op.axes.get_values()), keepdims=op.keepdims is not None)


def softmax_rule(op: Any, x: Any) -> Any:
    """`charl.softmax`, or its logarithm with `log`."""
    logp = log_softmax(np.asarray(x, dtype=np.float64), op.axis.value.data)
    return logp if op.log is not None else np.exp(logp)


def layer_norm_rule(op: Any, x: Any, gamma: Any, beta: Any) -> Any:
    """`charl.layer_norm` over the last dimension."""
    x = np.asarray(x, dtype=np.float64)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + op.eps.value.data) * gamma + beta


def random_rule(op: Any, seed: Any, a: Any, b: Any, *dyn: Any) -> Any:
    """`charl.random`, drawn from NumPy's generator seeded with `seed`."""
    rng = np.random.default_rng(int(seed) % (1 << 63))
    draw = {"normal": rng.normal, "uniform": rng.uniform, "int": rng.integers}[op.distribution.data]
    return draw(a, b, size=result_shape(op.results[0].type, dyn))


def dequantize_rule(op: Any, q: Any, scale: Any) -> Any:
    """`charl.dequantize`: integer values times their scales."""
    q = np.asarray(q, dtype=np.float64)
    return q * scale_layout(scale, q.shape, op.axis.value.data, op.group.value.data)


def qmatmul_rule(op: Any, x: Any, q: Any, scale: Any) -> Any:
    """`charl.qmatmul`: `x` times the dequantized weights."""
    q = np.asarray(q, dtype=np.float64)
    return np.matmul(x, q * scale_layout(scale, q.shape, 1, op.group.value.data))


def slice_rule(op: Any, x: Any, *rest: Any) -> Any:
    """`charl.slice`: the window at the offsets, of the static or dynamic sizes."""
    rank = len(op.offsets)
    offsets, dyn = rest[:rank], iter(rest[rank:])
    sizes = [int(next(dyn)) if s == -1 else s for s in op.static_sizes.get_values()]
    return np.asarray(x)[tuple(slice(int(o), int(o) + s) for o, s in zip(offsets, sizes, strict=True))]


def update_slice_rule(op: Any, dest: Any, src: Any, *offsets: Any) -> Any:
    """`charl.update_slice`: a copy of `dest` with `src` written at the offsets."""
    out, src = np.array(dest), np.asarray(src)
    out[tuple(slice(int(o), int(o) + n) for o, n in zip(offsets, src.shape, strict=True))] = src
    return out


def elementwise_rule(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The rule of an elementwise op computed by the NumPy function `fn`."""
    return lambda op, *args: fn(*args)


RULES: dict[type[Operation], Callable[..., Any]] = {
    **{cls: elementwise_rule(fn) for cls, fn in ELEMENTWISE.items()},
    C.ConstantOp: constant_rule,
    C.DivOp: div_rule,
    C.CompareOp: lambda op, a, b: COMPARE[op.predicate.data](a, b),
    C.SelectOp: lambda op, c, a, b: np.where(c, a, b),
    C.CastOp: lambda op, x: x,  # the conversion to the result type is the cast
    C.BroadcastToOp: lambda op, x, *dyn: np.broadcast_to(x, result_shape(op.results[0].type, dyn)),
    C.ReshapeOp: lambda op, x, *dyn: np.reshape(x, result_shape(op.results[0].type, dyn)),
    C.TransposeOp: lambda op, x: np.transpose(x, op.perm.get_values()),
    C.ConcatOp: lambda op, *xs: np.concatenate(xs, axis=op.axis.value.data),
    C.SliceOp: slice_rule,
    C.UpdateSliceOp: update_slice_rule,
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
    """An interpreter implementation running `fn` and converting its value to the result type."""

    def run(_self: InterpreterFunctions, _: Interpreter, op: Operation, args: PythonValues) -> PythonValues:
        with np.errstate(all="ignore"):
            return (typed(op, fn(op, *args)),)

    return run


RuleFunctions = type(
    "RuleFunctions", (InterpreterFunctions,), {f"run_{cls.name}": impl(cls)(rule_impl(fn)) for cls, fn in RULES.items()}
)


@register_impls
class CharlFunctions(RuleFunctions):  # type: ignore[valid-type, misc]
    """NumPy semantics of the charl ops; what `charl.print` prints is collected in `out`."""

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
            text = text.replace("{}", show(v), 1)
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


@register_impls
class IndexArith(ArithFunctions):
    """xDSL's arith semantics, with `index_cast` accepting NumPy integers."""

    @impl(arith.IndexCastOp)
    def run_indexcast(self, _: Interpreter, op: arith.IndexCastOp, args: PythonValues) -> PythonValues:
        return (int(args[0]) if isinstance(op.result.type, IndexType) else np_dtype(op.result.type)(int(args[0])),)


# ---------------------------------------------------------------------------------------------
# Running programs


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


def printed(text: str) -> list[str]:
    """The lines a program prints, by interpreting the IR irgen generates for it."""
    program = Program(text)
    program("main")
    return program.charl.out


def f32(*shape: int, seed: int = 0) -> Any:
    """Standard-normal `float32` values of `shape`, reproducible by `seed`."""
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)
