"""The Python API of charlc: compile Charl source or MLIR text to a verified module, or compile a
Charl program for the CPU and call its functions with NumPy arrays.

    from charlc.api import compile_file, load
    from charlc.options import Options
    module = compile_file("examples/mlp_synthetic.ch", Options())
    mod = load("fn f(x: tensor<float32, [3]>) -> tensor<float32, [3]> { return x * 2.0 }")
    mod.fn("f")(np.ones(3, np.float32))

Errors: a `CharlError` for a mistake in a Charl program, an `IRError` for MLIR text that does not
parse or verify, a `UsageError` for options that ask for something charlc cannot do.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.passes import ModulePass
from xdsl.printer import Printer
from xdsl.utils.exceptions import DiagnosticException, ParseError, PassFailedException

from charlc.diagnostics import CharlError, Diagnostics, Source
from charlc.options import Options, UsageError, language_of
from charlc.pipeline import (
    Instrumentation,
    Stage,
    Timings,
    check_target,
    final_stage,
    parse_pass_pipeline,
    pass_class_named,
    passes_through,
    run_passes,
)
from charlc.syntax import Span

if TYPE_CHECKING:
    from charlc.cache import Cache
    from charlc.checked import CheckedProgram
    from charlc.run import Program


class IRError(Exception):
    """MLIR text that does not parse or verify: `file:line:col: error: message` (+ line and caret)."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(text)
        self.text = text
        self.message = message


def located(path: str, line: int | None, col: int | None, message: str, source_text: str | None) -> str:
    """`file:line:col: error: message`, then the source line and a caret when `source_text` has it."""
    if line is None or col is None:
        return f"{path}: error: {message}"
    head = f"{path}:{line}:{col}: error: {message}"
    lines = source_text.split("\n") if source_text is not None else []
    if not 0 < line <= len(lines) or not lines[line - 1].strip():
        return head
    text = lines[line - 1].rstrip("\r")
    caret = "".join(c if c == "\t" else " " for c in text[: col - 1]) + "^"
    return f"{head}\n{text}\n{caret}"


def make_context() -> Context:
    """A context with every dialect charlc reads: builtin, func, arith, math, scf, cf, tensor,
    linalg, bufferization, memref, llvm, gpu and charl, plus the ops our passes define where xDSL lacks
    them (`arith.remf`, `llvm.fptosi`, `llvm.fptoui`, `llvm.uitofp`), so every stage's output reads
    back in."""
    from xdsl.dialects.arith import Arith
    from xdsl.dialects.bufferization import Bufferization
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.cf import Cf
    from xdsl.dialects.func import Func
    from xdsl.dialects.gpu import GPU
    from xdsl.dialects.linalg import Linalg
    from xdsl.dialects.llvm import LLVM
    from xdsl.dialects.math import Math
    from xdsl.dialects.memref import MemRef
    from xdsl.dialects.scf import Scf
    from xdsl.dialects.tensor import Tensor

    from dialects.charl import Charl
    from passes._charl_to_linalg_scalar import RemfOp
    from passes._llvm_emit import EXTRA_LLVM_OPS

    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, Cf, Tensor, Linalg, Bufferization, MemRef, LLVM, GPU, Charl):
        ctx.load_dialect(dialect)
    for op in (RemfOp, *EXTRA_LLVM_OPS):
        ctx.load_op(op)
    return ctx


class LocatingParser(Parser):
    """xDSL's parser, remembering where in the text each operation starts (for verifier errors)."""

    def __init__(self, ctx: Context, text: str, name: str) -> None:
        super().__init__(ctx, text, name)
        self.starts: dict[Operation, int] = {}

    def position(self) -> int:
        """The offset of the token the parser is at."""
        return self._current_token.span.start

    def parse_operation(self) -> Operation:
        start = self.position()
        op = super().parse_operation()
        self.starts[op] = start
        return op


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def parse_ir(ctx: Context, source: Source) -> ModuleOp:
    """Parse and verify MLIR text; an `IRError` located at the offending op when it does not."""
    parser = LocatingParser(ctx, source.text, source.path)
    try:
        module = parser.parse_module()
    except ParseError as e:
        line, col = _line_col(source.text, e.span.start)
        raise IRError(located(source.path, line, col, e.msg, source.text), e.msg) from None
    except DiagnosticException as e:  # an attribute or type that fails to verify while it is parsed
        line, col = _line_col(source.text, parser.position())
        raise IRError(located(source.path, line, col, str(e), source.text), str(e)) from None
    verify_ir(module, source, parser.starts)
    return module


def verify_ir(module: ModuleOp, source: Source, starts: dict[Operation, int] | None = None) -> None:
    """Verify `module`; on failure an `IRError` at the failing op's `FileLineColLoc`, else at the
    place in `source` where the op was parsed (`starts`), else without a position."""
    try:
        module.verify()
    except DiagnosticException as e:
        message = str(e).strip()
        op = _failing_op(module)
        raise IRError(_locate_op(op, message, source, starts or {}), message) from None


