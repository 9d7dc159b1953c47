"""Tests of the `charl` dialect: the lit files under test/filecheck/dialects parse, verify and
round-trip (custom and generic form); every invalid chunk fails with its CHECK message; every op
builds through its documented Python constructor."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    Builtin,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    TensorType,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.dialects.func import Func
from xdsl.dialects.scf import Scf
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Commutative, MemoryReadEffect, MemoryWriteEffect, Pure, is_side_effect_free
from xdsl.utils.exceptions import VerifyException

from dialects import charl as C

DIALECT_TESTS = Path(__file__).resolve().parents[1] / "filecheck" / "dialects"
ROUND_TRIP = sorted(p for p in DIALECT_TESTS.glob("*.mlir") if not p.name.startswith("invalid-"))
INVALID = sorted(DIALECT_TESTS.glob("invalid-*.mlir"))
SPLIT = re.compile(r"^// -----$", re.MULTILINE)
CHECK_ERROR = re.compile(r"// CHECK: .*?:\d+:\d+: error: (.*)$", re.MULTILINE)


def make_context() -> Context:
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Scf, C.Charl):
        ctx.load_dialect(dialect)
    return ctx


def parse(text: str) -> ModuleOp:
    return Parser(make_context(), text).parse_module()


def generic(op: Operation) -> str:
    out = io.StringIO()
    Printer(stream=out, print_generic_format=True).print_op(op)
    return out.getvalue()


# --- lit files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ROUND_TRIP, ids=lambda p: p.name)
def test_round_trip(path: Path) -> None:
    module = parse(path.read_text())
    module.verify()
    printed = str(module)
    again = parse(printed)
    again.verify()
    assert str(again) == printed
    from_generic = parse(generic(module))
    from_generic.verify()
    assert str(from_generic) == printed


def test_every_op_is_in_a_round_trip_file() -> None:
    seen = {op.name for path in ROUND_TRIP for op in parse(path.read_text()).walk()}
    missing = {op.name for op in C.Charl.operations} - seen
    assert not missing


def invalid_chunks() -> list[tuple[str, str]]:
    cases: list[tuple[str, str]] = []
    for path in INVALID:
        for i, chunk in enumerate(SPLIT.split(path.read_text())):
            messages = CHECK_ERROR.findall(chunk)
            assert len(messages) == 1, f"{path.name} chunk {i}: expected one CHECK error line"
            cases.append((f"{path.name}#{i}", chunk))
    return cases


@pytest.mark.parametrize("name,chunk", invalid_chunks(), ids=[n for n, _ in invalid_chunks()])
def test_invalid_chunk_fails_with_its_message(name: str, chunk: str) -> None:
    (message,) = CHECK_ERROR.findall(chunk)
    module = parse(chunk)
    with pytest.raises(VerifyException) as info:
        module.verify()
    assert message in str(info.value)


def test_every_invalid_file_has_a_round_trip_file() -> None:
    names = {p.name for p in ROUND_TRIP}
    assert INVALID and all(p.name.removeprefix("invalid-") in names for p in INVALID)


# --- constructors -------------------------------------------------------------------------------


def verified(arg_types: Sequence[Attribute], build: Callable[[tuple[BlockArgument, ...]], list[Operation]]) -> ModuleOp:
    """A module with `@f(arg_types)` holding the ops `build` makes from the arguments; verified,
    and checked to round-trip through text."""
    block = Block(arg_types=arg_types)
    block.add_ops([*build(block.args), func.ReturnOp()])
    module = ModuleOp([func.FuncOp("f", (list(arg_types), []), Region(block))])
    module.verify()
    assert str(parse(str(module))) == str(module)
    return module


def t(*shape: int, elem: Attribute = f32) -> TensorType[Attribute]:
    return TensorType(elem, shape)


@pytest.mark.parametrize("op", C.BINARY_OPS, ids=lambda op: op.name)
def test_binary_constructor_infers_result_type(op: type[C.ElementwiseBinaryOp]) -> None:
    ty = t(2, DYNAMIC_INDEX, elem=i1) if op in (C.AndOp, C.OrOp) else t(2, DYNAMIC_INDEX)
    module = verified([ty, ty], lambda a: [op(a[0], a[1])])
    (made,) = [o for o in module.walk() if isinstance(o, op)]
    assert made.result.type == ty


@pytest.mark.parametrize("op", C.UNARY_OPS, ids=lambda op: op.name)
def test_unary_constructor_infers_result_type(op: type[C.ElementwiseUnaryOp]) -> None:
    ty = i1 if op is C.NotOp else f64
    module = verified([ty], lambda a: [op(a[0])])
    (made,) = [o for o in module.walk() if isinstance(o, op)]
    assert made.result.type == ty


def test_constant_constructor() -> None:
    dense = DenseIntOrFPElementsAttr.from_list(TensorType(f32, [2]), [1.0, 2.0])
    ops = [C.ConstantOp(dense), C.ConstantOp(FloatAttr(0.5, f64)), C.ConstantOp(IntegerAttr(3, i32))]
    verified([], lambda a: list(ops))
    assert [op.result.type for op in ops] == [t(2), f64, i32]


def test_compare_select_cast_constructors() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        cmp = C.CompareOp(a[0], a[1], "le")
        scalar = C.CompareOp(a[2], a[2], "eq")
        return [cmp, scalar, C.SelectOp(cmp, a[0], a[1]), C.CastOp(a[0], t(DYNAMIC_INDEX, 3, elem=i32))]

    module = verified([t(DYNAMIC_INDEX, 3), t(4, 3), f32], build)
    cmp, scalar = list(module.walk())[2:4]
    assert cmp.results[0].type == t(DYNAMIC_INDEX, 3, elem=i1) and scalar.results[0].type == i1


def test_shape_constructors() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        x, s, n = a
        dim = C.DimOp(x, 0)
        return [
            dim,
            C.BroadcastToOp(s, t(DYNAMIC_INDEX, 4), [n]),
            C.ReshapeOp(x, t(DYNAMIC_INDEX), [dim]),
            C.TransposeOp(x, [1, 0], t(4, DYNAMIC_INDEX)),
            C.ConcatOp([x, x], 1, t(DYNAMIC_INDEX, 8)),
            C.IotaOp(0, t(DYNAMIC_INDEX, elem=i64), [n]),
            C.FromElementsOp([s, s], t(2)),
        ]

    verified([t(DYNAMIC_INDEX, 4), f32, IndexType()], build)


def test_index_constructors() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        x, src, ids, i, n = a
        sl = C.SliceOp(x, [i, i], [2, DYNAMIC_INDEX], [n], t(2, DYNAMIC_INDEX))
        assert list(sl.static_sizes.get_values()) == [2, -1] and sl.mixed_sizes() == [2, n]
        return [
            sl,
            C.SliceOp(x, [i, i], [-1, 4], [n], t(DYNAMIC_INDEX, 4)),
            C.UpdateSliceOp(x, src, [i, i]),
            C.ExtractOp(x, [i, i]),
            C.GatherOp(x, ids, 0, t(5, 4)),
        ]

    module = verified([t(8, 4), t(2, 4), t(5, elem=i32), IndexType(), IndexType()], build)
    extract = next(op for op in module.walk() if isinstance(op, C.ExtractOp))
    assert extract.result.type == f32


def test_nn_constructors() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        x, w, img, bias, seed, lo = a
        return [
            C.MatmulOp(x, w, t(4, 3)),
            C.ReduceOp(x, "sum", [0, 1], False, f32),
            C.ReduceOp(x, "max", [1], True, t(4, 1)),
            C.ArgmaxOp(x, 1, False, t(4, elem=i32)),
            C.SoftmaxOp(x, 1, True),
            C.LayerNormOp(x, bias, bias, 1e-5),
            C.Pool2dOp(img, "avg", 2, 2, t(1, 8, 2, 2)),
            C.Pool2dOp(img, "max", 3, 1, t(1, 8, 2, 2)),
            C.RandomOp(seed, lo, lo, "uniform", t(2, 2)),
        ]

    verified([t(4, 8), t(8, 3), t(1, 8, 4, 4), t(8), i64, f32], build)


def test_conv2d_constructor() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        x, w, b = a
        return [C.Conv2dOp(x, w, b, 1, 1, t(1, 3, 4, 4)), C.Conv2dOp(x, w, b, 2, 0, t(1, 3, 1, 1))]

    verified([t(1, 8, 4, 4), t(3, 8, 3, 3), t(3)], build)


def test_quant_constructors() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        w, x = a
        q = C.QuantizeOp(w, "int8", 1, 0, t(8, 4, elem=i8), t(4))
        q4 = C.QuantizeOp(w, "int4", 1, 4, t(8, 4, elem=IntegerType(4)), t(2, 4))
        return [
            q,
            q4,
            C.DequantizeOp(q.q, q.scale, 1, 0, t(8, 4)),
            C.QMatmulOp(x, q.q, q.scale, 0, t(2, 4)),
            C.QMatmulOp(x, q4.q, q4.scale, 4, t(2, 4)),
        ]

    verified([t(8, 4), t(2, 8)], build)


def test_grad_constructor() -> None:
    callee_block = Block(arg_types=[t(3)])
    total = C.ReduceOp(callee_block.args[0], "sum", [0], False, f32)
    callee_block.add_ops([total, func.ReturnOp(total)])
    callee = func.FuncOp("loss", ([t(3)], [f32]), Region(callee_block))
    block = Block(arg_types=[t(3)])
    grad = C.GradOp("loss", [block.args[0]], [0], True, [f32, t(3)])
    block.add_ops([grad, func.ReturnOp()])
    module = ModuleOp([callee, func.FuncOp("f", ([t(3)], []), Region(block))])
    module.verify()
    assert [r.type for r in grad.outputs] == [f32, t(3)]
    assert str(parse(str(module))) == str(module)


def test_io_constructors() -> None:
    def build(a: tuple[BlockArgument, ...]) -> list[Operation]:
        x, s, n = a
        return [
            C.PrintOp("x = {}, s = {}; {{}}", [x, s]),
            C.LoadNpyOp("x.npy", t(DYNAMIC_INDEX, 4)),
            C.LoadNpyOp("x.npy", t(DYNAMIC_INDEX, 4), [n]),
            C.SaveNpyOp("x.npy", x),
            C.LoadNpzOp("m.npz", ["a", "b"], [t(4), f32]),
            C.SaveNpzOp("m.npz", ["a", "b"], [x, s]),
            C.ClockOp(),
        ]

    verified([t(2, 4), f32, IndexType()], build)


# --- traits and the `?` rule --------------------------------------------------------------------


def test_effects() -> None:
    effectful = {C.PrintOp, C.SaveNpyOp, C.SaveNpzOp, C.LoadNpyOp, C.LoadNpzOp, C.ClockOp, C.GradOp}
    for op in C.Charl.operations:
        assert op.has_trait(Pure()) == (op not in effectful), op.name
    assert C.PrintOp.has_trait(MemoryWriteEffect()) and C.LoadNpyOp.has_trait(MemoryReadEffect())
    assert C.AddOp.has_trait(Commutative()) and not C.SubOp.has_trait(Commutative())
    assert is_side_effect_free(C.ClockOp()) is False


@pytest.mark.parametrize(
    "line",
    [
        "%z = charl.add %a, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3x?xf32>)",
        "%z = charl.matmul %a, %c : tensor<?x4xf32>, tensor<?x5xf32> -> tensor<?x5xf32>",
        "%z = charl.broadcast_to %d : tensor<?xf32> -> tensor<3x4xf32>",
        "%z = charl.reshape %a : tensor<?x4xf32> -> tensor<2x6xf32>",
        "%z = charl.concat %a, %b {axis = 0 : i64} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<7x4xf32>",
    ],
)
def test_unknown_dims_are_accepted(line: str) -> None:
    args = "%a: tensor<?x4xf32>, %b: tensor<3x4xf32>, %c: tensor<?x5xf32>, %d: tensor<?xf32>"
    parse(f"func.func @f({args}) {{\n  {line}\n  func.return\n}}").verify()
