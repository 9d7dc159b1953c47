"""Helpers for the tests of convert-linalg-to-loops: write a small bufferized function, lower it
(checking that only scf/memref/arith/math remain), run it in xDSL's interpreter on NumPy arrays."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, get_all_dialects, memref
from xdsl.dialects.builtin import ModuleOp, f32, f64, i32, i64
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.interpreters.arith import ArithFunctions
from xdsl.interpreters.builtin import BuiltinFunctions
from xdsl.interpreters.func import FuncFunctions
from xdsl.interpreters.math import MathFunctions
from xdsl.interpreters.memref import MemRefFunctions
from xdsl.interpreters.scf import ScfFunctions
from xdsl.interpreters.shaped_array import ShapedArray
from xdsl.interpreters.utils.ptr import TypedPtr
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass

ALLOWED = ("builtin.", "func.", "scf.", "memref.", "arith.", "math.")
XTYPES: dict[str, Any] = {"float32": f32, "float64": f64, "int32": i32, "int64": i64}


@register_impls
class ExtraFunctions(InterpreterFunctions):
    """The two ops the lowering emits that xDSL's interpreter does not implement."""

    @impl(memref.DimOp)
    def run_dim(self, interpreter: Interpreter, op: memref.DimOp, args: PythonValues) -> PythonValues:
        return (args[0].shape[args[1]],)

    @impl(arith.MinSIOp)
    def run_minsi(self, interpreter: Interpreter, op: arith.MinSIOp, args: PythonValues) -> PythonValues:
        return (min(args[0], args[1]),)


def context() -> Context:
    """A context with every dialect xDSL knows."""
    ctx = Context()
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx


def lower(text: str, ukernels: bool = False, **options: int) -> ModuleOp:
    """Parses, verifies and lowers `text` with the pass (given options); only loop-level ops may remain.

    The micro-kernel path is off unless `ukernels`: the interpreter cannot call the C runtime."""
    module = Parser(context(), text).parse_module()
    module.verify()
    ConvertLinalgToLoopsPass(ukernels=ukernels, **options).apply(context(), module)
    module.verify()
    left = sorted({op.name for op in module.walk() if not op.name.startswith(ALLOWED)})
    assert not left, f"ops left after lowering: {left}"
    return module


def run(module: ModuleOp, name: str, *arrays: np.ndarray) -> None:
    """Calls `name` on the arrays (as memrefs) and copies the buffers back into them."""
    interpreter = Interpreter(module)
    for functions in (ArithFunctions, BuiltinFunctions, FuncFunctions, MathFunctions, MemRefFunctions, ScfFunctions):
        interpreter.register_implementations(functions())
    interpreter.register_implementations(ExtraFunctions())
    shaped = [ShapedArray(TypedPtr.new(a.ravel().tolist(), xtype=XTYPES[a.dtype.name]), list(a.shape)) for a in arrays]
    interpreter.call_op(name, tuple(shaped))
    for array, result in zip(arrays, shaped, strict=True):
        array[...] = np.array(result.data, dtype=array.dtype).reshape(array.shape)


def memref_type(shape: tuple[int | None, ...], dtype: str = "f32", layout: str = "") -> str:
    """`memref<3x?xf32, layout>` text; `None` is a `?` dimension."""
    dims = "".join(f"{'?' if d is None else d}x" for d in shape)
    return f"memref<{dims}{dtype}{', ' + layout if layout else ''}>"


def generic(maps: list[str], iterators: str, ins: list[tuple[str, str]], outs: list[tuple[str, str]], body: str) -> str:
    """A `linalg.generic` on named operands; `body` is the region text, block arguments included."""
    ins_text = f"ins({', '.join(n for n, _ in ins)} : {', '.join(t for _, t in ins)}) " if ins else ""
    return (
        f"linalg.generic {{indexing_maps = [{', '.join(f'affine_map<{m}>' for m in maps)}], "
        f"iterator_types = [{iterators}]}} {ins_text}"
        f"outs({', '.join(n for n, _ in outs)} : {', '.join(t for _, t in outs)}) {{\n{body}\n}}"
    )


def func(name: str, args: list[tuple[str, str]], body: str) -> str:
    """A `func.func` on named, typed arguments returning nothing."""
    params = ", ".join(f"{n}: {t}" for n, t in args)
    return f"func.func @{name}({params}) {{\n{body}\n  func.return\n}}\n"


RNG = np.random.default_rng(7)


def rand(*shape: int) -> np.ndarray:
    """Standard-normal `float32` values of `shape`."""
    return RNG.standard_normal(shape).astype(np.float32)


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    """Asserts `actual` matches `expected` to float32 accuracy."""
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


# Block arguments may not shadow the function's arguments: bodies name theirs %e...
ADD_BODY = "^bb0(%ex: f32, %ey: f32, %eo: f32):\n  %s = arith.addf %ex, %ey : f32\n  linalg.yield %s : f32"
SUM_BODY = "^bb0(%ex: f32, %eacc: f32):\n  %s = arith.addf %ex, %eacc : f32\n  linalg.yield %s : f32"
MAC_BODY = (
    "^bb0(%ex: f32, %ey: f32, %eacc: f32):\n  %p = arith.mulf %ex, %ey : f32\n"
    "  %s = arith.addf %eacc, %p : f32\n  linalg.yield %s : f32"
)


def check_lit_file(path: Path) -> tuple[str, ModuleOp]:
    """Runs a lit file's `-p` pipeline of convert-linalg-to-loops in-process and checks the printed
    module with filecheck (the file's own CHECK lines); returns the file's text and the module."""
    text = path.read_text()
    run_line = re.search(r"// RUN: charlc %s -p (\S+) \| filecheck %s", text)
    assert run_line is not None
    pipeline = PassPipeline.parse_spec({"convert-linalg-to-loops": lambda: ConvertLinalgToLoopsPass}, run_line[1])
    module = Parser(context(), text).parse_module()
    pipeline.apply(context(), module)
    module.verify()
    filecheck = shutil.which("filecheck") or str(Path(sys.executable).parent / "filecheck")
    result = subprocess.run(
        [filecheck, "--enable-var-scope", str(path)], input=str(module), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return text, module
