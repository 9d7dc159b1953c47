"""convert-charl-to-linalg numerics of the shape ops, reductions, matmul, softmax and layer_norm:
compiled end to end and compared with NumPy (see `charl_to_linalg_util`)."""

from __future__ import annotations

import charl_to_linalg_util as util
import numpy as np
import pytest
from charl_to_linalg_util import Array, Case, Family, check, fn

RNG = np.random.default_rng(5)


def floats(*shape: int) -> Array:
    return util.floats(RNG, *shape)


def ints(*shape: int) -> Array:
    return util.ints(RNG, *shape)


def dim(x: Array, axis: int) -> int:
    return int(x.shape[axis])


# ---------------------------------------------------------------------------------------------
# Shapes

X23 = floats(2, 3)


def shape_cases() -> list[Case]:
    col = floats(3, 1)
    return [
        Case(
            "bcast_row",
            fn(
                "bcast_row",
                "%x: tensor<3xf32>",
                "tensor<2x3xf32>",
                "%r = charl.broadcast_to %x : tensor<3xf32> -> tensor<2x3xf32>",
            ),
            (floats(3),),
            lambda x: np.broadcast_to(x, (2, 3)),
        ),
        Case(
            "bcast_col_dynamic",
            fn(
                "bcast_col_dynamic",
                "%x: tensor<?x1xf32>, %n: index, %m: index",
                "tensor<?x?xf32>",
                "%r = charl.broadcast_to %x dims(%n, %m) : tensor<?x1xf32> -> tensor<?x?xf32>",
            ),
            (col, 3, 4),
            lambda x, n, m: np.broadcast_to(x, (n, m)),
        ),
        Case(
            "bcast_scalar_i32",
            fn(
                "bcast_scalar_i32",
                "%s: i32, %n: index",
                "tensor<2x?xi32>",
                "%r = charl.broadcast_to %s dims(%n) : i32 -> tensor<2x?xi32>",
            ),
            (np.int32(-7), 3),
            lambda s, n: np.full((2, n), s, np.int32),
        ),
        Case(
            "reshape_static",
            fn(
                "reshape_static",
                "%x: tensor<2x3xf32>",
                "tensor<3x2xf32>",
                "%r = charl.reshape %x : tensor<2x3xf32> -> tensor<3x2xf32>",
            ),
            (X23,),
            lambda x: x.reshape(3, 2),
        ),
        Case(
            "reshape_dynamic",
            fn(
                "reshape_dynamic",
                "%x: tensor<?x4xi32>, %n: index",
                "tensor<?x2x2xi32>",
                "%r = charl.reshape %x dims(%n) : tensor<?x4xi32> -> tensor<?x2x2xi32>",
            ),
            (ints(3, 4), 3),
            lambda x, n: x.reshape(n, 2, 2),
        ),
        Case(
            "reshape_scalar",
            fn(
                "reshape_scalar",
                "%s: f32",
                "f32",
                "%t = charl.reshape %s : f32 -> tensor<1x1xf32>",
                "%u = charl.exp %t : tensor<1x1xf32>",
                "%r = charl.reshape %u : tensor<1x1xf32> -> f32",
            ),
            (np.float32(0.5),),
            lambda s: np.exp(np.float32(s)),
        ),
        Case(
            "transpose3",
            fn(
                "transpose3",
                "%x: tensor<2x?x4xf32>",
                "tensor<4x2x?xf32>",
                "%r = charl.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x?x4xf32> -> tensor<4x2x?xf32>",
            ),
            (floats(2, 3, 4),),
            lambda x: np.transpose(x, (2, 0, 1)),
        ),
        Case(
            "concat_rows",
            fn(
                "concat_rows",
                "%a: tensor<?x3xf32>, %b: tensor<2x3xf32>",
                "tensor<?x3xf32>",
                "%r = charl.concat %a, %b, %a {axis = 0 : i64} : "
                "tensor<?x3xf32>, tensor<2x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>",
            ),
            (floats(1, 3), X23),
            lambda a, b: np.concatenate([a, b, a], axis=0),
        ),
        Case(
            "concat_cols_i32",
            fn(
                "concat_cols_i32",
                "%a: tensor<2x1xi32>, %b: tensor<2x3xi32>",
                "tensor<2x4xi32>",
                "%r = charl.concat %a, %b {axis = 1 : i64} : tensor<2x1xi32>, tensor<2x3xi32> -> tensor<2x4xi32>",
            ),
            (ints(2, 1), ints(2, 3)),
            lambda a, b: np.concatenate([a, b], axis=1),
        ),
        Case(
            "from_elements",
            fn(
                "from_elements",
                "%a: f32, %b: f32",
                "tensor<2x2xf32>",
                "%r = charl.from_elements %a, %b, %b, %a : tensor<2x2xf32>",
            ),
            (np.float32(1.5), np.float32(-2.0)),
            lambda a, b: np.array([[a, b], [b, a]], np.float32),
        ),
        Case(
            "dim_dynamic",
            fn(
                "dim_dynamic",
                "%x: tensor<2x?xf32>",
                "i64",
                "%n = charl.dim %x {axis = 1 : i64} : tensor<2x?xf32>",
                "%r = arith.index_cast %n : index to i64",
            ),
            (floats(2, 5),),
            lambda x: np.int64(5),
        ),
        Case(
            "iota_f32",
            fn(
                "iota_f32", "%n: index", "tensor<3x?xf32>", "%r = charl.iota dims(%n) {dim = 1 : i64} : tensor<3x?xf32>"
            ),
            (4,),
            lambda n: np.tile(np.arange(n, dtype=np.float32), (3, 1)),
        ),
        Case(
            "iota_i32",
            fn("iota_i32", "", "tensor<3x2xi32>", "%r = charl.iota {dim = 0 : i64} : tensor<3x2xi32>"),
            (),
            lambda: np.repeat(np.arange(3, dtype=np.int32)[:, None], 2, axis=1),
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Reductions and matmul

X3 = floats(2, 3, 4)
I3 = ints(2, 3, 4)
NUMPY_REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}


def reduce_case(kind: str, axes: tuple[int, ...], keep: bool, x: Array, elem: str) -> Case:
    shape = list(x.shape)
    src = f"tensor<2x?x4x{elem}>"
    out_shape = (
        [1 if i in axes else d for i, d in enumerate(shape)]
        if keep
        else [d for i, d in enumerate(shape) if i not in axes]
    )
    res = f"tensor<{'x'.join(map(str, out_shape))}x{elem}>" if out_shape else elem
    attrs = f"axes = array<i64: {', '.join(map(str, axes))}>" + (", keepdims" if keep else "")
    name = f"{kind}_{''.join(map(str, axes))}{'_keep' if keep else ''}_{elem}"
    text = fn(name, f"%x: {src}", res, f"%r = charl.reduce {kind} %x {{{attrs}}} : {src} -> {res}")
    ref = NUMPY_REDUCE[kind]
    return Case(name, text, (x,), lambda v: np.asarray(ref(v, axis=axes, keepdims=keep)).astype(v.dtype), 2e-5)


def reduce_cases() -> list[Case]:
    cases = [
        reduce_case(k, axes, keep, X3, "f32") for k in NUMPY_REDUCE for axes, keep in (((1,), False), ((0, 2), True))
    ]
    cases += [reduce_case(k, (0, 1, 2), keep, X3, "f32") for k in ("sum", "mean") for keep in (False, True)]
    cases += [reduce_case(k, axes, False, I3, "i32") for k in ("sum", "max", "min") for axes in ((2,), (0, 1, 2))]
    return cases


TIES = np.array([[1.0, 3.0, 3.0, -1.0], [np.nan, 2.0, np.nan, 9.0], [-np.inf, -np.inf, -np.inf, -np.inf]], np.float32)


def argmax_cases() -> list[Case]:
    return [
        Case(
            "argmax_rows",
            fn(
                "argmax_rows",
                "%x: tensor<?x4xf32>",
                "tensor<?xi32>",
                "%r = charl.argmax %x {axis = 1 : i64} : tensor<?x4xf32> -> tensor<?xi32>",
            ),
            (TIES,),
            lambda x: np.argmax(x, axis=1).astype(np.int32),
        ),
        Case(
            "argmax_cols_keep",
            fn(
                "argmax_cols_keep",
                "%x: tensor<3x4xi32>",
                "tensor<1x4xi32>",
                "%r = charl.argmax %x {axis = 0 : i64, keepdims} : tensor<3x4xi32> -> tensor<1x4xi32>",
            ),
            (np.array([[1, 5, 2, 2], [4, 5, 2, 0], [4, -1, 3, 0]], np.int32),),
            lambda x: np.argmax(x, axis=0, keepdims=True).astype(np.int32),
        ),
        Case(
            "argmax_vector",
            fn(
                "argmax_vector",
                "%x: tensor<?xf32>",
                "i32",
                "%r = charl.argmax %x {axis = 0 : i64} : tensor<?xf32> -> i32",
            ),
            (floats(7),),
            lambda x: np.int32(np.argmax(x)),
        ),
    ]


def matmul_cases() -> list[Case]:
    def mm(name: str, a: str, b: str, r: str, x: Array, y: Array) -> Case:
        return Case(
            name,
            fn(name, f"%a: {a}, %b: {b}", r, f"%r = charl.matmul %a, %b : {a}, {b} -> {r}"),
            (x, y),
            np.matmul,
            2e-5,
        )

    return [
        mm("matmul_f32", "tensor<3x4xf32>", "tensor<4x5xf32>", "tensor<3x5xf32>", floats(3, 4), floats(4, 5)),
        mm("matmul_dynamic", "tensor<?x?xf32>", "tensor<?x?xf32>", "tensor<?x?xf32>", floats(3, 6), floats(6, 2)),
        mm("matmul_i32", "tensor<2x3xi32>", "tensor<3x4xi32>", "tensor<2x4xi32>", ints(2, 3), ints(3, 4)),
        mm(
            "matmul_batched",
            "tensor<2x?x3xf32>",
            "tensor<2x3x4xf32>",
            "tensor<2x?x4xf32>",
            floats(2, 5, 3),
            floats(2, 3, 4),
        ),
    ]


# ---------------------------------------------------------------------------------------------
# softmax, layer_norm


def softmax(x: Array, axis: int, log: bool) -> Array:
    shifted = x - x.max(axis=axis, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted - lse if log else np.exp(shifted - lse)


def layer_norm(x: Array, g: Array, b: Array, eps: float = 1e-5) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def nn_cases() -> list[Case]:
    big = floats(3, 5) * 30
    cases = []
    for axis, log in ((1, False), (0, False), (1, True)):
        name = f"softmax_{axis}{'_log' if log else ''}"
        attrs = f"axis = {axis} : i64" + (", log" if log else "")
        text = fn(
            name, "%x: tensor<?x5xf32>", "tensor<?x5xf32>", f"%r = charl.softmax %x {{{attrs}}} : tensor<?x5xf32>"
        )
        cases.append(Case(name, text, (big,), lambda x, a=axis, lg=log: softmax(x, a, lg), 2e-5))
    vector = fn(
        "softmax_vector", "%x: tensor<7xf32>", "tensor<7xf32>", "%r = charl.softmax %x {axis = 0 : i64} : tensor<7xf32>"
    )
    cases.append(Case("softmax_vector", vector, (floats(7),), lambda x: softmax(x, 0, False), 2e-5))
    for shape in ((6,), (3, 6), (2, 2, 6)):
        t = "tensor<" + "".join(f"{d}x" for d in shape[:-1]) + "?xf32>"
        name = f"layer_norm_{len(shape)}d"
        text = fn(
            name,
            f"%x: {t}, %g: tensor<?xf32>, %b: tensor<?xf32>",
            t,
            f"%r = charl.layer_norm %x, %g, %b {{eps = 1.0e-05 : f64}} : {t}, tensor<?xf32>",
        )
        cases.append(Case(name, text, (floats(*shape) * 3, floats(6), floats(6)), layer_norm, 1e-4))
    return cases


CASES = [*shape_cases(), *reduce_cases(), *argmax_cases(), *matmul_cases(), *nn_cases()]


@pytest.fixture(scope="module")
def family() -> Family:
    return Family(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_numpy(family: Family, case: Case) -> None:
    check(family, case)
