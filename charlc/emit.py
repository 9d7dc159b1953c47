"""The CPU products of a compilation: LLVM IR text, assembly, an object file, a native executable.

`--emit=llvm` prints the LLVM IR that `convert-to-llvm` produced (what charlc hands to LLVM, before
LLVM's optimizations, so that any LLVM of version 19 or later reads it). `--emit=asm` and
`--emit=obj` optimize it at `-O0..-O3` (default `-O3`) for the host CPU through llvmlite's target
machine. `--emit=exe` links that object with the C runtime's objects and a C `main` that calls the
program's entry (renamed `charl_main`) and flushes the output, with the system C compiler.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import ModuleOp

if TYPE_CHECKING:
    import llvmlite.binding as llvm

ENTRY = "main"
"""The function irgen makes of a program's top-level statements."""

NATIVE_ENTRY = "charl_main"
"""The entry's name in an executable (C's `main` calls it)."""

C_MAIN = f"""\
/* The entry point of a Charl executable: runs the program, then flushes its output. */
extern void {NATIVE_ENTRY}(void);
extern void charl_rt_flush(void);

int main(void) {{
    {NATIVE_ENTRY}();
    charl_rt_flush();
    return 0;
}}
"""


class LinkError(Exception):
    """The C compiler could not build or link the executable (its output is in the message)."""


class NotLoweredError(Exception):
    """`--emit=llvm|asm|obj|exe` of a module that still holds ops other than llvm ones."""

    def __init__(self, op_name: str) -> None:
        super().__init__(
            f"--emit=llvm and later need a module of llvm ops only, but it holds `{op_name}`; "
            "lower it first (on MLIR input: -p ...,convert-to-llvm)"
        )


def llvm_ir(module: ModuleOp) -> str:
    """The LLVM IR text of an llvm-dialect module (the output of `convert-to-llvm`)."""
    from passes._llvm_emit import to_llvm_ir

    for op in module.walk():
        if op is not module and not op.name.startswith("llvm."):
            raise NotLoweredError(op.name)
    return to_llvm_ir(module)


def target_machine(opt_level: int, *, jit: bool = False) -> llvm.TargetMachine:
    """llvmlite's target machine for the host CPU and its features at `opt_level`: position
    independent code for files (`jit` false), the JIT's code model otherwise."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    cpu, features = llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()
    if jit:
        return target.create_target_machine(cpu=cpu, features=features, opt=opt_level, codemodel="jitdefault")
    return target.create_target_machine(cpu=cpu, features=features, opt=opt_level, reloc="pic", codemodel="default")


def optimized(ir_text: str, opt_level: int, tm: llvm.TargetMachine) -> llvm.ModuleRef:
    """`ir_text` parsed, verified and optimized at `opt_level` for `tm` (vectorizers on)."""
    import llvmlite.binding as llvm

    module = llvm.parse_assembly(ir_text)
    module.triple = llvm.get_process_triple()
    module.data_layout = str(tm.target_data)
    module.verify()
    tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
    tuning.loop_vectorization = opt_level > 1
    tuning.slp_vectorization = opt_level > 1
    builder = llvm.create_pass_builder(tm, tuning)
    builder.getModulePassManager().run(module, builder)
    return module


def native_module(ir_text: str, opt_level: int, *, executable: bool) -> tuple[llvm.ModuleRef, llvm.TargetMachine]:
    """The optimized module and its target machine. For an executable, the entry is renamed
    `charl_main` and every other defined function made internal, so that no Charl function can
    clash with a symbol of the C library or the runtime."""
    tm = target_machine(opt_level)
    module = optimized(ir_text, opt_level, tm)
    if executable:
        if all(fn.name != ENTRY or fn.is_declaration for fn in module.functions):
            raise LinkError(f"--emit=exe needs a program with an entry function `{ENTRY}`")
        for fn in module.functions:
            if fn.is_declaration:
                continue
            if fn.name == ENTRY:
                fn.name = NATIVE_ENTRY
            else:
                fn.linkage = "internal"
    return module, tm


def assembly(ir_text: str, opt_level: int) -> str:
    """The host's assembly for `ir_text`."""
    module, tm = native_module(ir_text, opt_level, executable=False)
    return str(tm.emit_assembly(module))


def object_code(ir_text: str, opt_level: int, *, executable: bool = False) -> bytes:
    """An ELF (or the host's) object file for `ir_text`."""
    module, tm = native_module(ir_text, opt_level, executable=executable)
    return bytes(tm.emit_object(module))


def link_executable(ir_text: str, opt_level: int, output: Path) -> None:
    """Compiles `ir_text` and links it into the executable `output` with the C runtime.

    Raises `LinkError` when there is no entry or linking fails, `runtime.native.RuntimeBuildError`
    when no C compiler is installed or the runtime does not build.
    """
    from charlc.run import runtime_directory
    from runtime.native import NativeRuntime, find_compiler

    compiler = os.environ.get("CC") or find_compiler()
    library = NativeRuntime(runtime_directory(), compiler=compiler).build()
    with tempfile.TemporaryDirectory(prefix="charlc-") as tmp:
        program = Path(tmp) / "program.o"
        program.write_bytes(object_code(ir_text, opt_level, executable=True))
        entry = Path(tmp) / "main.c"
        entry.write_text(C_MAIN, encoding="utf-8")
        command = [compiler, "-O2", "-o", str(output), str(entry), str(program), *library.link_inputs()]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LinkError(f"linking '{output}' failed: {' '.join(command)}\n{done.stderr.strip()}")
