"""Type checker: statements, bindings, mutability, scopes and control flow."""

from __future__ import annotations

from typecheck_util import checked, error, instance, let_type

from charlc import syntax as ast
from charlc.types import show


def test_let_annotation_must_match() -> None:
    assert error("let x: tensor<float32, [3]> = zeros([4])\n") == (
        1,
        31,
        "`x` is declared tensor<float32, [3]> but the value is tensor<float32, [4]>",
    )


def test_annotation_with_unknown_dim_keeps_it() -> None:
    cp = checked("let x: tensor<float32, [?, 4]> = zeros([3, 4])\n")
    assert let_type(cp, "x") == "tensor<float32, [?, 4]>"


def test_shadowing_and_block_scopes() -> None:
    cp = checked("let x = 1\nlet x = 2.0\n{\n    let y = x\n}\n")
    assert let_type(cp, "x") == "float32"
    assert let_type(cp, "y") == "float32"
    assert error("{\n    let y = 1\n}\nlet z = y\n") == (4, 9, "unknown name `y`")


def test_name_reads_record_their_binding() -> None:
    cp = checked("let x = 1.0\nlet y = x\nfor i in 0..3 { print(i) }\n")
    main = instance(cp)
    names = [n for n in main.defs if isinstance(n, ast.Name)]
    assert isinstance(main.defs[names[0]], ast.NameTarget)
    assert isinstance(main.defs[names[1]], ast.For)


def test_assignment_needs_mut() -> None:
    assert error("let x = 1\nx = 2\n") == (
        2,
        1,
        "cannot assign to `x`: it is declared without `mut`; write `let mut x`",
    )


def test_reassigned_type_must_equal_declared() -> None:
    assert error("let mut x = zeros([3])\nx = zeros([4])\n") == (
        2,
        5,
        "`x` has type tensor<float32, [3]>; cannot assign tensor<float32, [4]>",
    )
    cp = checked("let mut x = 0.0\nx = x + 1\n")
    assign = cp.main.decl.body.stmts[1]
    assert isinstance(assign, ast.Assign)
    assert show(cp.main.types[assign]) == "float32"


def test_indexed_assignment() -> None:
    cp = checked("let mut x = zeros([4, 4])\nx[0:2, :] = zeros([2, 4])\nx[3] = 1\nx[1, 2] = 5.0\n")
    stmts = cp.main.decl.body.stmts
    assert [show(cp.main.types[s]) for s in stmts[1:]] == ["tensor<float32, [2, 4]>", "tensor<float32, [4]>", "float32"]


def test_indexed_assignment_errors() -> None:
    assert error("let x = zeros([4])\nx[0] = 1.0\n")[2] == (
        "cannot assign to `x`: it is declared without `mut`; write `let mut x`"
    )
    assert error("let mut x = zeros([4, 4])\nx[0:2] = zeros([3, 4])\n") == (
        2,
        10,
        "cannot broadcast tensor<float32, [3, 4]> to the indexed region tensor<float32, [2, 4]> of `x`",
    )


def test_tuple_assignment() -> None:
    cp = checked("let mut a = 1.0\nlet mut b = [1, 2]\n(a, b) = (2.0, [3, 4])\n")
    assert show(cp.main.types[cp.main.decl.body.stmts[2]]) == "(float32, tensor<int32, [2]>)"
    assert error("let mut a = 1.0\nlet b = 2.0\n(a, b) = (2.0, 3.0)\n")[2].startswith("cannot assign to `b`")


def test_tuple_destructuring_arity() -> None:
    assert error("let (a, b) = (1, 2, 3)\n") == (
        1,
        5,
        "cannot destructure (int32, int32, int32) into 2 names: the value is a 3-tuple",
    )
    cp = checked("let (a, (b, c)) = (1, (2.0, true))\nlet d = c\nlet e = b\n")
    assert let_type(cp, "d") == "bool"
    assert let_type(cp, "e") == "float32"


def test_if_condition_must_be_bool_scalar() -> None:
    assert error("if zeros([3]) > 0.0 { print(1) }\n") == (
        1,
        4,
        "the condition of `if` must be a bool scalar, got tensor<bool, [3]>; "
        "use where(cond, a, b) to select elementwise",
    )
    assert error("let x = 1\nwhile x { print(x) }\n") == (
        2,
        7,
        "the condition of `while` must be bool, got int32; compare explicitly (`x != 0`)",
    )


def test_for_loop_variable_types() -> None:
    cp = checked("let n: int64 = 10\nfor i in 0..n { print(i) }\nfor j in 0..3 { print(j) }\n")
    fors = [s for s in cp.main.decl.body.stmts if isinstance(s, ast.For)]
    assert [show(cp.main.types[f]) for f in fors] == ["int64", "int32"]


def test_for_bounds_must_be_ints() -> None:
    assert error("for i in 0..2.5 { print(i) }\n") == (
        1,
        13,
        "a `for` range bound must be an int32 or int64 scalar, got float32",
    )


def test_loop_variable_is_immutable() -> None:
    assert error("for i in 0..3 { i = 2 }\n")[2].startswith("cannot assign to `i`")


def test_break_continue_and_return_placement() -> None:
    assert error("break\n") == (1, 1, "`break` outside a loop")
    assert error("if true { continue }\n") == (1, 11, "`continue` outside a loop")
    assert error("return 1\n") == (1, 1, "`return` outside a function")
    checked("for i in 0..3 { if i == 1 { continue }\n if i == 2 { break } }\n")


def test_unknown_names_and_non_callables() -> None:
    assert error("let x = y\n") == (1, 9, "unknown name `y`")
    assert error("let x = 3\nlet y = x(2)\n") == (2, 9, "`x` is not a function: it is a value of type int32")
    assert error("let y = nope(2)\n") == (1, 9, "unknown name `nope`")


def test_binding_a_unit_value() -> None:
    assert error("let x = print(1)\n") == (1, 9, "`print(1)` has no value")


def test_type_names_are_not_values() -> None:
    assert error("let x = float32\n")[2] == "`float32` is a type, not a value"


def test_control_flow_in_functions_with_loops() -> None:
    cp = checked(
        "fn f(x: tensor<float32, [4]>) -> float32 {\n"
        "    let mut s = 0.0\n"
        "    for i in 0..4 { s = s + x[i] }\n"
        "    while s > 1.0 { s = s / 2.0 }\n"
        "    return s\n"
        "}\n"
    )
    assert show(instance(cp, "f").ret) == "float32"
