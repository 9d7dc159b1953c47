"""The Python API of charlc: compile Charl source or MLIR text to a verified module.

    from charlc.api import compile_file
    from charlc.options import Options
    module = compile_file("examples/mlp_synthetic.ch", Options())

Errors: a `CharlError` for a mistake in a Charl program, an `IRError` for MLIR text that does not
parse or verify, a `UsageError` for options that ask for something charlc cannot do.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.passes import ModulePass
from xdsl.printer import Printer
from xdsl.utils.exceptions import DiagnosticException, ParseError

from charlc.diagnostics import Diagnostics, Source
from charlc.options import Options, UsageError, language_of
from charlc.pipeline import (
    Instrumentation,
    Timings,
    check_target,
    final_stage,
    parse_pass_pipeline,
    pass_class_named,
    passes_through,
    run_passes,
)


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
    """A context with every dialect charlc reads: builtin, func, arith, math, scf, tensor, linalg,
    memref, llvm and charl."""
    from xdsl.dialects.arith import Arith
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.func import Func
    from xdsl.dialects.linalg import Linalg
    from xdsl.dialects.llvm import LLVM
    from xdsl.dialects.math import Math
    from xdsl.dialects.memref import MemRef
    from xdsl.dialects.scf import Scf
    from xdsl.dialects.tensor import Tensor

    from dialects.charl import Charl

    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, Tensor, Linalg, MemRef, LLVM, Charl):
        ctx.load_dialect(dialect)
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


def frontend(source: Source, timings: Timings, diagnostics: Diagnostics) -> ModuleOp:
    """Charl source -> the verified charl-dialect module irgen produces; warnings go to `diagnostics`."""
    from charlc.irgen import generate
    from charlc.parser import parse
    from charlc.typecheck import check

    with timings.measure("parse"):
        program = parse(source)
    with timings.measure("typecheck"):
        checked = check(program, source)
    diagnostics.warnings.extend(checked.warnings)
    with timings.measure("irgen"):
        return generate(checked, source)


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
    if options.pipeline is not None:
        return parse_pass_pipeline(options.pipeline, registry)
    if language == "mlir":
        return []
    return parse_pass_pipeline(",".join(passes_through(options.target, stage)), registry)


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
            _verify_internal(module, source, f"after pass '{after}'")

        return Instrumentation(
            self.dump,
            verify,
            self.timings,
            o.print_ir_after_all,
            frozenset(o.print_ir_after),
            frozenset(o.print_ir_before),
            o.verify_each,
        )


def _verify_internal(module: ModuleOp, source: Source, when: str) -> None:
    """Verify IR that charlc produced: failure is a bug in charlc, so it is not an `IRError`."""
    try:
        verify_ir(module, source)
    except IRError as e:
        raise RuntimeError(f"the IR {when} does not verify:\n{e.text}") from None


def compile_in(session: Session, source: Source, language: str, passes: list[ModulePass]) -> ModuleOp:
    """Compile one input (`language` is `charl` or `mlir`) within `session`: front end or IR parser,
    then `passes`."""
    if language == "charl":
        module = frontend(source, session.timings, session.diagnostics)
    else:
        with session.timings.measure("parse"):
            module = parse_ir(session.ctx, source)
    if passes:
        run_passes(session.ctx, module, passes, session.instrumentation(source))
        _verify_internal(module, source, "after the pass pipeline")
    return module


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
