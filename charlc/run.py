"""Compiled Charl programs in this process: lowering to LLVM IR, JIT compilation with the C runtime
loaded, the program cache, and calling the compiled functions with NumPy values.

    program = load_source(Source("p.ch", text), Options(), cache=Cache.from_environment())
    program.run()                       # the top-level statements (`main`), then flush the output
    program.fn("f")(np.ones(3, np.float32))

A first load runs the front end and every pass of the cpu stage table, then `runtime.cpu.CpuModule`
(LLVM at `options.opt_level`, its object cached by IR hash). With a `Cache`, the program's entry
(object, signatures, kernel count) is stored under a key of the source, the options and the
compiler's fingerprint; a later load of the same source loads the object directly: no front end,
no pass, no LLVM. Timings of each phase go to `Program.timings`.
"""

from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from charlc.api import Session, exported_functions, frontend_program, run_located
from charlc.cache import Cache, ProgramEntry, compiler_fingerprint
from charlc.diagnostics import Source, render
from charlc.emit import ENTRY, llvm_ir, target_machine
from charlc.options import Options
from charlc.pipeline import Stage, Timings, parse_pass_pipeline, passes_through, require_stages
from runtime.abi import MemRefSpec, Signature, flatten_args, parse_signature, unpack_results

if TYPE_CHECKING:
    from runtime.cpu import CpuModule
    from runtime.gpu import GpuRuntime

NOT_KERNELS = frozenset({"linalg.yield", "linalg.index"})
"""linalg ops that are parts of a kernel, not kernels."""


@dataclass(frozen=True)
class Lowered:
    """A Charl program lowered to LLVM IR: the IR text, the MLIR signature of each function the API
    may call (`api.exported_functions`), and how many kernels (linalg ops) it had at the linalg stage."""

    llvm_ir: str
    signatures: dict[str, str]
    kernels: int
    externals: tuple[str, ...] = ()
    """The functions the program calls but does not define (the C runtime's, libc's, libm's)."""
    gpu_kernels: str = ""
    """The gpu target's kernels (`runtime.gpu_kernels.kernels_to_json`); empty for the cpu."""
    memory: tuple[str, ...] = ()
    """Per function with buffers, its memory plan in one line (`FunctionPlan.summary`)."""


def count_kernels(module: ModuleOp) -> int:
    """The number of linalg ops (generic, fill, matmul, ...) of `module`, not counting the
    `linalg.yield`/`linalg.index` inside them."""
    return sum(1 for op in module.walk() if op.name.startswith("linalg.") and op.name not in NOT_KERNELS)


def lower(session: Session, source: Source) -> Lowered:
    """Charl source -> LLVM IR through every stage of `session.options.target`, timed in
    `session.timings` (front end, each pass, `llvm-ir`)."""
    from passes import available_passes
    from passes._llvm_emit import signatures
    from passes._plan_report import FunctionPlan
    from passes.charl_plan_memory import reporting_to

    options = session.options
    require_stages("charlc run", options.target, Stage.TARGET)
    registry = available_passes()
    to_linalg = parse_pass_pipeline(",".join(passes_through(options.target, Stage.LINALG, options)), registry)
    everything = parse_pass_pipeline(",".join(passes_through(options.target, Stage.TARGET, options)), registry)
    plans: list[FunctionPlan] = []
    everything = reporting_to(everything, plans.append)
    module, checked = frontend_program(source, session.timings, session.diagnostics, options)
    run_located(session, source, module, to_linalg, verify=False)  # verified once, at the end
    kernels = count_kernels(module)
    run_located(session, source, module, everything[len(to_linalg) :])
    gpu_kernels = take_kernels(module, session) if options.target == "gpu" else ""
    with session.timings.measure("llvm-ir"):
        text = llvm_ir(module)
    exported = exported_functions(checked)
    callable_signatures = {name: sig for name, sig in signatures(module).items() if name in exported}
    memory = tuple(p.summary() for p in plans if p.rows)
    return Lowered(text, callable_signatures, kernels, external_functions(module), gpu_kernels, memory)


