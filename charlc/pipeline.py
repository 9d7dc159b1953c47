"""The stage table: which passes take a module from one stage of the pipeline to the next.

The pipeline is data. `Stage` orders the stages; `STAGE_PASSES` maps a (target, stage) pair to the
passes that produce that stage from the previous one. A stage missing from the table, or one whose
passes are not in the registry (`passes.available_passes`), does not exist in this version of
charlc: asking for it (`--stop-after`, an `--emit` kind that needs it, `charlc run`) is refused with
a `UsageError` that names it. Adding a stage is adding rows here.

`--emit=mlir` without `--stop-after` prints the `charl-opt` stage (`DEFAULT_MLIR_STAGE`), the last
stage that still holds the `charl` dialect; later stages are printed with `--stop-after`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError

from charlc.options import Options, UsageError


class Stage(Enum):
    """A point in the pipeline at which a module can be stopped and printed, in pipeline order."""

    CHARL = "charl"
    CHARL_OPT = "charl-opt"
    LINALG = "linalg"
    BUFFERS = "buffers"
    LOOPS = "loops"
    TARGET = "target"

    @property
    def index(self) -> int:
        """The position of the stage in the pipeline (0 for `charl`)."""
        return list(Stage).index(self)

    def __lt__(self, other: Stage) -> bool:
        return self.index < other.index

    def __le__(self, other: Stage) -> bool:
        return self.index <= other.index

    @classmethod
    def parse(cls, name: str) -> Stage:
        """The stage called `name`; a `UsageError` listing the stages when there is none."""
        for stage in cls:
            if stage.value == name:
                return stage
        names = ", ".join(s.value for s in cls)
        raise UsageError(f"unknown stage '{name}'; the stages are: {names}")


TARGETS: tuple[str, ...] = ("cpu", "gpu")

# (target, stage) -> the passes that produce `stage` from the stage before it. `charl` is what
# irgen produces: no passes.
STAGE_PASSES: Mapping[tuple[str, Stage], tuple[str, ...]] = MappingProxyType(
    {
        ("cpu", Stage.CHARL): (),
        ("cpu", Stage.CHARL_OPT): ("charl-autodiff", "canonicalize", "cse", "dce"),
        ("cpu", Stage.LINALG): ("charl-quantize", "convert-charl-to-linalg", "linalg-fuse-elementwise"),
        ("cpu", Stage.BUFFERS): ("charl-bufferize", "charl-plan-memory"),
        ("cpu", Stage.LOOPS): ("convert-linalg-to-loops", "charl-fuse-loops", "charl-parallelize-loops"),
        ("cpu", Stage.TARGET): ("convert-to-llvm",),
        ("gpu", Stage.CHARL): (),
        ("gpu", Stage.CHARL_OPT): ("charl-autodiff", "canonicalize", "cse", "dce"),
        ("gpu", Stage.LINALG): ("charl-quantize", "convert-charl-to-linalg", "linalg-fuse-elementwise"),
        ("gpu", Stage.BUFFERS): ("charl-bufferize", "charl-plan-memory"),
        ("gpu", Stage.LOOPS): ("charl-split-argmax", "convert-linalg-to-gpu"),
        ("gpu", Stage.TARGET): ("convert-to-llvm",),
    }
)

# What each `--emit` kind needs: the last stage it runs, and the targets it exists for.
EMIT_NEEDS: Mapping[str, tuple[Stage | None, tuple[str, ...]]] = MappingProxyType(
    {
        "mlir": (None, TARGETS),
        "llvm": (Stage.TARGET, ("cpu",)),
        "asm": (Stage.TARGET, ("cpu",)),
        "obj": (Stage.TARGET, ("cpu",)),
        "exe": (Stage.TARGET, ("cpu",)),
        "wgsl": (Stage.LOOPS, ("gpu",)),
        "plan": (Stage.BUFFERS, TARGETS),
    }
)

EMIT_KINDS: tuple[str, ...] = tuple(EMIT_NEEDS)

DEFAULT_MLIR_STAGE = Stage.CHARL_OPT
"""Where `--emit=mlir` stops when `--stop-after` is not given."""

LINALG_PASS = "convert-charl-to-linalg"
"""The pass that takes `bounds_checks=false` under `--no-bounds-checks`."""


def check_target(target: str) -> str:
    """`target` if it names a target; a `UsageError` otherwise."""
    if target not in TARGETS:
        raise UsageError(f"unknown target '{target}'; the targets are: {', '.join(TARGETS)}")
    return target


def registered_passes() -> frozenset[str]:
    """The names of the passes in the registry."""
    from passes import available_passes

    return frozenset(available_passes())


def has_stage(target: str, stage: Stage, registered: Collection[str]) -> bool:
    """Whether the table has `stage` for `target` and every pass of it is registered."""
    names = STAGE_PASSES.get((target, stage))
    return names is not None and all(n in registered for n in names)


def missing_stage(target: str, through: Stage) -> Stage | None:
    """The first stage up to `through` that charlc lacks for `target` (not in the table, or a pass
    of it not registered), if any."""
    registered = registered_passes()
    return next((s for s in Stage if s <= through and not has_stage(target, s, registered)), None)


def require_stages(what: str, target: str, through: Stage) -> None:
    """Refuse `what` (a flag or command, as the user wrote it) when a stage up to `through` is missing."""
    missing = missing_stage(target, through)
    if missing is None:
        return
    on = f" for --target={target}" if target != "cpu" else ""
    raise UsageError(
        f"{what} needs the '{missing.value}' stage and later{on}, which this version of charlc does not have yet"
    )


def final_stage(emit: str, target: str, stop_after: Stage | None) -> Stage:
    """The stage at which compilation stops for `--emit=emit --target=target [--stop-after]`.

    Raises `UsageError` when the combination is inconsistent or needs a stage that does not exist.
    """
    if emit not in EMIT_NEEDS:
        raise UsageError(f"unknown output kind '--emit={emit}'; the kinds are: {', '.join(EMIT_KINDS)}")
    needed, targets = EMIT_NEEDS[emit]
    if target not in targets:
        raise UsageError(f"--emit={emit} is for --target={' or '.join(targets)}, not --target={target}")
    if needed is not None:
        if stop_after is not None and stop_after != needed:
            raise UsageError(f"--stop-after applies to --emit=mlir only, not to --emit={emit}")
        require_stages(f"--emit={emit}", target, needed)
        return needed
    if stop_after is not None:
        require_stages(f"--stop-after={stop_after.value}", target, stop_after)
        return stop_after
    return DEFAULT_MLIR_STAGE


def passes_through(target: str, stage: Stage, options: Options | None = None) -> list[str]:
    """The passes that take irgen's output to `stage` for `target`, in order, as `-p` pipeline
    elements (with the pass options `options` ask for: `bounds_checks=false`)."""
    require_stages(f"--stop-after={stage.value}", target, stage)
    names = [p for s in Stage if s <= stage for p in STAGE_PASSES[(target, s)]]
    return [pass_spec(name, options or Options()) for name in names]


GPU_HOST_OPTIONS = "alloc_symbol=charl_gpu_alloc free_symbol=charl_gpu_free"
"""convert-to-llvm's options for gpu host code: buffers come from the GPU runtime (docs/gpu.md)."""


