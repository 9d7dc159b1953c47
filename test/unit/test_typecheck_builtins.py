"""Type checker: built-in functions (LANGUAGE.md section 7): signatures, static arguments, shape rules."""

from __future__ import annotations

import pytest
from typecheck_util import builtin, checked, error, let_type

X = "let x = zeros([2, 3, 4])\nlet v = zeros([5])\nlet i = [1, 2, 3]\n"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("zeros([2, 3])", "tensor<float32, [2, 3]>"),
        ("ones([4], dtype: int64)", "tensor<int64, [4]>"),
        ("full([2], 7)", "tensor<float32, [2]>"),
        ("full([2], 7, dtype: int32)", "tensor<int32, [2]>"),
        ("arange(5)", "tensor<int32, [5]>"),
        ("eye(3)", "tensor<float32, [3, 3]>"),
        ("random_normal([2, 2], seed: 1)", "tensor<float32, [2, 2]>"),
        ("random_uniform([3], seed: 1, low: -1.0, high: 1.0)", "tensor<float32, [3]>"),
        ("random_int([4], 0, 10, seed: 2)", "tensor<int32, [4]>"),
        ("exp(x)", "tensor<float32, [2, 3, 4]>"),
        ("relu(i)", "tensor<int32, [3]>"),
        ("exp(1)", "float32"),
        ("pow(v, 2)", "tensor<float32, [5]>"),
        ("maximum(x, 0)", "tensor<float32, [2, 3, 4]>"),
        ("minimum(v, zeros([2, 1]))", "tensor<float32, [2, 5]>"),
        ("clip(v, 0, 1)", "tensor<float32, [5]>"),
        ("where(v > 0.0, v, 0.0)", "tensor<float32, [5]>"),
        ("cast(i, float64)", "tensor<float64, [3]>"),
        ("sum(x)", "float32"),
        ("sum(x, axis: 1)", "tensor<float32, [2, 4]>"),
        ("mean(x, axis: -1, keepdims: true)", "tensor<float32, [2, 3, 1]>"),
        ("max(x, axis: [0, 2])", "tensor<float32, [3]>"),
        ("argmax(x, axis: 1)", "tensor<int32, [2, 4]>"),
        ("argmax(v)", "int32"),
        ("reshape(x, [6, -1])", "tensor<float32, [6, 4]>"),
        ("reshape(x, [24])", "tensor<float32, [24]>"),
        ("transpose(x)", "tensor<float32, [4, 3, 2]>"),
        ("transpose(x, [0, 2, 1])", "tensor<float32, [2, 4, 3]>"),
        ("flatten(x)", "tensor<float32, [2, 12]>"),
        ("flatten(x, start: 0)", "tensor<float32, [24]>"),
        ("expand_dims(v, 0)", "tensor<float32, [1, 5]>"),
        ("expand_dims(v, -1)", "tensor<float32, [5, 1]>"),
        ("squeeze(zeros([1, 5]), 0)", "tensor<float32, [5]>"),
        ("broadcast_to(v, [3, 5])", "tensor<float32, [3, 5]>"),
        ("concat([x, x], axis: 1)", "tensor<float32, [2, 6, 4]>"),
        ("concat([v, v])", "tensor<float32, [10]>"),
        ("shape(x)", "tensor<int64, [3]>"),
        ("take(zeros([10, 4]), i)", "tensor<float32, [3, 4]>"),
        ("take(zeros([10, 4]), [[1, 2]], axis: 0)", "tensor<float32, [1, 2, 4]>"),
        ("one_hot(i, 10)", "tensor<float32, [3, 10]>"),
        ("softmax(x)", "tensor<float32, [2, 3, 4]>"),
        ("log_softmax(x, axis: 0)", "tensor<float32, [2, 3, 4]>"),
        ("layer_norm(x, ones([4]), zeros([4]))", "tensor<float32, [2, 3, 4]>"),
        ("conv2d(zeros([8, 3, 32, 32]), zeros([16, 3, 5, 5]), zeros([16]))", "tensor<float32, [8, 16, 28, 28]>"),
        (
            "conv2d(zeros([8, 3, 32, 32]), zeros([16, 3, 3, 3]), zeros([16]), stride: 2, padding: 1)",
            "tensor<float32, [8, 16, 16, 16]>",
        ),
        ("max_pool2d(zeros([1, 2, 8, 8]), 2)", "tensor<float32, [1, 2, 4, 4]>"),
        ("avg_pool2d(zeros([1, 2, 9, 9]), 3, stride: 2)", "tensor<float32, [1, 2, 4, 4]>"),
        ("dropout(x, 0.5, seed: 3)", "tensor<float32, [2, 3, 4]>"),
        ("causal_mask(4)", "tensor<bool, [4, 4]>"),
        ("mse_loss(v, zeros([5]))", "float32"),
        ("cross_entropy(zeros([3, 10]), i)", "float32"),
        ("cross_entropy(zeros([3, 10]), zeros([3, 10]))", "float32"),
        ("binary_cross_entropy(v, v)", "float32"),
        ("bce_with_logits(v, v)", "float32"),
        ("clock()", "float64"),
        ("stop_gradient(v)", "tensor<float32, [5]>"),
    ],
)
def test_builtin_result_types(expr: str, expected: str) -> None:
    assert let_type(checked(f"{X}let y = {expr}\n"), "y") == expected