def take_kernels(module: ModuleOp, session: Session) -> str:
    """Removes the `gpu.module` of a gpu-target module and returns its kernels as WGSL specs (JSON)."""
    from xdsl.dialects import gpu

    from charlc.wgsl import emit_kernels
    from runtime.gpu_kernels import kernels_to_json

    with session.timings.measure("wgsl"):
        specs = []
        for kernels in [m for m in module.ops if isinstance(m, gpu.ModuleOp)]:
            specs += emit_kernels(kernels)
            kernels.detach()
            kernels.erase()
        return kernels_to_json(specs)


def external_functions(module: ModuleOp) -> tuple[str, ...]:
    """The functions an llvm-dialect module declares without defining them."""
    from xdsl.dialects import llvm

    return tuple(sorted(op.sym_name.data for op in module.ops if isinstance(op, llvm.FuncOp) and not op.body.blocks))


GPU_SYMBOLS = "charl_gpu_"
"""The prefix of the entry points the GPU runtime binds (`runtime.gpu.GpuRuntime.symbols`)."""


def check_externals(names: tuple[str, ...], runtime_library: ctypes.CDLL) -> None:
    """Raise when the program calls a function neither the runtime nor the process defines (calling
    it would crash): a bug in charlc, not in the program."""
    process = ctypes.CDLL(None)
    names = tuple(n for n in names if not n.startswith(GPU_SYMBOLS))
    missing = [n for n in names if not hasattr(runtime_library, n) and not hasattr(process, n)]
    if missing:
        raise RuntimeError(f"the compiled program calls functions nothing defines: {', '.join(missing)}")


class ObjectCode:
    """A compiled object (from the program cache) loaded into an MCJIT engine of its own."""

    def __init__(self, data: bytes, opt_level: int) -> None:
        import llvmlite.binding as llvm

        tm = target_machine(opt_level, jit=True)
        empty = llvm.parse_assembly("")
        empty.triple = llvm.get_process_triple()
        self._engine = llvm.create_mcjit_compiler(empty, tm)
        self._engine.add_object_file(llvm.ObjectFileRef.from_data(data))
        self._engine.finalize_object()

    def address(self, name: str) -> int:
        """The address of the compiled function `name`."""
        address = int(self._engine.get_function_address(name))
        if not address:
            raise KeyError(f"no function named {name!r} in the compiled program")
        return address


class Jit:
    """What calls compiled code needs: function addresses (a `CpuModule` or `ObjectCode`), `free`
    for buffers the code allocated, and the runtime library (for `charl_rt_flush`)."""

    def __init__(
        self, code: CpuModule | ObjectCode, runtime_library: ctypes.CDLL, gpu: GpuRuntime | None = None
    ) -> None:
        self.code = code
        self.runtime = runtime_library
        self.gpu = gpu
        self._free = ctypes.CDLL(None).free
        self._free.argtypes = [ctypes.c_void_p]
        self._free.restype = None

    def address(self, name: str) -> int:
        """The address of the compiled function `name`."""
        return int(self.code.address(name))

    def free(self, address: int) -> None:
        """Releases a buffer the compiled code allocated (`malloc`, or the GPU runtime's allocator)."""
        if self.gpu is not None:
            self.gpu.free(address)
        else:
            self._free(address)

    def flush(self) -> None:
        """Flushes what the program printed (`charl_rt_flush`) and waits for the GPU's work."""
        self.runtime.charl_rt_flush()
        if self.gpu is not None:
            self.gpu.finish()
            self.gpu.check()

    def before_call(self) -> None:
        """On the gpu: NumPy arguments may have changed since the last call."""
        if self.gpu is not None:
            self.gpu.external_changed()

    def after_call(self) -> None:
        """On the gpu: raise what a runtime entry point failed with; bring results to the host."""
        if self.gpu is not None:
            self.gpu.check()
            self.gpu.sync_live()