def _failing_op(module: ModuleOp) -> Operation | None:
    """The innermost, first op whose own verification fails."""
    for op in module.walk(region_first=True):
        try:
            op.verify(verify_nested_ops=False)
        except DiagnosticException:
            return op
    return None


def _locate_op(op: Operation | None, message: str, source: Source, starts: dict[Operation, int]) -> str:
    while op is not None:
        loc = op.location
        if isinstance(loc, FileLineColLoc):
            path = loc.filename.data
            text = source.text if path == source.path else None
            return located(path, loc.line.data, loc.column.data, message, text)
        if op in starts:
            line, col = _line_col(source.text, starts[op])
            return located(source.path, line, col, message, source.text)
        op = op.parent_op()
    return located(source.path, None, None, message, None)


def print_ir(module: Operation, options: Options) -> str:
    """The module as MLIR text, honoring `--mlir-print-op-generic` and `--mlir-print-debuginfo`."""
    out = io.StringIO()
    printer = Printer(
        stream=out, print_generic_format=options.print_op_generic, print_debuginfo=options.print_debuginfo
    )
    printer.print_op(module)
    return out.getvalue().rstrip("\n") + "\n"


def frontend(source: Source, timings: Timings, diagnostics: Diagnostics, options: Options | None = None) -> ModuleOp:
    """Charl source -> the verified charl-dialect module irgen produces; warnings go to `diagnostics`.
    Of `options`, the front end reads `quantize`, `quantize_group` and `capture`."""
    return frontend_program(source, timings, diagnostics, options)[0]


def frontend_program(
    source: Source, timings: Timings, diagnostics: Diagnostics, options: Options | None = None
) -> tuple[ModuleOp, CheckedProgram]:
    """`frontend`, also returning the checked program irgen was given."""
    from charlc.checked import QuantizeAll
    from charlc.irgen import generate
    from charlc.parser import parse
    from charlc.typecheck import check

    options = options or Options()
    quantize = QuantizeAll(options.quantize, options.quantize_group) if options.quantize else None
    with timings.measure("parse"):
        program = parse(source)
    with timings.measure("typecheck"):
        checked = check(program, source) if quantize is None else check(program, source, quantize)
    diagnostics.warnings.extend(checked.warnings)
    with timings.measure("irgen"):
        return generate(checked, source, options.capture), checked


def exported_functions(checked: CheckedProgram) -> frozenset[str]:
    """The symbols of the program's non-generic functions (not model methods) and of `main`: what
    the Python API can call (a generic function exists only for the shapes the program uses)."""
    from charlc import syntax
    from charlc.check_types import is_generic

    items = checked.program.items
    models = {i.name: i for i in items if isinstance(i, syntax.ModelDecl)}
    plain = {id(i) for i in items if isinstance(i, syntax.FnDecl) and not is_generic(i, models, {})}
    symbols = {inst.symbol for inst in checked.instances if inst.self_model is None and id(inst.decl) in plain}
    return frozenset({*symbols, checked.main.symbol})


def plan(options: Options, language: str) -> list[ModulePass]:
    """The passes a compilation runs: the `-p` pipeline, else the stage table's passes up to the
    stage `--emit`/`--stop-after` ask for (none for MLIR input). Raises `UsageError` before any
    input is read when the options cannot be honored."""
    from passes import available_passes

    registry = available_passes()
    check_target(options.target)
    for name in (*options.print_ir_after, *options.print_ir_before):
        pass_class_named(name, registry)
    if options.pipeline is not None and options.stop_after is not None:
        raise UsageError("-p names the passes to run; it cannot be combined with --stop-after")
    if language == "mlir" and options.stop_after is not None and options.pipeline is None:
        raise UsageError("--stop-after applies to Charl sources; name the passes to run on MLIR input with -p")
    stage = final_stage(options.emit, options.target, options.stop_after)
    if options.max_memory and options.pipeline is None and stage < Stage.BUFFERS:
        raise UsageError(
            f"--max-memory checks the memory plan of the 'buffers' stage, which --emit={options.emit} does not "
            "reach; use it with --emit=plan|llvm|asm|obj|exe or --stop-after=buffers or later"
        )
    if options.pipeline is not None:
        return parse_pass_pipeline(options.pipeline, registry)
    if language == "mlir":
        return []
    return parse_pass_pipeline(",".join(passes_through(options.target, stage, options)), registry)


