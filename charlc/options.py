"""The options of one compilation, as a value: the CLI builds one, the Python API takes one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charlc.pipeline import Stage

CHARL_SUFFIXES: tuple[str, ...] = (".ch", ".charl")
MLIR_SUFFIXES: tuple[str, ...] = (".mlir",)
LANGUAGES: tuple[str, ...] = ("charl", "mlir")
OPT_LEVELS: tuple[int, ...] = (0, 1, 2, 3)
QUANTIZE_KINDS: tuple[str, ...] = ("int8", "int4")
"""`--quantize` kinds: every model the program creates is quantized to int8 or int4 (LANGUAGE.md 11)."""
REMARK_KINDS: tuple[str, ...] = ("fusion",)
"""`--remarks` kinds: `fusion` is one remark per producer/consumer pair of `linalg-fuse-elementwise`."""


class UsageError(Exception):
    """The command line asks for something charlc cannot do (exit status 2, one line)."""


@dataclass(frozen=True)
class Options:
    """Everything that decides what one compilation does and prints.

    `pipeline` is a `-p` pass pipeline (`cse,canonicalize`, `pass{opt=v}`); when set it replaces the
    stage table. `language` overrides the input's suffix (`charl` or `mlir`). The `print_ir_*`
    fields name passes; the dumps go to stderr. `opt_level` (0-3) is LLVM's optimization level for
    the CPU products (`charlc run`, `--emit=llvm|asm|obj|exe` optimize at it); `bounds_checks` off
    (`--no-bounds-checks`) makes `convert-charl-to-linalg` omit run-time index checks. `remarks`
    names the optimization remarks to print to stderr (`REMARK_KINDS`). `quantize` (`--quantize`)
    makes every model the program creates (constructor call or `load`) a `quantize(m, int8|int4,
    group: quantize_group)` of itself; `capture` (for `charlc quant-report`) is a folder into
    which the program saves each dense layer's input, weight and product and each model's output.
    """

    emit: str = "mlir"
    target: str = "cpu"
    stop_after: Stage | None = None
    pipeline: str | None = None
    output: str | None = None
    language: str | None = None
    split_input_file: bool = False
    print_ir_after_all: bool = False
    print_ir_after: tuple[str, ...] = ()
    print_ir_before: tuple[str, ...] = ()
    time_passes: bool = False
    verify_each: bool = False
    print_debuginfo: bool = False
    print_op_generic: bool = False
    opt_level: int = 3
    bounds_checks: bool = True
    remarks: tuple[str, ...] = ()
    max_memory: int = 0
    """`--max-memory` in bytes (0: no limit): a larger planned peak is a compile error."""
    quantize: str | None = None
    quantize_group: int | None = None
    capture: str | None = None

    def __post_init__(self) -> None:
        if self.opt_level not in OPT_LEVELS:
            raise UsageError(f"unknown optimization level -O{self.opt_level}; use -O0, -O1, -O2 or -O3")
        for kind in self.remarks:
            if kind not in REMARK_KINDS:
                raise UsageError(f"unknown remark kind '--remarks={kind}'; the kinds are: {', '.join(REMARK_KINDS)}")
        if self.quantize is not None and self.quantize not in QUANTIZE_KINDS:
            raise UsageError(f"unknown quantization '{self.quantize}'; use --quantize=int8 or --quantize=int4")
        if self.quantize_group is not None:
            if self.quantize is None:
                raise UsageError("--group is the group size of --quantize; add --quantize=int8 or --quantize=int4")
            if self.quantize_group <= 0:
                raise UsageError(f"--group must be positive, got {self.quantize_group}")


SIZE_SUFFIXES: dict[str, int] = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
"""`--max-memory` suffixes: `512K`, `64M`, `2G` (powers of 1024, a trailing `B` or `iB` allowed)."""


def parse_size(text: str) -> int:
    """The bytes `text` names (`512K`, `64M`, `2G`, `1.5G`, `1000`); a `UsageError` otherwise."""
    spelled = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, suffix = (spelled[:-1], spelled[-1]) if spelled[-1:] in "KMG" and spelled else (spelled, "")
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"invalid size '{text}'; write bytes, or a number with K, M or G (512K, 64M, 2G)") from None
    if not 0 < value < float(1 << 62):
        raise UsageError(f"invalid size '{text}': it must be a positive number of bytes")
    return int(value * SIZE_SUFFIXES[suffix])


def language_of(path: str, options: Options) -> str:
    """`charl` or `mlir`: `options.language` when given, else from the suffix of `path`.

    Standard input (`-`) is MLIR unless `-x charl` says otherwise, as for `mlir-opt`.
    """
    if options.language is not None:
        if options.language not in LANGUAGES:
            raise UsageError(f"unknown input language '{options.language}'; use -x charl or -x mlir")
        return options.language
    if path == "-":
        return "mlir"
    suffix = PurePath(path).suffix
    if suffix in CHARL_SUFFIXES:
        return "charl"
    if suffix in MLIR_SUFFIXES:
        return "mlir"
    known = ", ".join(CHARL_SUFFIXES + MLIR_SUFFIXES)
    raise UsageError(f"cannot tell the language of '{path}' from its suffix ({known}); use -x charl or -x mlir")
