"""convert-linalg-to-loops: the lowered loops run in xDSL's interpreter and match NumPy.

Each test writes a small bufferized function, lowers it (with small tiles where tiling matters),
checks that only scf/memref/arith/math remain, runs the function on NumPy inputs and compares the
output buffers with NumPy. Structure tests look at the loop order; the last test checks the lit
file's CHECK lines in-process.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import arith, get_all_dialects, memref, scf
from xdsl.dialects.builtin import ModuleOp, f32, f64, i32, i64
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.interpreters.arith import ArithFunctions
from xdsl.interpreters.builtin import BuiltinFunctions
from xdsl.interpreters.func import FuncFunctions
from xdsl.interpreters.math import MathFunctions
from xdsl.interpreters.memref import MemRefFunctions
from xdsl.interpreters.scf import ScfFunctions
from xdsl.interpreters.shaped_array import ShapedArray
from xdsl.interpreters.utils.ptr import TypedPtr
from xdsl.parser import Parser
from xdsl.passes import PassPipeline
from xdsl.utils.exceptions import PassFailedException

from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass

LIT_FILE = Path(__file__).parents[1] / "filecheck" / "passes" / "convert-linalg-to-loops.mlir"
ALLOWED = ("builtin.", "func.", "scf.", "memref.", "arith.", "math.")
XTYPES: dict[str, Any] = {"float32": f32, "float64": f64, "int32": i32, "int64": i64}


@register_impls
class ExtraFunctions(InterpreterFunctions):
    """The two ops the lowering emits that xDSL's interpreter does not implement."""

    @impl(memref.DimOp)
    def run_dim(self, interpreter: Interpreter, op: memref.DimOp, args: PythonValues) -> PythonValues:
        return (args[0].shape[args[1]],)

    @impl(arith.MinSIOp)
    def run_minsi(self, interpreter: Interpreter, op: arith.MinSIOp, args: PythonValues) -> PythonValues:
        return (min(args[0], args[1]),)


def context() -> Context:
    ctx = Context()
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx


def lower(text: str, **options: int) -> ModuleOp:
    module = Parser(context(), text).parse_module()
    module.verify()
    ConvertLinalgToLoopsPass(**options).apply(context(), module)
    module.verify()
    left = sorted({op.name for op in module.walk() if not op.name.startswith(ALLOWED)})
    assert not left, f"ops left after lowering: {left}"
    return module


def run(module: ModuleOp, name: str, *arrays: np.ndarray) -> None:
    """Calls `name` on the arrays (as memrefs) and copies the buffers back into them."""
    interpreter = Interpreter(module)
    for functions in (ArithFunctions, BuiltinFunctions, FuncFunctions, MathFunctions, MemRefFunctions, ScfFunctions):
        interpreter.register_implementations(functions())
    interpreter.register_implementations(ExtraFunctions())
    shaped = [ShapedArray(TypedPtr.new(a.ravel().tolist(), xtype=XTYPES[a.dtype.name]), list(a.shape)) for a in arrays]
    interpreter.call_op(name, tuple(shaped))
    for array, result in zip(arrays, shaped, strict=True):
        array[...] = np.array(result.data, dtype=array.dtype).reshape(array.shape)


def memref_type(shape: tuple[int | None, ...], dtype: str = "f32", layout: str = "") -> str:
    dims = "".join(f"{'?' if d is None else d}x" for d in shape)
    return f"memref<{dims}{dtype}{', ' + layout if layout else ''}>"


def generic(maps: list[str], iterators: str, ins: list[tuple[str, str]], outs: list[tuple[str, str]], body: str) -> str:
    """A `linalg.generic` on named operands; `body` is the region text, block arguments included."""
    ins_text = f"ins({', '.join(n for n, _ in ins)} : {', '.join(t for _, t in ins)}) " if ins else ""
    return (
        f"linalg.generic {{indexing_maps = [{', '.join(f'affine_map<{m}>' for m in maps)}], "
        f"iterator_types = [{iterators}]}} {ins_text}"
        f"outs({', '.join(n for n, _ in outs)} : {', '.join(t for _, t in outs)}) {{\n{body}\n}}"
    )


def func(name: str, args: list[tuple[str, str]], body: str) -> str:
    params = ", ".join(f"{n}: {t}" for n, t in args)
    return f"func.func @{name}({params}) {{\n{body}\n  func.return\n}}\n"