class Function:
    """A compiled Charl function called with NumPy arrays and Python or NumPy scalars; returns a
    NumPy scalar or array, a tuple of them, or None.

    A tensor argument may be anything `np.asarray` takes (a list, a scalar); it is converted to the
    parameter's element type only when that loses nothing (`np.can_cast(..., "same_kind")`).
    """

    def __init__(self, jit: Jit, name: str, signature: Signature) -> None:
        self.jit = jit
        self.name = name
        self.signature = signature
        prototype = ctypes.CFUNCTYPE(signature.restype(), *signature.argtypes())
        self._cfunc: Any = prototype(jit.address(name))
        self._struct = signature.result_struct() if signature.out_struct else None

    def __call__(self, *args: Any) -> Any:
        """Calls the function with `args` (one per parameter)."""
        if len(args) != len(self.signature.inputs):
            raise TypeError(f"{self.name} takes {len(self.signature.inputs)} arguments, got {len(args)}")
        values = [self._coerce(k, spec, a) for k, (spec, a) in enumerate(zip(self.signature.inputs, args, strict=True))]
        flat, arrays = flatten_args(self.signature, values)
        self.jit.before_call()
        if self._struct is None:
            value = self._cfunc(*flat)
            self.jit.after_call()
            return None if not self.signature.results else self.signature.results[0].dtype.type(value)
        out = self._struct()
        self._cfunc(ctypes.byref(out), *flat)
        self.jit.after_call()
        fields = [getattr(out, f[0]) for f in out._fields_]
        results = unpack_results(self.signature, fields, arrays, self.jit, self.jit.free)
        return results[0] if len(results) == 1 else results

    def _coerce(self, k: int, spec: object, value: Any) -> Any:
        if not isinstance(spec, MemRefSpec):
            return value
        array = np.asarray(value)
        if array.dtype != spec.dtype:
            if not np.can_cast(array.dtype, spec.dtype, "same_kind"):
                raise TypeError(f"{self.name}: argument {k} must hold {spec.dtype}, got an array of {array.dtype}")
            array = array.astype(spec.dtype)
        return np.ascontiguousarray(array)


