"""Loop orders for `convert-linalg-to-loops`: which loops, in which order, tiled how.

A plan is data: a list of `Level`s from outermost to innermost, and the first level from which the
outputs are carried in `scf.for` iter_args instead of being loaded and stored every iteration.

- General ops: parallel loops outer, reduction loops inner. Parallel loops follow the output's
  memory order, so the innermost parallel loop walks the output's unit-stride dimension; reduction
  loops follow the memory order of the first input that uses them. Reduction loops that no output
  map uses form the carried suffix: the output element is loaded once, accumulated, stored once.
- Contractions (matmul, batch matmul as a generic, and any generic shaped like them): batch loops,
  then tile loops over i, k, j, then point loops i, k, j, so that the innermost loop runs along the
  output's unit-stride row.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import DYNAMIC_INDEX
from xdsl.ir.affine import AffineDimExpr, AffineMap

from passes._loops_structure import Structured, dim_order


@dataclass(frozen=True)
class Level:
    """One `scf.for` of a nest.

    `tile is None and not tiled`: walks `dim` over its whole range. `tile` set: the tile loop of
    `dim` (step `tile`, binds no dimension). `tiled`: the point loop of `dim` inside its tile loop,
    from the tile's start to the tile's end (clamped to the range).
    """

    dim: int
    tile: int | None = None
    tiled: bool = False


@dataclass(frozen=True)
class Plan:
    """Loop levels from outermost to innermost; outputs are carried from level `carry_from` on."""

    levels: tuple[Level, ...]
    carry_from: int | None


@dataclass(frozen=True)
class Contraction:
    """The loop roles of a matmul-shaped op: batch loops, rows i, reduction k, columns j."""

    batch: tuple[int, ...]
    i: int
    k: int
    j: int


def general_plan(view: Structured) -> Plan:
    """Parallel loops outer in output memory order, reduction loops inner, carried where invariant."""
    out_pos = _positions(view, len(view.inputs) if view.outputs else None)
    parallel = sorted((d for d in range(view.num_loops) if not view.reductions[d]), key=lambda d: (out_pos[d], d))
    reduction = sorted((d for d in range(view.num_loops) if view.reductions[d]), key=lambda d: (_input_pos(view, d), d))
    order = [*parallel, *reduction]
    used_by_outputs = {d for index in range(len(view.outputs)) for d in view.output_map(index).used_dims()}
    carry_from: int | None = None
    for level in range(len(order) - 1, -1, -1):
        if not view.reductions[order[level]] or order[level] in used_by_outputs:
            break
        carry_from = level
    return Plan(tuple(Level(d) for d in order), carry_from)


def outer_is_parallel(view: Structured, plan: Plan) -> bool:
    """Whether the iterations of the plan's outermost loop are independent of each other.

    It must walk a parallel loop over its whole range, and every output must index that loop
    plainly (each iteration writes its own elements); an output that is also read as an input is
    read at the element it writes; the body calls no function (a run-time check that fails must
    fail at the first failing element, as serial loops do).
    """
    if not plan.levels or plan.levels[0].tile is not None or plan.levels[0].tiled:
        return False
    dim = plan.levels[0].dim
    if view.reductions[dim] or any(isinstance(op, func.CallOp) for op in view.block.walk()):
        return False
    for index, out in enumerate(view.outputs):
        map_ = view.output_map(index)
        if AffineDimExpr(dim) not in map_.results:
            return False
        if any(value == out and view.maps[k] != map_ for k, value in enumerate(view.inputs)):
            return False
    return True


def _positions(view: Structured, operand: int | None) -> dict[int, int]:
    """For each loop, the memory-order position of the operand dimension it indexes (-1: none)."""
    positions = {d: -1 for d in range(view.num_loops)}
    if operand is None:
        return positions
    map_ = view.maps[operand]
    for position, dim in enumerate(dim_order(view.operands[operand].type)):
        expr = map_.results[dim]
        if isinstance(expr, AffineDimExpr):
            positions[expr.position] = position
    return positions


def _input_pos(view: Structured, loop: int) -> int:
    """The memory-order position of `loop` in the first input that indexes it plainly (-1: none)."""
    for index in range(len(view.inputs)):
        position = _positions(view, index)[loop]
        if position >= 0:
            return position
    return -1


def match_contraction(view: Structured) -> Contraction | None:
    """Recognizes `out[b.., i, j] (+)= f(x[.. i .. k ..], y[.. k .. j ..])` with one reduction k.

    The output map must be a permutation of the parallel loops; j is the loop of the output's
    unit-stride dimension and i the next one; one input uses i and k but not j, the other k and j
    but not i. Batch loops are the other parallel loops. The body is not inspected: the point loops
    keep, for every output element, the order in which k is visited.
    """
    if len(view.inputs) != 2 or len(view.outputs) != 1 or view.reductions.count(True) != 1:
        return None
    k = view.reductions.index(True)
    out_map = view.output_map(0)
    out_loops = _plain_dims(out_map)
    parallel = {d for d in range(view.num_loops) if not view.reductions[d]}
    if out_loops is None or len(out_loops) < 2 or set(out_loops) != parallel or len(set(out_loops)) != len(out_loops):
        return None
    order = [out_loops[d] for d in dim_order(view.outputs[0].type)]
    i, j = order[-2], order[-1]
    plain = [_plain_dims(view.maps[index]) for index in range(2)]
    uses = [set(dims) for dims in plain if dims is not None]
    if len(uses) != 2:
        return None
    is_lhs = [{i, k} <= u and j not in u for u in uses]
    is_rhs = [{k, j} <= u and i not in u for u in uses]
    if not ((is_lhs[0] and is_rhs[1]) or (is_rhs[0] and is_lhs[1])):
        return None
    return Contraction(tuple(d for d in order[:-2]), i, k, j)


def _plain_dims(map_: AffineMap) -> list[int] | None:
    """The loop of every result of `map_`, or None when a result is not a plain loop index."""
    dims = [expr.position for expr in map_.results if isinstance(expr, AffineDimExpr)]
    return dims if len(dims) == len(map_.results) else None


def contraction_plan(view: Structured, roles: Contraction, tiles: tuple[int, int, int], sizes: list[int]) -> Plan:
    """Batch loops, tile loops i0/k0/j0, point loops i/k/j (`tiles` are the i, k, j tile sizes).

    A dimension whose static size fits in one tile gets no tile loop.
    """
    dims = (roles.i, roles.k, roles.j)
    tiled = [sizes[d] == DYNAMIC_INDEX or sizes[d] > size for d, size in zip(dims, tiles, strict=True)]
    levels = [Level(d) for d in roles.batch]
    levels += [Level(d, tile=size) for d, size, t in zip(dims, tiles, tiled, strict=True) if t]
    levels += [Level(d, tiled=t) for d, t in zip(dims, tiled, strict=True)]
    return Plan(tuple(levels), None)
