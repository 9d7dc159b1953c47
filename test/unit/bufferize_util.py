"""Harness for the tests of charl-bufferize: a `Heap` that counts every `malloc` and `free` of the
compiled code, `bufferize` (parse, verify, run the pass), and `Program`, a tensor-level module
compiled for the CPU whose calls check that exactly their results are left allocated (results are
fresh allocations the caller owns, never an argument or a global, and nothing is freed twice).
`generic` writes an elementwise `linalg.generic` for the test programs."""

from __future__ import annotations

import ctypes
import re
from typing import Any

import llvmlite.binding as llvm
import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from charlc.api import make_context
from passes._llvm_emit import signatures, to_llvm_ir
from passes.charl_bufferize import CharlBufferizePass
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.abi import Allocation
from runtime.cpu import CpuModule
from runtime.native import NativeRuntime


class Heap:
    """`malloc`/`free` for compiled code that record which blocks are live (ctypes callbacks)."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None)
        self._malloc = libc.malloc
        self._malloc.restype, self._malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
        self._free = libc.free
        self._free.argtypes = [ctypes.c_void_p]
        self.live: set[int] = set()
        self.bad_frees = 0
        self.allocations = 0
        self._on_malloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64)(self.malloc)
        self._on_free = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(self.free)
        llvm.add_symbol("charl_test_malloc", ctypes.cast(self._on_malloc, ctypes.c_void_p).value)
        llvm.add_symbol("charl_test_free", ctypes.cast(self._on_free, ctypes.c_void_p).value)

    def malloc(self, size: int) -> int:
        address = int(self._malloc(size))
        self.live.add(address)
        self.allocations += 1
        return address

    def free(self, address: int | None) -> None:
        if address is None or address not in self.live:
            self.bad_frees += 1
            return
        self.live.remove(address)
        self._free(address)


def context() -> Context:
    ctx = make_context()  # loads bufferization too
    return ctx


def bufferize(mlir: str) -> ModuleOp:
    ctx = context()
    module = Parser(ctx, mlir).parse_module()
    module.verify()
    CharlBufferizePass().apply(ctx, module)
    module.verify()
    return module


def counted(llvm_ir: str) -> str:
    """`llvm_ir` with its `malloc`/`free` calls routed to the `Heap`."""
    return re.sub(r'@"?(malloc|free)\b"?', r"@charl_test_\1", llvm_ir)


class Program:
    """A tensor-level module compiled for the CPU, its malloc/free routed through a `Heap`."""

    def __init__(self, mlir: str, heap: Heap) -> None:
        ctx = context()
        module = bufferize(mlir)
        self.buffers = str(module)
        ConvertLinalgToLoopsPass().apply(ctx, module)
        module.verify()
        ConvertToLlvmPass().apply(ctx, module)
        self.signatures = signatures(module)
        NativeRuntime().load()  # run-time checks call the C runtime
        self.module = CpuModule(counted(to_llvm_ir(module)))
        self.heap = heap

    def __call__(self, name: str, *args: Any) -> Any:
        """Calls `name`; checks that exactly its results are left allocated, and hands them to NumPy."""
        heap = self.heap
        before, bad = set(heap.live), heap.bad_frees
        result = self.module.function(name, self.signatures[name])(*args)
        results = result if isinstance(result, tuple) else (result,)
        owned = {_owner(r) for r in results if isinstance(r, np.ndarray)}
        assert heap.bad_frees == bad, f"@{name} freed a pointer it did not allocate (or twice)"
        assert heap.live - before == owned, f"@{name} leaked {len(heap.live - before - owned)} buffer(s)"
        heap.live -= owned
        return result


def _owner(array: np.ndarray[Any, Any]) -> int:
    """The `malloc`ed block a result array views (fails for an argument or a global)."""
    owner = getattr(array.base, "owner", None)
    assert isinstance(owner, Allocation), f"a result aliases {type(owner).__name__}, not a fresh buffer"
    return owner.address


def maps(rank: int, *exprs: str) -> str:
    dims = ", ".join(f"d{k}" for k in range(rank))
    return "[" + ", ".join(f"affine_map<({dims}) -> ({e})>" for e in exprs) + "]"


def generic(result: str, ins: list[tuple[str, str]], init: tuple[str, str], body: str, rank: int = 1) -> str:
    """`%result = linalg.generic` with identity maps; the body sees `%a0, %a1, ...` and `%o`, yields `%v`."""
    ident = ", ".join(f"d{k}" for k in range(rank))
    names = ", ".join(n for n, _ in ins)
    types = ", ".join(t for _, t in ins)
    args = ", ".join(f"%a{k}: {t[t.rfind('x') + 1 : -1]}" for k, (_, t) in enumerate(ins))
    elem = init[1][init[1].rfind("x") + 1 : -1]
    iterators = ", ".join(['"parallel"'] * rank)
    return (
        f"{result} = linalg.generic {{indexing_maps = {maps(rank, *[ident] * (len(ins) + 1))}, "
        f"iterator_types = [{iterators}]}} ins({names} : {types}) "
        f"outs({init[0]} : {init[1]}) {{\n^bb0({args}, %o: {elem}):\n{body}\nlinalg.yield %v : {elem}\n}} -> {init[1]}"
    )


def rand(*shape: int, seed: int = 0) -> np.ndarray[Any, Any]:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