@dataclass
class Program:
    """A compiled Charl program loaded in this process."""

    jit: Jit
    signatures: dict[str, str]
    kernels: int
    timings: Timings = field(default_factory=Timings)
    cache_hit: bool = False
    warnings: tuple[str, ...] = ()
    """The compiler's warnings, rendered (`file:line:col: warning: ...`, line, caret)."""
    memory: tuple[str, ...] = ()
    """The memory plan of each function with buffers, one line each (`--stats`)."""
    _functions: dict[str, Function] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The functions that can be called: the non-generic functions of the program and `main`."""
        return sorted(self.signatures)

    def fn(self, name: str) -> Function:
        """The compiled function `name`; a `KeyError` naming the callable ones when there is none."""
        if name not in self.signatures:
            raise KeyError(f"no callable function named {name!r}; the program has: {', '.join(self.names)}")
        if name not in self._functions:
            self._functions[name] = Function(self.jit, name, parse_signature(self.signatures[name]))
        return self._functions[name]

    def run(self) -> None:
        """Runs the top-level statements, then flushes the output. A run-time error (an index out of
        range, a bad `.npy` file) prints its located message and ends the process with status 1."""
        main = self.fn(ENTRY)
        with self.timings.measure("run"):
            try:
                main()
            finally:
                self.jit.flush()


def runtime_directory() -> Path:
    """Where the C runtime is built: `runtime/` in the cache directory (`$CHARL_CACHE_DIR` or
    `~/.cache/charl`), whether or not compiled programs are cached."""
    return Cache.from_environment().directory / "runtime"


def runtime_library() -> ctypes.CDLL:
    """The C runtime (built on first use), loaded for JIT-compiled code and for ctypes."""
    from runtime.native import NativeRuntime

    library = NativeRuntime(runtime_directory()).load()
    return ctypes.CDLL(str(library.shared))


def load_source(source: Source, options: Options | None = None, *, cache: Cache | None = None) -> Program:
    """Compile (or fetch from `cache`) and load the Charl program `source`.

    Raises `CharlError` for a mistake in the program (also one a lowering finds, such as `grad`
    before autodiff exists: a `PassFailedException` located at the op), `UsageError` when the
    options ask for a stage charlc lacks.
    """
    options = options or Options()
    timings = Timings()
    with timings.measure("runtime library"):
        library = runtime_library()
    key = None
    if cache is not None:
        with timings.measure("cache lookup"):
            key = cache.program_key(source, options, compiler_fingerprint())
            hit = cache.load_program(key)
        if hit is not None:
            entry, data = hit
            check_externals(entry.externals, library)
            gpu = gpu_runtime(entry.gpu_kernels, library) if options.target == "gpu" else None
            with timings.measure("load object"):
                code = ObjectCode(data, options.opt_level)
            jit = Jit(code, library, gpu)
            memory = entry.memory
            return Program(jit, entry.signatures, entry.kernels, timings, True, entry.warnings, memory=memory)
    session = Session(options, timings=timings)
    lowered = lower(session, source)
    warnings = tuple(render(source, w) for w in session.diagnostics.warnings)
    check_externals(lowered.externals, library)
    gpu = gpu_runtime(lowered.gpu_kernels, library) if options.target == "gpu" else None
    module = jit_compile(lowered.llvm_ir, options, cache, timings)
    if cache is not None and key is not None and module.stats.cache_key:
        entry = ProgramEntry(
            module.stats.cache_key,
            lowered.signatures,
            lowered.kernels,
            warnings,
            lowered.externals,
            lowered.gpu_kernels,
            lowered.memory,
        )
        cache.store_program(key, entry)
    jit = Jit(module, library, gpu)
    return Program(jit, lowered.signatures, lowered.kernels, timings, warnings=warnings, memory=lowered.memory)


def gpu_runtime(kernels: str, library: ctypes.CDLL) -> GpuRuntime:
    """The GPU runtime of a program's kernels, its entry points bound for the JIT linker.

    llvmlite resolves a compiled program's external symbols when it loads the object, from one
    process-wide table: the entry points are bound right before each gpu program is loaded, so each
    program calls its own runtime. The device is opened only at the first launch."""
    import llvmlite.binding as llvm

    from runtime.gpu import GpuRuntime
    from runtime.gpu_kernels import kernels_from_json

    gpu = GpuRuntime(kernels_from_json(kernels) if kernels else [], library=library._name)
    gpu.on_error = stop_on_gpu_error
    for name, address in gpu.symbols().items():
        llvm.add_symbol(name, address)
    return gpu


def stop_on_gpu_error(error: BaseException) -> None:
    """Ends the process as a run-time error does: the output so far, then one `charlc: error:` line
    (a device that cannot run the kernels), or the traceback of a bug, and status 1 or 70."""
    import os
    import sys
    import traceback

    from charlc.driver import EXIT_INTERNAL, EXIT_USER_ERROR, INTERNAL_ERROR
    from runtime.gpu_device import GpuError

    runtime_library().charl_rt_flush()
    sys.stdout.flush()
    if isinstance(error, GpuError):
        sys.stderr.write(f"charlc: error: {error}\n")
        status = EXIT_USER_ERROR
    else:
        traceback.print_exception(error, file=sys.stderr)
        sys.stderr.write(INTERNAL_ERROR + "\n")
        status = EXIT_INTERNAL
    sys.stderr.flush()
    os._exit(status)


def jit_compile(ir_text: str, options: Options, cache: Cache | None, timings: Timings) -> CpuModule:
    """`runtime.cpu.CpuModule` of `ir_text` at `options.opt_level`, with `cache`'s object cache."""
    from runtime.cpu import CompileOptions, CpuModule

    start = time.perf_counter()
    objects = cache.object_cache() if cache is not None else None
    module = CpuModule(ir_text, options=CompileOptions(opt_level=options.opt_level), cache=objects)
    timings.rows["llvm"] = timings.rows.get("llvm", 0.0) + (time.perf_counter() - start) * 1e3
    return module
