"""charlc's IR is upstream IR: `--emit=mlir --stop-after=linalg|buffers|loops` is accepted (parsed
and verified) by LLVM's `mlir-opt-19`, and `--emit=llvm` passes `opt-19 -passes=verify`.

The tools come from the Debian packages `mlir-19-tools` and `llvm-19` (`test/run.sh` installs them
under CI); without them these tests are skipped, saying so. No `--allow-unregistered-dialect`: every
op must be one MLIR 19 knows. One spelling differs between MLIR 19 and the MLIR xDSL 0.74 follows:
`bufferization.to_buffer` was called `bufferization.to_memref` before MLIR 21, so the linalg stage
is printed in the generic form and that op name is mapped back for MLIR 19.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from charlc.api import compile_file, print_ir
from charlc.options import Options
from charlc.pipeline import Stage

ROOT = Path(__file__).resolve().parents[2]
MLIR_OPT = shutil.which("mlir-opt-19") or shutil.which("mlir-opt")
OPT = shutil.which("opt-19")
PROGRAMS = [
    ROOT / "examples" / "basics.ch",
    ROOT / "examples" / "mlp_inference.ch",
    *(ROOT / "test" / "filecheck" / "run" / name for name in ("control-flow.ch", "generic-tuples.ch", "slicing.ch")),
]
STAGES = [Stage.LINALG, Stage.BUFFERS, Stage.LOOPS]
MLIR_19_NAMES = {'"bufferization.to_buffer"': '"bufferization.to_memref"'}


def for_mlir_19(text: str) -> str:
    """Generic-form IR with the op names MLIR 19 uses."""
    for new, old in MLIR_19_NAMES.items():
        text = text.replace(new, old)
    return text


def mlir_at(path: Path, stage: Stage) -> str:
    """`charlc PATH --emit=mlir --stop-after=STAGE` (generic form at the linalg stage)."""
    module = compile_file(path, Options(stop_after=stage))
    if stage == Stage.LINALG:
        return for_mlir_19(print_ir(module, Options(print_op_generic=True)))
    return print_ir(module, Options())


@pytest.mark.skipif(MLIR_OPT is None, reason="mlir-opt-19 is not installed (apt-get install mlir-19-tools)")
@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.value)
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_mlir_opt_accepts_each_stage(path: Path, stage: Stage, tmp_path: Path) -> None:
    assert MLIR_OPT is not None
    source = tmp_path / f"{path.stem}-{stage.value}.mlir"
    source.write_text(mlir_at(path, stage))
    done = subprocess.run([MLIR_OPT, str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[:4000]
    assert "func.func @main()" in done.stdout


@pytest.mark.skipif(OPT is None, reason="opt-19 is not installed (apt-get install llvm-19)")
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_llvm_ir_passes_opt_verify(path: Path, tmp_path: Path) -> None:
    assert OPT is not None
    from charlc.emit import llvm_ir

    source = tmp_path / f"{path.stem}.ll"
    source.write_text(llvm_ir(compile_file(path, Options(emit="llvm"))))
    done = subprocess.run([OPT, "-passes=verify", "-disable-output", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[:4000]


def test_the_mlir_19_spelling_map_only_renames_ops() -> None:
    text = '%0 = "bufferization.to_buffer"(%t) <{read_only}> : (tensor<2xf32>) -> memref<2xf32>'
    assert for_mlir_19(text) == text.replace("to_buffer", "to_memref")
