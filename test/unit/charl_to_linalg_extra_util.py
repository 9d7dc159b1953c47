"""Helpers for the tests of convert-charl-to-linalg's extra patterns: parse and lower a module,
find its ops and callees, `Jit` (the whole CPU pipeline, functions callable with NumPy arrays), and
`quantize_reference` (LANGUAGE.md's quantization in NumPy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser

from charlc.api import make_context
from passes._llvm_emit import signatures, to_llvm_ir
from passes.charl_bufferize import CharlBufferizePass
from passes.convert_charl_to_linalg import ConvertCharlToLinalgPass
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.cpu import CpuModule
from runtime.native import NativeRuntime


def parse(text: str) -> ModuleOp:
    ctx = make_context()  # loads bufferization too
    module = Parser(ctx, text).parse_module()
    module.verify()
    return module


def lower(text: str, bounds_checks: bool = True) -> ModuleOp:
    """`text` through convert-charl-to-linalg, verified."""
    module = parse(text)
    ConvertCharlToLinalgPass(bounds_checks=bounds_checks).apply(make_context(), module)
    module.verify()
    return module


def ops_of(module: Operation, kind: type[Operation]) -> list[Operation]:
    return [op for op in module.walk() if isinstance(op, kind)]


def callees(module: Operation) -> list[str]:
    return [op.callee.root_reference.data for op in ops_of(module, func.CallOp)]  # type: ignore[attr-defined]


class Jit:
    """A module through the whole CPU pipeline, its functions callable with NumPy arrays."""

    def __init__(self, text: str, bounds_checks: bool = False) -> None:
        module = lower(text, bounds_checks)
        ctx = make_context()
        for p in (CharlBufferizePass(), ConvertLinalgToLoopsPass(), ConvertToLlvmPass()):
            p.apply(ctx, module)
        self.signatures = signatures(module)
        NativeRuntime().load()  # run-time checks call the C runtime
        self.module = CpuModule(to_llvm_ir(module))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return self.module.function(name, self.signatures[name])


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def quantize_reference(w: np.ndarray, qtype: str, axis: int, group: int) -> tuple[np.ndarray, np.ndarray]:
    """LANGUAGE.md section 11: symmetric, round half to even, clamped; scales as float32."""
    low, high = (-127, 127) if qtype == "int8" else (-8, 7)
    t = w.dtype.type
    if group == 0:
        others = tuple(a for a in range(w.ndim) if a != axis)
        scale = (np.abs(w).max(axis=others) / t(high)).astype(np.float32)
        spread = np.expand_dims(scale, others).astype(w.dtype)
    else:
        split = (-1, group, w.shape[1]) if axis == 1 else (w.shape[0], -1, group)
        scale = (np.abs(w).reshape(split).max(axis=1 if axis == 1 else 2) / t(high)).astype(np.float32)
        spread = np.repeat(scale, group, axis=1 - axis).astype(w.dtype)
    q = np.clip(np.round(w / np.where(spread == 0, 1, spread)), low, high)
    return q.astype(np.int64), scale
