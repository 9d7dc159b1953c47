"""Type checker: literals (weak typing), operators, broadcasting, matrix products."""

from __future__ import annotations

import pytest
from typecheck_util import checked, error, instance, let_type, let_value

from charlc import syntax as ast
from charlc.types import show


def test_scalar_literals_default_types() -> None:
    cp = checked('let a = 1\nlet b = 2.5\nlet c = true\nlet d = "hi"\nlet e = 3_000_000_000\n')
    assert [let_type(cp, n) for n in "abcde"] == ["int32", "float32", "bool", "string", "int64"]


def test_int_literal_adopts_float_context() -> None:
    cp = checked("let x = zeros([4])\nlet y = x * 2\n")
    value = let_value(cp, "y")
    assert isinstance(value, ast.Binary)
    inst = instance(cp)
    assert show(inst.types[value.rhs]) == "float32"
    assert inst.consts[value.rhs] == 2.0
    assert let_type(cp, "y") == "tensor<float32, [4]>"


def test_float_literal_adopts_float64() -> None:
    cp = checked("let x: float64 = 1.0\nlet y = x + 2.5\nlet z: float64 = 1\n")
    assert let_type(cp, "x") == "float64"
    assert let_type(cp, "y") == "float64"
    assert show(instance(cp).types[let_value(cp, "z")]) == "float64"


def test_literal_arithmetic_stays_weak_and_folds() -> None:
    cp = checked("let x: float64 = 7 / 2\nlet n = 7 / 2\nlet m = -7 % 3\n")
    inst = instance(cp)
    assert inst.consts[let_value(cp, "x")] == 3.5
    assert inst.consts[let_value(cp, "n")] == 3
    assert inst.consts[let_value(cp, "m")] == -1


def test_float_literal_with_int_tensor_is_an_error() -> None:
    assert error("let a = [1, 2, 3]\nlet c = a * 2.5\n") == (
        2,
        9,
        "no implicit conversion between tensor<int32, [3]> and float32; use cast(a, float32)",
    )


def test_no_implicit_conversion_between_variables() -> None:
    assert error("let a = [1, 2, 3]\nlet b = 2.0\nlet c = a * b\n") == (
        3,
        9,
        "no implicit conversion between tensor<int32, [3]> and float32; use cast(a, float32)",
    )


def test_float32_and_float64_variables_do_not_mix() -> None:
    line, col, msg = error("let a: float64 = 1.0\nlet b = 2.0\nlet c = b + a\n")
    assert (line, col) == (3, 9)
    assert msg == "no implicit conversion between float32 and float64; use cast(b, float64)"


def test_tensor_literals() -> None:
    cp = checked(
        "let a = [[1, 2], [3, 4]]\nlet b = [1, 2.0]\nlet x = 1.5\nlet c = [x, 2.0 * x]\nlet d = [true, false]\n"
    )
    assert let_type(cp, "a") == "tensor<int32, [2, 2]>"
    assert let_type(cp, "b") == "tensor<float32, [2]>"
    assert let_type(cp, "c") == "tensor<float32, [2]>"
    assert let_type(cp, "d") == "tensor<bool, [2]>"


def test_tensor_literal_takes_declared_element_type() -> None:
    cp = checked("let w: tensor<float64, [2]> = [0.0, 1]\n")
    value = let_value(cp, "w")
    assert isinstance(value, ast.TensorLit)
    assert [show(instance(cp).types[e]) for e in value.elems] == ["float64", "float64"]


def test_ragged_tensor_literal() -> None:
    assert error("let a = [[1, 2], [3, 4, 5]]\n") == (
        1,
        9,
        "ragged tensor literal: row 1 has 3 elements where row 0 has 2",
    )


def test_tensor_literal_element_must_be_scalar() -> None:
    line, col, msg = error("let a = zeros([2])\nlet b = [a, a]\n")
    assert (line, col) == (2, 10)
    assert msg.startswith("tensor literal elements must be scalars, got tensor<float32, [2]>")


def test_empty_tensor_literal() -> None:
    assert error("let a = []\n")[2] == "empty tensor literal; use zeros([0])"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("zeros([2, 3]) + zeros([3])", "tensor<float32, [2, 3]>"),
        ("zeros([2, 1]) * zeros([1, 4])", "tensor<float32, [2, 4]>"),
        ("zeros([3]) - 1", "tensor<float32, [3]>"),
        ("[1, 2] / 2", "tensor<int32, [2]>"),
        ("2 ** 3", "int32"),
        ("zeros([3]) ** 2", "tensor<float32, [3]>"),
        ("zeros([3]) < 1.0", "tensor<bool, [3]>"),
        ("1 == 2", "bool"),
        ("true and false", "bool"),
        ("not (zeros([2]) > 0.0)", "tensor<bool, [2]>"),
        ("-zeros([2])", "tensor<float32, [2]>"),
        ("[1, 2] % 3", "tensor<int32, [2]>"),
    ],
)
def test_operator_result_types(expr: str, expected: str) -> None:
    assert let_type(checked(f"let y = {expr}\n"), "y") == expected


