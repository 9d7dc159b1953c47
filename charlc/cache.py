"""The on-disk cache of compiled programs, so that running an unchanged program again skips the
front end, every pass and LLVM.

Two levels share one directory (default `~/.cache/charl`; `CHARL_CACHE_DIR` overrides it; the CLI's
`--no-cache` and the API's `cache=None` turn it off):

- `objects/KEY.o`: `runtime.cpu.ObjectCache`, compiled objects keyed by a hash of the LLVM IR and the
  LLVM options (CPU, features, optimization level, LLVM version);
- `programs/KEY.json`: a program's entry, keyed by a hash of the source text and its path (the path
  is in every run-time error message), the options that change the code, the host CPU, and a
  fingerprint of the compiler's own source files; it names the object and records what is needed to
  call the program's functions (their signatures) and what `--stats` reports (the kernel count).

Entries are written atomically; a damaged or missing entry is a miss. Nothing is kept in module
state: a `Cache` value is passed to whoever uses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from charlc.diagnostics import Source
from charlc.options import Options

if TYPE_CHECKING:
    from runtime.cpu import ObjectCache

CACHE_ENV = "CHARL_CACHE_DIR"
DEFAULT_DIRECTORY = "~/.cache/charl"
ENTRY_FORMAT = 1
ROOT = Path(__file__).resolve().parent.parent
COMPILER_DIRS: tuple[str, ...] = ("charlc", "dialects", "passes", "runtime")
COMPILER_SUFFIXES: tuple[str, ...] = (".py", ".c", ".h")


def default_directory(environ: Mapping[str, str]) -> Path:
    """`$CHARL_CACHE_DIR` when set and not empty, else `~/.cache/charl`."""
    return Path(environ.get(CACHE_ENV) or DEFAULT_DIRECTORY).expanduser()


def compiler_fingerprint(root: Path = ROOT) -> str:
    """A hash of every source file of the compiler and runtime (path and contents), and of the
    versions of xDSL and llvmlite: any change to them invalidates every cached program."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (version("xdsl"), version("llvmlite")):
        digest.update(part.encode() + b"\0")
    files = sorted(
        p for d in COMPILER_DIRS for p in (root / d).rglob("*") if p.suffix in COMPILER_SUFFIXES and p.is_file()
    )
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def host_text() -> str:
    """The host's target triple, CPU name and features (compiled code is specific to them)."""
    import llvmlite.binding as llvm

    return "|".join((llvm.get_process_triple(), llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()))


@dataclass(frozen=True)
class ProgramEntry:
    """What the cache keeps of a compiled program: its object (by `runtime.cpu.ObjectCache` key),
    the MLIR signature of each public function, the number of kernels at the linalg stage, and the
    compiler's warnings (rendered), shown again on every run, and the external functions the object
    calls (checked before it is loaded)."""

    object_key: str
    signatures: dict[str, str]
    kernels: int
    warnings: tuple[str, ...] = ()
    externals: tuple[str, ...] = ()
    gpu_kernels: str = ""
    """The gpu target's WGSL kernels (`runtime.gpu_kernels.kernels_to_json`)."""
    memory: tuple[str, ...] = ()
    """The memory plan of each function with buffers, one line each (what `--stats` prints)."""

    def to_json(self) -> str:
        """The entry as JSON text."""
        body = {"format": ENTRY_FORMAT, "object": self.object_key, "signatures": self.signatures}
        extra = {"kernels": self.kernels, "warnings": list(self.warnings), "externals": list(self.externals)}
        extra["gpu_kernels"] = self.gpu_kernels
        extra["memory"] = list(self.memory)
        return json.dumps({**body, **extra}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ProgramEntry | None:
        """The entry in `text`; None when it is not one of this format."""
        try:
            data = json.loads(text)
            if data.get("format") != ENTRY_FORMAT:
                return None
            signatures = {str(k): str(v) for k, v in data["signatures"].items()}
            warnings = tuple(str(w) for w in data["warnings"])
            externals = tuple(str(w) for w in data["externals"])
            gpu = str(data.get("gpu_kernels", ""))
            memory = tuple(str(line) for line in data.get("memory", []))
            return cls(str(data["object"]), signatures, int(data["kernels"]), warnings, externals, gpu, memory)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class Cache:
    """A cache directory: `objects/` (compiled objects) and `programs/` (program entries)."""

    directory: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Cache:
        """The cache at `$CHARL_CACHE_DIR` or `~/.cache/charl` (`environ` defaults to `os.environ`)."""
        return cls(default_directory(os.environ if environ is None else environ))

    @property
    def objects_directory(self) -> Path:
        """Where `runtime.cpu.ObjectCache` keeps compiled objects."""
        return self.directory / "objects"

    def object_cache(self) -> ObjectCache:
        """A `runtime.cpu.ObjectCache` on `objects/`."""
        from runtime.cpu import ObjectCache

        return ObjectCache(self.objects_directory)

    def program_key(self, source: Source, options: Options, fingerprint: str | None = None) -> str:
        """The key of `source` compiled with `options` by this compiler on this host."""
        digest = hashlib.sha256()
        code_options = (
            options.target,
            options.opt_level,
            options.bounds_checks,
            options.pipeline,
            options.max_memory,
            options.quantize,
            options.quantize_group,
            options.capture,
        )
        for part in (source.path, source.text, repr(code_options), fingerprint or compiler_fingerprint(), host_text()):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def program_path(self, key: str) -> Path:
        """Where the entry of `key` lives."""
        return self.directory / "programs" / f"{key}.json"

    def load_program(self, key: str) -> tuple[ProgramEntry, bytes] | None:
        """The entry of `key` and its object's bytes; None when either is missing or damaged."""
        try:
            entry = ProgramEntry.from_json(self.program_path(key).read_text(encoding="utf-8"))
            if entry is None:
                return None
            return entry, (self.objects_directory / f"{entry.object_key}.o").read_bytes()
        except (OSError, UnicodeDecodeError):
            return None

    def store_program(self, key: str, entry: ProgramEntry) -> None:
        """Writes the entry of `key` atomically; an unwritable directory is ignored (best effort)."""
        path = self.program_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(entry.to_json())
            os.replace(tmp, path)
        except OSError:
            pass
