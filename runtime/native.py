"""Builds the C runtime (`runtime/c/*.c`) with the system C compiler, cached on disk.

    library = NativeRuntime(cache_dir).load()       # built (or found in the cache) and loaded for the JIT
    cc program.o *library.link_inputs() -o program  # linking a native executable

The library is compiled at -O2 -fPIC with `cc` (else `gcc`, or the compiler named) into a directory
of `cache_dir` named by a hash of the sources, the compiler's identity and the options, as a shared
library (for `llvmlite.binding.load_library_permanently`) and a static archive with its object files
(for executables). zlib is linked when it is there (its header and library), so that deflated `.npz`
members can be read; without it, reading one is a run-time error. pthreads are linked for the matmul
thread pool (gemm.c). Builds are atomic: a directory
appears complete or not at all, so concurrent builds of the same key are safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent / "c"
"""Where the runtime's C sources are."""

CFLAGS = ("-O2", "-fPIC", "-std=c11", "-fvisibility=hidden")
"""How every source is compiled."""

ZLIB_PROBE = "#include <zlib.h>\nint main(void) { z_stream z = {0}; return inflateInit2(&z, -15) != Z_OK; }\n"


class RuntimeBuildError(RuntimeError):
    """The C runtime did not compile or link (the message holds the compiler's output)."""


@dataclass(frozen=True)
class RuntimeLibrary:
    """A built runtime: the files and what linking against it needs."""

    directory: Path
    shared: Path
    """The shared library, for the JIT."""
    static: Path
    """The static archive, for executables."""
    objects: tuple[Path, ...]
    """The object files in the archive (to link without `ar`)."""
    libraries: tuple[str, ...]
    """What an executable must also link (`-lz` when zlib is used, `-lm`, `-lpthread`)."""
    has_zlib: bool

    def link_inputs(self) -> list[str]:
        """The arguments that link the runtime into an executable: the archive, then the libraries."""
        return [str(self.static), *self.libraries]


def find_compiler() -> str:
    """The system C compiler: `cc`, else `gcc`."""
    for name in ("cc", "gcc"):
        found = shutil.which(name)
        if found is not None:
            return found
    raise RuntimeBuildError("no C compiler found: install one (cc or gcc) to build the Charl runtime")


def source_files() -> list[Path]:
    """The runtime's sources and headers, sorted by name."""
    return sorted(p for p in SOURCE_DIR.iterdir() if p.suffix in (".c", ".h"))


@dataclass
class NativeRuntime:
    """Builds the runtime into `cache_dir` (default `~/.cache/charl/runtime`), once per key."""

    cache_dir: Path = field(default_factory=lambda: Path("~/.cache/charl/runtime").expanduser())
    compiler: str | None = None
    """The C compiler; default: `find_compiler()`."""
    zlib: bool | None = None
    """Link zlib: `None` when available, `False` never (a build without it)."""
    extra_flags: tuple[str, ...] = ()
    """More compiler flags (part of the key), e.g. `("-Wall", "-Werror")`."""

    def _compiler(self) -> str:
        return self.compiler if self.compiler is not None else find_compiler()

    def key(self) -> str:
        """The hash naming the build: sources, compiler identity, flags and the zlib choice."""
        compiler = self._compiler()
        digest = hashlib.sha256()
        for path in source_files():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=False).stdout
        for part in (compiler, version, repr(CFLAGS), repr(self.extra_flags), repr(self.zlib)):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    def build(self) -> RuntimeLibrary:
        """The built runtime, compiled now unless the cache has it."""
        directory = Path(self.cache_dir) / f"charl-rt-{self.key()[:24]}"
        if not (directory / "build.json").exists():
            self._build_into(directory)
        return _library(directory)

    def load(self) -> RuntimeLibrary:
        """The built runtime, with its shared library loaded into this process for the JIT."""
        import llvmlite.binding as llvm

        library = self.build()
        llvm.load_library_permanently(str(library.shared))
        return library

    def _build_into(self, directory: Path) -> None:
        compiler = self._compiler()
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=directory.parent))
        try:
            has_zlib = self.zlib is not False and _links(compiler, ZLIB_PROBE, ["-lz"], staging)
            flags = [*CFLAGS, *self.extra_flags, *(["-DCHARL_HAVE_ZLIB"] if has_zlib else [])]
            objects = []
            for source in (p for p in source_files() if p.suffix == ".c"):
                obj = staging / f"{source.stem}.o"
                _run([compiler, *flags, "-c", str(source), "-o", str(obj)])
                objects.append(obj)
            libraries = ["-lz", "-lm", "-lpthread"] if has_zlib else ["-lm", "-lpthread"]
            shared = staging / "libcharl_rt.so"
            _run([compiler, "-shared", "-o", str(shared), *map(str, objects), *libraries])
            _archive(compiler, staging / "libcharl_rt.a", objects)
            info = {"objects": [o.name for o in objects], "libraries": libraries, "has_zlib": has_zlib}
            (staging / "build.json").write_text(json.dumps(info))
            try:
                os.rename(staging, directory)
            except OSError:
                if not (directory / "build.json").exists():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _library(directory: Path) -> RuntimeLibrary:
    info = json.loads((directory / "build.json").read_text())
    return RuntimeLibrary(
        directory=directory,
        shared=directory / "libcharl_rt.so",
        static=directory / "libcharl_rt.a",
        objects=tuple(directory / name for name in info["objects"]),
        libraries=tuple(info["libraries"]),
        has_zlib=bool(info["has_zlib"]),
    )


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeBuildError(f"building the Charl runtime failed: {' '.join(command)}\n{done.stderr}")


def _links(compiler: str, program: str, libraries: list[str], scratch: Path) -> bool:
    """Whether `program` compiles and links with `libraries` (a feature probe)."""
    source = scratch / "probe.c"
    source.write_text(program)
    done = subprocess.run(
        [compiler, str(source), "-o", str(scratch / "probe"), *libraries], capture_output=True, check=False
    )
    source.unlink()
    (scratch / "probe").unlink(missing_ok=True)
    return done.returncode == 0


def _archive(compiler: str, archive: Path, objects: list[Path]) -> None:
    """`ar rcs` the objects; without `ar`, one relocatable object merged by the compiler stands in."""
    ar = shutil.which("ar")
    if ar is not None:
        _run([ar, "rcs", str(archive), *map(str, objects)])
    else:
        _run([compiler, "-r", "-nostdlib", "-o", str(archive), *map(str, objects)])
