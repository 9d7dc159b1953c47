"""Type checker: functions, generic instances, size variables, return types, recursion."""

from __future__ import annotations

from typecheck_util import checked, error, instance, let_type, let_value, targets

from charlc import syntax as ast
from charlc.checked import FnTarget
from charlc.types import show

MSE = """fn mse(pred: tensor<float32, [N]>, target: tensor<float32, [N]>) -> float32 {
    let d = pred - target
    return mean(d * d)
}
"""


def test_generic_function_is_instantiated_per_argument_types() -> None:
    cp = checked(
        MSE
        + "let a = mse(zeros([3]), ones([3]))\nlet b = mse(zeros([5]), ones([5]))\nlet c = mse(ones([3]), zeros([3]))\n"
    )
    symbols = [i.symbol for i in cp.instances]
    assert symbols == ["mse", "mse_1", "main"]
    assert instance(cp, "mse").bindings == {"N": 3}
    assert instance(cp, "mse_1").bindings == {"N": 5}
    calls = targets(cp, FnTarget)
    assert [t.instance.symbol for t in calls] == ["mse", "mse_1", "mse"]
    assert let_type(cp, "d", "mse_1") == "tensor<float32, [5]>"


def test_uncalled_generic_function_is_not_checked() -> None:
    cp = checked(MSE)
    assert [i.symbol for i in cp.instances] == ["main"]


def test_non_generic_function_is_checked_without_calls() -> None:
    cp = checked("fn f(w: tensor<float32, [2]>) -> float32 { return sum(w * w) }\n")
    assert [i.symbol for i in cp.instances] == ["f", "main"]
    line, col, msg = error("fn f(w: tensor<float32, [2]>) -> float32 { return sum(w @ zeros([3, 3])) }\n")
    assert (line, col) == (1, 55)
    assert msg.startswith("matmul of tensor<float32, [2]> and tensor<float32, [3, 3]>")


def test_callees_precede_callers_and_main_is_last() -> None:
    cp = checked(
        "fn h(x: float32) -> float32 { return g(x) * 2.0 }\n"
        "fn g(x: float32) -> float32 { return x + 1.0 }\n"
        "let y = h(1.0)\n"
    )
    assert [i.symbol for i in cp.instances] == ["g", "h", "main"]
    assert cp.main is cp.instances[-1]
    assert cp.main.decl.name == "main" and cp.main.decl.params == []


def test_size_variable_conflict_names_variable_and_sizes() -> None:
    src = (
        "fn f(a: tensor<float32, [N, K]>, b: tensor<float32, [K, M]>) { return a @ b }\n"
        "let z = f(zeros([2, 3]), zeros([4, 5]))\n"
    )
    assert error(src) == (
        2,
        9,
        "size variable `K` of `f` is 3 in argument 1 (tensor<float32, [2, 3]>) but 4 in argument 2 "
        "(tensor<float32, [4, 5]>)",
    )


def test_size_variable_bound_to_unknown_becomes_symbolic() -> None:
    src = (
        "fn f(a: tensor<float32, [N, 3]>) { return a * 2.0 }\n"
        'let x: tensor<float32, [?, 3]> = load_npy("x.npy")\n'
        "let y = f(x)\n"
    )
    cp = checked(src)
    f = instance(cp, "f")
    assert f.bindings == {"N": "N"}
    assert [show(t) for t in f.param_types] == ["tensor<float32, [N, 3]>"]
    assert show(f.ret) == "tensor<float32, [N, 3]>"
    assert let_type(cp, "y") == "tensor<float32, [?, 3]>"


def test_size_variable_readable_as_int_value() -> None:
    cp = checked("fn f(a: tensor<float32, [N]>) { return N * 2 }\nlet y = f(zeros([7]))\n")
    f = instance(cp, "f")
    ret = f.decl.body.stmts[0]
    assert isinstance(ret, ast.Return) and isinstance(ret.value, ast.Binary)
    assert f.consts[ret.value.lhs] == 7
    assert f.consts[ret.value] == 14
    assert isinstance(f.defs[ret.value.lhs], ast.DimExpr)
    assert show(f.ret) == "int32"


def test_argument_type_mismatch() -> None:
    src = "fn f(a: tensor<float32, [N, 3]>) { return a }\nlet y = f(zeros([2, 4]))\n"
    assert error(src) == (2, 11, "argument 1 of `f` must be tensor<float32, [N, 3]>, got tensor<float32, [2, 4]>")