RNG = np.random.default_rng(7)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


# Block arguments may not shadow the function's arguments: bodies name theirs %e...
ADD_BODY = "^bb0(%ex: f32, %ey: f32, %eo: f32):\n  %s = arith.addf %ex, %ey : f32\n  linalg.yield %s : f32"
SUM_BODY = "^bb0(%ex: f32, %eacc: f32):\n  %s = arith.addf %ex, %eacc : f32\n  linalg.yield %s : f32"
MAC_BODY = (
    "^bb0(%ex: f32, %ey: f32, %eacc: f32):\n  %p = arith.mulf %ex, %ey : f32\n"
    "  %s = arith.addf %eacc, %p : f32\n  linalg.yield %s : f32"
)


@pytest.mark.parametrize("shape", [(3, 5), (1, 7), (8, 8)])
@pytest.mark.parametrize("dynamic", [False, True])
def test_elementwise_with_broadcast_operands(shape: tuple[int, int], dynamic: bool) -> None:
    """out = exp(a + row) * col, row broadcast over rows, col a [M, 1] buffer read at column 0."""
    m, n = shape
    ta = memref_type((None, None) if dynamic else shape)
    trow = memref_type((None,) if dynamic else (n,))
    tcol = memref_type((None, 1) if dynamic else (m, 1))
    body = (
        "^bb0(%ex: f32, %er: f32, %ec: f32, %eo: f32):\n  %s = arith.addf %ex, %er : f32\n"
        "  %e = math.exp %s : f32\n  %p = arith.mulf %e, %ec : f32\n  linalg.yield %p : f32"
    )
    maps = ["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d1)", "(d0, d1) -> (d0, 0)", "(d0, d1) -> (d0, d1)"]
    op = generic(maps, '"parallel", "parallel"', [("%a", ta), ("%row", trow), ("%col", tcol)], [("%out", ta)], body)
    module = lower(func("f", [("%a", ta), ("%row", trow), ("%col", tcol), ("%out", ta)], op))
    a, row, col, out = rand(m, n), rand(n), rand(m, 1), np.zeros(shape, np.float32)
    run(module, "f", a, row, col, out)
    close(out, np.exp(a + row) * col)


def test_in_place_elementwise_and_index() -> None:
    """`ins(%a) outs(%a)` updates in place; linalg.index gives the loop position."""
    t = memref_type((3, 4))
    body = "^bb0(%ex: f32, %eo: f32):\n  %s = arith.addf %ex, %ex : f32\n  linalg.yield %s : f32"
    ti = memref_type((3, 4), "i32")
    ibody = (
        "^bb0(%o: i32):\n  %i = linalg.index 0 : index\n  %j = linalg.index 1 : index\n"
        "  %c = arith.constant 10 : index\n  %ic = arith.muli %i, %c : index\n  %k = arith.addi %ic, %j : index\n"
        "  %ki = arith.index_cast %k : index to i32\n  linalg.yield %ki : i32"
    )
    ident = "(d0, d1) -> (d0, d1)"
    op1 = generic([ident, ident], '"parallel", "parallel"', [("%a", t)], [("%a", t)], body)
    op2 = generic([ident], '"parallel", "parallel"', [], [("%idx", ti)], ibody)
    module = lower(func("f", [("%a", t), ("%idx", ti)], op1 + "\n" + op2))
    a, idx = rand(3, 4), np.zeros((3, 4), np.int32)
    expected = a * 2
    run(module, "f", a, idx)
    close(a, expected)
    np.testing.assert_array_equal(idx, np.arange(3)[:, None] * 10 + np.arange(4))


