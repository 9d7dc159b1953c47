"""The commands behind the CLI: read inputs, compile them, print results and diagnostics, and turn
every outcome into an exit status.

Exit statuses: 0 success; 1 a user's error (a `CharlError`, MLIR that does not parse or verify, a
pass that rejects its input); 2 a usage error; 70 an internal error (a bug in charlc).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from charlc.api import IRError, Session, compile_in, plan, print_ir
from charlc.diagnostics import CharlError, Source, render
from charlc.emit import NotLoweredError
from charlc.options import QUANTIZE_KINDS as QUANTIZE_KINDS  # `charlc run --quantize` values
from charlc.options import Options, UsageError, language_of
from charlc.pipeline import Stage, check_target, parse_pass_pipeline, passes_through, require_stages
from charlc.syntax import Span
from runtime.gpu_device import GpuError

if TYPE_CHECKING:
    from charlc.cache import Cache
    from charlc.run import Program
    from passes._fuse_remarks import Remark
    from passes._plan_report import FunctionPlan

T = TypeVar("T")

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70

INTERNAL_ERROR = (
    "charlc: internal compiler error: this is a bug in charlc, not in your program; "
    "please report it with the input file"
)

SPLIT_MARKER = re.compile(r"^[ \t]*// -----[ \t]*$", re.MULTILINE)
OUTPUT_SEPARATOR = "// -----\n"


def guarded(command: Callable[[], int], err: TextIO | None = None) -> int:
    """Run `command`, mapping usage errors to status 2 and anything unexpected to an internal error."""
    err = err or sys.stderr
    try:
        return command()
    except UsageError as e:
        err.write(f"charlc: error: {e}\n")
        return EXIT_USAGE
    except GpuError as e:
        # The machine cannot run the program's kernels (no adapter, a missing feature): not a bug.
        err.write(f"charlc: error: {e}\n")
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader of our output went away (`charlc ... | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        traceback.print_exc(file=err)
        err.write(INTERNAL_ERROR + "\n")
        return EXIT_INTERNAL


def read_input(path: str) -> Source:
    """The text of `path` (`-` is standard input, shown as `<stdin>`); a `UsageError` if unreadable."""
    if path == "-":
        return Source("<stdin>", sys.stdin.read())
    file = Path(path)
    if not file.exists():
        raise UsageError(f"no such file: '{path}'")
    if file.is_dir():
        raise UsageError(f"'{path}' is a directory, not a file")
    try:
        return Source(path, file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"'{path}' is not UTF-8 text") from None


def split_input(source: Source) -> list[Source]:
    """The chunks of `source` between `// -----` lines, each padded with blank lines so that line
    numbers stay those of the whole file."""
    chunks: list[Source] = []
    start = 0
    for marker in [*SPLIT_MARKER.finditer(source.text), None]:
        end = marker.start() if marker else len(source.text)
        padding = "\n" * source.text.count("\n", 0, start)
        chunks.append(Source(source.path, padding + source.text[start:end]))
        if marker:
            start = marker.end()
    return chunks


def compile_command(path: str, options: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`charlc FILE [options]`: compile FILE (or each chunk of it) and print the result, or write
    the object file or executable `--emit=obj|exe` asks for."""
    out, err = out or sys.stdout, err or sys.stderr
    language = language_of(path, options)
    log = RemarkLog()
    passes = with_remarks(plan(options, language), options, log)
    binary = options.emit in BINARY_EMITS
    if binary and options.split_input_file:
        raise UsageError(f"--split-input-file cannot be combined with --emit={options.emit}")
    destination = binary_output(path, options) if binary else None
    source = read_input(path)
    session = Session(options, err=err)
    chunks = split_input(source) if options.split_input_file else [source]
    status, outputs = EXIT_OK, []
    for chunk in chunks:
        text, ok = _compile_chunk(session, chunk, language, passes, log)
        outputs.append(text)
        status = status if ok else EXIT_USER_ERROR
    if destination is not None:
        if status == EXIT_OK:
            status = _write_binary(session, outputs[0], destination, out)
    elif status == EXIT_OK or options.split_input_file:
        _write_output(OUTPUT_SEPARATOR.join(outputs), options.output, out)
    if options.time_passes:
        err.write(session.timings.table() + "\n")
    return status


BINARY_EMITS = ("obj", "exe")


def binary_output(path: str, options: Options) -> str:
    """Where `--emit=obj|exe` writes: `-o OUT`, else FILE without its suffix (exe) or with `.o` (obj)."""
    if options.output is not None:
        return options.output
    if path == "-":
        raise UsageError(f"--emit={options.emit} of standard input needs -o OUT")
    stem = Path(path).with_suffix("")
    return str(stem.with_suffix(".o")) if options.emit == "obj" else str(stem)


