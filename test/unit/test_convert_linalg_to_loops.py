"""convert-linalg-to-loops: the lowered loops run in xDSL's interpreter and match NumPy.

Each test writes a small bufferized function, lowers it (with small tiles where tiling matters),
checks that only scf/memref/arith/math remain, runs the function on NumPy inputs and compares the
output buffers with NumPy (helpers in `loops_util`; loop order, matmul and the pass options in
`test_convert_linalg_to_loops_matmul`). The last test checks the lit file's CHECK lines in-process.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from loops_util import (
    ADD_BODY,
    MAC_BODY,
    SUM_BODY,
    check_lit_file,
    close,
    context,
    func,
    generic,
    lower,
    memref_type,
    rand,
    run,
)
from xdsl.dialects import memref, scf
from xdsl.parser import Parser

LIT_FILE = Path(__file__).parents[1] / "filecheck" / "passes" / "convert-linalg-to-loops.mlir"


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


def test_lit_file_checks() -> None:
    """Runs the lit file's RUN pipeline in-process and feeds the printed module to filecheck."""
    text, module = check_lit_file(LIT_FILE)
    directives = re.findall(r"//\s*(CHECK[-A-Z]*)\b(:?)", text)
    assert directives and all(colon for _, colon in directives), "a CHECK directive without its colon"
    assert Parser(context(), str(module)).parse_module() is not None