def test_affine_index_expressions() -> None:
    """Index maps with mod, floordiv and an offset: out[i] = x[i mod 3] + y[i floordiv 2 + 1]."""
    tx, ty, to = memref_type((3,)), memref_type((4,)), memref_type((6,))
    maps = ["(d0) -> (d0 mod 3)", "(d0) -> (d0 floordiv 2 + 1)", "(d0) -> (d0)"]
    op = generic(maps, '"parallel"', [("%x", tx), ("%y", ty)], [("%o", to)], ADD_BODY)
    module = lower(func("f", [("%x", tx), ("%y", ty), ("%o", to)], op))
    x, y, out = rand(3), rand(4), np.zeros(6, np.float32)
    run(module, "f", x, y, out)
    i = np.arange(6)
    close(out, x[i % 3] + y[i // 2 + 1])


def test_sliding_window_reduction() -> None:
    """out[i, j] += x[i + p, j + q] * w[p, q]: compound indices, p and q carried in iter_args."""
    tx, tw, to = memref_type((5, 6)), memref_type((2, 3)), memref_type((4, 4))
    maps = ["(d0, d1, d2, d3) -> (d0 + d2, d1 + d3)", "(d0, d1, d2, d3) -> (d2, d3)", "(d0, d1, d2, d3) -> (d0, d1)"]
    iterators = '"parallel", "parallel", "reduction", "reduction"'
    op = generic(maps, iterators, [("%x", tx), ("%w", tw)], [("%o", to)], MAC_BODY)
    module = lower(func("corr", [("%x", tx), ("%w", tw), ("%o", to)], op))
    x, w, out = rand(5, 6), rand(2, 3), np.zeros((4, 4), np.float32)
    run(module, "corr", x, w, out)
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 3))
    close(out, np.einsum("ijpq,pq->ij", windows, w))
    assert sum(1 for op in module.walk() if isinstance(op, scf.ForOp) and op.iter_args) == 2


@pytest.mark.parametrize(
    ("shape", "axes", "dynamic"),
    [((3, 5), (1,), False), ((3, 5), (0,), False), ((3, 5), (0, 1), False), ((2, 3, 4), (0, 2), True)],
)
def test_reduce_sum(shape: tuple[int, ...], axes: tuple[int, ...], dynamic: bool) -> None:
    """linalg.reduce and the same reduction as a generic both match np.sum (plus the initial value)."""
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    ti = memref_type(tuple(None for _ in shape) if dynamic else shape)
    to = memref_type(tuple(None if dynamic else shape[d] for d in kept))
    dims = ", ".join(f"d{d}" for d in range(len(shape)))
    maps = [f"({dims}) -> ({dims})", f"({dims}) -> ({', '.join(f'd{d}' for d in kept)})"]
    iterators = ", ".join('"reduction"' if d in axes else '"parallel"' for d in range(len(shape)))
    dims_attr = ", ".join(str(a) for a in axes)
    reduce_op = f"linalg.reduce ins(%x : {ti}) outs(%o1 : {to}) dimensions = [{dims_attr}]\n" + (
        "(%x1: f32, %acc: f32) {\n  %s = arith.addf %x1, %acc : f32\n  linalg.yield %s : f32\n}"
    )
    generic_op = generic(maps, iterators, [("%x", ti)], [("%o2", to)], SUM_BODY)
    module = lower(func("f", [("%x", ti), ("%o1", to), ("%o2", to)], reduce_op + "\n" + generic_op))
    x = rand(*shape)
    init = rand(*(shape[d] for d in kept))
    o1, o2 = init.copy(), init.copy()
    run(module, "f", x, o1, o2)
    close(o1, init + x.sum(axis=axes))
    close(o2, init + x.sum(axis=axes))
    loops = [op for op in module.walk() if isinstance(op, scf.ForOp)]
    assert any(loop.iter_args for loop in loops), "the reduction is not accumulated in iter_args"


def test_two_output_reduction_and_max() -> None:
    """One generic computing row max and row sum: both outputs carried, stored once per row."""
    ti, to = memref_type((4, 7)), memref_type((4,))
    body = (
        "^bb0(%ex: f32, %em: f32, %es: f32):\n  %m2 = arith.maximumf %ex, %em : f32\n"
        "  %s2 = arith.addf %ex, %es : f32\n  linalg.yield %m2, %s2 : f32, f32"
    )
    maps = ["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d0)", "(d0, d1) -> (d0)"]
    op = generic(maps, '"parallel", "reduction"', [("%x", ti)], [("%mx", to), ("%sm", to)], body)
    module = lower(func("f", [("%x", ti), ("%mx", to), ("%sm", to)], op))
    x, mx, sm = rand(4, 7), np.full(4, -np.inf, np.float32), np.zeros(4, np.float32)
    run(module, "f", x, mx, sm)
    close(mx, x.max(axis=1))
    close(sm, x.sum(axis=1))
    inner = [op for op in module.walk() if isinstance(op, scf.ForOp) and len(op.iter_args) == 2]
    assert len(inner) == 1
    stores = [op for op in module.walk() if isinstance(op, memref.StoreOp)]
    assert all(not isinstance(op.parent_op(), scf.ForOp) or op.parent_op() is not inner[0] for op in stores)