PLAN_PASS = "charl-plan-memory"
"""The pass that takes `max_memory=N` under `--max-memory`, and `rewrite=false` on the gpu target
(whose runtime keeps one device buffer per tensor: docs/memory-plan.md)."""


def pass_spec(name: str, options: Options) -> str:
    """`name` as a pipeline element, with the options the compilation's `options` imply."""
    if name == PLAN_PASS:
        spec = ["rewrite=false"] if options.target == "gpu" else []
        spec += [f"max_memory={options.max_memory}"] if options.max_memory else []
        return f"{name}{{{' '.join(spec)}}}" if spec else name
    if name == LINALG_PASS and not options.bounds_checks:
        return f"{name}{{bounds_checks=false}}"
    if name == "convert-to-llvm" and options.target == "gpu":
        return f"{name}{{{GPU_HOST_OPTIONS}}}"
    if name == "charl-autodiff":
        return f"{name}{{inline=true}}"  # a training step compiles as one function
    if name == "linalg-fuse-elementwise" and options.target == "cpu":
        return f"{name}{{matmul_epilogues=true}}"  # the gpu target's matmul template takes no epilogue
    return name


def parse_pass_pipeline(spec: str, registry: Mapping[str, type[ModulePass]]) -> list[ModulePass]:
    """The passes of a `-p` pipeline (`cse,canonicalize`, `pass{opt=v other=w}`), in order.

    Raises `UsageError` for a malformed pipeline, an unknown pass or a bad option.
    """
    try:
        specs = list(parse_pipeline(spec))
    except ArgSpecParseError as e:  # a BaseException in xDSL
        lines = [line for line in str(e).splitlines() if line.strip()]
        where = lines[1].rsplit(":", 1)[-1] if len(lines) > 1 else "?"
        raise UsageError(f"invalid pass pipeline '{spec}' at column {where}: {lines[-1].strip()}") from None
    result: list[ModulePass] = []
    for arg in specs:
        pass_class = pass_class_named(arg.name, registry)
        try:
            result.append(pass_class.from_spec(arg))
        except (ValueError, TypeError) as e:
            raise UsageError(f"invalid options for pass '{arg.name}': {e}") from None
    return result