def _write_binary(session: Session, ir_text: str, destination: str, out: TextIO) -> int:
    """Compile the LLVM IR `ir_text` to the object file or executable `destination`."""
    from charlc import emit

    options = session.options
    if options.emit == "exe":
        from runtime.native import RuntimeBuildError

        try:
            with session.timings.measure("llvm + link"):
                emit.link_executable(ir_text, options.opt_level, Path(destination))
        except (emit.LinkError, RuntimeBuildError) as e:
            session.err.write(f"charlc: error: {e}\n")
            return EXIT_USER_ERROR
        return EXIT_OK
    with session.timings.measure("llvm"):
        data = emit.object_code(ir_text, options.opt_level)
    if destination == "-":
        out.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    try:
        Path(destination).write_bytes(data)
    except OSError as e:
        raise UsageError(f"cannot write '{destination}': {e.strerror}") from None
    return EXIT_OK


def _compile_chunk(
    session: Session, source: Source, language: str, passes: list[ModulePass], log: RemarkLog
) -> tuple[str, bool]:
    """The printed result of one chunk (MLIR, LLVM IR or assembly; LLVM IR for `--emit=obj|exe`)
    and True, or "" and False after reporting a user's error. The chunk's remarks (`log`) go to
    stderr after its warnings."""
    err = session.err
    try:
        module = compile_in(session, source, language, passes)
        if session.options.emit == "plan":
            return log.plan_text(), True
        return _render(session, module), True
    except CharlError as e:
        err.write(render(source, e) + "\n")
    except IRError as e:
        err.write(e.text + "\n")
    except PassFailedException as e:
        err.write(f"{source.path}: error: {e}\n")
    except NotLoweredError as e:
        err.write(f"{source.path}: error: {e}\n")
    finally:
        log.plans.clear()
        for warning in session.diagnostics.warnings:
            err.write(render(source, warning) + "\n")
        session.diagnostics.warnings.clear()
        for line in log.drain(source):
            err.write(line + "\n")
    return "", False


@dataclass
class RemarkLog:
    """The optimization remarks passes report during a compilation (`--remarks`), until rendered."""

    remarks: list[Remark] = field(default_factory=list["Remark"])
    plans: list[FunctionPlan] = field(default_factory=list["FunctionPlan"])
    """The memory plans `charl-plan-memory` reported (`--emit=plan`), one per function."""

    def add(self, remark: Remark) -> None:
        """The sink given to the passes."""
        self.remarks.append(remark)

    def plan_text(self) -> str:
        """The plans so far as `--emit=plan` prints them."""
        from passes._plan_report import render

        return "\n".join(render(p) for p in self.plans)

    def drain(self, source: Source) -> list[str]:
        """The remarks so far, rendered against `source` (`file:line:col: remark: ...`, the source
        line and a caret), and forgotten."""
        lines = [render_remark(source, r) for r in self.remarks]
        self.remarks.clear()
        return lines


def render_remark(source: Source, remark: Remark) -> str:
    """`remark` as the driver prints it: like a warning when it is located in `source`."""
    if remark.path is None:
        return f"{source.path}: remark: {remark.message}"
    if remark.path != source.path:
        return str(remark)
    span = Span(remark.line, remark.col, remark.line, remark.col)
    return render(source, CharlError(span, remark.message, kind="remark"))


def with_remarks(passes: list[ModulePass], options: Options, log: RemarkLog) -> list[ModulePass]:
    """`passes`, `linalg-fuse-elementwise` reporting to `log` where `--remarks=fusion` asks for its
    remarks or the `-p` pipeline turned them on (`linalg-fuse-elementwise{remarks=true}`), and
    `charl-plan-memory` reporting its plans to `log`."""
    from passes.charl_plan_memory import reporting_to
    from passes.linalg_fuse_elementwise import LinalgFuseElementwisePass

    def hooked(p: ModulePass) -> ModulePass:
        if isinstance(p, LinalgFuseElementwisePass) and (p.remarks or "fusion" in options.remarks):
            return replace(p, remarks=True, report=log.add)
        return p

    return reporting_to([hooked(p) for p in passes], log.plans.append)


def print_run_remarks(source: Source, options: Options, err: TextIO) -> None:
    """`charlc run --remarks=...`: the remarks of compiling `source` to the linalg stage, printed to
    `err`. A compilation of its own, so that they are printed also when the program comes from the
    cache (no pass runs then)."""
    from passes import available_passes

    log = RemarkLog()
    specs = passes_through(options.target, Stage.LINALG, options)
    passes = with_remarks(parse_pass_pipeline(",".join(specs), available_passes()), options, log)
    compile_in(Session(options, err=err), source, "charl", passes)
    for line in log.drain(source):
        err.write(line + "\n")


