"""The VJP rules of the nn and indexing ops (passes/_autodiff_rules_nn.py): each rule's backward
sweep, compiled through the CPU pipeline in float64, matches central finite differences of a NumPy
forward and, when torch is installed, torch.autograd."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from autodiff_rules_nn_reference import conv2d, layer_norm, log_softmax, pool2d, softmax
from autodiff_rules_nn_util import Array, BlockAdjoint, Case, Compiled, finite_differences
from xdsl.dialects.builtin import DYNAMIC_INDEX, TensorType, f32, f64, i32
from xdsl.ir import Attribute, Operation, SSAValue

from dialects.charl import (
    ArgmaxOp,
    CastOp,
    CeilOp,
    CompareOp,
    ConcatOp,
    Conv2dOp,
    DequantizeOp,
    DimOp,
    ExtractOp,
    FloorOp,
    FromElementsOp,
    GatherOp,
    IotaOp,
    LayerNormOp,
    Pool2dOp,
    QMatmulOp,
    QuantizeOp,
    RandomOp,
    RoundOp,
    SelectOp,
    SignOp,
    SliceOp,
    SoftmaxOp,
    StopGradientOp,
    UpdateSliceOp,
)
from passes._autodiff_api import no_gradient
from passes._autodiff_rules_nn import nn_rules
from passes._autodiff_rules_nn_util import indices

HAS_TORCH = importlib.util.find_spec("torch") is not None
RNG = np.random.default_rng(7)


def t64(*shape: int) -> Attribute:
    """A float64 tensor type."""
    return TensorType(f64, shape)


def data(*shape: int) -> Array:
    """Uniform float64 test data."""
    return RNG.uniform(-1.5, 1.5, shape)


def idx(adj: BlockAdjoint, values: Sequence[int]) -> list[SSAValue]:
    """`index` constants through the rule helper."""
    return indices(adj, values)


def softmax_case(shape: tuple[int, ...], axis: int, log: bool) -> Case:
    """softmax or log_softmax along `axis`."""
    ref = log_softmax if log else softmax
    return Case(
        f"{'log_' if log else ''}softmax_{axis}_{len(shape)}",
        (t64(*shape),),
        lambda adj, a: SoftmaxOp(a[0], axis, log),
        (data(*shape),),
        lambda x: ref(x, axis),
        (0,),
        lambda x: (torch_mod().log_softmax if log else torch_mod().softmax)(x, axis),
    )


def torch_mod() -> Any:
    """The torch module (imported only when installed)."""
    import torch

    return torch


def layer_norm_case(shape: tuple[int, ...]) -> Case:
    """layer_norm over the last axis of `shape`."""
    d = shape[-1]
    return Case(
        f"layer_norm_{len(shape)}",
        (t64(*shape), t64(d), t64(d)),
        lambda adj, a: LayerNormOp(a[0], a[1], a[2], 1e-5),
        (data(*shape), data(d), data(d)),
        lambda x, gm, bt: layer_norm(x, gm, bt, 1e-5),
        (0, 1, 2),
        lambda x, gm, bt: torch_mod().nn.functional.layer_norm(x, (d,), gm, bt, 1e-5),
    )


def select_case() -> Case:
    """select on a condition from a third argument (which gets no gradient)."""

    def build(adj: BlockAdjoint, a: Sequence[SSAValue]) -> Operation:
        cond = adj.emit(CompareOp(a[2], adj.zeros_like(a[2]), "gt"))
        return SelectOp(cond, a[0], a[1])

    return Case(
        "select",
        (t64(3, 4),) * 3,
        build,
        (data(3, 4), data(3, 4), data(3, 4)),
        lambda x, y, c: np.where(c > 0, x, y),
        (0, 1),
        lambda x, y, c: torch_mod().where(c > 0, x, y),
    )


def cast_case() -> Case:
    """cast f32 -> f64."""
    return Case(
        "cast_f32_f64",
        (TensorType(f32, [5]),),
        lambda adj, a: CastOp(a[0], t64(5)),
        (data(5).astype(np.float32),),
        lambda x: x.astype(np.float64),
        (0,),
    )


def slice_cases() -> list[Case]:
    """slice, update_slice, extract, from_elements."""
    return [
        Case(
            "slice",
            (t64(4, 5),),
            lambda adj, a: SliceOp(a[0], idx(adj, [1, 2]), [2, 3], [], t64(2, 3)),
            (data(4, 5),),
            lambda x: x[1:3, 2:5],
            (0,),
            lambda x: x[1:3, 2:5],
        ),
        Case(
            "update_slice",
            (t64(4, 5), t64(2, 3)),
            lambda adj, a: UpdateSliceOp(a[0], a[1], idx(adj, [1, 1])),
            (data(4, 5), data(2, 3)),
            update_slice_ref,
            (0, 1),
        ),
        Case(
            "extract",
            (t64(3, 4),),
            lambda adj, a: ExtractOp(a[0], idx(adj, [2, 1])),
            (data(3, 4),),
            lambda x: x[2, 1],
            (0,),
        ),
        Case(
            "from_elements",
            (f64, f64, f64, f64),
            lambda adj, a: FromElementsOp(list(a), t64(2, 2)),
            (0.5, -1.25, 2.0, 0.75),
            lambda a, b, c, d: np.array([[a, b], [c, d]]),
            (0, 1, 2, 3),
        ),
    ]


def update_slice_ref(d: Array, s: Array) -> Array:
    """NumPy update_slice at (1, 1)."""
    out = d.copy()
    out[1:3, 1:4] = s
    return out


def concat_cases() -> list[Case]:
    """concat along axes 0 and 1."""
    return [
        Case(
            "concat_0",
            (t64(2, 3), t64(1, 3), t64(3, 3)),
            lambda adj, a: ConcatOp(list(a), 0, t64(6, 3)),
            (data(2, 3), data(1, 3), data(3, 3)),
            lambda *xs: np.concatenate(xs, 0),
            (0, 1, 2),
            lambda *xs: torch_mod().cat(xs, 0),
        ),
        Case(
            "concat_1",
            (t64(2, 2), t64(2, 3)),
            lambda adj, a: ConcatOp(list(a), 1, t64(2, 5)),
            (data(2, 2), data(2, 3)),
            lambda *xs: np.concatenate(xs, 1),
            (0, 1),
        ),
    ]


def gather_cases() -> list[Case]:
    """gather along axes 0 and 1, and with a scalar index."""
    ids0 = np.array([3, 0, 3, 1], dtype=np.int32)
    ids1 = np.array([[4, 0], [4, 2]], dtype=np.int32)
    return [
        Case(
            "gather_0",
            (t64(5, 3), TensorType(i32, [4])),
            lambda adj, a: GatherOp(a[0], a[1], 0, t64(4, 3)),
            (data(5, 3), ids0),
            lambda x, i: np.take(x, i, 0),
            (0,),
        ),
        Case(
            "gather_1",
            (t64(2, 5, 3), TensorType(i32, [2, 2])),
            lambda adj, a: GatherOp(a[0], a[1], 1, t64(2, 2, 2, 3)),
            (data(2, 5, 3), ids1),
            lambda x, i: np.take(x, i, 1),
            (0,),
        ),
        Case(
            "gather_scalar",
            (t64(5, 3), i32),
            lambda adj, a: GatherOp(a[0], a[1], 0, t64(3)),
            (data(5, 3), np.int32(2)),
            lambda x, i: np.take(x, i, 0),
            (0,),
        ),
    ]


def conv_case(stride: int, padding: int) -> Case:
    """conv2d with `stride` and `padding`."""
    oh = (5 + 2 * padding - 3) // stride + 1
    return Case(
        f"conv2d_{stride}_{padding}",
        (t64(2, 2, 5, 5), t64(3, 2, 3, 3), t64(3)),
        lambda adj, a: Conv2dOp(a[0], a[1], a[2], stride, padding, t64(2, 3, oh, oh)),
        (data(2, 2, 5, 5), data(3, 2, 3, 3), data(3)),
        lambda x, w, b: conv2d(x, w, b, stride, padding),
        (0, 1, 2),
        lambda x, w, b: torch_mod().nn.functional.conv2d(x, w, b, stride, padding),
    )


def pool_case(kind: str, size: int, kernel: int, stride: int) -> Case:
    """pool2d `kind` on a size x size image."""
    out = (size - kernel) // stride + 1
    fn = "max_pool2d" if kind == "max" else "avg_pool2d"
    return Case(
        f"pool2d_{kind}_{size}_{kernel}_{stride}",
        (t64(1, 2, size, size),),
        lambda adj, a: Pool2dOp(a[0], kind, kernel, stride, t64(1, 2, out, out)),
        (data(1, 2, size, size),),
        lambda x: pool2d(x, kind, kernel, stride),
        (0,),
        lambda x: getattr(torch_mod().nn.functional, fn)(x, kernel, stride),
    )


def dynamic_cases() -> list[Case]:
    """Rules on tensors with `?` sizes (offsets and sizes read at run time)."""
    dyn = DYNAMIC_INDEX
    ids = np.array([2, 2, 0], dtype=np.int32)
    return [
        Case(
            "softmax_dyn",
            (t64(dyn, 4),),
            lambda adj, a: SoftmaxOp(a[0], 1, False),
            (data(3, 4),),
            lambda x: softmax(x, 1),
            (0,),
        ),
        Case(
            "layer_norm_dyn",
            (t64(dyn, 4), t64(4), t64(4)),
            lambda adj, a: LayerNormOp(a[0], a[1], a[2], 1e-5),
            (data(2, 4), data(4), data(4)),
            lambda x, gm, bt: layer_norm(x, gm, bt, 1e-5),
            (0, 1, 2),
        ),
        Case(
            "concat_dyn",
            (t64(dyn, 3), t64(dyn, 3), t64(2, 3)),
            lambda adj, a: ConcatOp(list(a), 0, t64(dyn, 3)),
            (data(2, 3), data(3, 3), data(2, 3)),
            lambda *xs: np.concatenate(xs, 0),
            (0, 1, 2),
        ),
        Case(
            "gather_dyn",
            (t64(4, 2), TensorType(i32, [dyn])),
            lambda adj, a: GatherOp(a[0], a[1], 0, t64(dyn, 2)),
            (data(4, 2), ids),
            lambda x, i: np.take(x, i, 0),
            (0,),
        ),
        Case(
            "update_slice_dyn",
            (t64(dyn, 5), t64(dyn, 2)),
            lambda adj, a: UpdateSliceOp(a[0], a[1], idx(adj, [1, 3])),
            (data(4, 5), data(2, 2)),
            update_slice_dyn_ref,
            (0, 1),
        ),
    ]


def update_slice_dyn_ref(d: Array, s: Array) -> Array:
    """NumPy update_slice at (1, 3)."""
    out = d.copy()
    out[1:3, 3:5] = s
    return out


CASES = [
    *dynamic_cases(),
    softmax_case((3, 4), 1, False),
    softmax_case((3, 4), 0, False),
    softmax_case((2, 5), 1, True),
    softmax_case((4,), 0, True),
    layer_norm_case((3, 4)),
    layer_norm_case((2, 2, 3)),
    select_case(),
    cast_case(),
    *slice_cases(),
    *concat_cases(),
    *gather_cases(),
    conv_case(1, 1),
    conv_case(2, 0),
    pool_case("avg", 4, 2, 2),
    pool_case("avg", 5, 3, 1),
    pool_case("max", 4, 2, 2),
    pool_case("max", 7, 3, 2),
]


@pytest.fixture(scope="module")
def compiled() -> Compiled:
    """Every case's backward function in one JIT module."""
    return Compiled(CASES)