def test_literal_argument_adopts_parameter_type() -> None:
    cp = checked("fn f(x: float64) -> float64 { return x * 2.0 }\nlet y = f(1)\n")
    call = let_value(cp, "y")
    assert isinstance(call, ast.Call)
    assert show(instance(cp).types[call.args[0]]) == "float64"


def test_wrong_argument_count() -> None:
    src = "fn f(x: float32) { return x }\nlet y = f(1.0, 2.0)\n"
    assert error(src) == (2, 9, "`f` takes 1 argument, got 2")


def test_keyword_arguments_to_user_functions() -> None:
    src = "fn f(x: float32) { return x }\nlet y = f(x: 1.0)\n"
    assert error(src) == (2, 11, "`f` takes positional arguments only; remove `x:`")


def test_return_type_inferred_and_tuple_returns() -> None:
    cp = checked("fn f(x: float32) { return (x, [x, x]) }\nlet (a, b) = f(1.0)\n")
    assert show(instance(cp, "f").ret) == "(float32, tensor<float32, [2]>)"
    assert let_type(cp, "b") == "tensor<float32, [2]>"


def test_returns_must_agree() -> None:
    src = "fn f(x: float32) {\n    if x > 0.0 { return x }\n    return [x]\n}\n"
    assert error(src) == (3, 5, "this `return` gives tensor<float32, [1]> but the `return` at 2:18 gives float32")


def test_weak_literal_return_adopts_other_returns() -> None:
    cp = checked("fn f(x: float64) {\n    if x > 0.0 { return 0 }\n    return x\n}\n")
    assert show(instance(cp, "f").ret) == "float64"


def test_declared_return_type_checked() -> None:
    src = "fn f(x: float32) -> tensor<float32, [2]> { return x }\n"
    assert error(src) == (
        1,
        51,
        "this function is declared to return tensor<float32, [2]> but this returns float32",
    )


def test_missing_return() -> None:
    src = "fn f(x: float32) -> float32 {\n    if x > 0.0 { return x }\n}\n"
    assert error(src) == (1, 4, "`f` may reach the end of its body without returning a value of type float32")


def test_function_without_return_is_unit() -> None:
    cp = checked("fn f(x: float32) { print(x) }\nf(1.0)\n")
    assert show(instance(cp, "f").ret) == "()"
    assert error("fn f(x: float32) { print(x) }\nlet y = f(1.0)\n") == (2, 9, "`f(1.0)` has no value")


def test_direct_recursion() -> None:
    assert error("fn f(x: float32) -> float32 { return f(x) }\n") == (
        1,
        38,
        "recursive call of `f`: recursion is not supported in version 1",
    )


def test_mutual_recursion() -> None:
    src = "fn f(x: float32) -> float32 { return g(x) }\nfn g(x: float32) -> float32 { return f(x) }\n"
    assert error(src) == (2, 38, "recursive call of `f`: recursion is not supported in version 1")


def test_generic_recursion() -> None:
    src = "fn f(x: tensor<float32, [N]>) -> float32 { return f(x) }\nlet y = f(zeros([2]))\n"
    assert error(src)[2] == "recursive call of `f`: recursion is not supported in version 1"


def test_function_as_value_is_an_error() -> None:
    src = "fn f(x: float32) { return x }\nlet g = f\n"
    assert error(src) == (
        2,
        9,
        "function `f` used as a value: functions are values only as arguments of grad, value_and_grad and autograd",
    )


def test_duplicate_definitions() -> None:
    assert error("fn f(x: float32) { return x }\nfn f(y: float32) { return y }\n") == (
        2,
        4,
        "duplicate definition of `f` (first defined at 1:4)",
    )
    assert error("fn relu(x: float32) { return x }\n") == (1, 4, "`relu` is a built-in function; choose another name")


def test_duplicate_parameter() -> None:
    assert error("fn f(x: float32, x: float32) { return x }\n") == (1, 18, "duplicate parameter `x`")


def test_unknown_size_variable_in_annotation() -> None:
    src = (
        "fn f(x: tensor<float32, [N]>) {\n    let y: tensor<float32, [M]> = x\n    return y\n}\nlet z = f(zeros([2]))\n"
    )
    line, col, msg = error(src)
    assert (line, col) == (2, 29)
    assert msg.startswith("unknown size variable `M`")


def test_annotation_with_size_variable_in_body() -> None:
    cp = checked(
        "fn f(x: tensor<float32, [N]>) {\n    let y: tensor<float32, [N]> = x * 2.0\n    return y\n}\n"
        "let z = f(zeros([2]))\n"
    )
    assert let_type(cp, "y", "f") == "tensor<float32, [2]>"
