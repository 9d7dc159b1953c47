"""The C entry points of the GPU runtime that JIT-compiled host code calls.

| symbol | C signature |
| --- | --- |
| `charl_gpu_alloc` | `void *(int64_t bytes)` |
| `charl_gpu_free` | `void (void *allocated)` |
| `charl_gpu_memref_<T>` | `void (int64_t rank, void *desc)`, T in `f32 f64 i32 i64 i8 i4 i1` |
| `charl_gpu_scalar_<T>` | `void (T value)`, T in `f32 f64 i32 i64 i8 i1 index` (`index` is `int64_t`) |
| `charl_gpu_launch` | `void (int32_t kernel, int64_t invocations)` |
| `charl_gpu_access_<T>` | `void (int64_t rank, void *desc, int32_t writes)` |

An `i1` kernel argument may be staged with `charl_gpu_scalar_i32` (0 or 1) or `charl_gpu_scalar_i1`,
an `i4` one with `charl_gpu_scalar_i8` (sign-extended). An `i4` memref holds two elements a byte (low
nibble first).

Each entry point is a trampoline compiled for one runtime: it calls the C function of the same role
(`charl_gpu_c_launch`, ..., runtime/c/gpu_host.c) with that runtime's host state as first argument,
so no global state is needed and several runtimes coexist (each program binds its own before it is
loaded). A failing entry point records the error on the runtime (`GpuRuntime.check()` raises it) and
returns (null from `charl_gpu_alloc`); launches and accesses do nothing while an error is pending.
"""

from __future__ import annotations

import ctypes
from typing import Any

from runtime.gpu_kernels import ELEMENTS

SCALAR_TYPES = {
    "f32": "float",
    "f64": "double",
    "i32": "i32",
    "i64": "i64",
    "i8": "i8",
    "i1": "i1 zeroext",
    "index": "i64",
}
"""The LLVM type of each `charl_gpu_scalar_<T>`'s argument."""

SCALAR_CTYPES: dict[str, type[Any]] = {
    "f32": ctypes.c_float,
    "f64": ctypes.c_double,
    "i32": ctypes.c_int32,
    "i64": ctypes.c_int64,
    "i8": ctypes.c_int8,
    "i1": ctypes.c_bool,
    "index": ctypes.c_int64,
}

ALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64)
FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
MEMREF = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p)
LAUNCH = ctypes.CFUNCTYPE(None, ctypes.c_int32, ctypes.c_int64)
ACCESS = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int32)


def trampolines_ir(host: int) -> str:
    """LLVM IR defining every entry point (named `t.<symbol>`) for the host state at `host`."""
    ctx = f"ptr inttoptr (i64 {host} to ptr)"
    lines: list[str] = []

    def define(symbol: str, params: list[str], callee: str, args: list[str], result: str = "void") -> None:
        typed = ", ".join(f"{t} %a{k}" for k, t in enumerate(params))
        passed = ", ".join([ctx, *args, *(f"{t} %a{k}" for k, t in enumerate(params))])
        lines.append(f"declare {result} @{callee}(ptr, {', '.join([*(a.split()[0] for a in args), *params])})")
        call = f"call {result} @{callee}({passed})"
        body = f"  %r = {call}\n  ret {result} %r" if result != "void" else f"  {call}\n  ret void"
        lines.append(f"define {result} @t.{symbol}({typed}) {{\n{body}\n}}")

    define("charl_gpu_alloc", ["i64"], "charl_gpu_c_alloc", [], "ptr")
    define("charl_gpu_free", ["ptr"], "charl_gpu_c_free", [])
    define("charl_gpu_launch", ["i32", "i64"], "charl_gpu_c_launch", [])
    for code, element in enumerate(ELEMENTS):
        define(f"charl_gpu_memref_{element}", ["i64", "ptr"], "charl_gpu_c_memref", [f"i32 {code}"])
        define(f"charl_gpu_access_{element}", ["i64", "ptr", "i32"], "charl_gpu_c_access", [f"i32 {code}"])
    for scalar, llvm_type in SCALAR_TYPES.items():
        define(f"charl_gpu_scalar_{scalar}", [llvm_type], f"charl_gpu_c_scalar_{scalar}", [])
    return "\n".join(dict.fromkeys(lines)) + "\n"


class Trampolines:
    """The compiled entry points of one runtime's host state (the C runtime must be loaded for the
    JIT, `runtime.native.NativeRuntime.load`); keep this object alive while they may be called."""

    def __init__(self, host: int) -> None:
        import llvmlite.binding as llvm

        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        module = llvm.parse_assembly(trampolines_ir(host))
        target = llvm.Target.from_default_triple().create_target_machine(codemodel="jitdefault")
        module.triple = llvm.get_process_triple()
        module.data_layout = str(target.target_data)
        self._engine = llvm.create_mcjit_compiler(module, target)
        self._engine.finalize_object()
        names = [f.name[2:] for f in module.functions if f.name.startswith("t.")]
        self.addresses = {name: int(self._engine.get_function_address(f"t.{name}")) for name in names}
        self.functions = {name: _ctypes_function(name, address) for name, address in self.addresses.items()}


def _ctypes_function(name: str, address: int) -> Any:
    """A ctypes function object calling the entry point `name` at `address`."""
    if name == "charl_gpu_alloc":
        return ALLOC(address)
    if name == "charl_gpu_free":
        return FREE(address)
    if name == "charl_gpu_launch":
        return LAUNCH(address)
    if name.startswith("charl_gpu_memref_"):
        return MEMREF(address)
    if name.startswith("charl_gpu_access_"):
        return ACCESS(address)
    return ctypes.CFUNCTYPE(None, SCALAR_CTYPES[name.removeprefix("charl_gpu_scalar_")])(address)
