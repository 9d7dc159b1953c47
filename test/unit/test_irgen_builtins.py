"""irgen's lowering of built-in calls (creation, math, reductions, shapes, indexing): the IR it emits
is run through xDSL's interpreter extended with the NumPy model of the charl ops in `charl_oracle`,
and the results are compared with NumPy computing what LANGUAGE.md section 7 says; structural
properties (static constants, dynamic sizes, dispatch) are checked on the IR itself."""

from __future__ import annotations

import numpy as np
from charl_oracle import Program, f32

from dialects import charl as C

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
