"""`charl-bufferize` for functions, calls and structured control flow.

Ownership across regions and calls (docs/lowering.md):

- a function's tensor arguments are borrowed (never written, never freed); its results are owned by
  the caller: `func.return` hands over buffers the function owns and returns a copy of anything else
  (an argument, a global, a view, a buffer returned twice);
- `func.call` passes buffers borrowed (a view is copied where the callee wants an identity layout)
  and owns the results;
- a region (`scf.for` body, `scf.if` branch, `scf.while` before/after) owns its tensor block
  arguments and hands its terminator's tensor operands over the same way `func.return` does, freeing
  every other buffer it owns before the terminator. So a loop-carried buffer that an iteration
  replaces is freed by that iteration, and both branches of an `scf.if` yield owned buffers;
- a buffer of the enclosing block that dies at an `scf.if` and is read inside it is taken over by
  each branch: the branch yields it, writes it in place (an indexed assignment) or hands it to a
  loop once no later op of the branch reads it, or frees it;
- a loop's initial values are handed to it when they die at the loop and are not read inside it,
  and copied otherwise; the results of `scf.for`, `scf.if` and `scf.while` are owned by the block.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import func, memref, scf
from xdsl.dialects.builtin import FunctionType, MemRefType, ModuleOp
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import IsTerminator

from passes._bufferize_linalg import is_linalg, linalg_rule
from passes._bufferize_liveness import Liveness
from passes._bufferize_state import Buffers, Kind, Root, Scope
from passes._bufferize_tensor import Rule, fail
from passes._bufferize_types import buffer_type, cast_compatible, function_buffer_type, is_tensor


class Bufferizer(Buffers):
    """Rewrites one function's blocks, rule by rule, freeing buffers as they die."""

    def __init__(self, live: Liveness, rules: dict[type[Operation], Rule], module: ModuleOp) -> None:
        super().__init__(live)
        self.rules = rules
        self.module = module
        self.owned_slots: dict[Operation, list[bool]] = {}
        """For an op with regions (or a function), which terminator operands carry tensors."""
        self.taken: dict[Operation, list[Root]] = {}
        """For an `scf.if`, the roots of its block that die at it and that its branches take over."""

    def run_block(
        self, block: Block, args: Sequence[tuple[SSAValue, SSAValue]] = (), taken: Sequence[Root] = ()
    ) -> None:
        """Rewrites `block`, whose `args` (new memref, original tensor) it owns, and which may write
        the enclosing block's roots `taken` in place (an `scf.if` branch)."""
        self.scopes.append(Scope(block, list(block.ops), taken=list(taken)))
        for new, old in args:
            self.new_root(Kind.OWNED, new, [old])
        for position, op in enumerate(self.scope.ops):
            self.scope.position = position
            if op.has_trait(IsTerminator):
                self.terminate(op)
                continue
            rule = self.rules.get(type(op))
            if rule is None and is_linalg(op):
                rule = linalg_rule
            if rule is not None:
                rule(self, op)
            self.free_due()
        self.scopes.pop()

    def terminate(self, op: Operation) -> None:
        """Hands the terminator's tensor operands over (copying what this block cannot give) and
        frees what the block still owns, and what it took over from an enclosing block but did not
        hand on."""
        parent = op.parent_op()
        slots = self.owned_slots.get(parent, []) if parent is not None else []
        first = _first_carried(op)
        for k, wanted in enumerate(_wanted_types(op)):
            if k < len(slots) and slots[k]:
                op.operands[k + first] = self.hand_over(op.operands[k + first], wanted)
        for root in self.scope.taken:
            self.free(root, InsertPoint.before(op), mark=False)
        self.free_rest()

    def hand_over(self, value: SSAValue, wanted: Attribute, loop: Operation | None = None) -> SSAValue:
        """`value` as a buffer of type `wanted` that the receiver owns: `value`'s own allocation when
        this block owns it whole and it dies here (and `loop` does not read it), or when this block
        is an `scf.if` branch that took it over from the enclosing block (`Scope.taken`, from which
        it is then removed: the other branch still holds it); else a copy."""
        root = self.root_of(value)
        whole = root.is_whole(value) and cast_compatible(value.type, wanted)
        taken = self.scope.taken
        if whole and loop is None and root in taken:
            taken.remove(root)
            return self._cast(value, wanted)
        movable = whole and self.dies_here(root)
        if movable and loop is not None:
            movable = not any(self.live.used_inside(m, loop) for m in root.members)
        if not movable:
            value = self.copy(value)
            root = self.root_of(value)
        if root in taken:
            taken.remove(root)
        else:
            root.done = True
        return self._cast(value, wanted)

    def _cast(self, value: SSAValue, wanted: Attribute) -> SSAValue:
        if value.type == wanted:
            return value
        return self.insert(memref.CastOp.get(value, wanted)).results[0]  # type: ignore[arg-type]

    def retype(self, values: Sequence[SSAValue]) -> list[tuple[SSAValue, SSAValue]]:
        """Gives every tensor among `values` (op results, block arguments) its buffer type;
        returns (new memref, original tensor) pairs."""
        pairs: list[tuple[SSAValue, SSAValue]] = []
        for value in values:
            if is_tensor(value.type):
                assert isinstance(value, OpResult | BlockArgument)
                pairs.append((Rewriter.replace_value_with_new_type(value, buffer_type(value.type)), value))
        return pairs

    def own(self, pairs: Sequence[tuple[SSAValue, SSAValue]]) -> None:
        """Makes the current block own the (new memref, original tensor) `pairs`."""
        for new, old in pairs:
            self.new_root(Kind.OWNED, new, [old])


