"""Emits the `scf.for` nest of a `Plan` for one linalg op: loads, the cloned body, stores.

Loop bounds and constants go once in front of the nest. The outermost loop carries `charl.parallel`
when its iterations are independent (`outer_is_parallel`). Each input element is loaded in the
outermost loop where all the loops its map uses are bound (not when the input is also an output).
Outputs are loaded and stored in the innermost loop, except from the plan's carried level on: there
the output element is loaded before the carried loops, threaded through their iter_args, and stored
once after them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from xdsl.builder import Builder
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, MemRefType, ShapedType, UnitAttr
from xdsl.dialects.linalg.ops import IndexOp, YieldOp
from xdsl.ir import Block, SSAValue
from xdsl.ir.affine import (
    AffineBinaryOpExpr,
    AffineBinaryOpKind,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
)
from xdsl.rewriter import InsertPoint, Rewriter

from passes._loops_plan import Level, Plan, outer_is_parallel
from passes._loops_structure import PARALLEL_ATTR, Structured, fail, loop_bound_sources

_BINARY_OPS = {
    AffineBinaryOpKind.Add: arith.AddiOp,
    AffineBinaryOpKind.Mul: arith.MuliOp,
    AffineBinaryOpKind.FloorDiv: arith.FloorDivSIOp,
    AffineBinaryOpKind.CeilDiv: arith.CeilDivSIOp,
}


@dataclass(frozen=True)
class Env:
    """What is bound at a point of the nest: loop indices, tile starts, loaded input elements."""

    dims: dict[int, SSAValue] = field(default_factory=dict[int, SSAValue])
    tiles: dict[int, tuple[SSAValue, SSAValue]] = field(default_factory=dict[int, tuple[SSAValue, SSAValue]])
    loaded: dict[int, SSAValue] = field(default_factory=dict[int, SSAValue])

    def bind(self, dim: int, iv: SSAValue) -> Env:
        """This environment inside the point loop of `dim`, whose induction variable is `iv`."""
        return replace(self, dims={**self.dims, dim: iv})

    def bind_tile(self, dim: int, start: SSAValue, end: SSAValue) -> Env:
        """This environment inside the tile loop of `dim`, whose tile is `start` to `end`."""
        return replace(self, tiles={**self.tiles, dim: (start, end)})


class NestEmitter:
    """Builds the loop nest of one op in front of it; `emit` then erases the op."""

    def __init__(self, view: Structured, plan: Plan) -> None:
        self.view = view
        self.plan = plan
        self.prologue = Builder(InsertPoint.before(view.op))
        self.sources = loop_bound_sources(view)
        self.constants: dict[int, SSAValue] = {}
        self.bounds: dict[int, SSAValue] = {}
        self.hoistable = [value not in view.outputs for value in view.inputs]
        self.parallel = outer_is_parallel(view, plan)

    def emit(self) -> None:
        """Replaces the op by its loop nest."""
        block = Block()
        self._nest(Builder(InsertPoint.at_end(block)), 0, Env(), None)
        Rewriter.inline_block(block, InsertPoint.before(self.view.op))
        Rewriter.erase_op(self.view.op)

    def const(self, value: int) -> SSAValue:
        """An index constant, created once in front of the nest."""
        if value not in self.constants:
            result = self.prologue.insert(arith.ConstantOp.from_int_and_width(value, IndexType())).result
            result.name_hint = f"c{value}" if value >= 0 else f"c_neg{-value}"
            self.constants[value] = result
        return self.constants[value]

    def bound(self, loop: int) -> SSAValue:
        """The range of `loop`: a constant, or `memref.dim` of the operand it walks."""
        if loop not in self.bounds:
            value, dim, size = self.sources[loop]
            if size == DYNAMIC_INDEX:
                self.bounds[loop] = self.prologue.insert(memref.DimOp(value, self.const(dim))).result
                self.bounds[loop].name_hint = "dim"
            else:
                self.bounds[loop] = self.const(size)
        return self.bounds[loop]

    def _nest(self, b: Builder, index: int, env: Env, acc: list[SSAValue] | None) -> list[SSAValue] | None:
        env = self._load_ready_inputs(b, env)
        if index == len(self.plan.levels):
            return self._body(b, env, acc)
        if index == self.plan.carry_from and acc is None:
            outputs = self.view.outputs
            where = [self._indices(b, self.view.output_map(o), env) for o in range(len(outputs))]
            init: list[SSAValue] = [
                b.insert(memref.LoadOp.get(out, idx)).res for out, idx in zip(outputs, where, strict=True)
            ]
            results = self._loop(b, index, env, init)
            for value, out, idx in zip(results or [], outputs, where, strict=True):
                b.insert(memref.StoreOp.get(value, out, idx))
            return None
        return self._loop(b, index, env, acc)

    def _loop(self, b: Builder, index: int, env: Env, acc: list[SSAValue] | None) -> list[SSAValue] | None:
        level = self.plan.levels[index]
        lower, upper, step = self._bounds(b, level, env)
        body = Block(arg_types=[IndexType(), *(value.type for value in acc or [])])
        inner = Builder(InsertPoint.at_end(body))
        carried: list[SSAValue] | None = list(body.args[1:]) if acc is not None else None
        iv = body.args[0]
        iv.name_hint = f"d{level.dim}" if level.tile is None else f"d{level.dim}_tile"
        for arg in carried or []:
            arg.name_hint = "acc"
        if level.tile is None:
            inner_env = env.bind(level.dim, iv)
        else:
            inner_env = env.bind_tile(level.dim, iv, self._tile_end(inner, level, iv))
        results = self._nest(inner, index + 1, inner_env, carried)
        inner.insert(scf.YieldOp(*(results or [])))
        loop = b.insert(scf.ForOp(lower, upper, step, acc or [], body))
        if index == 0 and self.parallel:
            loop.attributes[PARALLEL_ATTR] = UnitAttr()
        return list(loop.results) if acc is not None else None

    def _bounds(self, b: Builder, level: Level, env: Env) -> tuple[SSAValue, SSAValue, SSAValue]:
        """Lower bound, upper bound and step of the loop of `level`."""
        size = self.bound(level.dim)
        if level.tile is not None:
            return self.const(0), size, self.const(level.tile)
        if not level.tiled:
            return self.const(0), size, self.const(1)
        start, end = env.tiles[level.dim]
        return start, end, self.const(1)

    def _tile_end(self, b: Builder, level: Level, start: SSAValue) -> SSAValue:
        """`start + tile`, clamped to the range unless the range is a static multiple of the tile."""
        assert level.tile is not None
        end = b.insert(arith.AddiOp(start, self.const(level.tile))).result
        static = self.sources[level.dim][2]
        if static == DYNAMIC_INDEX or static % level.tile:
            end = b.insert(arith.MinSIOp(end, self.bound(level.dim))).result
        end.name_hint = f"d{level.dim}_end"
        return end

    def _load_ready_inputs(self, b: Builder, env: Env) -> Env:
        """Loads every hoistable input whose loops are all bound and that is not loaded yet."""
        loaded = dict(env.loaded)
        for index, value in enumerate(self.view.inputs):
            if index in loaded or not self.hoistable[index] or not isinstance(value.type, ShapedType):
                continue
            if self.view.maps[index].used_dims() <= env.dims.keys():
                loaded[index] = self._load(b, value, self.view.maps[index], env)
        return replace(env, loaded=loaded)

    def _load(self, b: Builder, value: SSAValue, map_: AffineMap, env: Env) -> SSAValue:
        return b.insert(memref.LoadOp.get(value, self._indices(b, map_, env))).res

    def _body(self, b: Builder, env: Env, acc: list[SSAValue] | None) -> list[SSAValue] | None:
        """Clones the op's body on the loaded elements; stores or returns what it yields."""
        view, args = self.view, self.view.block.args
        mapper: dict[SSAValue, SSAValue] = {}
        for index, value in enumerate(view.inputs):
            if not isinstance(value.type, ShapedType):
                mapper[args[index]] = value
            else:
                loaded = env.loaded.get(index)
                mapper[args[index]] = loaded if loaded is not None else self._load(b, value, view.maps[index], env)
        where: list[list[SSAValue]] = []
        for o, out in enumerate(view.outputs):
            arg = args[len(view.inputs) + o]
            if acc is not None:
                mapper[arg] = acc[o]
                continue
            where.append(self._indices(b, view.output_map(o), env))
            if arg.first_use is not None:
                mapper[arg] = b.insert(memref.LoadOp.get(out, where[o])).res
        yielded = self._clone_body(b, env, mapper)
        if acc is not None:
            return yielded
        for value, out, idx in zip(yielded, view.outputs, where, strict=True):
            b.insert(memref.StoreOp.get(value, out, idx))
        return None

    def _clone_body(self, b: Builder, env: Env, mapper: dict[SSAValue, SSAValue]) -> list[SSAValue]:
        yielded: list[SSAValue] = []
        for op in self.view.block.ops:
            if isinstance(op, IndexOp):
                mapper[op.result] = env.dims[op.dim.value.data]
            elif isinstance(op, YieldOp):
                yielded = [mapper.get(value, value) for value in op.operands]
            else:
                b.insert(op.clone(value_mapper=mapper))
        self._check_yield(yielded)
        return yielded

    def _check_yield(self, yielded: Sequence[SSAValue]) -> None:
        outputs = self.view.outputs
        if len(yielded) != len(outputs):
            raise fail(self.view.op, f"body yields {len(yielded)} values for {len(outputs)} outputs")
        for value, out in zip(yielded, outputs, strict=True):
            assert isinstance(out.type, MemRefType)
            if value.type != out.type.get_element_type():
                raise fail(self.view.op, f"body yields {value.type} for an output of type {out.type}")

    def _indices(self, b: Builder, map_: AffineMap, env: Env) -> list[SSAValue]:
        return [self._expr(b, expr, env) for expr in map_.results]

    def _expr(self, b: Builder, expr: AffineExpr, env: Env) -> SSAValue:
        """Materializes an index expression with arith ops on index values."""
        if isinstance(expr, AffineDimExpr):
            return env.dims[expr.position]
        if isinstance(expr, AffineConstantExpr):
            return self.const(expr.value)
        if not isinstance(expr, AffineBinaryOpExpr):
            raise fail(self.view.op, f"index expression {expr} uses symbols")
        lhs, rhs = self._expr(b, expr.lhs, env), self._expr(b, expr.rhs, env)
        if expr.kind != AffineBinaryOpKind.Mod:
            op: arith.SignlessIntegerBinaryOperation = b.insert(_BINARY_OPS[expr.kind](lhs, rhs))
            return op.result
        # Affine `mod` is never negative (its divisor is positive); `remsi` takes the dividend's sign.
        rem = b.insert(arith.RemSIOp(lhs, rhs)).result
        negative = b.insert(arith.CmpiOp(rem, self.const(0), "slt")).result
        wrapped = b.insert(arith.AddiOp(rem, rhs)).result
        return b.insert(arith.SelectOp(negative, wrapped, rem)).result