@dataclass
class Session:
    """One compilation's shared state: dialect context, timings, collected warnings, where IR dumps go."""

    options: Options
    ctx: Context = field(default_factory=make_context)
    timings: Timings = field(default_factory=Timings)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    def dump(self, header: str, module: ModuleOp) -> None:
        """Write an IR dump (`--print-ir-*`) to `err`: the header line, then the module."""
        self.err.write(f"{header}\n{print_ir(module, self.options)}")
        self.err.flush()

    def instrumentation(self, source: Source) -> Instrumentation:
        """Dumps, timing and per-pass verification as the options ask."""
        o = self.options

        def verify(module: ModuleOp, after: str) -> None:
            verify_internal(module, source, f"after pass '{after}'")

        return Instrumentation(
            self.dump,
            verify,
            self.timings,
            o.print_ir_after_all,
            frozenset(o.print_ir_after),
            frozenset(o.print_ir_before),
            o.verify_each,
        )


def verify_internal(module: ModuleOp, source: Source, when: str) -> None:
    """Verify IR that charlc produced: failure is a bug in charlc, so it is not an `IRError`."""
    try:
        verify_ir(module, source)
    except IRError as e:
        raise RuntimeError(f"the IR {when} does not verify:\n{e.text}") from None


def compile_in(session: Session, source: Source, language: str, passes: list[ModulePass]) -> ModuleOp:
    """Compile one input (`language` is `charl` or `mlir`) within `session`: front end or IR parser,
    then `passes`."""
    if language == "charl":
        module = frontend(source, session.timings, session.diagnostics, session.options)
    else:
        with session.timings.measure("parse"):
            module = parse_ir(session.ctx, source)
    if passes:
        run_located(session, source, module, passes)
    return module


def run_located(
    session: Session, source: Source, module: ModuleOp, passes: list[ModulePass], *, verify: bool = True
) -> None:
    """Run `passes` on `module` and verify the result (unless `verify` is false). A pass that rejects
    an op located in `source` (a `PassFailedException` with an `op`, such as
    `convert-charl-to-linalg` on `grad`) raises a `CharlError` at the op's line and column."""
    try:
        run_passes(session.ctx, module, passes, session.instrumentation(source))
    except PassFailedException as e:
        located_error = pass_error_at(e, source)
        if located_error is None:
            raise
        raise located_error from None
    if verify:
        verify_internal(module, source, "after the pass pipeline")


def pass_error_at(e: PassFailedException, source: Source) -> CharlError | None:
    """`e` as a `CharlError`, when it names an op (`e.op`) located (or inside an op located) in `source`."""
    op = getattr(e, "op", None)
    while isinstance(op, Operation):
        loc = op.location
        if isinstance(loc, FileLineColLoc):
            if loc.filename.data != source.path:
                return None
            line, col = loc.line.data, loc.column.data
            return CharlError(Span(line, col, line, col), str(getattr(e, "message", e)))
        op = op.parent_op()
    return None


def compile_source(
    text: str, path: str, options: Options | None = None, *, diagnostics: Diagnostics | None = None
) -> ModuleOp:
    """Compile `text` (Charl or MLIR, by `path`'s suffix or `options.language`) to a verified module.

    Warnings are appended to `diagnostics` when given.
    """
    session = Session(options or Options())
    language = language_of(path, session.options)
    module = compile_in(session, Source(path, text), language, plan(session.options, language))
    if diagnostics is not None:
        diagnostics.warnings.extend(session.diagnostics.warnings)
    return module


def compile_file(
    path: str | Path, options: Options | None = None, *, diagnostics: Diagnostics | None = None
) -> ModuleOp:
    """Compile the file at `path` (see `compile_source`)."""
    return compile_source(Path(path).read_text(), str(path), options, diagnostics=diagnostics)


def load(
    source: str,
    options: Options | None = None,
    *,
    path: str = "<api>.ch",
    cache: Cache | None = None,
) -> Program:
    """Compile the Charl program `source` for the CPU and load it into this process.

        mod = load("fn f(x: tensor<float32, [3]>) -> float32 { return sum(x * x) }")
        mod.fn("f")(np.array([1.0, 2.0, 3.0], np.float32))    # np.float32(14.0)
        mod.run()                                               # the top-level statements

    `mod.fn(name)` calls a non-generic function (generic ones are compiled only for the shapes the
    program calls them with) with NumPy arrays and scalars and returns NumPy values (a tuple for
    several results). `path` is the name errors and run-time messages show. With `cache` (e.g.
    `Cache.from_environment()`), an unchanged program is loaded from disk without recompiling.
    Raises `CharlError` for a mistake in the program, `UsageError` when a stage is missing.
    """
    from charlc.run import load_source

    return load_source(Source(path, source), options, cache=cache)


def load_file(path: str | Path, options: Options | None = None, *, cache: Cache | None = None) -> Program:
    """`load` of the Charl file at `path`."""
    return load(Path(path).read_text(encoding="utf-8"), options, path=str(path), cache=cache)
