"""Type checker: indexing, slicing (linear folding of extents), constant bounds."""

from __future__ import annotations

import pytest
from typecheck_util import checked, error, instance, let_type, let_value

from charlc import syntax as ast
from charlc.types import show


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("x[0]", "tensor<float32, [4, 5]>"),
        ("x[0, 1]", "tensor<float32, [5]>"),
        ("x[0, 1, 2]", "float32"),
        ("x[1:3]", "tensor<float32, [2, 4, 5]>"),
        ("x[:, 2]", "tensor<float32, [3, 5]>"),
        ("x[:, :, 1:]", "tensor<float32, [3, 4, 4]>"),
        ("x[:2, 0:4, :]", "tensor<float32, [2, 4, 5]>"),
        ("x[-1]", "tensor<float32, [4, 5]>"),
        ("x[-2:]", "tensor<float32, [2, 4, 5]>"),
    ],
)
def test_index_result_types(expr: str, expected: str) -> None:
    assert let_type(checked(f"let x = zeros([3, 4, 5])\nlet y = {expr}\n"), "y") == expected


def test_linear_folding_of_slice_extent() -> None:
    src = (
        "fn f(x: tensor<float32, [N]>) {\n"
        "    let mut s = 0.0\n"
        "    for i in 0..4 {\n"
        "        let c = x[i * 32 : i * 32 + 32]\n"
        "        let d = x[i : 2 * i]\n"
        "        let e = x[i + 1 : i + 3]\n"
        "        s = s + sum(c) + sum(d) + sum(e)\n"
        "    }\n"
        "    return s\n"
        "}\n"
        "let y = f(zeros([128]))\n"
    )
    cp = checked(src)
    assert let_type(cp, "c", "f") == "tensor<float32, [32]>"
    assert let_type(cp, "d", "f") == "tensor<float32, [?]>"
    assert let_type(cp, "e", "f") == "tensor<float32, [2]>"


def test_slice_of_symbolic_dimension() -> None:
    src = (
        "fn f(x: tensor<float32, [N, 4]>) { return (x[:, 1:3], x[0:N], x[1:]) }\n"
        'let a: tensor<float32, [?, 4]> = load_npy("a.npy")\n'
        "let y = f(a)\n"
    )
    assert show(instance(checked(src), "f").ret) == (
        "(tensor<float32, [N, 2]>, tensor<float32, [N, 4]>, tensor<float32, [?, 4]>)"
    )


def test_negative_constant_index_is_normalized() -> None:
    cp = checked("let x = zeros([3, 4])\nlet y = x[-1, 1:-1]\n")
    value = let_value(cp, "y")
    assert isinstance(value, ast.Index)
    consts = instance(cp).consts
    assert consts[value.items[0]] == 2
    item = value.items[1]
    assert isinstance(item, ast.SliceItem)
    assert consts[item] == (1, 3)
    assert let_type(cp, "y") == "tensor<float32, [2]>"


def test_out_of_range_constant_index() -> None:
    assert error("let x = zeros([3, 4])\nlet y = x[3]\n") == (
        2,
        11,
        "index 3 is out of range for dimension 0 of size 3",
    )
    assert error("let x = zeros([3, 4])\nlet y = x[0, -5]\n") == (
        2,
        14,
        "index -5 is out of range for dimension 1 of size 4",
    )


def test_out_of_range_slices() -> None:
    assert error("let x = zeros([3, 4])\nlet y = x[0:5]\n") == (
        2,
        13,
        "slice end 5 is out of range for dimension 0 of size 3",
    )
    assert error("let x = zeros([3, 4])\nlet y = x[2:1]\n") == (2, 11, "slice 2:1 of dimension 0 has a negative extent")


def test_too_many_indices() -> None:
    assert error("let x = zeros([3, 4])\nlet y = x[0, 1, 2]\n") == (
        2,
        9,
        "too many indices for tensor<float32, [3, 4]>: 3 given, rank is 2",
    )


def test_index_must_be_int() -> None:
    assert error("let x = zeros([3])\nlet y = x[1.0]\n") == (
        2,
        11,
        "an index must be an int32 or int64 scalar, got float32",
    )


def test_runtime_index_is_allowed() -> None:
    cp = checked("let x = zeros([3, 4])\nlet mut i = 1\nlet y = x[i, i:i + 2]\n")
    assert let_type(cp, "y") == "tensor<float32, [2]>"


def test_indexing_a_scalar() -> None:
    assert error("let x = 1.0\nlet y = x[0]\n")[2] == "cannot index float32: only tensors of rank >= 1 can be indexed"