def seed_for(case: Case) -> Array:
    """A random output adjoint of the case's result shape."""
    return np.asarray(RNG.uniform(-1.0, 1.0, np.shape(case.numpy(*case.args))))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_matches_finite_differences(compiled: Compiled, case: Case) -> None:
    seed = seed_for(case)
    got = compiled.grads(case.name, *case.args, seed)
    assert len(got) == len(case.wrt)
    for g, i in zip(got, case.wrt, strict=True):
        want = finite_differences(case.numpy, case.args, seed, i)
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6, err_msg=f"{case.name}: operand {i}")


@pytest.mark.parametrize("case", [c for c in CASES if c.torch is not None], ids=lambda c: c.name)
def test_rule_matches_torch(compiled: Compiled, case: Case) -> None:
    if not HAS_TORCH:
        pytest.skip("torch is not installed")
    torch = torch_mod()
    seed = seed_for(case)
    got = compiled.grads(case.name, *case.args, seed)
    tensors = [torch.tensor(np.asarray(a), requires_grad=i in case.wrt) for i, a in enumerate(case.args)]
    assert case.torch is not None
    (case.torch(*tensors) * torch.tensor(seed)).sum().backward()
    for g, i in zip(got, case.wrt, strict=True):
        np.testing.assert_allclose(g, tensors[i].grad.numpy(), rtol=1e-6, atol=1e-12, err_msg=f"{case.name}: {i}")


@pytest.mark.parametrize(
    "op",
    [CompareOp, ArgmaxOp, FloorOp, CeilOp, RoundOp, SignOp, RandomOp, IotaOp, StopGradientOp, DimOp]
    + [QuantizeOp, DequantizeOp, QMatmulOp],
)
def test_zero_gradient_ops_use_no_gradient(op: type[Operation]) -> None:
    assert nn_rules()[op] is no_gradient


def test_cast_to_int_has_no_gradient() -> None:
    from xdsl.ir import Block

    block = Block(arg_types=[t64(3), TensorType(i32, [3])])
    op = CastOp(block.args[0], TensorType(i32, [3]))
    block.add_op(op)
    assert list(nn_rules()[CastOp](BlockAdjoint(block), op, [block.args[1]])) == [None]
