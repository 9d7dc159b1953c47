"""The CPU runtime: LLVM IR optimized at -O3 for the host CPU, JIT-compiled with MCJIT, called with NumPy.

    module = CpuModule(llvm_ir, cache=ObjectCache())
    matmul = module.function("matmul", "(memref<?x?xf32>, memref<?x?xf32>, memref<?x?xf32>) -> ()")
    matmul(a, b, c)

Compiled objects are cached on disk by a hash of the IR text and the compile options (CPU name,
features, optimization level, LLVM version); on a hit, optimization and code generation are skipped.
The cache is an `ObjectCache` object passed in (none: no caching). `CpuModule.stats` reports the
compile time and whether the cache hit. The calling convention is `runtime/abi.py`'s.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import llvmlite.binding as llvm
from llvmlite import ir

from runtime.abi import Signature, flatten_args, parse_signature, unpack_results


@dataclass(frozen=True)
class CompileOptions:
    """How LLVM compiles a module. `cpu`/`features` default to the host's (from llvmlite)."""

    opt_level: int = 3
    cpu: str | None = None
    features: str | None = None
    loop_vectorize: bool = True
    slp_vectorize: bool = True
    keep_ir: bool = field(default=False, compare=False)
    """Keep the optimized IR text in `CpuModule.optimized_ir` (not on a cache hit)."""

    def resolved(self) -> CompileOptions:
        """These options with the host CPU name and features filled in."""
        cpu = self.cpu if self.cpu is not None else llvm.get_host_cpu_name()
        features = self.features if self.features is not None else llvm.get_host_cpu_features().flatten()
        return replace(self, cpu=cpu, features=features)

    def cache_text(self) -> str:
        """What of these options changes the compiled code (part of the cache key)."""
        return repr((self.opt_level, self.cpu, self.features, self.loop_vectorize, self.slp_vectorize))


@dataclass
class CompileStats:
    """What compiling one module took."""

    compile_seconds: float = 0.0
    """Parse, optimize and generate code (on a cache hit: parse and load the cached object)."""
    optimize_seconds: float = 0.0
    cache_hit: bool = False
    cache_key: str = ""


@dataclass
class ObjectCache:
    """Compiled objects on disk, one file per key (default directory `~/.cache/charl`)."""

    directory: Path = field(default_factory=lambda: Path("~/.cache/charl").expanduser())
    hits: int = 0
    misses: int = 0

    def key(self, ir_text: str, options: CompileOptions) -> str:
        """The key of `ir_text` compiled with (resolved) `options` on this LLVM and target."""
        digest = hashlib.sha256()
        for part in (ir_text, options.cache_text(), llvm.get_process_triple(), repr(llvm.llvm_version_info)):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        """Where the object of `key` lives."""
        return Path(self.directory) / f"{key}.o"

    def load(self, key: str) -> bytes | None:
        """The cached object of `key`, if any (counts a hit or a miss)."""
        try:
            data = self.path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        self.hits += 1
        return data

    def store(self, key: str, data: bytes) -> None:
        """Writes the object of `key` atomically."""
        directory = Path(self.directory)
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self.path(key))