def test_full_reduction_to_scalar_buffer() -> None:
    ti, to = memref_type((3, 5)), "memref<f32>"
    op = f"linalg.reduce ins(%x : {ti}) outs(%o : {to}) dimensions = [0, 1]\n" + (
        "(%x1: f32, %acc: f32) {\n  %s = arith.addf %x1, %acc : f32\n  linalg.yield %s : f32\n}"
    )
    module = lower(func("f", [("%x", ti), ("%o", to)], op))
    x, out = rand(3, 5), np.array(1.5, np.float32)
    run(module, "f", x, out)
    close(out, 1.5 + x.sum())


@pytest.mark.parametrize("dimensions", [(0,), (1,), (0, 2)])
def test_broadcast(dimensions: tuple[int, ...]) -> None:
    out_shape = (2, 3, 4)[: 2 if len(dimensions) == 1 else 3]
    in_shape = tuple(s for d, s in enumerate(out_shape) if d not in dimensions)
    ti, to = memref_type(in_shape), memref_type(out_shape)
    dims = ", ".join(str(d) for d in dimensions)
    op = f"linalg.broadcast ins(%x : {ti}) outs(%o : {to}) dimensions = [{dims}]"
    module = lower(func("f", [("%x", ti), ("%o", to)], op))
    x, out = rand(*in_shape), np.zeros(out_shape, np.float32)
    run(module, "f", x, out)
    close(out, np.broadcast_to(np.expand_dims(x, dimensions), out_shape))


def test_fill_copy_transpose() -> None:
    t35, t53 = memref_type((3, 5)), memref_type((5, 3))
    t234, t423 = memref_type((2, 3, 4)), memref_type((4, 2, 3))
    tcol = memref_type((3, 5), layout="strided<[1, 3]>")
    body = "\n".join(
        [
            "%v = arith.constant 2.500000e+00 : f32",
            f"linalg.fill ins(%v : f32) outs(%f : {t35})",
            f"linalg.copy ins(%a : {t35}) outs(%c : {tcol})",
            f"linalg.transpose ins(%a : {t35}) outs(%t : {t53}) permutation = [1, 0]",
            f"linalg.transpose ins(%b : {t234}) outs(%u : {t423}) permutation = [2, 0, 1]",
        ]
    )
    args = [("%a", t35), ("%b", t234), ("%f", t35), ("%c", tcol), ("%t", t53), ("%u", t423)]
    module = lower(func("f", args, body))
    a, b = rand(3, 5), rand(2, 3, 4)
    f, c, t, u = (np.zeros(shape, np.float32) for shape in [(3, 5), (3, 5), (5, 3), (4, 2, 3)])
    run(module, "f", a, b, f, c, t, u)
    close(f, np.full((3, 5), 2.5, np.float32))
    close(c, a)
    close(t, a.T)
    close(u, b.transpose(2, 0, 1))


def innermost_store_index(module: ModuleOp, name: str) -> list[int]:
    """For each store of `name`'s memref operand: which index is the innermost loop's variable."""
    positions: list[int] = []
    for op in module.walk():
        if isinstance(op, memref.StoreOp) and op.memref.name_hint == name:
            loop = op.parent_op()
            assert isinstance(loop, scf.ForOp)
            positions.append([i for i, v in enumerate(op.indices) if v is loop.body.block.args[0]][0])
    return positions


def test_innermost_loop_walks_unit_stride_output_dim() -> None:
    """Row-major output: inner loop over the last dim; column-major (strided<[1, 3]>): over the first."""
    t35, tcol = memref_type((3, 5)), memref_type((3, 5), layout="strided<[1, 3]>")
    tdyn = memref_type((None, None), layout="strided<[1, ?], offset: ?>")
    body = f"linalg.copy ins(%a : {t35}) outs(%r : {t35})\nlinalg.copy ins(%a : {t35}) outs(%c : {tcol})"
    module = lower(func("f", [("%a", t35), ("%r", t35), ("%c", tcol)], body))
    assert innermost_store_index(module, "r") == [1]
    assert innermost_store_index(module, "c") == [0]
    module = lower(func("g", [("%a", tdyn), ("%d", tdyn)], f"linalg.copy ins(%a : {tdyn}) outs(%d : {tdyn})"))
    assert innermost_store_index(module, "d") == [0]


