"""irgen's structure: every example of the language document becomes a verified module whose every
op has a `FileLineColLoc` of the source and every result a name; functions, calls and control flow
have the shapes the IR contract promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from xdsl.dialects import func, scf
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.ir import Operation

from charlc.checked import CheckedProgram
from charlc.diagnostics import CharlError, Source
from charlc.irgen import IRGenInternalError, generate
from charlc.parser import parse
from charlc.typecheck import check
from charlc.types import TensorType
from dialects import charl as C

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = re.findall(r"```charl\n(.*?)```", (ROOT / "docs" / "language.md").read_text(), re.S)


def checked(text: str, path: str = "test.ch") -> tuple[CheckedProgram, Source]:
    src = Source(path, text)
    return check(parse(src), src), src


def gen(text: str, path: str = "test.ch") -> ModuleOp:
    prog, src = checked(text, path)
    return generate(prog, src)


def funcs(module: ModuleOp) -> dict[str, func.FuncOp]:
    return {op.sym_name.data: op for op in module.body.block.ops if isinstance(op, func.FuncOp)}


def ops_of(op: Operation, kind: type[Operation]) -> list[Operation]:
    return [o for o in op.walk() if isinstance(o, kind)]


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_language_example_is_a_located_verified_module(index: int) -> None:
    text = EXAMPLES[index]
    module = gen(text, f"example{index}.ch")
    module.verify()
    lines = text.count("\n") + 1
    for op in module.walk():
        if op is module:
            continue
        loc = op.location
        assert isinstance(loc, FileLineColLoc), f"{op.name} has no source location"
        assert loc.filename.data == f"example{index}.ch"
        assert 1 <= loc.line.data <= lines and loc.column.data >= 1, f"{op.name} at {loc}"
        for r in op.results:
            assert r.name_hint, f"a result of {op.name} has no name"
    assert "main" in funcs(module)


def test_functions_flatten_models_and_tuples() -> None:
    module = gen(
        """
model Mlp {
    layers {
        dense(3, 4, activation: relu)
        dense(4, 2)
    }
}
fn f(m: Mlp, x: tensor<float32, [1, 3]>) -> (float32, tensor<float32, [1, 2]>) {
    let y = m(x)
    return (sum(y), y)
}
let m = Mlp(seed: 0)
let (s, y) = f(m, ones([1, 3]))
print(s, y)
"""
    )
    fs = funcs(module)
    ftype = fs["f"].function_type
    assert [str(t) for t in ftype.inputs] == [
        "tensor<3x4xf32>",
        "tensor<4xf32>",
        "tensor<4x2xf32>",
        "tensor<2xf32>",
        "tensor<1x3xf32>",
    ]
    assert [str(t) for t in ftype.outputs] == ["f32", "tensor<1x2xf32>"]
    assert [a.name_hint for a in fs["f"].body.block.args] == ["m", "m", "m", "m", "x"]
    (call,) = ops_of(fs["main"], func.CallOp)
    assert call.callee.string_value() == "f" and len(call.arguments) == 5
    assert [r.name_hint for r in call.results] == ["s", "y"]
    assert list(fs).index("f") < list(fs).index("main"), "a callee precedes its callers"


def test_generic_function_has_one_func_per_instance() -> None:
    module = gen(
        """
fn total(x: tensor<float32, [N]>) -> float32 { return sum(x) }
print(total([1.0, 2.0]), total([1.0, 2.0, 3.0]), total([4.0, 5.0]))
"""
    )
    fs = funcs(module)
    assert sorted(n for n in fs if n.startswith("total")) == ["total", "total_1"]
    callees = [c.callee.string_value() for c in ops_of(fs["main"], func.CallOp)]
    assert callees == ["total", "total_1", "total"]


def test_loops_carry_only_assigned_variables() -> None:
    module = gen(
        """
let mut a = 0
let mut b = 1.0
let mut c = [1, 2]
for i in 0..3 { a = a + i }
while a < 10 { b = b * 2.0; a = a + 1 }
print(a, b, c)
"""
    )
    main = funcs(module)["main"]
    (loop,) = ops_of(main, scf.ForOp)
    assert [a.type for a in loop.iter_args] == [loop.results[0].type] and len(loop.iter_args) == 1
    (wloop,) = ops_of(main, scf.WhileOp)
    assert len(wloop.arguments) == 2 and [r.name_hint for r in wloop.results] == ["a", "b"]


def test_if_yields_only_assigned_variables() -> None:
    module = gen(
        """
let mut a = 0
let mut b = 0
let c = 2
if c > 1 { a = 1 } else { let b = 3; print(b) }
if c > 5 { print(c) }
print(a, b)
"""
    )
    first, second = ops_of(funcs(module)["main"], scf.IfOp)
    assert [r.name_hint for r in first.results] == ["a"]
    assert not second.results and not second.false_region.blocks


def test_break_turns_for_into_while_and_continue_keeps_for() -> None:
    with_break = funcs(gen("for i in 0..4 { if i == 2 { break }\n print(i) }"))["main"]
    assert not ops_of(with_break, scf.ForOp) and len(ops_of(with_break, scf.WhileOp)) == 1
    with_continue = funcs(gen("for i in 0..4 { if i == 2 { continue }\n print(i) }"))["main"]
    assert len(ops_of(with_continue, scf.ForOp)) == 1 and not ops_of(with_continue, scf.WhileOp)


def test_early_return_keeps_one_func_return_at_the_end() -> None:
    fs = funcs(gen("fn f(x: int32) -> int32 { if x > 0 { return 1 }\n return 2 }\nprint(f(3))"))
    body = fs["f"].body.block
    assert len(ops_of(fs["f"], func.ReturnOp)) == 1
    assert isinstance(body.last_op, func.ReturnOp)


def test_print_format_escapes_braces_and_inlines_strings() -> None:
    (p,) = ops_of(gen('print("x{", 1, "}y", 2.5)'), C.PrintOp)
    assert p.format.data == "x{{ {} }}y {}"
    assert [str(v.type) for v in p.values] == ["i32", "f32"]


def test_elementwise_operands_are_broadcast_explicitly() -> None:
    module = gen("let a = ones([2, 3])\nlet b = [1.0, 2.0, 3.0]\nprint(a * b + 1.0)")
    for op in module.walk():
        if isinstance(op, C.MulOp | C.AddOp):
            assert op.lhs.type == op.rhs.type == op.results[0].type


def test_dynamic_slice_size_is_index_arithmetic() -> None:
    module = gen(
        "fn f(x: tensor<float32, [?]>, n: int32) -> tensor<float32, [?]> { return x[1:n] }\n"
        "let x: tensor<float32, [?]> = [1.0, 2.0, 3.0]\nprint(f(x, 2))"
    )
    (sl,) = ops_of(funcs(module)["f"], C.SliceOp)
    assert list(sl.static_sizes.get_values()) == [-1] and len(sl.dyn_sizes) == 1


def test_checker_type_mismatch_is_an_internal_error_not_a_user_error() -> None:
    prog, src = checked("let x = 1.0\nprint(x)")
    lit = next(k for k in prog.main.types if type(k).__name__ == "FloatLit")
    let = next(k for k in prog.main.types if type(k).__name__ == "Let")
    prog.main.types[lit] = TensorType("float32", (2,))
    prog.main.types[let] = TensorType("float32", (3,))
    with pytest.raises(IRGenInternalError) as info:
        generate(prog, src)
    assert not isinstance(info.value, CharlError)
