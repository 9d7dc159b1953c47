"""`charl-inline`: inlines every call to a function defined in the module.

Charl has no recursion, so repeated inlining terminates; the callees stay in the module (they are
`charl.grad` callees and exports). Calls to body-less declarations (the run-time library) stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from passes._charl_to_linalg_core import source_position

PASS_NAME = "charl-inline"


def _defined_functions(module: ModuleOp) -> dict[str, func.FuncOp]:
    """The module's functions that have a body, by symbol name."""
    return {f.sym_name.data: f for f in module.ops if isinstance(f, func.FuncOp) and f.body.blocks}


def _fail(call: func.CallOp, message: str) -> PassFailedException:
    where = source_position(call)
    text = f"func.call: {message}"
    return PassFailedException(f"{PASS_NAME}: {where}: {text}" if where else f"{PASS_NAME}: {text}")


def inline_call(call: func.CallOp, callee: func.FuncOp) -> None:
    """Replaces `call` by a copy of `callee`'s body (a single block ending in `func.return`); the
    copied ops keep their own locations."""
    blocks = list(callee.body.blocks)
    if len(blocks) != 1:
        raise _fail(call, f"cannot inline @{callee.sym_name.data}: its body has {len(blocks)} blocks, not 1")
    block = blocks[0]
    mapping: dict[SSAValue, SSAValue] = dict(zip(block.args, call.arguments, strict=True))
    returned: list[SSAValue] = []
    for op in block.ops:
        if isinstance(op, func.ReturnOp):
            returned = [mapping.get(v, v) for v in op.arguments]
            break
        clone = op.clone(mapping)
        mapping.update(zip(op.results, clone.results, strict=True))
        call.parent_block().insert_op_before(clone, call)  # type: ignore[union-attr]
    for old, new in zip(call.results, returned, strict=True):
        old.replace_all_uses_with(new)
    call.detach()
    call.erase()


@dataclass(frozen=True)
class CharlInlinePass(ModulePass):
    """Inlines every `func.call` to a function defined in the module, until none remains.

    Requires: no recursion (Charl has none; a cycle of calls is reported as an error) and callees
    with a single-block body. Guarantees: the only `func.call`s left call body-less declarations;
    every function is kept; inlined ops keep their own locations.
    """

    name = "charl-inline"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        defined = _defined_functions(op)
        limit = len(defined) + 1
        for _ in range(limit + 1):
            calls = [c for c in op.walk() if isinstance(c, func.CallOp) and c.callee.root_reference.data in defined]
            if not calls:
                return
            for call in calls:
                inline_call(call, defined[call.callee.root_reference.data])
        raise _fail(calls[0], f"recursive call to @{calls[0].callee.root_reference.data} cannot be inlined")
