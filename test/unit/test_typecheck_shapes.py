"""Type checker: the shape algebra (dimension unification, broadcasting, matmul, folding, linear
forms) and shape rules that involve symbolic sizes."""

from __future__ import annotations

import pytest
from typecheck_util import builtin, checked, error, instance, let_type

from charlc import shapes
from charlc.shapes import Linear
from charlc.types import show


def test_dims_unify_and_join() -> None:
    assert shapes.dims_unify(3, 3) and not shapes.dims_unify(3, 4)
    assert shapes.dims_unify(3, None) and shapes.dims_unify("N", 4) and shapes.dims_unify("N", "M")
    assert shapes.dim_join(None, 3) == 3 and shapes.dim_join("N", None) == "N" and shapes.dim_join("N", "M") is None


@pytest.mark.parametrize(
    ("a", "b", "out"),
    [
        ((2, 3), (3,), (2, 3)),
        ((2, 1), (1, 4), (2, 4)),
        ((), (5,), (5,)),
        (("N", 3), (1, 3), ("N", 3)),
        ((None, 3), (2, 1), (2, 3)),
        (("N", 1), ("N", 4), ("N", 4)),
    ],
)
def test_broadcast(a: shapes.Shape, b: shapes.Shape, out: shapes.Shape) -> None:
    assert shapes.broadcast(a, b) == out


def test_broadcast_error_carries_the_dimensions() -> None:
    with pytest.raises(shapes.BroadcastError) as info:
        shapes.broadcast((2, 3), (4,))
    assert (info.value.left, info.value.right) == (3, 4)


def test_matmul_shape_rules() -> None:
    assert shapes.matmul_shape((2, 3), (3, 4)) == (2, 4)
    assert shapes.matmul_shape((3,), (3,)) == ()
    assert shapes.matmul_shape((1, 2, 3), (5, 3, 4)) == (5, 2, 4)
    assert shapes.matmul_shape(("B", "K"), (None, 4)) == ("B", 4)
    with pytest.raises(shapes.MatmulError) as info:
        shapes.matmul_shape((2, 3), (4, 5))
    assert (info.value.kind, info.value.left, info.value.right) == ("inner", 3, 4)


def test_broadcasts_to() -> None:
    assert shapes.broadcasts_to((3,), (2, 3)) and shapes.broadcasts_to((), (2, 3))
    assert not shapes.broadcasts_to((2,), (2, 3)) and not shapes.broadcasts_to((1, 2, 3), (2, 3))


def test_fold_binary_follows_charl_semantics() -> None:
    assert shapes.fold_binary("/", -7, 2, False) == -3
    assert shapes.fold_binary("%", -7, 2, False) == -1
    assert shapes.fold_binary("/", 7, 2, True) == 3.5
    assert shapes.fold_binary("**", 2, 10, False) == 1024
    assert shapes.fold_binary("/", 1, 0, False) is None
    assert shapes.fold_binary("<", 1, 2, False) is True


def test_linear_forms() -> None:
    i = Linear.atom("i")
    lo = i.scale(32)
    hi = i.scale(32).add(Linear(32))
    assert hi.add(lo, -1).constant == 32
    assert i.add(i.scale(2), -1).constant is None


def test_reshape_with_symbolic_sizes() -> None:
    src = (
        "fn f(x: tensor<float32, [B, 4, 8]>) { return (reshape(x, [B, 32]), reshape(x, [B, -1]), reshape(x, [-1])) }\n"
        'let a: tensor<float32, [?, 4, 8]> = load_npy("a.npy")\nlet y = f(a)\n'
    )
    assert (
        show(instance(checked(src), "f").ret)
        == "(tensor<float32, [B, 32]>, tensor<float32, [B, 32]>, tensor<float32, [?]>)"
    )
    bad = "fn f(x: tensor<float32, [B, 4, 8]>) { return reshape(x, [B, 31]) }\nlet y = f(zeros([2, 4, 8]))\n"
    assert error(bad)[2] == "cannot reshape tensor<float32, [2, 4, 8]> into [2, 31]: 64 elements do not fit 62"


def test_flatten_and_concat_of_unknown_sizes() -> None:
    src = (
        'let a: tensor<float32, [?, 3]> = load_npy("a.npy")\n'
        "let f = flatten(a, start: 0)\nlet c = concat([a, zeros([2, 3])])\nlet s = shape(a)\n"
    )
    cp = checked(src)
    assert let_type(cp, "f") == "tensor<float32, [?]>"
    assert let_type(cp, "c") == "tensor<float32, [?, 3]>"
    assert let_type(cp, "s") == "tensor<int64, [2]>"


def test_pooling_records_kernel_and_stride() -> None:
    cp = checked("let y = max_pool2d(zeros([1, 2, 8, 8]), 2)\n")
    assert builtin(cp, "max_pool2d").static == {"kernel": 2, "k": 2, "stride": 2}
