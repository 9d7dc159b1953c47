"""The adjoint functions of `charl-autodiff`: a forward sweep (a clone of the callee with its calls
inlined) followed by a backward sweep that runs the VJP rules in reverse op order."""

from __future__ import annotations

from collections.abc import Iterable

from xdsl.dialects import func, scf
from xdsl.dialects.builtin import FunctionType, ModuleOp
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from dialects.charl import AddOp
from dialects.charl_base import is_float
from passes._autodiff_api import VjpRule
from passes._autodiff_builder import AdjointBuilder
from passes._autodiff_control import if_adjoint
from passes._autodiff_loops import Tape, for_adjoint, tape_loops
from passes._autodiff_rules import core_rules
from passes._autodiff_rules_nn import nn_rules
from passes._charl_to_linalg_core import source_position
from passes.charl_inline import inline_call

PASS_NAME = "charl-autodiff"


class AutodiffError(PassFailedException):
    """`charl-autodiff: file:line:col: op: message` at the op (or its nearest located ancestor)."""

    def __init__(self, op: Operation, message: str) -> None:
        where = source_position(op)
        text = f"{op.name}: {message}"
        super().__init__(f"{PASS_NAME}: {where}: {text}" if where else f"{PASS_NAME}: {text}")
        self.op = op  # the driver renders the error at the op's source location
        self.message = text


def all_rules() -> dict[type[Operation], VjpRule]:
    """The core rules merged with the nn and indexing rules."""
    return core_rules() | nn_rules()


def defined_functions(module: ModuleOp) -> dict[str, func.FuncOp]:
    """The module's functions with a body, by name."""
    return {f.sym_name.data: f for f in module.ops if isinstance(f, func.FuncOp) and f.body.blocks}


def clone_inlined(callee: func.FuncOp, block: Block, module: ModuleOp) -> SSAValue:
    """Appends a copy of `callee`'s body to `block` (arguments mapped to `block`'s), inlines its
    calls to defined functions, and returns the value it returns."""
    body = callee.body.blocks[0]
    mapping: dict[SSAValue, SSAValue] = dict(zip(body.args, block.args, strict=True))
    for op in body.ops:
        clone = op.clone(mapping)
        mapping.update(zip(op.results, clone.results, strict=True))
        block.add_op(clone)
    ret = block.last_op
    if not isinstance(ret, func.ReturnOp) or len(ret.arguments) != 1:
        raise AutodiffError(callee, f"@{callee.sym_name.data} does not end in func.return of one value")
    defined = defined_functions(module)
    while calls := [c for c in block.walk() if isinstance(c, func.CallOp) and c.callee.root_reference.data in defined]:
        for call in calls:
            inline_call(call, defined[call.callee.root_reference.data])
    returned = ret.arguments[0]
    ret.detach()
    ret.erase()
    return returned


def varied_values(ops: Iterable[Operation], seeds: set[SSAValue]) -> set[SSAValue]:
    """The float values that depend on `seeds` (through operands and nested regions)."""
    varied = set(seeds)
    for op in ops:
        inner = [o for o in op.walk() if o is not op]
        uses = {v for o in [op, *inner] for v in o.operands}
        if uses & varied or (inner and _regions_see(op, varied)):
            varied.update(r for r in op.results if is_float(r.type))
            for o in inner:
                varied.update(r for r in o.results if is_float(r.type))
    return varied


def _regions_see(op: Operation, varied: set[SSAValue]) -> bool:
    return any(v in varied for o in op.walk() for v in o.operands)


class Sweep:
    """The backward sweep over one block: adjoints by value, accumulated with `charl.add`."""

    def __init__(self, builder: AdjointBuilder, rules: dict[type[Operation], VjpRule], varied: set[SSAValue]) -> None:
        self.builder = builder
        self.rules = rules
        self.varied = varied
        self.adjoints: dict[SSAValue, SSAValue] = {}
        self.tapes: dict[Operation, Tape] = {}

    def child(self, builder: AdjointBuilder) -> Sweep:
        """A sweep of a nested block sharing this one's rules and varied values."""
        child = Sweep(builder, self.rules, self.varied)
        child.tapes = self.tapes
        return child

    def accumulate(self, v: SSAValue, g: SSAValue) -> None:
        """Adds `g` to the adjoint of `v`."""
        old = self.adjoints.get(v)
        self.adjoints[v] = g if old is None else self.builder.emit(AddOp(old, g))

    def run(self, ops: list[Operation]) -> None:
        """Differentiates `ops` in reverse order."""
        for op in reversed(ops):
            gs = [self.adjoints.get(r) for r in op.results]
            if all(g is None for g in gs) or not any(v in self.varied for o in op.walk() for v in o.operands):
                continue
            self.builder.at(op)
            self.visit(op, gs)

    def visit(self, op: Operation, gs: list[SSAValue | None]) -> None:
        """Applies the rule of `op` and accumulates its operand adjoints."""
        if isinstance(op, scf.IfOp):
            if_adjoint(self, op, gs)
            return
        if isinstance(op, scf.ForOp):
            if op not in self.tapes:
                raise AutodiffError(op, "internal: a differentiated loop was not taped")
            for_adjoint(self, op, gs, self.tapes[op])
            return
        rule = self.rules.get(type(op))
        if rule is None:
            raise AutodiffError(op, f"cannot differentiate {op.name}: it has no gradient rule")
        for v, d in zip(op.operands, rule(self.builder, op, gs), strict=True):
            if d is not None and v in self.varied:
                self.accumulate(v, d)


def adjoint_function(module: ModuleOp, callee: func.FuncOp, wrt: list[int], with_value: bool, name: str) -> func.FuncOp:
    """`@name(args) -> ([value], d args[wrt]...)`: forward sweep then backward sweep."""
    inputs: list[Attribute] = list(callee.function_type.inputs.data)
    result_t = callee.function_type.outputs.data[0]
    outputs = [result_t] * with_value + [inputs[i] for i in wrt]
    fn = func.FuncOp(name, FunctionType.from_lists(inputs, outputs))
    fn.location = callee.location
    block = fn.body.blocks[0]
    for new, old in zip(block.args, callee.body.blocks[0].args, strict=True):
        new.name_hint = old.name_hint
    result = clone_inlined(callee, block, module)
    tapes: dict[Operation, Tape] = {}
    forward = list(block.ops)
    result = tape_loops(block, forward, tapes).get(result, result)
    varied = varied_values(forward, {block.args[i] for i in wrt if is_float(inputs[i])})
    builder = AdjointBuilder(block)
    sweep = Sweep(builder, all_rules(), varied)
    sweep.tapes = tapes
    builder.location = callee.location
    if result in varied:
        sweep.adjoints[result] = builder.const_like(1.0, result)
        sweep.run(forward)
    builder.location = callee.location
    grads = [sweep.adjoints.get(block.args[i]) or builder.zeros_like(block.args[i]) for i in wrt]
    ret = func.ReturnOp(*([result] * with_value), *grads)
    ret.location = callee.location
    block.add_op(ret)
    return fn
