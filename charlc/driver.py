"""The commands behind the CLI: read inputs, compile them, print results and diagnostics, and turn
every outcome into an exit status.

Exit statuses: 0 success; 1 a user's error (a `CharlError`, MLIR that does not parse or verify, a
pass that rejects its input); 2 a usage error; 70 an internal error (a bug in charlc).
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from charlc.api import IRError, Session, compile_in, plan, print_ir
from charlc.diagnostics import CharlError, Source, render
from charlc.options import Options, UsageError, language_of
from charlc.pipeline import Stage, check_target, require_stages

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
    """`charlc FILE [options]`: compile FILE (or each chunk of it) and print the result."""
    out, err = out or sys.stdout, err or sys.stderr
    language = language_of(path, options)
    passes = plan(options, language)
    source = read_input(path)
    session = Session(options, err=err)
    chunks = split_input(source) if options.split_input_file else [source]
    status, outputs = EXIT_OK, []
    for chunk in chunks:
        text, ok = _compile_chunk(session, chunk, language, passes)
        outputs.append(text)
        status = status if ok else EXIT_USER_ERROR
    if status == EXIT_OK or options.split_input_file:
        _write_output(OUTPUT_SEPARATOR.join(outputs), options.output, out)
    if options.time_passes:
        err.write(session.timings.table() + "\n")
    return status


def _compile_chunk(session: Session, source: Source, language: str, passes: list[ModulePass]) -> tuple[str, bool]:
    """The printed module of one chunk and True, or "" and False after reporting a user's error."""
    err = session.err
    try:
        module = compile_in(session, source, language, passes)
        return print_ir(module, session.options), True
    except CharlError as e:
        err.write(render(source, e) + "\n")
    except IRError as e:
        err.write(e.text + "\n")
    except PassFailedException as e:
        err.write(f"{source.path}: error: {e}\n")
    finally:
        for warning in session.diagnostics.warnings:
            err.write(render(source, warning) + "\n")
        session.diagnostics.warnings.clear()
    return "", False


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


QUANTIZE_KINDS = ("int8", "int4")


def run_command(path: str, target: str, quantize: str | None, stats: bool) -> int:
    """`charlc run FILE.ch`: compile through the target stage and execute the program.

    Refused (a usage error naming the missing stage) while the stage table stops before `target`.
    """
    check_target(target)
    if quantize is not None and quantize not in QUANTIZE_KINDS:
        raise UsageError(f"unknown quantization '{quantize}'; use --quantize=int8 or --quantize=int4")
    if language_of(path, Options(language="charl" if path == "-" else None)) != "charl":
        raise UsageError(f"charlc run takes a Charl source (.ch, .charl), not '{path}'")
    require_stages("charlc run", target, Stage.TARGET)
    read_input(path)
    raise UsageError(f"charlc run: no runtime is available for --target={target} in this version of charlc")