def test_static_arguments_are_resolved() -> None:
    cp = checked(X + "let a = sum(x, axis: -1)\nlet b = transpose(x)\nlet c = zeros([2, 3], dtype: float64)\n")
    s = builtin(cp, "sum")
    assert s.static == {"axis": 2, "axes": (2,), "keepdims": False}
    assert [type(a).__name__ for a in s.args] == ["Name"]
    assert builtin(cp, "transpose").static == {"perm": (2, 1, 0)}
    assert builtin(cp, "zeros").static == {"shape": (2, 3, 4), "dtype": "float32"}


def test_runtime_keywords_and_defaults() -> None:
    cp = checked("let s = 4\nlet a = random_normal([2], seed: s, std: 0.5)\n")
    t = builtin(cp, "random_normal")
    assert set(t.kwargs) == {"seed", "std"}
    assert t.static["mean"] == 0.0
    assert t.static["shape"] == (2,)


def test_shape_with_size_variable() -> None:
    src = (
        "fn f(x: tensor<float32, [B, 4]>) { return x + zeros([B, 4]) }\n"
        'let a: tensor<float32, [?, 4]> = load_npy("a.npy")\n'
        "let y = f(a)\nlet z = f(zeros([3, 4]))\n"
    )
    cp = checked(src)
    assert builtin(cp, "zeros", "f").static["shape"] == ("B", 4)
    assert builtin(cp, "zeros", "f_1").static["shape"] == (3, 4)


def test_shape_of_static_tensor_is_constant() -> None:
    cp = checked("let x = zeros([2, 3])\nlet s = shape(x)\nlet y = zeros(shape(x))\n")
    assert let_type(cp, "y") == "tensor<float32, [2, 3]>"