def test_broadcast_error_names_both_shapes() -> None:
    assert error("let a = zeros([2, 3])\nlet b = a + zeros([4])\n") == (
        2,
        9,
        "cannot broadcast tensor<float32, [2, 3]> and tensor<float32, [4]> for `+`: dimensions 3 and 4 differ",
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("[2, 3]", "[3, 4]", "tensor<float32, [2, 4]>"),
        ("[3]", "[3, 4]", "tensor<float32, [4]>"),
        ("[2, 3]", "[3]", "tensor<float32, [2]>"),
        ("[3]", "[3]", "float32"),
        ("[5, 2, 3]", "[3, 4]", "tensor<float32, [5, 2, 4]>"),
        ("[5, 1, 2, 3]", "[7, 3, 4]", "tensor<float32, [5, 7, 2, 4]>"),
    ],
)
def test_matmul_shapes(a: str, b: str, expected: str) -> None:
    assert let_type(checked(f"let y = zeros({a}) @ zeros({b})\n"), "y") == expected


def test_matmul_inner_dimension_error() -> None:
    assert error("let a = zeros([2, 3])\nlet b = a @ zeros([4, 5])\n") == (
        2,
        9,
        "matmul of tensor<float32, [2, 3]> and tensor<float32, [4, 5]>: inner dimensions 3 and 4 differ",
    )


def test_matmul_batch_dimension_error() -> None:
    msg = error("let y = zeros([2, 3, 4]) @ zeros([5, 4, 6])\n")[2]
    assert msg.endswith("batch dimensions 2 and 5 differ")


def test_matmul_of_scalar() -> None:
    msg = error("let y = 1.0 @ zeros([3])\n")[2]
    assert msg.startswith("matmul of float32 and tensor<float32, [3]>: operands must have at least one dimension")


def test_and_needs_bool() -> None:
    assert error("let y = 1 and true\n") == (1, 9, "`and` needs bool operands, got int32")


def test_not_needs_bool() -> None:
    assert error("let y = not 1\n")[2] == "`not` needs bool, got int32; compare explicitly (`x != 0`)"


def test_arithmetic_on_bool() -> None:
    assert error("let y = true + false\n")[2].startswith("`+` is not defined on bool")


def test_unary_minus_on_bool() -> None:
    assert error("let y = -true\n")[2] == "unary `-` is not defined on bool"


def test_storage_types_have_no_arithmetic() -> None:
    src = "let w = zeros([4, 4])\nlet (q, s) = quantize_tensor(w, int8, axis: 1)\nlet z = q + q\n"
    assert error(src) == (
        3,
        9,
        "`+` on tensor<int8, [4, 4]>: int8 is a storage type without arithmetic; use dequantize(q, scale) first",
    )


def test_symbolic_and_unknown_dims_broadcast() -> None:
    cp = checked(
        "fn f(a: tensor<float32, [N, 3]>, b: tensor<float32, [?, 3]>) { return (a + b, b + zeros([1, 3])) }\n"
        'let x: tensor<float32, [?, 3]> = load_npy("x.npy")\n'
        "let y = f(x, x)\n"
    )
    assert show(instance(cp, "f").ret) == "(tensor<float32, [N, 3]>, tensor<float32, [?, 3]>)"
    assert let_type(cp, "y") == "(tensor<float32, [?, 3]>, tensor<float32, [?, 3]>)"
    assert error('let x: tensor<float32, [?, 3]> = load_npy("x.npy")\nlet y = x + zeros([2, 4])\n')[2].endswith(
        "dimensions 3 and 4 differ"
    )


def test_tuples_and_tuple_get() -> None:
    cp = checked("let t = (1.0, [1, 2])\nlet a = t.0\nlet b = t.1\n")
    assert let_type(cp, "t") == "(float32, tensor<int32, [2]>)"
    assert let_type(cp, "b") == "tensor<int32, [2]>"
    assert error("let t = (1.0, 2)\nlet c = t.2\n")[2] == "tuple index 2 out of range for (float32, int32) (2 elements)"