def matmul_module(m: int, k: int, n: int, dtype: str = "f32", dynamic: bool = False, **tiles: int) -> ModuleOp:
    def shape(*dims: int) -> tuple[int | None, ...]:
        return tuple(None for _ in dims) if dynamic else dims

    ta, tb, tc = memref_type(shape(m, k), dtype), memref_type(shape(k, n), dtype), memref_type(shape(m, n), dtype)
    op = f"linalg.matmul ins(%a, %b : {ta}, {tb}) outs(%c : {tc})"
    return lower(func("mm", [("%a", ta), ("%b", tb), ("%c", tc)], op), **tiles)


@pytest.mark.parametrize(
    ("mkn", "tiles", "dynamic"),
    [
        ((5, 7, 3), (2, 3, 2), False),
        ((7, 5, 6), (4, 4, 4), False),
        ((4, 8, 4), (2, 4, 2), False),
        ((6, 5, 7), (64, 256, 128), False),
        ((1, 1, 1), (1, 1, 1), False),
        ((5, 7, 3), (2, 3, 2), True),
        ((8, 8, 8), (3, 5, 3), True),
    ],
)
def test_matmul(mkn: tuple[int, int, int], tiles: tuple[int, int, int], dynamic: bool) -> None:
    m, k, n = mkn
    module = matmul_module(m, k, n, dynamic=dynamic, tile_i=tiles[0], tile_k=tiles[1], tile_j=tiles[2])
    a, b, c = rand(m, k), rand(k, n), rand(m, n)
    expected = c + a @ b
    run(module, "mm", a, b, c)
    close(c, expected)


def test_matmul_tiling_structure() -> None:
    """Tile loops i0, k0, j0 then points i, k, j; minsi only where a tile can be ragged."""
    module = matmul_module(6, 8, 5, tile_i=2, tile_k=3, tile_j=4)
    loops = [op for op in module.walk() if isinstance(op, scf.ForOp)]
    names = [loop.body.block.args[0].name_hint for loop in loops]
    assert names == ["d0_tile", "d2_tile", "d1_tile", "d0", "d2", "d1"]
    ends = {op.result.name_hint for op in module.walk() if isinstance(op, arith.MinSIOp)}
    assert ends == {"d2_end", "d1_end"}
    assert innermost_store_index(module, "c") == [1]
    small = matmul_module(6, 8, 5)
    assert [op.body.block.args[0].name_hint for op in small.walk() if isinstance(op, scf.ForOp)] == ["d0", "d2", "d1"]


def test_matmul_into_column_major_output() -> None:
    """With C column-major the roles of i and j swap: the inner loop still walks C's unit stride."""
    ta, tb, tc = memref_type((5, 4)), memref_type((4, 3)), memref_type((5, 3), layout="strided<[1, 5]>")
    op = f"linalg.matmul ins(%a, %b : {ta}, {tb}) outs(%c : {tc})"
    module = lower(func("mm", [("%a", ta), ("%b", tb), ("%c", tc)], op), tile_i=2, tile_k=3, tile_j=2)
    assert innermost_store_index(module, "c") == [0]
    a, b, c = rand(5, 4), rand(4, 3), np.zeros((5, 3), np.float32)
    run(module, "mm", a, b, c)
    close(c, a @ b)


def test_integer_matmul() -> None:
    module = matmul_module(5, 4, 3, "i32", tile_i=2, tile_k=3, tile_j=2)
    a = RNG.integers(-9, 9, (5, 4)).astype(np.int32)
    b = RNG.integers(-9, 9, (4, 3)).astype(np.int32)
    c = np.zeros((5, 3), np.int32)
    run(module, "mm", a, b, c)
    np.testing.assert_array_equal(c, a @ b)


