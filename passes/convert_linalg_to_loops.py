"""`convert-linalg-to-loops`: bufferized linalg ops to `scf.for` nests over `memref.load`/`store`.

Unlike xDSL's pass of the same name, this one also lowers `linalg.broadcast` and `linalg.reduce`,
orders loops for the memory layout (parallel loops outer, the output's unit-stride dimension
innermost, reductions inner and accumulated in iter_args), and tiles matmul-shaped ops in i-k-j
order. The loop order and tiling decisions live in `_loops_plan`, the IR building in `_loops_emit`;
f32 matmuls go to the runtime's micro-kernel instead (`_loops_ukernel`) unless `ukernels=false`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.linalg.ops import GenericOp, MatmulOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from passes._loops_emit import NestEmitter
from passes._loops_plan import Plan, contraction_plan, general_plan, match_contraction
from passes._loops_qgemm import emit_qgemm
from passes._loops_structure import PASS_NAME, Structured, is_lowered_here, loop_bound_sources, structured_view
from passes._loops_ukernel import emit_contraction, emit_sgemm, is_sgemm, sgemm_contraction


@dataclass(frozen=True)
class ConvertLinalgToLoopsPass(ModulePass):
    """Lowers linalg ops on memrefs to tiled, layout-aware `scf.for` loop nests.

    Handles `linalg.generic` (any indexing maps, broadcasts and reductions included), the named
    structured ops (`fill`, `copy`, `transpose`, `matmul`, ...), `linalg.broadcast` and
    `linalg.reduce`, on static or dynamic shapes and strided layouts. Parallel loops go outside,
    reduction loops inside; the innermost parallel loop walks the output's unit-stride dimension; a
    reduction whose output element does not move in the inner reduction loops is accumulated in
    `scf.for` iter_args and stored once. Matmul-shaped ops (matmul, batch matmul as a generic) are
    tiled over i, k, j (`tile-i`, `tile-k`, `tile-j`) and run in i-k-j order, ragged tiles clamped
    with `arith.minsi`. Loops are not unrolled. The outermost loop of a nest whose iterations are
    independent (a parallel loop every output indexes, no calls in the body) carries the unit
    attribute `charl.parallel`, for `charl-parallelize-loops`.

    With `ukernels` (the default), a `linalg.matmul` of f32 memrefs with unit inner stride (default
    indexing maps) becomes `func.call @charl_rt_sgemm_f32` on the operands cast to `memref<*xf32>`
    instead (the runtime's packed, multithreaded micro-kernel, docs/runtime.md);
    `ukernels=false` lowers it to loops like every other op. A contraction generic of f32 matrices
    (`_contraction`: a matmul whose operands may be read transposed, whose sum may start from a
    fused 0.0, with an optional elementwise epilogue) becomes `@charl_rt_sgemm_ex_f32(a, b, c,
    flags)` (flags: A transposed 1, B transposed 2, overwrite 4) followed by its epilogue as a 2-D
    elementwise loop nest over c in place. Likewise the integer matmul generic of
    `charl-quantize` (`library_call = "charl_qgemm"`) becomes `func.call @charl_rt_qgemm_i8` or `_i4`.

    Requires: buffer semantics (memref operands, no tensor results); operands that are distinct
    SSA values do not overlap in memory. Guarantees: no linalg op remains; the replacements use
    only scf, memref, arith and the body's own ops (arith/math), plus `func.call` of
    `@charl_rt_sgemm_f32` or `@charl_rt_sgemm_ex_f32` (declared in the module) with ukernels.
    """

    name = "convert-linalg-to-loops"

    tile_i: int = 64
    tile_k: int = 256
    tile_j: int = 128
    ukernels: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        tiles = (self.tile_i, self.tile_k, self.tile_j)
        if min(tiles) < 1:
            raise PassFailedException(f"{PASS_NAME}: tile sizes must be at least 1, got {tiles} (i, k, j)")
        for target in [o for o in op.walk() if is_lowered_here(o)]:
            if self.ukernels and is_sgemm(target):
                assert isinstance(target, MatmulOp)
                emit_sgemm(target)
                continue
            parts = sgemm_contraction(target) if self.ukernels else None
            if parts is not None:
                assert isinstance(target, GenericOp)
                target = emit_contraction(target, parts)
                if target is None:
                    continue
            if self.ukernels and emit_qgemm(target):
                continue
            view = structured_view(target)
            NestEmitter(view, self._plan(view, tiles)).emit()

    @staticmethod
    def _plan(view: Structured, tiles: tuple[int, int, int]) -> Plan:
        roles = match_contraction(view)
        if roles is None:
            return general_plan(view)
        sizes = [size for _, _, size in loop_bound_sources(view)]
        return contraction_plan(view, roles, tiles, sizes)
