"""`convert-charl-to-linalg` pattern of charl.random: Threefry-2x32-20 per element.

docs/runtime.md fixes the algorithm, so that a seed gives the same values on every target: the key
is the 64-bit seed split into two 32-bit words (low first), the counter the element's row-major
index split the same way, and the rounds use only 32-bit add, xor and rotate (Random123's
constants). From the two output words `x0`, `x1`:
- uniform in `[a, b)`: `a + (x0 >> 8) * 2^-24 * (b - a)`;
- normal (mean `a`, std `b`): Box-Muller on `u1 = 1 - (x0 >> 8) * 2^-24`, `u2 = (x1 >> 8) * 2^-24`:
  `a + b * sqrt(-2 ln u1) * cos(2 pi u2)`;
- int in `[a, b)`: `a + x0 mod (b - a)` (unsigned remainder; in 32 bits for types up to 32 bits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.builder import Builder
from xdsl.dialects import arith
from xdsl.dialects import math as mathd
from xdsl.dialects.builtin import DYNAMIC_INDEX, IntegerType, UnitAttr, i32, i64
from xdsl.dialects.linalg.ops import IndexOp
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from dialects.charl import RandomOp
from passes._charl_to_linalg_runtime import (
    element,
    empty,
    floating,
    generic,
    index,
    int_to_float,
    integer,
    lowering,
    parallel,
    shape,
    value,
)

ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)
"""Random123's rotation distances of Threefry-2x32, round `r` using `ROTATIONS[r % 8]`."""
PARITY = 0x1BD11BDA
"""Skein's key schedule parity constant for 32-bit words."""
ROUNDS = 20


@dataclass(frozen=True)
class Key:
    """The three key-schedule words `k0`, `k1`, `k0 ^ k1 ^ PARITY` (`i32` values)."""

    words: tuple[SSAValue, SSAValue, SSAValue]


EXACT = "charl.exact"
"""Marks float ops that `convert-to-llvm` must emit without fast-math flags: random numbers are the
same bits at every optimization level only if no multiply-add is contracted into an FMA."""


def exact(b: Builder, op: Operation) -> SSAValue:
    """`op`'s result, with `op` marked `charl.exact`."""
    op.attributes[EXACT] = UnitAttr()
    return value(b, op)


def split(b: Builder, x: SSAValue) -> tuple[SSAValue, SSAValue]:
    """An `i64` as its low and high 32-bit words."""
    low = value(b, arith.TruncIOp(x, i32))
    high = value(b, arith.TruncIOp(value(b, arith.ShRUIOp(x, integer(b, 32, i64))), i32))
    return low, high


def key(b: Builder, seed: SSAValue) -> Key:
    """The key schedule of the `i64` seed."""
    k0, k1 = split(b, seed)
    k2 = value(b, arith.XOrIOp(value(b, arith.XOrIOp(k0, k1)), integer(b, PARITY, i32)))
    return Key((k0, k1, k2))


def _rotl(b: Builder, x: SSAValue, r: int, consts: dict[int, SSAValue]) -> SSAValue:
    def c(n: int) -> SSAValue:
        if n not in consts:
            consts[n] = integer(b, n, i32)
        return consts[n]

    left = value(b, arith.ShLIOp(x, c(r)))
    right = value(b, arith.ShRUIOp(x, c(32 - r)))
    return value(b, arith.OrIOp(left, right))


def threefry(b: Builder, k: Key, c0: SSAValue, c1: SSAValue) -> tuple[SSAValue, SSAValue]:
    """Threefry-2x32 with 20 rounds of the counter `(c0, c1)` under key `k`."""
    ks = k.words
    consts: dict[int, SSAValue] = {}
    x0 = value(b, arith.AddiOp(c0, ks[0]))
    x1 = value(b, arith.AddiOp(c1, ks[1]))
    for r in range(ROUNDS):
        x0 = value(b, arith.AddiOp(x0, x1))
        x1 = value(b, arith.XOrIOp(_rotl(b, x1, ROTATIONS[r % 8], consts), x0))
        if r % 4 == 3:
            s = r // 4 + 1
            x0 = value(b, arith.AddiOp(x0, ks[s % 3]))
            x1 = value(b, arith.AddiOp(value(b, arith.AddiOp(x1, ks[(s + 1) % 3])), integer(b, s, i32)))
    return x0, x1