@pytest.mark.parametrize(
    ("src", "where", "message"),
    [
        ("let y = zeros([2, n])\n", (1, 19), "unknown name `n`"),
        (
            "let mut n = 2\nlet y = zeros([n])\n",
            (2, 16),
            "a dimension in the shape of `zeros` must be a compile-time integer, got `n` (a run-time value)",
        ),
        ("let y = zeros([2], 3)\n", (1, 20), "`zeros` takes at most 1 positional argument, got 2"),
        (
            "let y = sum(zeros([2]), axs: 0)\n",
            (1, 25),
            "unknown keyword argument `axs` for `sum` (it takes `x`, `axis`, `keepdims`)",
        ),
        ("let y = take(zeros([2]), [0], x: zeros([2]))\n", (1, 31), "`take` got argument `x` twice"),
        ("let y = sum(zeros([2]), 0)\n", (1, 25), "`sum` takes at most 1 positional argument, got 2"),
        ("let y = zeros()\n", (1, 9), "`zeros` is missing its argument `shape`"),
        ("let y = sum(zeros([2]), axis: 1)\n", (1, 31), "axis 1 is out of range for `sum` of a rank-1 tensor"),
        (
            "let a = [1, 2]\nlet y = mean(a)\n",
            (2, 14),
            "`mean` needs a float tensor, got tensor<int32, [2]>; use cast(a, float32)",
        ),
        (
            "let a = [1, 2]\nlet y = exp(a + 1)\n",
            (2, 13),
            "`exp` needs a float tensor, got tensor<int32, [2]>; use cast(a + 1, float32)",
        ),
        (
            "let y = reshape(zeros([3, 4]), [5, -1])\n",
            (1, 9),
            "cannot reshape tensor<float32, [3, 4]> into [5, -1]: sizes do not divide",
        ),
        (
            "let y = reshape(zeros([3, 4]), [5, 2])\n",
            (1, 9),
            "cannot reshape tensor<float32, [3, 4]> into [5, 2]: 12 elements do not fit 10",
        ),
        ("let y = reshape(zeros([3, 4]), [-1, -1])\n", (1, 32), "`reshape` allows at most one -1 in the shape"),
        (
            "let y = squeeze(zeros([3, 4]), 0)\n",
            (1, 9),
            "cannot squeeze axis 0 of tensor<float32, [3, 4]>: its size is 3, not 1",
        ),
        (
            "let y = transpose(zeros([3, 4]), [0, 0])\n",
            (1, 34),
            "[0, 0] is not a permutation of the 2 axes of the tensor",
        ),
        ("let y = broadcast_to(zeros([3]), [3, 4])\n", (1, 9), "cannot broadcast tensor<float32, [3]> to [3, 4]"),
        (
            "let y = concat([zeros([3, 4]), zeros([3, 5])], axis: 0)\n",
            (1, 32),
            "`concat` along axis 0 of tensor<float32, [3, 4]> and tensor<float32, [3, 5]>: "
            "dimension 1 differs (4 and 5)",
        ),
        ("let y = cast(zeros([3]), int8)\n", (1, 26), "`cast` cannot produce int8; use quantize_tensor for int8/int4"),
        (
            "let y = cast(zeros([3]), 3)\n",
            (1, 26),
            "`cast` needs an element type here (float32, float64, int32, int64, bool)",
        ),
        (
            "let y = layer_norm(zeros([2, 4]), ones([3]), zeros([4]))\n",
            (1, 35),
            "`gamma` of `layer_norm` must be [4] for input tensor<float32, [2, 4]>, got tensor<float32, [3]>",
        ),
        (
            "let y = conv2d(zeros([1, 3, 8, 8]), zeros([4, 2, 3, 3]), zeros([4]))\n",
            (1, 9),
            "`conv2d` of tensor<float32, [1, 3, 8, 8]> with weight tensor<float32, [4, 2, 3, 3]>: "
            "input channels 3 and 2 differ",
        ),
        (
            "let y = max_pool2d(zeros([1, 3, 2, 2]), 3)\n",
            (1, 9),
            "`max_pool2d` of tensor<float32, [1, 3, 2, 2]>: the window is larger than the input",
        ),
        (
            "let y = cross_entropy(zeros([3, 10]), [1, 2])\n",
            (1, 9),
            "`cross_entropy` of logits tensor<float32, [3, 10]> needs int labels [3], got tensor<int32, [2]>",
        ),
        (
            "let y = mse_loss(zeros([3]), zeros([4]))\n",
            (1, 9),
            "`mse_loss` of tensor<float32, [3]> and tensor<float32, [4]>: the shapes differ",
        ),
        (
            "let y = where(zeros([3]), 1.0, 2.0)\n",
            (1, 15),
            "the condition of `where` must be bool, got tensor<float32, [3]>",
        ),
        ("let y = dropout(zeros([3]), 1.5)\n", (1, 29), "`p` of `dropout` must be in [0, 1), got 1.5"),
        ("let y = argmax(zeros([3, 4]))\n", (1, 9), "`argmax` of tensor<float32, [3, 4]> needs `axis:`"),
        (
            "let y = take(zeros([3, 4]), [1.0])\n",
            (1, 29),
            "the indices of `take` must be an int tensor, got tensor<float32, [1]>",
        ),
        ("let y = keepdims(1)\n", (1, 9), "unknown name `keepdims`"),
    ],
)
def test_builtin_errors(src: str, where: tuple[int, int], message: str) -> None:
    assert error(src) == (*where, message)


def test_print_and_io() -> None:
    cp = checked('let x = zeros([2])\nprint("x", x, 1, (1.0, true))\nsave_npy("x.npy", x)\nlet t = clock()\n')
    assert builtin(cp, "print").result.__class__.__name__ == "UnitType"
    assert builtin(cp, "save_npy").static == {"path": "x.npy"}


def test_load_npy_takes_the_declared_type() -> None:
    cp = checked('let x: tensor<float32, [?, 64]> = load_npy("x.npy")\n')
    t = builtin(cp, "load_npy")
    assert t.static["path"] == "x.npy"
    assert let_type(cp, "x") == "tensor<float32, [?, 64]>"
    assert error('let x = load_npy("x.npy")\n') == (
        1,
        9,
        "`load_npy` needs the type of its binding: write `let x: tensor<float32, [?, 64]> = load_npy(...)`",
    )


def test_string_constants_fold_into_paths() -> None:
    cp = checked('let p = "x.npy"\nsave_npy(p, zeros([2]))\n')
    assert builtin(cp, "save_npy").static["path"] == "x.npy"
    assert (
        error("let p = 3\nsave_npy(p, zeros([2]))\n")[2] == "the path of `save_npy` must be a string literal, got int32"
    )


def test_print_rejects_models() -> None:
    src = "model M {\n    layers { dense(2, 2) }\n}\nlet m = M(seed: 0)\nprint(m)\n"
    assert error(src) == (5, 7, "cannot print the model M; use summary(m)")
