"""`charlc run`, the program cache and the Python API that calls compiled functions.

`charlc run` is run as a user would (a subprocess; each test gets its own `CHARL_CACHE_DIR`); the
cache and the API are also tested in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from charlc import api, run
from charlc.cache import Cache, ProgramEntry, compiler_fingerprint, default_directory
from charlc.diagnostics import CharlError, Source
from charlc.options import Options
from charlc.syntax import Span

HELLO = """\
fn sq(x: float32) -> float32 { return x * x }
print("hello", sq(1.5), [1, 2, 3])
"""

LIB = """\
fn scale(x: tensor<float32, [2, 3]>, k: float32) -> tensor<float32, [2, 3]> { return x * k }
fn pair(a: int32, b: float64) -> (int32, float64) { return (a + 1, b * 2.0) }
fn stats(x: tensor<float32, [4]>) -> (float32, tensor<float32, [4]>, bool) {
    return (sum(x), x - mean(x), max(x) > 1.0)
}
fn generic(x: tensor<float32, [N]>) -> float32 { return sum(x) }
fn count(n: int64) -> int64 {
    let mut t: int64 = 0
    for i in 0..n { t = t + i }
    return t
}
print(generic([1.0, 2.0]))
"""


def charlc(*args: str, cache: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHARL_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "charlc", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ---------------------------------------------------------------------------------------------
# charlc run


def test_run_prints_and_exits_0(tmp_path: Path) -> None:
    r = charlc("run", write(tmp_path, "hello.ch", HELLO), cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello 2.25 [1 2 3]\n"
    assert r.stderr == ""


def test_compile_error_exits_1_located(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.ch", "let a = 1.0\nprint(a + b)\n")
    r = charlc("run", path, cache=tmp_path / "cache")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines()[0].startswith(f"{path}:2:11: error: ")
    assert r.stderr.splitlines()[1:] == ["print(a + b)", " " * 10 + "^"]


def test_grad_runs(tmp_path: Path) -> None:
    text = "fn f(w: float32) -> float32 { return w * w }\nprint(grad(f)(3.0), value_and_grad(f)(2.0))\n"
    path = write(tmp_path, "g.ch", text)
    r = charlc("run", path, cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "6.0 (4.0, 4.0)\n"


def test_a_grad_of_a_non_scalar_function_is_a_located_error(tmp_path: Path) -> None:
    text = "fn f(w: tensor<float32, [2]>) { return w % 2.0 }\nprint(grad(f)([3.0, 1.0]))\n"
    path = write(tmp_path, "g.ch", text)
    r = charlc("run", path, cache=tmp_path / "cache")
    assert r.returncode == 1
    head = r.stderr.splitlines()[0]
    assert head.startswith(f"{path}:2:7: error:") and "to return a float32 or float64 scalar" in head, r.stderr


def test_runtime_error_exits_1_after_flushing_the_output(tmp_path: Path) -> None:
    text = "let x = [1, 2]\nlet mut i = 0\nwhile i < 3 {\n    print(x[i])\n    i = i + 1\n}\n"
    path = write(tmp_path, "oob.ch", text)
    r = charlc("run", path, cache=tmp_path / "cache")
    assert r.returncode == 1
    assert r.stdout == "1\n2\n"
    assert r.stderr == f"{path}:4:11: runtime error: index 2 is out of range for axis 0 of size 2\n"


def test_stats(tmp_path: Path) -> None:
    path = write(tmp_path, "s.ch", "let x = [1.0, 2.0]\nprint(exp(x) + x * 2.0)\n")
    r = charlc("run", path, "--stats", "--no-cache", cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == "charlc run: statistics (wall ms)"
    phases = [line.split()[0] for line in lines[1:] if line.split()[-1].replace(".", "").isdigit()]
    passes = ("convert-charl-to-linalg", "linalg-fuse-elementwise", "charl-bufferize", "convert-to-llvm")
    for phase in ("parse", "typecheck", "irgen", *passes):
        assert phase in phases
    assert any(line.strip().startswith("run ") for line in lines)
    kernels = [line for line in lines if "kernels:" in line]
    # exp, the fill of 2.0, the product and the sum fuse into one generic
    assert len(kernels) == 1 and int(kernels[0].split()[1]) == 1
    assert lines[-1].strip() == "cache: off"


def test_gpu_stats_count_launches_and_transfers(tmp_path: Path) -> None:
    """On the gpu, --stats adds the runtime's counters: a fill and ten in-place launches in one
    batch, one submit and one read-back for the print, and few calls from the C runtime into Python."""
    from gpu_util import gpu_context

    gpu_context()
    text = "let mut x = zeros([4])\nfor i in 0..10 { x = x * 2.0 + 1.0 }\nprint(x)\n"
    r = charlc("run", write(tmp_path, "g.ch", text), "--target=gpu", "--stats", "--no-cache", cache=tmp_path / "c")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[1023. 1023. 1023. 1023.]\n"
    (line,) = [line.split() for line in r.stderr.splitlines() if line.strip().startswith("gpu:")]
    assert line[1:7] == ["11", "launches,", "11", "dispatches,", "1", "submits,"], line
    assert int(line[7]) <= 1 and line[9:11] == ["1", "read-backs,"] and int(line[11]) <= 10, line


def test_random_numbers_are_the_same_at_every_optimization_level(tmp_path: Path) -> None:
    text = "print(random_normal([3, 4], seed: 2), random_uniform([5], seed: 3), random_int([6], 0, 9, seed: 4))\n"
    path = write(tmp_path, "o.ch", text)
    outputs = {charlc("run", path, f"-O{n}", cache=tmp_path / "cache").stdout for n in range(4)}
    assert len(outputs) == 1 and "[[" in outputs.pop()


def test_float_results_agree_across_optimization_levels(tmp_path: Path) -> None:
    text = "let x = random_normal([3, 4], seed: 2)\nprint(x @ transpose(x))\nprint(sum(x, axis: 0))\n"
    path = write(tmp_path, "o.ch", text)
    low, high = (charlc("run", path, flag, cache=tmp_path / "cache").stdout for flag in ("-O0", "-O3"))
    numbers = [np.array(out.replace("[", " ").replace("]", " ").split(), float) for out in (low, high)]
    np.testing.assert_allclose(numbers[0], numbers[1], rtol=1e-6)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--group=16"], "--group is the group size of --quantize; add --quantize=int8 or --quantize=int4"),
        (["--quantize=int4", "--group=0"], "--group must be positive, got 0"),
        (["-O7"], "-O"),
    ],
)
def test_run_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    r = charlc("run", write(tmp_path, "p.ch", HELLO), *args, cache=tmp_path / "cache")
    assert r.returncode == 2
    assert r.stderr.startswith("charlc: error: ") and message in r.stderr and r.stderr.count("\n") == 1


def test_run_takes_charl_sources_only(tmp_path: Path) -> None:
    r = charlc("run", write(tmp_path, "p.mlir", "func.func @main() {\n  func.return\n}\n"), cache=tmp_path / "c")
    assert r.returncode == 2
    assert "charlc run takes a Charl source" in r.stderr


# ---------------------------------------------------------------------------------------------
# The cache


def test_second_run_hits_the_cache_and_prints_the_same(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = write(tmp_path, "p.ch", HELLO)
    first = charlc("run", path, "--stats", cache=cache)
    second = charlc("run", path, "--stats", cache=cache)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout == "hello 2.25 [1 2 3]\n"
    assert "cache: miss" in first.stderr and "cache: hit" in second.stderr
    assert "parse" in first.stderr and "parse" not in second.stderr
    assert len(list((cache / "programs").glob("*.json"))) == 1
    assert len(list((cache / "objects").glob("*.o"))) == 1


def test_no_cache_stores_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    r = charlc("run", write(tmp_path, "p.ch", HELLO), "--no-cache", "--stats", cache=cache)
    assert r.returncode == 0, r.stderr
    assert "cache: off" in r.stderr
    assert not (cache / "programs").exists() and not (cache / "objects").exists()


def test_cache_directory_comes_from_the_environment() -> None:
    assert default_directory({"CHARL_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert default_directory({}) == Path("~/.cache/charl").expanduser()
    assert default_directory({"CHARL_CACHE_DIR": ""}) == Path("~/.cache/charl").expanduser()


def test_cache_key_depends_on_source_path_options_and_compiler(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    src = Source("a.ch", HELLO)
    key = cache.program_key(src, Options(), "f1")
    assert key == cache.program_key(src, Options(), "f1")
    others = [
        cache.program_key(Source("a.ch", HELLO + "\n"), Options(), "f1"),
        cache.program_key(Source("b.ch", HELLO), Options(), "f1"),
        cache.program_key(src, Options(opt_level=0), "f1"),
        cache.program_key(src, Options(bounds_checks=False), "f1"),
        cache.program_key(src, Options(), "f2"),
    ]
    assert len({key, *others}) == 6
    assert cache.program_key(src, Options(print_debuginfo=True), "f1") == key


def test_compiler_fingerprint_follows_the_compiler_sources(tmp_path: Path) -> None:
    for folder in ("charlc", "dialects", "passes", "runtime/c"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "a.py").write_text("x = 1\n")
    (tmp_path / "runtime" / "c" / "rt.c").write_text("int x;\n")
    first = compiler_fingerprint(tmp_path)
    assert compiler_fingerprint(tmp_path) == first
    (tmp_path / "runtime" / "c" / "rt.c").write_text("int y;\n")
    second = compiler_fingerprint(tmp_path)
    (tmp_path / "passes" / "b.py").write_text("")
    assert len({first, second, compiler_fingerprint(tmp_path)}) == 3
    (tmp_path / "docs.md").write_text("not compiler source")
    assert compiler_fingerprint(tmp_path) == compiler_fingerprint(tmp_path)


def test_cached_load_skips_the_front_end_and_every_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path / "cache")
    source = Source("lib.ch", LIB)
    first = run.load_source(source, cache=cache)
    assert not first.cache_hit

    def fail(*args: object) -> None:
        raise AssertionError("the front end or a pass ran on a cached program")

    monkeypatch.setattr(run, "lower", fail)
    monkeypatch.setattr(run, "jit_compile", fail)
    second = run.load_source(source, cache=cache)
    assert second.cache_hit
    assert second.signatures == first.signatures and second.kernels == first.kernels
    assert set(second.timings.rows) <= {"cache lookup", "runtime library", "load object"}
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(second.fn("scale")(x, 2.0), x * 2)


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    source = Source("lib.ch", LIB)
    run.load_source(source, cache=cache)
    (entry,) = (tmp_path / "cache" / "programs").glob("*.json")
    entry.write_text("{not json")
    again = run.load_source(source, cache=cache)
    assert not again.cache_hit
    assert json.loads(entry.read_text())["format"] == 1
    for obj in (tmp_path / "cache" / "objects").glob("*.o"):
        obj.unlink()
    assert not run.load_source(source, cache=cache).cache_hit


def test_entry_round_trips() -> None:
    entry = ProgramEntry("k", {"main": "() -> ()"}, 3, ("w",), ("charl_rt_flush",))
    assert ProgramEntry.from_json(entry.to_json()) == entry
    assert ProgramEntry.from_json('{"format": 99}') is None


def test_warnings_are_kept_for_cached_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import charlc.typecheck as typecheck

    real_check = typecheck.check

    def check_with_a_warning(program: Any, source: Source) -> Any:
        checked = real_check(program, source)
        checked.warnings.append(CharlError(Span(2, 7, 2, 8), "a test warning", kind="warning"))
        return checked

    monkeypatch.setattr(typecheck, "check", check_with_a_warning)
    first = run.load_source(Source("w.ch", HELLO), cache=Cache(tmp_path))
    expected = f"w.ch:2:7: warning: a test warning\n{HELLO.splitlines()[1]}\n      ^"
    assert first.warnings == (expected,) and not first.cache_hit
    monkeypatch.undo()
    second = run.load_source(Source("w.ch", HELLO), cache=Cache(tmp_path))
    assert second.cache_hit and second.warnings == (expected,)


# ---------------------------------------------------------------------------------------------
# The Python API


@pytest.fixture(scope="module")
def lib() -> run.Program:
    return api.load(LIB, path="lib.ch")


def test_api_calls_functions_with_numpy_arrays(lib: run.Program) -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = lib.fn("scale")(x, np.float32(0.5))
    assert y.dtype == np.float32 and y.shape == (2, 3)
    np.testing.assert_array_equal(y, x * 0.5)
    np.testing.assert_array_equal(lib.fn("scale")(x.tolist(), 3.0), x * 3)


def test_api_returns_tuples_and_scalars(lib: run.Program) -> None:
    a, b = lib.fn("pair")(41, 1.25)
    assert (a, b) == (42, 2.5) and a.dtype == np.int32 and b.dtype == np.float64
    total, centered, big = lib.fn("stats")(np.array([1.0, 2.0, 3.0, 6.0], np.float32))
    assert total == np.float32(12.0) and bool(big) is True
    np.testing.assert_array_equal(centered, [-2.0, -1.0, 0.0, 3.0])
    assert lib.fn("count")(np.int64(5)) == 10


def test_api_results_are_independent_buffers(lib: run.Program) -> None:
    x = np.ones((2, 3), np.float32)
    first = lib.fn("scale")(x, 2.0)
    second = lib.fn("scale")(x, 3.0)
    assert first.tolist() == (x * 2).tolist() and second.tolist() == (x * 3).tolist()
    del first
    assert lib.fn("scale")(x, 4.0).tolist() == (x * 4).tolist()


def test_api_lists_callable_functions_and_refuses_others(lib: run.Program) -> None:
    assert {"scale", "pair", "stats", "count", "main"} <= set(lib.names)
    assert "generic" not in lib.names
    with pytest.raises(KeyError, match="no callable function named 'nope'"):
        lib.fn("nope")
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        lib.fn("scale")(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="must hold float32"):
        lib.fn("scale")(np.ones((2, 3), np.complex64), 1.0)
    with pytest.raises(ValueError):
        lib.fn("scale")(np.ones((3, 2), np.float32), 1.0)


def test_api_run_prints_through_the_runtime(capfd: pytest.CaptureFixture[str], lib: run.Program) -> None:
    lib.run()
    assert capfd.readouterr().out == "3.0\n"


def test_api_compile_errors_are_charl_errors() -> None:
    with pytest.raises(CharlError) as err:
        api.load("let a = 1\nlet b = a + c\n")
    assert (err.value.span.line, err.value.span.col) == (2, 13)
    with pytest.raises(CharlError, match="while loops cannot be differentiated"):
        loop = "fn f(w: float32) -> float32 {\n let mut x = w\n while x < 9.0 { x = x * 2.0 }\n return x\n}\n"
        api.load(loop + "print(grad(f)(3.0))\n")


def test_api_load_file_and_options(tmp_path: Path) -> None:
    path = write(tmp_path, "f.ch", "fn f(x: tensor<float32, [3]>, i: int32) -> float32 { return x[i] }\n")
    unchecked = api.load_file(path, Options(bounds_checks=False, opt_level=0))
    assert unchecked.fn("f")(np.array([1.0, 2.0, 3.0], np.float32), 2) == 3.0
