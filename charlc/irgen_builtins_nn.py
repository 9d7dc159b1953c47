"""Lowering of the neural-network built-ins and losses.

softmax, log_softmax, layer_norm, conv2d and the pools are one op each; dropout is inverted
dropout composed from `charl.random` (`x * (uniform >= p) / (1 - p)`); the losses are composed
from elementwise ops, `charl.softmax {log}` and `charl.reduce`.
"""

from __future__ import annotations

from functools import partial
from types import MappingProxyType

from charlc.irgen_builtins_call import BCall, Table
from charlc.irgen_builtins_create import random, seed_of
from charlc.irgen_builtins_shape import one_hot
from charlc.irgen_builtins_util import TV, Ir
from dialects import charl as C


def softmax(ir: Ir, x: TV, axis: int, log: bool) -> TV:
    """`charl.softmax` (or its log) of `x` along `axis`."""
    return ir.tv(C.SoftmaxOp(x.v, axis, log), x.t)


def _softmax(log: bool, b: BCall) -> TV:
    x = b.ir.cast(b.arg("x"), b.rt().dtype)
    return softmax(b.ir, x, int(b.axis(x.t.rank, default=-1)), log)


def layer_norm(ir: Ir, x: TV, gamma: TV, beta: TV, eps: float) -> TV:
    """`charl.layer_norm` over the last axis."""
    return ir.tv(C.LayerNormOp(x.v, gamma.v, beta.v, eps), x.t)


def _layer_norm(b: BCall) -> TV:
    dtype = b.rt().dtype
    x, gamma, beta = (b.ir.cast(b.arg(n), dtype) for n in ("x", "gamma", "beta"))
    return layer_norm(b.ir, x, gamma, beta, float(b.static("eps", 1e-5)))


def _conv2d(b: BCall) -> TV:
    t = b.rt()
    x, w, bias = (b.ir.cast(b.arg(n), t.dtype) for n in ("x", "w", "b"))
    stride, padding = int(b.static("stride", 1)), int(b.static("padding", 0))
    return b.ir.tv(C.Conv2dOp(x.v, w.v, bias.v, stride, padding, b.ir.ir(t)), t)


def _pool(kind: str, b: BCall) -> TV:
    t = b.rt()
    k = int(b.target.static["kernel"]) if "kernel" in b.target.static else int(b.static("k"))
    stride = int(b.static("stride", k))
    x = b.arg("x")
    return b.ir.tv(C.Pool2dOp(x.v, kind, k, stride, b.ir.ir(t)), t)


def dropout(ir: Ir, x: TV, p: float | TV, seed: TV) -> TV:
    """Inverted dropout: `x * (uniform(seed) >= p) / (1 - p)`; `x` itself when `p` is 0."""
    if not isinstance(p, TV) and p == 0.0:
        return x
    rate = ir.cast(p, x.t.dtype) if isinstance(p, TV) else ir.const(p, x.t.dtype)
    lo, hi = ir.const(0.0, x.t.dtype), ir.const(1.0, x.t.dtype)
    u = random(ir, seed, lo, hi, "uniform", x.t, ir.dyn_dims(x))
    mask = ir.cast(ir.compare(u, rate, "ge"), x.t.dtype)
    keep = ir.const(1.0 - p, x.t.dtype) if not isinstance(p, TV) else ir.sub(1.0, rate)
    return ir.div(ir.mul(x, mask), keep)


def _dropout(b: BCall) -> TV:
    x = b.ir.cast(b.arg("x"), b.rt().dtype)
    p = b.number("p")
    if p is None:
        raise b.ir.internal("`dropout` without its rate `p`")
    return dropout(b.ir, x, p, seed_of(b))


# -- losses ------------------------------------------------------------------------------------


def _mse_loss(b: BCall) -> TV:
    dtype = b.rt().dtype
    d = b.ir.sub(b.ir.cast(b.arg("pred"), dtype), b.ir.cast(b.arg("target"), dtype))
    return b.ir.reduce(b.ir.mul(d, d), "mean")


def cross_entropy(ir: Ir, logits: TV, labels: TV) -> TV:
    """`-mean_batch(sum(log_softmax(logits) * onehot_or_probs, -1))`; classes on the last axis."""
    last = logits.t.rank - 1
    ls = softmax(ir, logits, last, log=True)
    if labels.t.is_float:
        target = ir.cast(labels, logits.t.dtype)
    else:
        n = logits.t.shape[last]
        size = None if isinstance(n, int) else ir.dim(logits, last)
        target = one_hot(ir, labels, n, size, logits.t.dtype)
    picked = ir.reduce(ir.mul(ls, target), "sum", [last])
    return ir.unary(C.NegOp, ir.reduce(picked, "mean"))


def _cross_entropy(b: BCall) -> TV:
    return cross_entropy(b.ir, b.ir.cast(b.arg("logits"), b.rt().dtype), b.arg("labels"))


def _binary_cross_entropy(b: BCall) -> TV:
    dtype = b.rt().dtype
    ir = b.ir
    p, t = ir.cast(b.arg("probs"), dtype), ir.cast(b.arg("targets"), dtype)
    pc = ir.binary(C.MinimumOp, ir.binary(C.MaximumOp, p, 1e-7), 1.0 - 1e-7)
    pos = ir.mul(t, ir.unary(C.LogOp, pc))
    neg = ir.mul(ir.sub(1.0, t), ir.unary(C.LogOp, ir.sub(1.0, pc)))
    return ir.unary(C.NegOp, ir.reduce(ir.add(pos, neg), "mean"))


def _bce_with_logits(b: BCall) -> TV:
    dtype = b.rt().dtype
    ir = b.ir
    x, t = ir.cast(b.arg("logits"), dtype), ir.cast(b.arg("targets"), dtype)
    softplus = ir.unary(C.LogOp, ir.add(1.0, ir.unary(C.ExpOp, ir.unary(C.NegOp, ir.unary(C.AbsOp, x)))))
    terms = ir.add(ir.sub(ir.binary(C.MaximumOp, x, 0.0), ir.mul(x, t)), softplus)
    return ir.reduce(terms, "mean")


TABLE: Table = MappingProxyType(
    {
        "softmax": (("x", "axis"), partial(_softmax, False)),
        "log_softmax": (("x", "axis"), partial(_softmax, True)),
        "layer_norm": (("x", "gamma", "beta"), _layer_norm),
        "conv2d": (("x", "w", "b"), _conv2d),
        "max_pool2d": (("x", "k", "stride"), partial(_pool, "max")),
        "avg_pool2d": (("x", "k", "stride"), partial(_pool, "avg")),
        "dropout": (("x", "p"), _dropout),
        "mse_loss": (("pred", "target"), _mse_loss),
        "cross_entropy": (("logits", "labels"), _cross_entropy),
        "binary_cross_entropy": (("probs", "targets"), _binary_cross_entropy),
        "bce_with_logits": (("logits", "targets"), _bce_with_logits),
    }
)
