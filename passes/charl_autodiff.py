"""`charl-autodiff`: replaces every `charl.grad` by a call of a generated adjoint function.

For `charl.grad @f(args) {wrt = [i, j]}` it generates (once per callee, positions and
`with_value`) `@f_grad_i_j` (`@f_grad_i_j_value` with the value): the forward sweep, a clone of
`f`'s body with its calls inlined, then the backward sweep, which applies the VJP rules
(`_autodiff_rules`, `_autodiff_rules_nn`) in reverse op order from the seed 1 of the result.
Grads of functions that themselves take grads (higher-order) are processed innermost first.
With `inline=true` (the pipeline's setting) the call is then inlined at the grad's site, so that a
training step compiles as one function: its gradient buffers are planned with the step's, and the
optimizer update can fuse into the gradient matmuls (`linalg-fuse-elementwise`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from dialects.charl import GradOp
from passes._autodiff_sweep import AutodiffError, adjoint_function, defined_functions
from passes.charl_inline import inline_call


def _grads_in(op: Operation) -> list[GradOp]:
    return [g for g in op.walk() if isinstance(g, GradOp)]


def _takes_grads(name: str, defined: dict[str, func.FuncOp], seen: frozenset[str] = frozenset()) -> bool:
    """Whether `@name` or a function it calls (transitively) contains a `charl.grad`."""
    fn = defined.get(name)
    if fn is None or name in seen:
        return False
    if _grads_in(fn):
        return True
    calls = {c.callee.root_reference.data for c in fn.walk() if isinstance(c, func.CallOp)}
    return any(_takes_grads(c, defined, seen | {name}) for c in calls)


def adjoint_name(grad: GradOp) -> str:
    """`<callee>_grad_<wrt positions>`, with `_value` when the grad also returns the value."""
    wrt = "_".join(str(i) for i in grad.wrt.get_values())
    return f"{grad.callee.root_reference.data}_grad_{wrt}" + ("_value" if grad.with_value is not None else "")


@dataclass(frozen=True)
class CharlAutodiffPass(ModulePass):
    """Replaces every `charl.grad` by a `func.call` of a generated adjoint function.

    The adjoint function runs the forward sweep (the callee, calls inlined), then the backward sweep:
    the VJP rule of every op on a path from a `wrt` argument to the result, in reverse order,
    adjoints of values with several uses summed with `charl.add`, the result's adjoint seeded
    with 1. It returns the value (with `with_value`), then the adjoint of each `wrt` argument (zeros
    when the result does not depend on it). Adjoint functions are memoized; grads whose callee
    takes no grad are processed first, so `grad(grad(f))` works.

    With `inline`, each such call is inlined where the grad was, and the adjoint functions are
    dropped.

    Requires: no recursion. Guarantees: no `charl.grad` remains; an op without a gradient rule
    on a differentiated path is a located error naming it.
    """

    name = "charl-autodiff"

    inline: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        made: dict[str, func.FuncOp] = {}
        while grads := _grads_in(op):
            defined = defined_functions(op)
            ready = [g for g in grads if not _takes_grads(g.callee.root_reference.data, defined)]
            if not ready:
                raise AutodiffError(grads[0], "gradients of functions that take their own gradient cannot be computed")
            for grad in ready:
                call, fn = self._replace(op, grad, defined, made)
                if self.inline:
                    inline_call(call, fn)
        if self.inline:  # every call was inlined: the adjoint functions are not compiled
            for fn in made.values():
                fn.detach()
                fn.erase()

    @staticmethod
    def _replace(
        module: ModuleOp, grad: GradOp, defined: dict[str, func.FuncOp], made: dict[str, func.FuncOp]
    ) -> tuple[func.CallOp, func.FuncOp]:
        """Replaces `grad` by a call of its adjoint function (made once); returns both."""
        name = adjoint_name(grad)
        fn = made.get(name)
        if fn is None:
            callee = defined[grad.callee.root_reference.data]
            fn = adjoint_function(module, callee, list(grad.wrt.get_values()), grad.with_value is not None, name)
            module.body.block.insert_op_after(fn, callee)
            made[name] = fn
        call = func.CallOp(name, list(grad.args), list(grad.outputs.types))
        call.location = grad.location
        for old, new in zip(grad.outputs, call.results, strict=True):
            if old.name_hint:
                new.name_hint = old.name_hint
        grad.parent_block().insert_op_before(call, grad)  # type: ignore[union-attr]
        for old, new in zip(grad.outputs, call.results, strict=True):
            old.replace_all_uses_with(new)
        grad.detach()
        grad.erase()
        return call, fn
