"""convert-linalg-to-loops: loop order and matmul tiling. The innermost loop walks the output's unit
stride; `linalg.matmul` and matmul-shaped generics are tiled (i0, k0, j0 tile loops, then points),
run in xDSL's interpreter and compared with NumPy; a matvec is not tiled. Also the pass's tile
options and what it refuses."""

from __future__ import annotations

import numpy as np
import pytest
from loops_util import MAC_BODY, RNG, close, context, func, generic, lower, memref_type, rand, run
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.passes import PassPipeline
from xdsl.utils.exceptions import PassFailedException

from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass


def innermost_store_index(module: ModuleOp, name: str) -> list[int]:
    """For each store of `name`'s memref operand: which index is the innermost loop's variable."""
    positions: list[int] = []
    for op in module.walk():
        if isinstance(op, memref.StoreOp) and op.memref.name_hint == name:
            loop = op.parent_op()
            assert isinstance(loop, scf.ForOp)
            positions.append([i for i, v in enumerate(op.indices) if v is loop.body.block.args[0]][0])
    return positions


def matmul_module(m: int, k: int, n: int, dtype: str = "f32", dynamic: bool = False, **tiles: int) -> ModuleOp:
    """`mm(A[m, k], B[k, n], C[m, n])`: C += A @ B as a `linalg.matmul`, lowered with `tiles`."""

    def shape(*dims: int) -> tuple[int | None, ...]:
        return tuple(None for _ in dims) if dynamic else dims

    ta, tb, tc = memref_type(shape(m, k), dtype), memref_type(shape(k, n), dtype), memref_type(shape(m, n), dtype)
    op = f"linalg.matmul ins(%a, %b : {ta}, {tb}) outs(%c : {tc})"
    return lower(func("mm", [("%a", ta), ("%b", tb), ("%c", tc)], op), **tiles)


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