def _render(session: Session, module: ModuleOp) -> str:
    """`module` as the text `--emit` asks for."""
    from charlc import emit

    options = session.options
    if options.emit == "mlir":
        return print_ir(module, options)
    if options.emit == "wgsl":
        from charlc.wgsl_plan import wgsl_listing

        return wgsl_listing(module)
    with session.timings.measure("llvm-ir"):
        text = emit.llvm_ir(module)
    if options.emit != "asm":
        return text
    with session.timings.measure("llvm"):
        return emit.assembly(text, options.opt_level)


def _write_output(text: str, output: str | None, out: TextIO) -> None:
    if output is None or output == "-":
        out.write(text)
        out.flush()
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write '{output}': {e.strerror}") from None


def passes_command(out: TextIO | None = None) -> int:
    """`charlc passes`: every registered pass with the first line of its documentation."""
    from passes import available_passes, summary

    out = out or sys.stdout
    registry = available_passes()
    width = max(len(name) for name in registry)
    for name in sorted(registry):
        out.write(f"{name:<{width}}  {summary(registry[name])}\n")
    return EXIT_OK


def run_command(
    path: str,
    options: Options,
    *,
    quantize: str | None = None,
    stats: bool = False,
    cache: Cache | None = None,
    err: TextIO | None = None,
) -> int:
    """`charlc run FILE.ch`: compile through the target stage (or load from `cache`), run the
    top-level statements and flush their output.

    A compile error exits 1, located; a run-time error is reported by the C runtime, which exits 1.
    `stats` prints the time of each compile phase, the run time and the kernel count to `err`.
    `quantize` (int8 or int4) is `options.quantize`: every model the program creates is quantized.
    """
    err = err or sys.stderr
    check_target(options.target)
    if quantize is not None:
        options = replace(options, quantize=quantize)
    if language_of(path, Options(language="charl" if path == "-" else None)) != "charl":
        raise UsageError(f"charlc run takes a Charl source (.ch, .charl), not '{path}'")
    require_stages("charlc run", options.target, Stage.TARGET)
    source = read_input(path)
    from charlc.run import load_source

    def compile_program() -> Program:
        if options.remarks:
            print_run_remarks(source, options, err)
        return load_source(source, options, cache=cache)

    program = reporting_errors(source, err, compile_program)
    if program is None:
        return EXIT_USER_ERROR
    for warning in program.warnings:
        err.write(warning + "\n")
    sys.stdout.flush()
    err.flush()
    program.run()
    if stats:
        err.write(stats_table(program, cache is not None) + "\n")
    return EXIT_OK


def reporting_errors(source: Source, err: TextIO, action: Callable[[], T]) -> T | None:
    """`action()` (compiling `source`), or None after writing the program's compile error to `err`:
    located for a mistake in the program, one line when the C runtime does not build."""
    from runtime.native import RuntimeBuildError

    try:
        return action()
    except CharlError as e:
        err.write(render(source, e) + "\n")
    except PassFailedException as e:
        err.write(f"{source.path}: error: {e}\n")
    except RuntimeBuildError as e:
        err.write(f"charlc: error: {e}\n")
    return None


def stats_table(program: Program, cached: bool) -> str:
    """`--stats`: wall time of each compile phase and of the run, the kernel count, the memory plan,
    on the gpu the runtime's counters (launches, dispatches, submits, transfers), the cache."""
    rows = program.timings.rows
    compile_rows = {k: v for k, v in rows.items() if k != "run"}
    width = max(len("compile total"), *(len(k) for k in rows))
    lines = ["charlc run: statistics (wall ms)"]
    lines += [f"  {name:<{width}}  {ms:>10.2f}" for name, ms in compile_rows.items()]
    lines.append(f"  {'compile total':<{width}}  {sum(compile_rows.values()):>10.2f}")
    lines.append(f"  {'run':<{width}}  {rows.get('run', 0.0):>10.2f}")
    lines.append(f"  kernels: {program.kernels} (linalg ops at the linalg stage)")
    lines += [f"  memory {line}" for line in program.memory]
    gpu = program.jit.gpu
    if gpu is not None:
        lines.append(
            f"  gpu: {gpu.launches} launches, {gpu.dispatches} dispatches, {gpu.submits} submits,"
            f" {gpu.uploads} uploads, {gpu.readbacks} read-backs, {gpu.hook_calls} runtime calls into Python"
        )
    cache = ("hit" if program.cache_hit else "miss") if cached else "off"
    lines.append(f"  cache: {cache}")
    return "\n".join(lines)


def import_torch_command(path: str, model: str, state: str, output: str, out: TextIO | None = None) -> int:
    """`charlc import-torch FILE STATE --model M -o OUT`: a PyTorch state dict as `load`'s `.npz`."""
    from charlc.torch_import import import_torch

    out = out or sys.stdout
    source = read_input(path)
    try:
        lines = import_torch(source, model, Path(state), Path(output))
    except CharlError as e:
        sys.stderr.write(render(source, e) + "\n")
        return EXIT_USER_ERROR
    out.write("".join(f"{line}\n" for line in lines) + f"wrote {output}\n")
    return EXIT_OK