@pytest.mark.parametrize("transposed_rhs", [False, True])
def test_batch_matmul_generic(transposed_rhs: bool) -> None:
    """[B, M, K] @ [B, K, N] (or @ [B, N, K] transposed) as a generic, with ragged small tiles."""
    bsz, m, k, n = 2, 5, 7, 3
    ta, tc = memref_type((bsz, m, k)), memref_type((bsz, m, n))
    tb = memref_type((bsz, n, k) if transposed_rhs else (bsz, k, n))
    rhs_map = "(d0, d1, d2, d3) -> (d0, d2, d3)" if transposed_rhs else "(d0, d1, d2, d3) -> (d0, d3, d2)"
    maps = ["(d0, d1, d2, d3) -> (d0, d1, d3)", rhs_map, "(d0, d1, d2, d3) -> (d0, d1, d2)"]
    iterators = '"parallel", "parallel", "parallel", "reduction"'
    op = generic(maps, iterators, [("%a", ta), ("%b", tb)], [("%c", tc)], MAC_BODY)
    module = lower(func("bmm", [("%a", ta), ("%b", tb), ("%c", tc)], op), tile_i=2, tile_k=3, tile_j=2)
    names = [loop.body.block.args[0].name_hint for loop in module.walk() if isinstance(loop, scf.ForOp)]
    assert names == ["d0", "d1_tile", "d3_tile", "d2_tile", "d1", "d3", "d2"]
    a, b = rand(bsz, m, k), rand(*((bsz, n, k) if transposed_rhs else (bsz, k, n)))
    c = np.zeros((bsz, m, n), np.float32)
    run(module, "bmm", a, b, c)
    close(c, a @ (b.transpose(0, 2, 1) if transposed_rhs else b))


def test_matvec_accumulates_instead_of_tiling() -> None:
    """out[i] += A[i, k] * x[k] is not matmul-shaped: general order, k carried in iter_args."""
    ta, tx, to = memref_type((4, 6)), memref_type((6,)), memref_type((4,))
    maps = ["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d1)", "(d0, d1) -> (d0)"]
    op = generic(maps, '"parallel", "reduction"', [("%a", ta), ("%x", tx)], [("%o", to)], MAC_BODY)
    module = lower(func("mv", [("%a", ta), ("%x", tx), ("%o", to)], op), tile_i=2, tile_k=2, tile_j=2)
    assert not any(isinstance(op, arith.MinSIOp) for op in module.walk())
    a, x, out = rand(4, 6), rand(6), np.zeros(4, np.float32)
    run(module, "mv", a, x, out)
    close(out, a @ x)


def test_rejects_tensors_and_bad_tiles() -> None:
    text = func(
        "t",
        [("%a", "tensor<4xf32>"), ("%b", "tensor<4xf32>")],
        "%r = linalg.copy ins(%a : tensor<4xf32>) outs(%b : tensor<4xf32>) -> tensor<4xf32>",
    )
    module = Parser(context(), text).parse_module()
    with pytest.raises(PassFailedException, match=r"convert-linalg-to-loops: linalg.copy: has tensor results"):
        ConvertLinalgToLoopsPass().apply(context(), module)
    with pytest.raises(PassFailedException, match="tile sizes must be at least 1"):
        matmul_module(2, 2, 2, tile_k=0)


def test_pass_options_from_pipeline_spec() -> None:
    spec = "convert-linalg-to-loops{tile-i=2 tile-k=3 tile-j=4}"
    pipeline = PassPipeline.parse_spec({"convert-linalg-to-loops": lambda: ConvertLinalgToLoopsPass}, spec)
    assert pipeline.passes == (ConvertLinalgToLoopsPass(tile_i=2, tile_k=3, tile_j=4),)
    assert ConvertLinalgToLoopsPass() == ConvertLinalgToLoopsPass(tile_i=64, tile_k=256, tile_j=128)


def test_lit_file_checks() -> None:
    """Runs the lit file's RUN pipeline in-process and feeds the printed module to filecheck."""
    text = LIT_FILE.read_text()
    run_line = re.search(r"// RUN: charlc %s -p (\S+) \| filecheck %s", text)
    assert run_line is not None
    pipeline = PassPipeline.parse_spec({"convert-linalg-to-loops": lambda: ConvertLinalgToLoopsPass}, run_line[1])
    module = Parser(context(), text).parse_module()
    pipeline.apply(context(), module)
    module.verify()
    filecheck = shutil.which("filecheck") or str(Path(sys.executable).parent / "filecheck")
    result = subprocess.run(
        [filecheck, "--enable-var-scope", str(LIT_FILE)], input=str(module), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    directives = re.findall(r"//\s*(CHECK[-A-Z]*)\b(:?)", text)
    assert directives and all(colon for _, colon in directives), "a CHECK directive without its colon"
    assert Parser(context(), str(module)).parse_module() is not None