def pass_class_named(name: str, registry: Mapping[str, type[ModulePass]]) -> type[ModulePass]:
    """The registered pass called `name`; a `UsageError` that points at `charlc passes` otherwise."""
    if name not in registry:
        raise UsageError(f"unknown pass '{name}'; `charlc passes` lists the passes")
    return registry[name]


@dataclass
class Timings:
    """Wall-clock milliseconds per phase (parse, typecheck, irgen, each pass), in first-seen order.

    Phases seen again (a pass run twice, several `--split-input-file` chunks) accumulate.
    """

    rows: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self, phase: str) -> Iterator[None]:
        """Time the body of a `with` block as `phase`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.rows[phase] = self.rows.get(phase, 0.0) + (time.perf_counter() - start) * 1e3

    def table(self) -> str:
        """The rows and their total as an aligned text table."""
        width = max([len("phase"), *(len(k) for k in self.rows)])
        lines = ["charlc: time per phase (wall ms)", f"  {'phase':<{width}}  {'ms':>10}"]
        lines += [f"  {name:<{width}}  {ms:>10.2f}" for name, ms in self.rows.items()]
        lines.append(f"  {'total':<{width}}  {sum(self.rows.values()):>10.2f}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Instrumentation:
    """What to do around each pass: dumps before/after (`dump(header, module)`), timing, verification.

    `verify(module, after)` is called after each pass when `verify_each` is set.
    """

    dump: Callable[[str, ModuleOp], None]
    verify: Callable[[ModuleOp, str], None]
    timings: Timings
    print_after_all: bool = False
    print_after: frozenset[str] = frozenset()
    print_before: frozenset[str] = frozenset()
    verify_each: bool = False


def run_passes(ctx: Context, module: ModuleOp, passes: list[ModulePass], inst: Instrumentation) -> None:
    """Apply `passes` to `module` in order, with the instrumentation `inst` asks for."""
    for p in passes:
        if p.name in inst.print_before:
            inst.dump(f"// -----// IR Dump Before {p.name} //----- //", module)
        with inst.timings.measure(p.name):
            p.apply(ctx, module)
        if inst.verify_each:
            inst.verify(module, p.name)
        if inst.print_after_all or p.name in inst.print_after:
            inst.dump(f"// -----// IR Dump After {p.name} //----- //", module)