def _first_carried(op: Operation) -> int:
    """The index of the first operand of a terminator that is carried (after scf.condition's flag)."""
    return 1 if isinstance(op, scf.ConditionOp) else 0


def _wanted_types(op: Operation) -> list[Attribute]:
    """The buffer types the carried operands of terminator `op` must have."""
    parent = op.parent_op()
    if isinstance(op, func.ReturnOp) and isinstance(parent, func.FuncOp):
        return list(parent.function_type.outputs)
    if isinstance(op, scf.ConditionOp) and isinstance(parent, scf.WhileOp):
        return list(parent.after_region.block.arg_types)
    if isinstance(op, scf.YieldOp) and isinstance(parent, scf.WhileOp):
        return list(parent.before_region.block.arg_types)
    if isinstance(op, scf.YieldOp) and parent is not None:
        return list(parent.result_types)
    return []


def _enter(b: Bufferizer, op: Operation, first: int, count: int) -> None:
    """Hands the tensor initial values (operands `first`..) of a loop over to it."""
    for k in range(first, first + count):
        value = op.operands[k]
        if isinstance(value.type, MemRefType) and k - first in _tensor_slots(b, op):
            wanted = MemRefType(value.type.element_type, value.type.get_shape())
            op.operands[k] = b.hand_over(value, wanted, loop=op)


def _tensor_slots(b: Bufferizer, op: Operation) -> set[int]:
    return {k for k, carried in enumerate(b.owned_slots[op]) if carried}


def _for(b: Buffers, op: Operation) -> None:
    assert isinstance(b, Bufferizer) and isinstance(op, scf.ForOp)
    b.owned_slots[op] = [is_tensor(t) for t in op.result_types]
    _enter(b, op, 3, len(op.iter_args))
    results = b.retype(list(op.results))
    b.run_block(op.body.block, b.retype(op.body.block.args[1:]))
    b.own(results)


def _if(b: Buffers, op: Operation) -> None:
    assert isinstance(b, Bufferizer) and isinstance(op, scf.IfOp)
    b.owned_slots[op] = [is_tensor(t) for t in op.result_types]
    if op.false_region.blocks and any(b.owned_slots[op]):
        b.taken[op] = [r for r in b.scope.roots if b.dies_here(r) and _read_inside(b, r, op)]
    results = b.retype(list(op.results))
    for region in (op.true_region, op.false_region):
        if region.blocks:
            b.run_block(region.block, taken=b.taken.get(op, []))
    for root in b.taken.get(op, []):
        root.done = True
    b.own(results)


def _read_inside(b: Bufferizer, root: Root, op: Operation) -> bool:
    return any(b.live.used_inside(m, op) for m in root.members)


def _while(b: Buffers, op: Operation) -> None:
    assert isinstance(b, Bufferizer) and isinstance(op, scf.WhileOp)
    b.owned_slots[op] = [is_tensor(t) for t in op.result_types]
    _enter(b, op, 0, len(op.arguments))
    results = b.retype(list(op.results))
    before = b.retype(op.before_region.block.args)
    after = b.retype(op.after_region.block.args)
    b.run_block(op.before_region.block, before)
    b.run_block(op.after_region.block, after)
    b.own(results)


def _callee_inputs(b: Bufferizer, op: func.CallOp) -> list[Attribute]:
    """The buffer types of the callee's parameters (whether or not its signature is converted yet)."""
    name = op.callee.root_reference.data
    for candidate in b.module.body.block.ops:
        if isinstance(candidate, func.FuncOp) and candidate.sym_name.data == name:
            return [buffer_type(t) for t in candidate.function_type.inputs]
    return [buffer_type(t) for t in op.operand_types]


def _call(b: Buffers, op: Operation) -> None:
    assert isinstance(b, Bufferizer) and isinstance(op, func.CallOp)
    for k, wanted in enumerate(_callee_inputs(b, op)):
        value = op.operands[k]
        if value.type == wanted or not isinstance(value.type, MemRefType):
            continue
        if not cast_compatible(value.type, wanted):
            value = b.copy(value)
        if value.type != wanted:
            value = b.insert(memref.CastOp.get(value, wanted)).results[0]  # type: ignore[arg-type]
        op.operands[k] = value
    b.own(b.retype(list(op.results)))


def control_rules() -> dict[type[Operation], Rule]:
    """The rules for calls and structured control flow."""
    return {scf.ForOp: _for, scf.IfOp: _if, scf.WhileOp: _while, func.CallOp: _call}


def bufferize_function(b: Bufferizer, op: func.FuncOp) -> None:
    """Gives `op` its buffer signature and rewrites its body (arguments borrowed)."""
    old: FunctionType = op.function_type
    op.function_type = function_buffer_type(old)
    if not op.body.blocks:
        return
    if len(op.body.blocks) > 1:
        raise fail(
            op, f"@{op.sym_name.data} has {len(op.body.blocks)} blocks; only structured control flow is supported"
        )
    for new, _ in b.retype(op.body.block.args):
        b.new_root(Kind.BORROWED, new)
    b.owned_slots[op] = [is_tensor(t) for t in old.outputs]
    b.run_block(op.body.block)