def unit(b: Builder, x: SSAValue, t: Attribute) -> SSAValue:
    """`(x >> 8) * 2^-24`, a float of type `t` in `[0, 1)` (exact)."""
    top = value(b, arith.ShRUIOp(x, integer(b, 8, i32)))
    return exact(b, arith.MulfOp(int_to_float(b, top, t), floating(b, 2.0**-24, t)))


@dataclass(frozen=True)
class Params:
    """What the per-element body needs, computed once outside it."""

    distribution: str
    key: Key
    a: SSAValue
    b: SSAValue
    """`b` itself for normal (the std); `b - a` for uniform and int (the width)."""


def params(b: Builder, op: RandomOp) -> Params:
    """The key and the distribution's parameters of `op`."""
    dist, elem = op.distribution.data, element(op.result.type)
    k = key(b, op.seed)
    if dist == "normal":
        return Params(dist, k, op.a, op.b)
    if dist == "uniform":
        return Params(dist, k, op.a, exact(b, arith.SubfOp(op.b, op.a)))
    assert isinstance(elem, IntegerType)
    a, hi = op.a, op.b
    if elem.width.data < 32:
        a, hi = value(b, arith.ExtSIOp(a, i32)), value(b, arith.ExtSIOp(hi, i32))
    return Params(dist, k, a, value(b, arith.SubiOp(hi, a)))


def sample(b: Builder, p: Params, counter: SSAValue, t: Attribute) -> SSAValue:
    """The value of type `t` at the `i64` row-major position `counter`."""
    x0, x1 = threefry(b, p.key, *split(b, counter))
    if p.distribution == "uniform":
        return exact(b, arith.AddfOp(p.a, exact(b, arith.MulfOp(unit(b, x0, t), p.b))))
    if p.distribution == "normal":
        u1 = exact(b, arith.SubfOp(floating(b, 1.0, t), unit(b, x0, t)))
        u2 = unit(b, x1, t)
        radius = value(b, mathd.SqrtOp(exact(b, arith.MulfOp(floating(b, -2.0, t), value(b, mathd.LogOp(u1))))))
        angle = value(b, mathd.CosOp(exact(b, arith.MulfOp(floating(b, 2 * math.pi, t), u2))))
        return exact(b, arith.AddfOp(p.a, exact(b, arith.MulfOp(p.b, exact(b, arith.MulfOp(radius, angle))))))
    assert isinstance(t, IntegerType)
    word = x0 if p.a.type == i32 else value(b, arith.ExtUIOp(x0, i64))
    drawn = value(b, arith.AddiOp(p.a, value(b, arith.RemUIOp(word, p.b))))
    return drawn if drawn.type == t else value(b, arith.TruncIOp(drawn, t))


def row_major(b: Builder, sizes: Sequence[SSAValue]) -> SSAValue:
    """Inside a generic: the `i64` row-major position of the element at the `linalg.index`es."""
    position = value(b, IndexOp(0))
    for d in range(1, len(sizes)):
        scaled = value(b, arith.MuliOp(position, sizes[d]))
        position = value(b, arith.AddiOp(scaled, value(b, IndexOp(d))))
    return value(b, arith.IndexCastOp(position, i64))


class RandomToThreefryGeneric(RewritePattern):
    """charl.random dist seed, a, b -> linalg.generic over the result whose body computes
    Threefry-2x32-20(key = seed, counter = row-major index) and maps it to the distribution
    (a scalar result is element 0, computed without a generic)."""

    @lowering
    def match_and_rewrite(self, op: RandomOp, rewriter: PatternRewriter) -> None:
        t = op.result.type
        p = params(rewriter, op)
        elem = element(t)
        if not shape(t) and t == elem:
            rewriter.replace(op, [], [sample(rewriter, p, integer(rewriter, 0, i64), elem)])
            return
        dyn = iter(op.dyn_dims)
        sizes = [next(dyn) if d == DYNAMIC_INDEX else index(rewriter, d) for d in shape(t)]
        init = empty(rewriter, t, list(op.dyn_dims))
        rank = len(sizes)

        def body(b: Builder, args: Sequence[SSAValue]) -> list[SSAValue]:
            counter = row_major(b, sizes) if rank else integer(b, 0, i64)
            return [sample(b, p, counter, elem)]

        rewriter.replace(op, [], generic(rewriter, [], [init], [AffineMap.identity(rank)], parallel(rank), body))


def random_patterns() -> list[RewritePattern]:
    """The pattern of charl.random."""
    return [RandomToThreefryGeneric()]