def load_library(path: str | Path) -> None:
    """Makes the symbols of the shared library `path` visible to JIT-compiled code (for the
    process's lifetime): how external functions such as the C runtime's `charl_rt_*` resolve."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no shared library at {path}")
    llvm.load_library_permanently(str(path))


def check_externals(module: llvm.ModuleRef) -> None:
    """A `LookupError` naming the first function `module` declares that no loaded code defines (a
    call of it would jump to address 0)."""
    process = ctypes.CDLL(None)
    for fn in module.functions:
        name = fn.name
        if fn.is_declaration and not name.startswith("llvm.") and not hasattr(process, name):
            if not llvm.address_of_symbol(name):
                raise LookupError(
                    f"the compiled code calls {name}, which no loaded library defines; "
                    "pass the library that does (CpuModule(..., libraries=[path]))"
                )


class CpuModule:
    """A JIT-compiled LLVM module whose functions are called with NumPy arrays and scalars.

    External functions the module declares resolve against the process's symbols and the shared
    `libraries` (loaded first, see `load_library`).
    """

    def __init__(
        self,
        llvm_ir: str | ir.Module,
        *,
        options: CompileOptions | None = None,
        cache: ObjectCache | None = None,
        on_compiled: Callable[[CompileStats], None] | None = None,
        libraries: Sequence[str | Path] = (),
    ) -> None:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        for library in libraries:
            load_library(library)
        self.options = (options or CompileOptions()).resolved()
        self.stats = CompileStats()
        self.optimized_ir: str | None = None
        self._free = ctypes.CDLL(None).free
        self._free.argtypes = [ctypes.c_void_p]
        self._free.restype = None
        start = time.perf_counter()
        self._engine = self._compile(str(llvm_ir), cache)
        self.stats.compile_seconds = time.perf_counter() - start
        if on_compiled is not None:
            on_compiled(self.stats)

    def _target_machine(self) -> llvm.TargetMachine:
        target = llvm.Target.from_default_triple()
        assert self.options.cpu is not None and self.options.features is not None
        return target.create_target_machine(
            cpu=self.options.cpu, features=self.options.features, opt=self.options.opt_level, codemodel="jitdefault"
        )

    def _compile(self, text: str, cache: ObjectCache | None) -> llvm.ExecutionEngine:
        tm = self._target_machine()
        module = llvm.parse_assembly(text)
        module.triple = llvm.get_process_triple()
        module.data_layout = str(tm.target_data)
        module.verify()
        check_externals(module)
        cached: bytes | None = None
        if cache is not None:
            self.stats.cache_key = cache.key(text, self.options)
            cached = cache.load(self.stats.cache_key)
        self.stats.cache_hit = cached is not None
        if cached is None:
            self._optimize(module, tm)
        engine = llvm.create_mcjit_compiler(module, tm)
        if cache is not None:
            key = self.stats.cache_key

            def notify(_module: llvm.ModuleRef, data: bytes) -> None:
                try:
                    cache.store(key, data)
                except OSError:
                    pass  # the cache is best effort: an unwritable directory only costs the next compile

            engine.set_object_cache(notify, lambda _module: cached)
        engine.finalize_object()
        return engine

    def _optimize(self, module: llvm.ModuleRef, tm: llvm.TargetMachine) -> None:
        start = time.perf_counter()
        tuning = llvm.create_pipeline_tuning_options(speed_level=min(self.options.opt_level, 3))
        tuning.loop_vectorization = self.options.loop_vectorize
        tuning.slp_vectorization = self.options.slp_vectorize
        builder = llvm.create_pass_builder(tm, tuning)
        builder.getModulePassManager().run(module, builder)
        self.stats.optimize_seconds = time.perf_counter() - start
        if self.options.keep_ir:
            self.optimized_ir = str(module)

    def address(self, name: str) -> int:
        """The address of the compiled function `name`."""
        address = int(self._engine.get_function_address(name))
        if not address:
            raise KeyError(f"no function named {name!r} in the compiled module")
        return address

    def function(self, name: str, signature: Signature | str) -> CpuFunction:
        """The function `name`, callable from Python; `signature` is its MLIR type before lowering."""
        if isinstance(signature, str):
            signature = parse_signature(signature)
        return CpuFunction(self, name, signature)

    def free(self, address: int) -> None:
        """Releases a buffer the compiled code allocated with `malloc`."""
        self._free(address)


class CpuFunction:
    """A compiled function: takes NumPy arrays and Python scalars, returns NumPy values."""

    def __init__(self, module: CpuModule, name: str, signature: Signature) -> None:
        self.module = module
        self.name = name
        self.signature = signature
        prototype = ctypes.CFUNCTYPE(signature.restype(), *signature.argtypes())
        self._cfunc: Any = prototype(module.address(name))
        self._struct = signature.result_struct() if signature.out_struct else None

    def __call__(self, *args: Any) -> Any:
        """Calls the function; returns None, one value, or a tuple for several results."""
        flat, arrays = flatten_args(self.signature, args)
        if self._struct is None:
            value = self._cfunc(*flat)
            if not self.signature.results:
                return None
            return self.signature.results[0].dtype.type(value)
        out = self._struct()
        self._cfunc(ctypes.byref(out), *flat)
        values = [getattr(out, f[0]) for f in out._fields_]
        results = unpack_results(self.signature, values, arrays, self.module, self.module.free)
        return results[0] if len(results) == 1 else results
