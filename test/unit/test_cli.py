"""The `charlc` command line: exit statuses, diagnostics, stages, refusals and debugging flags.

Most tests run `python -m charlc` in a subprocess, as a user would; the internal-error path and pass
options (which need a pass with options in the registry) run in-process.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

import passes
from charlc import api, cli, driver, pipeline
from charlc.diagnostics import CharlError, Diagnostics
from charlc.options import LANGUAGES, Options, UsageError
from charlc.pipeline import EMIT_KINDS, STAGE_PASSES, TARGETS, Stage

IR = """\
func.func @f(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32
  %c = arith.addi %a, %a : i32
  %d = arith.muli %b, %c : i32
  func.return %d : i32
}
"""

# Two identical pure ops: one remains after charl-opt (cse).
CHARL = """\
let a = [1.0, 2.0]
let b = exp(a)
let c = exp(a)
print(b + c)
"""

UNDEFINED = """\
let a = 1.0
let y = x + a
"""


def charlc(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m charlc ARGS`."""
    return subprocess.run(
        [sys.executable, "-m", "charlc", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def one_error_line(stderr: str) -> str:
    """The stderr of a usage error: exactly one `charlc: error:` line."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("charlc: error: "), stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------
# MLIR input, passes


def test_mlir_file_is_parsed_verified_and_printed(tmp_path: Path) -> None:
    r = charlc(write(tmp_path, "f.mlir", IR))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("arith.addi") == 2
    assert r.stdout.startswith("builtin.module {")


def test_pass_pipeline_runs_exactly_the_named_passes(tmp_path: Path) -> None:
    path = write(tmp_path, "f.mlir", IR)
    r = charlc(path, "-p", "cse")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("arith.addi") == 1
    assert "arith.muli %b, %b : i32" in r.stdout
    assert charlc(path, "-p", "dce").stdout.count("arith.addi") == 2


def test_passes_lists_every_registered_pass_with_its_summary() -> None:
    r = charlc("passes")
    assert r.returncode == 0, r.stderr
    registry = passes.available_passes()
    listed = {line.split()[0]: line for line in r.stdout.splitlines()}
    assert set(listed) == set(registry)
    for name, pass_class in registry.items():
        summary = passes.summary(pass_class)
        assert summary, f"pass {name} has no summary"
        assert listed[name].endswith(summary)


def test_stdin_is_read_as_mlir_by_default() -> None:
    r = charlc("-", "-p", "cse", stdin=IR)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("arith.addi") == 1


def test_stdin_as_charl_with_x() -> None:
    r = charlc("-", "-x", "charl", stdin=UNDEFINED)
    assert r.returncode == 1
    assert r.stderr.startswith("<stdin>:2:9: error: ")


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.mlir"
    r = charlc(write(tmp_path, "f.mlir", IR), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert "arith.muli" in out.read_text()


def test_generic_form_and_debuginfo(tmp_path: Path) -> None:
    path = write(tmp_path, "f.mlir", IR.replace("arith.muli %b, %c : i32", 'arith.muli %b, %c : i32 loc("m.ch":7:3)'))
    generic = charlc(path, "--mlir-print-op-generic")
    assert '"arith.muli"(%b, %c)' in generic.stdout
    assert "loc(" not in generic.stdout
    debug = charlc(path, "--mlir-print-debuginfo")
    assert 'loc("m.ch":7:3)' in debug.stdout


# ---------------------------------------------------------------------------------------------
# Exit statuses and diagnostics


def test_charl_error_is_located_with_source_line_and_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "undefined.ch", UNDEFINED)
    r = charlc(path, "--emit=mlir")
    assert r.returncode == 1
    assert r.stdout == ""
    head, line, caret = r.stderr.splitlines()[:3]
    assert head.startswith(f"{path}:2:9: error: ")
    assert "x" in head.split(": error: ", 1)[1]
    assert line == "let y = x + a"
    assert caret == " " * 8 + "^"


def test_ir_parse_error_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.mlir", "func.func @f() {\n  %x = arith.constant : i32\n}\n")
    r = charlc(path)
    assert r.returncode == 1
    head, line, caret = r.stderr.splitlines()[:3]
    assert head.startswith(f"{path}:2:")
    assert ": error: " in head
    assert line == "  %x = arith.constant : i32"
    col = int(head.split(":")[2])
    assert caret == " " * (col - 1) + "^"


def test_ir_attribute_that_fails_to_verify_while_parsed_is_a_users_error(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.mlir", "func.func @f() {\n  %x = arith.constant 300 : i8\n  func.return\n}\n")
    r = charlc(path)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith(f"{path}:") and ": error: " in r.stderr and "300" in r.stderr


def test_ir_verify_error_points_at_the_op(tmp_path: Path) -> None:
    text = "func.func @f(%a: i32) -> i64 {\n  %b = arith.addi %a, %a : i32\n  func.return %b : i32\n}\n"
    path = write(tmp_path, "bad.mlir", text)
    r = charlc(path)
    assert r.returncode == 1
    assert r.stderr.startswith(f"{path}:3:3: error: "), r.stderr
    assert "  func.return %b : i32\n  ^" in r.stderr


def test_ir_verify_error_uses_the_ops_location_when_it_has_one(tmp_path: Path) -> None:
    text = 'func.func @f(%a: i32) -> i64 {\n  func.return %a : i32 loc("prog.ch":12:5)\n}\n'
    r = charlc(write(tmp_path, "bad.mlir", text))
    assert r.returncode == 1
    assert r.stderr.startswith("prog.ch:12:5: error: "), r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-flag"],
        ["--emit=bogus"],
        ["--stop-after=bogus"],
        ["-p", "no-such-pass"],
        ["-p", "cse{no-such-option=1}"],
        ["-p", "cse{"],
        ["--print-ir-after=no-such-pass"],
        ["--target=tpu"],
    ],
    ids=lambda a: " ".join(a),
)
def test_usage_errors_are_one_line_with_status_2(tmp_path: Path, args: list[str]) -> None:
    r = charlc(write(tmp_path, "f.mlir", IR), *args)
    assert r.returncode == 2
    assert r.stdout == ""
    one_error_line(r.stderr)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    r = charlc(str(tmp_path / "nowhere.ch"))
    assert r.returncode == 2
    assert "no such file" in one_error_line(r.stderr)


def test_unknown_suffix_is_a_usage_error(tmp_path: Path) -> None:
    r = charlc(write(tmp_path, "f.txt", IR))
    assert r.returncode == 2
    assert "-x charl" in one_error_line(r.stderr)


def test_no_arguments_is_a_usage_error() -> None:
    r = charlc()
    assert r.returncode == 2
    one_error_line(r.stderr)


# ---------------------------------------------------------------------------------------------
# Stages and refusals


def test_stop_after_charl_keeps_irgen_output_and_charl_opt_runs_cse(tmp_path: Path) -> None:
    path = write(tmp_path, "p.ch", CHARL)
    raw = charlc(path, "--emit=mlir", "--stop-after=charl")
    opt = charlc(path, "--emit=mlir", "--stop-after=charl-opt")
    assert raw.returncode == 0 and opt.returncode == 0, raw.stderr + opt.stderr
    assert raw.stdout.count("charl.exp") == 2
    assert opt.stdout.count("charl.exp") == 1


def test_charl_suffix_is_a_charl_source(tmp_path: Path) -> None:
    r = charlc(write(tmp_path, "p.charl", CHARL))
    assert r.returncode == 0, r.stderr
    assert "charl.exp" in r.stdout


def test_emit_mlir_stops_after_charl_opt_by_default(tmp_path: Path) -> None:
    path = write(tmp_path, "p.ch", CHARL)
    default = charlc(path, "--emit=mlir")
    assert default.returncode == 0, default.stderr
    assert default.stdout == charlc(path, "--stop-after=charl-opt").stdout
    assert "charl.exp" in default.stdout


def test_cpu_stage_table() -> None:
    cpu = {stage: STAGE_PASSES[("cpu", stage)] for stage in Stage}
    assert cpu == {
        Stage.CHARL: (),
        Stage.CHARL_OPT: ("charl-autodiff", "canonicalize", "cse", "dce"),
        Stage.LINALG: ("charl-quantize", "convert-charl-to-linalg", "linalg-fuse-elementwise"),
        Stage.BUFFERS: ("charl-bufferize", "charl-plan-memory"),
        Stage.LOOPS: ("convert-linalg-to-loops", "charl-fuse-loops", "charl-parallelize-loops"),
        Stage.TARGET: ("convert-to-llvm",),
    }
    assert all(name in passes.available_passes() for names in cpu.values() for name in names)


def test_no_bounds_checks_is_a_pass_option() -> None:
    assert pipeline.passes_through("cpu", Stage.LINALG, Options(bounds_checks=False))[-2:] == [
        "convert-charl-to-linalg{bounds_checks=false}",
        "linalg-fuse-elementwise{matmul_epilogues=true}",
    ]
    assert pipeline.passes_through("cpu", Stage.LINALG, Options())[-2] == "convert-charl-to-linalg"


def test_matmul_epilogues_are_fused_on_the_cpu_only() -> None:
    """The gpu target's matmul template takes named matmuls (passes/_gpu_matmul.py)."""
    cpu = pipeline.passes_through("cpu", Stage.LINALG, Options())
    assert cpu[-1] == "linalg-fuse-elementwise{matmul_epilogues=true}"
    assert pipeline.passes_through("gpu", Stage.LINALG, Options(target="gpu"))[-1] == "linalg-fuse-elementwise"


def test_every_gpu_stage_exists() -> None:
    """The gpu target has every stage of the cpu's (its own `loops`: convert-linalg-to-gpu)."""
    assert all(("gpu", s) in STAGE_PASSES for s in Stage)
    assert STAGE_PASSES[("gpu", Stage.LOOPS)] == ("charl-split-argmax", "convert-linalg-to-gpu")


def test_a_stage_whose_pass_is_not_registered_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = {k: v for k, v in passes.available_passes().items() if k != "charl-bufferize"}
    monkeypatch.setattr(passes, "available_passes", lambda: registry)
    path = write(tmp_path, "p.ch", CHARL)
    assert cli.main([path, "--stop-after=linalg"]) == 0
    assert "linalg.generic" in capsys.readouterr().out
    for args, what in [(["--stop-after=loops"], "--stop-after=loops"), (["--emit=llvm"], "--emit=llvm")]:
        assert cli.main([path, *args]) == 2
        expected = f"{what} needs the 'buffers' stage and later, which this version of charlc does not have yet"
        assert capsys.readouterr().err == f"charlc: error: {expected}\n"
    assert cli.main(["run", path]) == 2
    assert "charlc run needs the 'buffers' stage" in capsys.readouterr().err


def test_help_texts() -> None:
    top = charlc("--help")
    assert top.returncode == 0
    for word in ("compile", "run", "passes", "charlc FILE"):
        assert word in top.stdout
    run = charlc("run", "--help")
    assert run.returncode == 0
    for word in ("--target", "--quantize", "--stats", "--no-cache", "--no-bounds-checks", "-O", "FILE"):
        assert word in run.stdout
    comp = charlc("compile", "--help")
    for word in ("--emit", "--stop-after", "--split-input-file", "--print-ir-after-all", "--time-passes", "-O"):
        assert word in comp.stdout


def test_console_script_matches_python_m(tmp_path: Path) -> None:
    script = shutil.which("charlc", path=str(Path(sys.executable).parent))
    assert script is not None
    path = write(tmp_path, "f.mlir", IR)
    r = subprocess.run([script, path, "-p", "cse"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == charlc(path, "-p", "cse").stdout


# ---------------------------------------------------------------------------------------------
# --split-input-file and debugging flags


def test_split_input_file_reports_errors_per_chunk(tmp_path: Path) -> None:
    bad = "func.func @g(%a: i32) -> i64 {\n  func.return %a : i32\n}\n"
    text = f"{IR}// -----\n{bad}// -----\n{IR.replace('@f', '@h')}"
    path = write(tmp_path, "s.mlir", text)
    r = charlc(path, "--split-input-file", "-p", "cse")
    assert r.returncode == 1
    assert r.stderr.startswith(f"{path}:9:3: error: "), r.stderr
    chunks = r.stdout.split("// -----\n")
    assert len(chunks) == 3
    assert "@f" in chunks[0] and chunks[1] == "" and "@h" in chunks[2]
    assert chunks[0].count("arith.addi") == 1


def test_split_input_file_for_charl_sources(tmp_path: Path) -> None:
    path = write(tmp_path, "s.ch", f"{CHARL}// -----\n{UNDEFINED}")
    r = charlc(path, "--split-input-file")
    assert r.returncode == 1
    assert r.stderr.startswith(f"{path}:7:9: error: "), r.stderr
    assert "charl.exp" in r.stdout.split("// -----\n")[0]


def test_print_ir_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "f.mlir", IR)
    r = charlc(path, "-p", "cse,dce", "--print-ir-after-all")
    assert r.returncode == 0
    assert r.stderr.count("// -----// IR Dump After ") == 2
    assert "// -----// IR Dump After cse //----- //\nbuiltin.module {" in r.stderr
    assert "// -----// IR Dump After dce //----- //" in r.stderr
    r = charlc(path, "-p", "cse,dce", "--print-ir-before=cse", "--print-ir-after=dce")
    dumps = r.stderr.split("// -----// IR Dump ")
    assert [d.splitlines()[0] for d in dumps[1:]] == ["Before cse //----- //", "After dce //----- //"]
    assert dumps[1].count("arith.addi") == 2 and dumps[2].count("arith.addi") == 1


def test_time_passes_mlir(tmp_path: Path) -> None:
    r = charlc(write(tmp_path, "f.mlir", IR), "-p", "cse,canonicalize", "--time-passes")
    assert r.returncode == 0
    rows = [line.split()[0] for line in r.stderr.splitlines()[2:]]
    assert rows == ["parse", "cse", "canonicalize", "total"]


def test_time_passes_charl(tmp_path: Path) -> None:
    r = charlc(write(tmp_path, "p.ch", CHARL), "--time-passes")
    assert r.returncode == 0, r.stderr
    rows = [line.split()[0] for line in r.stderr.splitlines()[2:]]
    assert rows[:3] == ["parse", "typecheck", "irgen"]
    assert rows[-1] == "total"
    assert all(float(line.split()[1]) >= 0 for line in r.stderr.splitlines()[2:])


def test_verify_each(tmp_path: Path) -> None:
    r = charlc(write(tmp_path, "p.ch", CHARL), "--verify-each")
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------------------------------------
# In-process: internal errors, pass options, the Python API


def test_internal_error_prints_traceback_and_exits_70(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(ctx: Context, source: object) -> ModuleOp:
        raise KeyError("deliberately broken for the test")

    monkeypatch.setattr(api, "parse_ir", broken)
    status = cli.main([write(tmp_path, "f.mlir", IR)])
    err = capsys.readouterr().err
    assert status == 70
    assert "Traceback (most recent call last)" in err
    assert "deliberately broken for the test" in err
    assert err.rstrip().endswith(
        "charlc: internal compiler error: this is a bug in charlc, not in your program; "
        "please report it with the input file"
    )


@dataclasses.dataclass(frozen=True)
class TagPass(ModulePass):
    """Tags the module with its options (test only)."""

    name = "test-tag"
    label: str = "none"
    count: int = 1

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from xdsl.dialects.builtin import StringAttr

        op.attributes["test.tag"] = StringAttr(f"{self.label}x{self.count}")


def test_pass_options_use_xdsl_pipeline_syntax(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = {**passes.available_passes(), TagPass.name: TagPass}
    monkeypatch.setattr(passes, "available_passes", lambda: registry)
    path = write(tmp_path, "f.mlir", IR)
    assert cli.main([path, "-p", 'cse,test-tag{label="hi" count=3}']) == 0
    assert 'test.tag = "hix3"' in capsys.readouterr().out
    assert cli.main([path, "-p", "test-tag{count=many}"]) == 2
    assert "invalid options for pass 'test-tag'" in capsys.readouterr().err


def test_api_compile_source_and_file(tmp_path: Path) -> None:
    module = api.compile_source(IR, "f.mlir", Options(pipeline="cse"))
    assert isinstance(module, ModuleOp)
    assert api.print_ir(module, Options()).count("arith.addi") == 1
    path = write(tmp_path, "p.ch", CHARL)
    diagnostics = Diagnostics()
    module = api.compile_file(path, Options(stop_after=Stage.CHARL), diagnostics=diagnostics)
    assert any(op.name == "charl.exp" for op in module.walk())


def test_api_raises_user_and_usage_errors() -> None:
    with pytest.raises(CharlError) as err:
        api.compile_source(UNDEFINED, "u.ch")
    assert (err.value.span.line, err.value.span.col) == (2, 9)
    with pytest.raises(api.IRError):
        api.compile_source("func.func @f( {", "bad.mlir")
    with pytest.raises(UsageError):
        api.compile_source(IR, "f.mlir", Options(pipeline="no-such-pass"))


def test_cli_choices_match_the_tables() -> None:
    assert [e.value for e in cli.EmitKind] == list(EMIT_KINDS)
    assert [e.value for e in cli.TargetName] == list(TARGETS)
    assert [e.value for e in cli.LanguageName] == list(LANGUAGES)
    assert [e.value for e in cli.QuantizeKind] == list(driver.QUANTIZE_KINDS)
