"""`linalg-fuse-elementwise`: producer-consumer fusion of `linalg.generic`s on tensors.

The rules and the rewrite of a generic pair are in `_fuse_generic`, those of a fill in
`_fuse_fill`, the remarks and the names they give ops in `_fuse_remarks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from passes._fuse_fill import fuse_fill
from passes._fuse_generic import fuse, plan
from passes._fuse_init import fuse_init
from passes._fuse_matmul import contraction_of, fold_transposes, fuse_epilogue
from passes._fuse_remarks import OpNames, Remark, RemarkSink, print_remark, remark_at
from passes._fuse_update import fuse_update
from passes._qgemm import is_qgemm


@dataclass(frozen=True)
class LinalgFuseElementwisePass(ModulePass):
    """Fuses elementwise producers into the `linalg.generic`s that read them, on tensors.

    A `linalg.generic` whose result a consumer generic reads as an input is inlined into it when
    the producer is all-parallel with one result, its output map is a permutation, nothing else
    reads its result, and both are in the same block: the producer's inputs become the consumer's
    (maps composed through the inverse of the producer's output map, so identity, permuted and
    broadcast reads all fuse), its body runs first in the consumer's body, its `linalg.index` ops
    become the consumer's loops. A `linalg.fill` of a scalar read as an input becomes that scalar,
    used directly in the body (a constant is copied in). Consumers are visited in program order and
    each fuses until none of its producers can, so chains become one generic, and elementwise
    producers fuse into reductions (`sum(exp(x))` is one generic). Producers nothing reads any more
    are erased, with their `tensor.empty` inits. A pair is left alone, with the reason, when the
    producer has reduction loops, other uses, side effects in its body (run-time checks), is in
    another block, or when the fused op would lose a loop's extent.

    With `matmul_epilogues` (the cpu target's pipeline sets it), three more fusions follow: each
    tensor `linalg.matmul` becomes a contraction generic (`_contraction`) that reads the inputs of
    2-D transposes of its operands through transposed maps, an elementwise consumer that is the
    only reader of its product becomes its epilogue (applied at the last step of the reduction),
    and the `linalg.fill` that initializes the output of any reduction generic becomes a select on
    the first step (`_fuse_init`); `convert-linalg-to-loops` calls the runtime's sgemm for them.

    With `remarks`, every producer/consumer pair gets one remark at the producer's location
    (`fused charl.mul into charl.add`, `charl.mul not fused into charl.add: the producer's result
    has 2 uses`), sent to `report` (the driver sets it) or printed to stderr.

    Requires: tensor semantics (the `linalg` stage, before `charl-bufferize`). Guarantees: the
    module computes the same values; no fusible pair is left; every consumer keeps its outputs,
    loops and location; the module holds only the ops it held, plus `linalg.index`, `arith.cmpi`,
    `arith.andi` and `arith.select` in bodies with `matmul_epilogues`.
    """

    name = "linalg-fuse-elementwise"

    remarks: bool = False
    matmul_epilogues: bool = False
    report: RemarkSink | None = field(default=None, compare=False)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        fuser = Fuser(OpNames() if self.remarks else None)
        for candidate in list(op.walk()):
            if isinstance(candidate, linalg.GenericOp) and candidate.parent is not None and not is_qgemm(candidate):
                fuser.fuse_into(candidate)
        if self.matmul_epilogues:
            for matmul in [o for o in op.walk() if isinstance(o, linalg.MatmulOp)]:
                fuser.fuse_matmul(matmul)
            for candidate in list(op.walk()):
                if isinstance(candidate, linalg.GenericOp) and candidate.library_call is None:
                    fuser.fuse_inits(candidate)
        sink = self.report or print_remark
        for remark in fuser.final_remarks():
            sink(remark)


@dataclass
class Fuser:
    """Fuses producers into one consumer after another; with `names`, keeps the remarks.

    A pair that does not fuse is remarked only if both ops are still there at the end: a consumer
    later fused into another op hands its producers on, and that op's pairs are the ones reported.
    """

    names: OpNames | None
    fused: list[Remark] = field(default_factory=list[Remark])
    refused: dict[Operation, list[tuple[Operation, str]]] = field(
        default_factory=dict[Operation, list[tuple[Operation, str]]]
    )

    def fuse_into(self, consumer: linalg.GenericOp) -> linalg.GenericOp:
        """Fuses `consumer`'s producers into it until none can be; returns the final op."""
        while True:
            refused: list[tuple[Operation, str]] = []
            for producer in producers(consumer):
                pair = self.pair_names(producer, consumer)
                outcome = attempt(producer, consumer)
                if isinstance(outcome, str):
                    refused.append((producer, outcome))
                    continue
                if self.names is not None:
                    self.fused.append(remark_at(producer, f"fused {pair[0]} into {pair[1]}"))
                    self.names.inherit(outcome, consumer)
                consumer = outcome
                break
            else:
                if self.names is not None and refused:
                    self.refused[consumer] = refused
                return consumer

    def fuse_matmul(self, matmul: linalg.MatmulOp) -> None:
        """Makes `matmul` a contraction generic, folds the transposes of its operands into it and
        makes its elementwise consumer its epilogue (`_fuse_matmul`)."""
        name = self.names(matmul) if self.names is not None else ""
        generic = contraction_of(matmul)
        if isinstance(generic, str):
            return
        if self.names is not None:
            self.names.known[generic] = name
        generic, folded = fold_transposes(generic)
        for transpose in folded:
            self.remark(transpose, f"fused {self.names(transpose) if self.names else ''} into {name} (read transposed)")
        if self.names is not None:
            self.names.known[generic] = name
        users = {use.operation for use in generic.results[0].uses}
        consumer = users.pop() if len(users) == 1 else None
        if not isinstance(consumer, linalg.GenericOp):
            return
        consumer_name = self.names(consumer) if self.names is not None else ""
        updated = fuse_update(generic, consumer)
        if not isinstance(updated, str):
            self.remark(generic, f"fused {consumer_name} into {name} as an update of its output (accumulated in place)")
            if self.names is not None:
                self.names.known[updated] = name
            return
        fused = fuse_epilogue(generic, consumer)
        if isinstance(fused, str):
            self.remark(generic, f"{consumer_name} not fused into {name} as its epilogue: {fused}")
        else:
            self.remark(generic, f"fused {consumer_name} into {name} as its epilogue")
            if self.names is not None:
                self.names.known[fused] = name

    def fuse_inits(self, op: linalg.GenericOp) -> None:
        """Makes the fills of `op`'s outputs its initial values when it reduces (`_fuse_init`)."""
        for value in list(op.outputs):
            fill = value.owner
            if isinstance(fill, linalg.FillOp) and fuse_init(fill, op) is None and self.names is not None:
                self.fused.append(remark_at(op, f"fused the initial value of {self.names(op)} into it"))

    def remark(self, op: Operation, message: str) -> None:
        """Keeps `message` at `op` (with remarks on)."""
        if self.names is not None:
            self.fused.append(remark_at(op, message))

    def pair_names(self, producer: Operation, consumer: Operation) -> tuple[str, str]:
        """The names remarks give the pair (empty without remarks)."""
        if self.names is None:
            return ("", "")
        return (self.names(producer), self.names(consumer))

    def final_remarks(self) -> list[Remark]:
        """Every remark, in source order (remarks at one position in the order they were made)."""
        remarks = list(self.fused)
        for consumer, refused in self.refused.items():
            if consumer.parent is None:
                continue
            for producer, reason in refused:
                if producer.parent is not None:
                    names = self.pair_names(producer, consumer)
                    remarks.append(remark_at(producer, f"{names[0]} not fused into {names[1]}: {reason}"))
        return sorted(remarks, key=lambda r: (r.path or "", r.line, r.col))


def producers(consumer: linalg.GenericOp) -> list[Operation]:
    """The linalg ops whose results `consumer` reads as inputs, each once, in operand order."""
    found: list[Operation] = []
    for value in consumer.inputs:
        owner = value.owner
        if isinstance(owner, Operation) and owner.name.startswith("linalg.") and owner not in found:
            found.append(owner)
    return found


def attempt(producer: Operation, consumer: linalg.GenericOp) -> linalg.GenericOp | str:
    """Fuses `producer` into `consumer`: the fused op, or why they do not fuse."""
    if isinstance(producer, linalg.FillOp):
        return fuse_fill(producer, consumer)
    if is_qgemm(producer):
        return "the producer is an integer matmul (charl-quantize)"
    if not isinstance(producer, linalg.GenericOp):
        return f"the producer is a {producer.name}, not an elementwise linalg.generic"
    fusion = plan(producer, consumer)
    return fusion if isinstance(fusion, str) else fuse(fusion)
