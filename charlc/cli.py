"""The `charlc` command line (typer).

    charlc FILE [options]        compile (short for `charlc compile FILE`)
    charlc run FILE.ch           compile and execute
    charlc quant-report FILE.ch  per-layer error of quantized against float32
    charlc passes                list the passes

Click's own usage errors (an unknown flag, a bad choice) are printed as one `charlc: error:` line
with exit status 2, like charlc's.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from typing import Annotated

import typer

from charlc import driver
from charlc.cache import CACHE_ENV, Cache
from charlc.options import Options, parse_size
from charlc.pipeline import Stage

COMMANDS = ("compile", "run", "quant-report", "passes", "import-torch")


class EmitKind(StrEnum):
    """`--emit` values (the stage table's `EMIT_KINDS`, spelled as typer wants a choice)."""

    mlir = "mlir"
    llvm = "llvm"
    asm = "asm"
    obj = "obj"
    exe = "exe"
    wgsl = "wgsl"
    plan = "plan"


class TargetName(StrEnum):
    """`--target` values (the stage table's `TARGETS`)."""

    cpu = "cpu"
    gpu = "gpu"


class LanguageName(StrEnum):
    """`-x` values (`LANGUAGES`)."""

    charl = "charl"
    mlir = "mlir"


class QuantizeKind(StrEnum):
    """`charlc run --quantize` values (`QUANTIZE_KINDS`)."""

    int8 = "int8"
    int4 = "int4"


class RemarkKind(StrEnum):
    """`--remarks` values (`REMARK_KINDS`)."""

    fusion = "fusion"


OptLevel = Annotated[
    int,
    typer.Option("-O", "--opt-level", min=0, max=3, metavar="0-3", help="LLVM optimization level (-O0 .. -O3)"),
]
Quantize = Annotated[
    QuantizeKind | None,
    typer.Option(help="quantize every model the program creates (int4: one scale per 32 weights unless --group)"),
]
Group = Annotated[
    int | None,
    typer.Option("--group", metavar="G", help="with --quantize: one scale per G consecutive input weights"),
]
NoBoundsChecks = Annotated[
    bool, typer.Option("--no-bounds-checks", help="omit the run-time checks of indices and slices")
]
Remarks = Annotated[
    list[RemarkKind] | None,
    typer.Option(
        "--remarks",
        metavar="KIND",
        help="print optimization remarks to stderr; fusion: one per producer/consumer pair, fused or not, with why",
    ),
]

MaxMemory = Annotated[
    str | None,
    typer.Option(
        "--max-memory",
        metavar="SIZE",
        help="fail when a function's planned memory peak exceeds SIZE (bytes, or 512K, 64M, 2G)",
    ),
]

app = typer.Typer(
    name="charlc",
    help=(
        "charlc, the compiler of the Charl language.\n\n"
        "`charlc FILE [OPTIONS]` is short for `charlc compile FILE [OPTIONS]`: FILE is a Charl source "
        "(.ch, .charl) or MLIR (.mlir); `-` reads standard input. `charlc compile --help` lists the options."
    ),
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _names(values: list[str]) -> tuple[str, ...]:
    """Pass names from repeated and comma-separated option values."""
    return tuple(n.strip() for v in values for n in v.split(",") if n.strip())


@app.command("compile")
def compile_(
    file: Annotated[str, typer.Argument(metavar="FILE", help="a .ch/.charl source or .mlir file; - is stdin")],
    emit: Annotated[EmitKind, typer.Option(help="what to produce")] = EmitKind.mlir,
    stop_after: Annotated[
        Stage | None,
        typer.Option(help="stop after this stage (with --emit=mlir)"),
    ] = None,
    output: Annotated[
        str | None, typer.Option("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    ] = None,
    target: Annotated[
        TargetName | None,
        typer.Option(help="code generation target (default: gpu for --emit=wgsl, else cpu)"),
    ] = None,
    pipeline: Annotated[
        str | None,
        typer.Option(
            "-p", "--pass-pipeline", metavar="PIPELINE", help="run exactly these passes: PASS,PASS{opt=v other=w}"
        ),
    ] = None,
    language: Annotated[
        LanguageName | None,
        typer.Option("-x", "--language", help="input language (default: from FILE's suffix; stdin is mlir)"),
    ] = None,
    split_input_file: Annotated[
        bool, typer.Option("--split-input-file", help="process each `// -----` chunk of FILE independently")
    ] = False,
    print_ir_after_all: Annotated[bool, typer.Option("--print-ir-after-all", help="dump IR after every pass")] = False,
    print_ir_after: Annotated[list[str] | None, typer.Option(metavar="PASS", help="dump IR after PASS")] = None,
    print_ir_before: Annotated[list[str] | None, typer.Option(metavar="PASS", help="dump IR before PASS")] = None,
    time_passes: Annotated[bool, typer.Option("--time-passes", help="print time per phase and pass")] = False,
    verify_each: Annotated[bool, typer.Option("--verify-each", help="verify IR after every pass")] = False,
    mlir_print_debuginfo: Annotated[bool, typer.Option("--mlir-print-debuginfo", help="print op locations")] = False,
    mlir_print_op_generic: Annotated[
        bool, typer.Option("--mlir-print-op-generic", help="print ops in generic form")
    ] = False,
    opt_level: OptLevel = 3,
    no_bounds_checks: NoBoundsChecks = False,
    remarks: Remarks = None,
    max_memory: MaxMemory = None,
) -> int:
    """Compile FILE and print the IR (default --emit=mlir: up to the last stage charlc has);
    --emit=plan prints each function's memory plan."""
    options = Options(
        emit=emit.value,
        target=target.value if target else ("gpu" if emit.value == "wgsl" else "cpu"),
        stop_after=stop_after,
        pipeline=pipeline,
        output=output,
        language=language.value if language else None,
        split_input_file=split_input_file,
        print_ir_after_all=print_ir_after_all,
        print_ir_after=_names(print_ir_after or []),
        print_ir_before=_names(print_ir_before or []),
        time_passes=time_passes,
        verify_each=verify_each,
        print_debuginfo=mlir_print_debuginfo,
        print_op_generic=mlir_print_op_generic,
        opt_level=opt_level,
        bounds_checks=not no_bounds_checks,
        remarks=tuple(dict.fromkeys(k.value for k in remarks or [])),
    )
    return driver.guarded(lambda: driver.compile_command(file, with_limit(options, max_memory)))


@app.command("run")
def run(
    file: Annotated[str, typer.Argument(metavar="FILE", help="a Charl source (.ch, .charl)")],
    target: Annotated[TargetName, typer.Option(help="where to run")] = TargetName.cpu,
    quantize: Quantize = None,
    group: Group = None,
    stats: Annotated[
        bool,
        typer.Option(
            "--stats", help="print compile time per phase, run time, kernel count and memory plan peaks to stderr"
        ),
    ] = False,
    opt_level: OptLevel = 3,
    no_bounds_checks: NoBoundsChecks = False,
    remarks: Remarks = None,
    max_memory: MaxMemory = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache", help=f"compile from scratch and store nothing (cache: ${CACHE_ENV} or ~/.cache/charl)"
        ),
    ] = False,
) -> int:
    """Compile FILE for a target and run its top-level statements."""
    cache = None if no_cache else Cache.from_environment()

    def command() -> int:
        options = Options(
            target=target.value,
            opt_level=opt_level,
            bounds_checks=not no_bounds_checks,
            remarks=tuple(dict.fromkeys(k.value for k in remarks or [])),
            quantize=quantize.value if quantize else None,
            quantize_group=group,
        )
        return driver.run_command(file, with_limit(options, max_memory), stats=stats, cache=cache)

    return driver.guarded(command)


def with_limit(options: Options, max_memory: str | None) -> Options:
    """`options` with `--max-memory` (a `UsageError` when SIZE is not a size)."""
    return options if max_memory is None else replace(options, max_memory=parse_size(max_memory))


@app.command("quant-report")
def quant_report(
    file: Annotated[str, typer.Argument(metavar="FILE", help="a Charl source (.ch, .charl)")],
    quantize: Annotated[QuantizeKind, typer.Option(help="the quantization to measure")] = QuantizeKind.int8,
    group: Group = None,
    opt_level: OptLevel = 3,
) -> int:
    """Run FILE as written and with --quantize, and print each dense layer's and each model's error
    (relative L2 and max abs) of the quantized against the float32 values, on the program's inputs."""
    from charlc.quant_report import report_command

    return driver.guarded(
        lambda: report_command(file, Options(opt_level=opt_level, quantize=quantize.value, quantize_group=group))
    )


@app.command("passes")
def passes() -> int:
    """List every pass with its one-line description."""
    return driver.guarded(driver.passes_command)


@app.command("import-torch")
def import_torch(
    file: Annotated[str, typer.Argument(metavar="FILE", help="the Charl source declaring the model")],
    state: Annotated[str, typer.Argument(metavar="STATE", help="a torch.save'd state_dict (.pt) or an .npz")],
    model: Annotated[str, typer.Option("--model", "-m", help="the model: Mlp, or Linear(4, 8) with arguments")],
    output: Annotated[str, typer.Option("-o", "--output", metavar="OUT", help="the .npz to write")],
) -> int:
    """Convert a PyTorch state_dict of the same architecture into the .npz that load(Model, path) reads."""
    return driver.guarded(lambda: driver.import_torch_command(file, model, state, output))


def dispatch(argv: list[str]) -> list[str]:
    """`charlc FILE ...` -> `charlc compile FILE ...`; subcommands and help go through as they are."""
    if not argv or argv[0] in COMMANDS or argv[0] in ("-h", "--help"):
        return argv
    return ["compile", *argv]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `charlc` console script and of `python -m charlc`; returns the exit status."""
    args = dispatch(sys.argv[1:] if argv is None else list(argv))
    if not args:
        sys.stderr.write("charlc: error: no input file; `charlc --help` shows the usage\n")
        return driver.EXIT_USAGE
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="charlc", standalone_mode=False)
    except typer.TyperException as e:
        sys.stderr.write(f"charlc: error: {e.format_message().replace('Value error, ', '')}\n")
        return driver.EXIT_USAGE
    except typer.Abort:
        sys.stderr.write("charlc: interrupted\n")
        return 130
    return result if isinstance(result, int) else driver.EXIT_OK
