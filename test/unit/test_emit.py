"""`--emit=llvm|asm|obj|exe`: LLVM IR text, the host's assembly, an object file, and a native
executable that runs without Python and prints exactly what `charlc run` prints (checked for every
runnable example).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_examples import WITH_NUMPY

import charlc.emit as emit

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """\
fn sq(x: tensor<float32, [3]>) -> tensor<float32, [3]> { return x * x }
fn main() -> int32 { return 7 }
print("squares", sq([1.0, 2.0, 3.0]), main())
"""
EXPECTED = "squares [1. 4. 9.] 7\n"


def charlc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CHARL_CACHE_DIR": str(cwd / "cache"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "charlc", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=300
    )


@pytest.fixture()
def program(tmp_path: Path) -> Path:
    path = tmp_path / "prog.ch"
    path.write_text(PROGRAM)
    return path


def test_emit_llvm_is_llvm_ir_text(program: Path, tmp_path: Path) -> None:
    r = charlc(str(program), "--emit=llvm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'define void @"main"()' in r.stdout
    assert 'declare void @"charl_rt_print_str"' in r.stdout
    import llvmlite.binding as llvm

    llvm.parse_assembly(r.stdout).verify()


def test_emit_llvm_is_the_same_at_every_level(program: Path, tmp_path: Path) -> None:
    """`--emit=llvm` prints what LLVM is given; `-O` applies to asm, obj, exe and run."""
    outputs = {charlc(str(program), "--emit=llvm", f"-O{n}", cwd=tmp_path).stdout for n in (0, 3)}
    assert len(outputs) == 1


def test_emit_asm(program: Path, tmp_path: Path) -> None:
    fast = charlc(str(program), "--emit=asm", cwd=tmp_path)
    slow = charlc(str(program), "--emit=asm", "-O0", cwd=tmp_path)
    assert fast.returncode == 0 and slow.returncode == 0, fast.stderr + slow.stderr
    for out in (fast.stdout, slow.stdout):
        assert "\nmain:" in out and "charl_rt_print_str" in out
    assert fast.stdout != slow.stdout


def test_emit_obj_default_and_named_output(program: Path, tmp_path: Path) -> None:
    r = charlc(str(program), "--emit=obj", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    data = (tmp_path / "prog.o").read_bytes()
    assert data[:4] == b"\x7fELF"
    named = tmp_path / "other.o"
    assert charlc(str(program), "--emit=obj", "-o", str(named), cwd=tmp_path).returncode == 0
    nm = subprocess.run(["nm", str(named)], capture_output=True, text=True, check=False)
    if nm.returncode == 0:
        assert " T main" in nm.stdout and " U charl_rt_print_str" in nm.stdout


def test_emit_exe_runs_without_python(program: Path, tmp_path: Path) -> None:
    r = charlc(str(program), "--emit=exe", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    exe = tmp_path / "prog"
    assert exe.is_file() and os.access(exe, os.X_OK)
    done = subprocess.run([str(exe)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0 and done.stdout == EXPECTED and done.stderr == ""
    assert charlc("run", str(program), cwd=tmp_path).stdout == EXPECTED


def test_emit_exe_at_O0_and_named(program: Path, tmp_path: Path) -> None:
    out = tmp_path / "bin" / "fast"
    out.parent.mkdir()
    assert charlc(str(program), "--emit=exe", "-O0", "-o", str(out), cwd=tmp_path).returncode == 0
    assert subprocess.run([str(out)], capture_output=True, text=True, timeout=60).stdout == EXPECTED


def test_exe_reports_runtime_errors_like_run(tmp_path: Path) -> None:
    path = tmp_path / "oob.ch"
    path.write_text("let x = [1, 2]\nfor i in 0..3 { print(x[i]) }\n")
    assert charlc(str(path), "--emit=exe", "-o", str(tmp_path / "oob"), cwd=tmp_path).returncode == 0
    exe = subprocess.run([str(tmp_path / "oob")], capture_output=True, text=True, timeout=60)
    jit = charlc("run", str(path), cwd=tmp_path)
    assert exe.returncode == jit.returncode == 1
    assert exe.stdout == jit.stdout == "1\n2\n"
    assert exe.stderr == jit.stderr == f"{path}:2:23: runtime error: index 2 is out of range for axis 0 of size 2\n"


@pytest.mark.parametrize("example", WITH_NUMPY, ids=lambda p: p.name)
def test_example_executable_prints_what_run_prints(example: Path, tmp_path: Path) -> None:
    exe = tmp_path / example.stem
    built = charlc(str(example), "--emit=exe", "-o", str(exe), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    native = subprocess.run([str(exe)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    jit = charlc("run", str(example), cwd=tmp_path)
    assert native.returncode == jit.returncode == 0, native.stderr + jit.stderr
    assert native.stdout == jit.stdout and native.stdout


def test_binary_emits_refuse_split_input_and_stdin_without_output(tmp_path: Path) -> None:
    path = tmp_path / "p.ch"
    path.write_text(PROGRAM)
    r = charlc(str(path), "--emit=obj", "--split-input-file", cwd=tmp_path)
    assert r.returncode == 2 and "--split-input-file cannot be combined with --emit=obj" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "charlc", "-", "-x", "charl", "--emit=exe"],
        input=PROGRAM,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "needs -o OUT" in r.stderr


def test_emit_llvm_of_mlir_input(tmp_path: Path) -> None:
    mlir = tmp_path / "f.mlir"
    mlir.write_text("func.func @twice(%x: f64) -> f64 {\n  %y = arith.addf %x, %x : f64\n  func.return %y : f64\n}\n")
    r = charlc(str(mlir), "--emit=llvm", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith(f"{mlir}: error: --emit=llvm and later need a module of llvm ops only")
    r = charlc(str(mlir), "--emit=llvm", "-p", "convert-to-llvm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'define double @"twice"(double' in r.stdout


def test_executable_keeps_charl_functions_private() -> None:
    text = 'define i32 @"write"(i32 %x) {\n  ret i32 %x\n}\ndefine void @"main"() {\n  ret void\n}\n'
    import llvmlite.binding as llvm

    module, _ = emit.native_module(text, 0, executable=True)
    linkage = {fn.name: llvm.Linkage(fn.linkage) for fn in module.functions}
    assert linkage == {"charl_main": llvm.Linkage.external, "write": llvm.Linkage.internal}
    with pytest.raises(emit.LinkError, match="entry function"):
        emit.native_module('define void @"f"() {\n  ret void\n}\n', 0, executable=True)


@pytest.mark.parametrize("flag", ["-O4", "-O-1", "-Ox", "--opt-level=9"])
def test_bad_optimization_levels_are_usage_errors(tmp_path: Path, flag: str) -> None:
    r = charlc(write(tmp_path, "p.ch", PROGRAM), "--emit=llvm", flag, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("charlc: error: ") and r.stderr.count("\n") == 1


def test_optimization_levels_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "p.ch", PROGRAM)
    for flag in ("-O0", "-O1", "-O2", "-O3", "--opt-level=2"):
        r = charlc(path, "--emit=asm", flag, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "main:" in r.stdout


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)
