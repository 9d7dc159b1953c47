""".npy/.npz files, the clock and the build of the C runtime (runtime/c, runtime/native.py).

Files the runtime writes are read back with np.load (and are byte-identical to np.save's); files NumPy
writes (np.save in versions 1.0-3.0, np.savez, np.savez_compressed, zip64 records) are read by the
runtime into hand-built descriptors, contiguous or strided.
"""

from __future__ import annotations

import ctypes
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runtime_c_calls import shape_args, string_args
from runtime_c_util import DTYPES, DTYPES_BY_CODE, RuntimeLib, build, descriptor, native, random_array

from runtime.native import ZLIB_PROBE, NativeRuntime, RuntimeBuildError, find_compiler

HERE = string_args("io.ch:1:1")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> RuntimeLib:
    return RuntimeLib(build(tmp_path_factory.getbasetemp() / "charl-rt"))


def code_of(dtype: Any) -> int:
    return DTYPES_BY_CODE.index(np.dtype(dtype))


shapes = st.integers(0, 4).flatmap(lambda r: st.tuples(*[st.integers(0, 6)] * r))


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray[Any, Any]:
    """Any dtype and rank; half of them non-contiguous views (reversed or transposed)."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(shapes)
    a = random_array(draw(st.integers(0, 2**32)), dtype, shape, draw(st.sampled_from(["ints", "bits", "scaled"])))
    if a.ndim and draw(st.booleans()):
        a = a[::-1].T
    return a


@SETTINGS
@given(a=arrays())
def test_saved_npy_files_load_in_numpy_and_match_np_save(rt: RuntimeLib, tmp_path: Path, a: Any) -> None:
    path = tmp_path / "a.npy"
    rt.call("npy_save", string_args(str(path)), HERE, descriptor(a), code_of(a.dtype))
    loaded = np.load(path)
    assert loaded.dtype == a.dtype and loaded.shape == a.shape
    np.testing.assert_array_equal(loaded, a)
    np.save(tmp_path / "b.npy", a.copy(order="C"))
    assert path.read_bytes() == (tmp_path / "b.npy").read_bytes()


def read_npy(rt: RuntimeLib, path: Path, like: np.ndarray[Any, Any], dest: np.ndarray[Any, Any]) -> None:
    """npy_open (all dims dynamic), npy_dim for each axis, then npy_read into `dest`."""
    code = code_of(like.dtype)
    rt.call("npy_open", string_args(str(path)), HERE, string_args("T"), code, shape_args([-1] * like.ndim))
    assert [rt.call("npy_dim", string_args(str(path)), k) for k in range(like.ndim)] == list(like.shape)
    rt.call("npy_read", string_args(str(path)), HERE, descriptor(dest), code)


@SETTINGS
@given(a=arrays(), version=st.sampled_from([(1, 0), (2, 0), (3, 0)]), strided=st.booleans())
def test_npy_files_of_every_version_read_into_any_destination(
    rt: RuntimeLib, tmp_path: Path, a: Any, version: tuple[int, int], strided: bool
) -> None:
    path = tmp_path / "a.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a.copy(order="C"), version=version)
    if strided and a.ndim:
        base = np.zeros((*a.shape[:-1], 2 * a.shape[-1]), a.dtype)
        dest = base[..., ::2]
    else:
        dest = np.zeros(a.shape, a.dtype)
    read_npy(rt, path, a, dest)
    np.testing.assert_array_equal(dest, a)


def test_headers_numpy_does_not_write_but_accepts(rt: RuntimeLib, tmp_path: Path) -> None:
    """Double quotes, any key order, `L` suffixes, Fortran order of a vector, '=' byte order."""
    a = np.arange(5, dtype=np.int32)
    header = b'{"shape": (5L,), "fortran_order": True, "descr": "=i4"}'
    header += b" " * (64 - 10 - len(header) - 1) + b"\n"
    path = tmp_path / "odd.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + a.tobytes())
    dest = np.zeros(5, np.int32)
    read_npy(rt, path, a, dest)
    np.testing.assert_array_equal(dest, a)


def save_npz(rt: RuntimeLib, path: Path, arrays: dict[str, np.ndarray[Any, Any]]) -> None:
    rt.call("npz_save_begin", string_args(str(path)), HERE)
    for name, a in arrays.items():
        rt.call("npz_save_add", string_args(name), descriptor(a), code_of(a.dtype))
    rt.call("npz_save_end")


def read_npz(rt: RuntimeLib, path: Path, name: str, like: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    dest = np.zeros(like.shape, like.dtype)
    args = [string_args(str(path)), HERE, string_args(name), string_args("T"), code_of(like.dtype)]
    rt.call("npz_read", *args, shape_args(list(like.shape)), descriptor(dest))
    return dest


@SETTINGS
@given(members=st.lists(arrays(), min_size=0, max_size=4))
def test_saved_npz_files_load_in_numpy(rt: RuntimeLib, tmp_path: Path, members: list[Any]) -> None:
    named = {f"layers.{k}.weight": a for k, a in enumerate(members)}
    path = tmp_path / "m.npz"
    save_npz(rt, path, named)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.namelist() == [f"{n}.npy" for n in named]
    with np.load(path) as loaded:
        assert sorted(loaded.files) == sorted(named)
        for name, a in named.items():
            assert loaded[name].dtype == a.dtype
            np.testing.assert_array_equal(loaded[name], a)
    for name, a in named.items():
        np.testing.assert_array_equal(read_npz(rt, path, name, a), a)


@SETTINGS
@given(members=st.lists(arrays(), min_size=1, max_size=3), compressed=st.booleans())
def test_npz_files_from_numpy_read_back(rt: RuntimeLib, tmp_path: Path, members: list[Any], compressed: bool) -> None:
    # C-ordered copies: np.savez writes a transposed view in Fortran order, which the runtime refuses
    named: dict[str, Any] = {f"p{k}": a.copy(order="C") for k, a in enumerate(members)}
    path = tmp_path / "n.npz"
    deflate = compressed and rt.library.has_zlib  # without zlib, deflated members are an error (tested)
    (np.savez_compressed if deflate else np.savez)(path, **named)
    for name, a in named.items():
        np.testing.assert_array_equal(read_npz(rt, path, name, a), a)


def test_zip64_records_are_read(rt: RuntimeLib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lowered zip64 limits make zipfile write zip64 extra fields and end records for small files."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 16)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    named: dict[str, Any] = {"a": np.arange(10.0), "b": np.eye(3, dtype=np.float32)}
    path = tmp_path / "z.npz"
    np.savez(path, **named)
    assert b"PK\x06\x06" in path.read_bytes()
    for name, a in named.items():
        np.testing.assert_array_equal(read_npz(rt, path, name, a), a)


def test_zlib_is_linked_when_the_system_has_it(rt: RuntimeLib, tmp_path: Path) -> None:
    (tmp_path / "probe.c").write_text(ZLIB_PROBE)
    probe = subprocess.run([find_compiler(), str(tmp_path / "probe.c"), "-lz", "-o", str(tmp_path / "probe")])
    assert rt.library.has_zlib == (probe.returncode == 0)
    assert ("-lz" in rt.library.libraries) == rt.library.has_zlib


def test_clock_is_monotonic_seconds(rt: RuntimeLib) -> None:
    first = rt.call("clock")
    time.sleep(0.01)
    second = rt.call("clock")
    assert 0.009 <= second - first < 1.0
    assert abs(second - time.monotonic()) < 1.0


def test_checks_pass_in_range(rt: RuntimeLib) -> None:
    for start, stop, size in ((0, 0, 0), (0, 4, 4), (3, 4, 4), (2, 2, 4)):
        rt.call("check_slice", start, stop, size, 0, HERE)
    rt.call("check_dim", 7, 7, string_args("N differs"), HERE)


def test_builds_are_cached_by_sources_compiler_and_options(rt: RuntimeLib) -> None:
    cache = rt.library.directory.parent
    stamp = rt.library.shared.stat().st_mtime_ns
    again = native(cache).build()
    assert again == rt.library and again.shared.stat().st_mtime_ns == stamp
    assert all(p.exists() for p in (again.shared, again.static, *again.objects))
    without_zlib = native(cache, zlib=False).build()
    assert without_zlib.directory != again.directory
    assert not without_zlib.has_zlib and without_zlib.libraries == ("-lm", "-lpthread")
    assert native(cache).key() != native(cache, zlib=False).key() != NativeRuntime(cache).key()
    assert not [p for p in cache.iterdir() if p.name.startswith(".build-")]


def test_compiler_errors_are_reported(tmp_path: Path) -> None:
    with pytest.raises(RuntimeBuildError, match="building the Charl runtime failed"):
        NativeRuntime(tmp_path, compiler=str(Path("/bin/false"))).build()


def test_a_missing_compiler_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeBuildError, match="no C compiler found"):
        find_compiler()


def test_load_makes_the_symbols_visible_to_the_jit(rt: RuntimeLib) -> None:
    import llvmlite.binding as llvm

    assert native(rt.library.directory.parent).load() == rt.library
    for name in ("charl_rt_print_tensor", "charl_rt_npz_read", "charl_rt_clock", "charl_rt_flush"):
        assert llvm.address_of_symbol(name)
    assert not llvm.address_of_symbol("charl_fail"), "internal helpers stay hidden"


def test_per_element_type_entry_points_forward_to_the_generic_ones(rt: RuntimeLib, tmp_path: Path) -> None:
    suffixes = ["f32", "f64", "i32", "i64", "i1", "i8"]
    for name in ("print_tensor", "npy_read", "npy_save", "npz_save_add", "npz_read"):
        assert all(hasattr(rt.dll, f"charl_rt_{name}_{sfx}") for sfx in suffixes)
    a = np.arange(6, dtype=np.int64).reshape(2, 3)[:, ::-1]
    d = descriptor(a)
    path = string_args(str(tmp_path / "t.npy"))
    save = rt.dll.charl_rt_npy_save_i64
    save.argtypes = rt.dll.charl_rt_npy_save.argtypes
    save(*path[:5], *HERE[:5], d.rank, d.pointer, 3)
    np.testing.assert_array_equal(np.load(tmp_path / "t.npy"), a)


EXE_MAIN = r"""
#include <stdint.h>
typedef struct { void *allocated, *aligned; int64_t offset, sizes[2], strides[2]; } Desc;
void charl_rt_print_tensor(int64_t rank, const void *desc, int32_t dtype);
void charl_rt_print_newline(void);
void charl_rt_flush(void);
int main(void) {
    double data[6] = {1.5, -2.0, 3.25, 1e-9, 0.0, 4.0};
    Desc d = {data, data, 0, {2, 3}, {3, 1}};
    charl_rt_print_tensor(2, &d, 1);
    charl_rt_print_newline();
    charl_rt_flush();
    return 0;
}
"""


@pytest.mark.parametrize("use_objects", [False, True])
def test_executables_link_the_static_runtime(rt: RuntimeLib, tmp_path: Path, use_objects: bool) -> None:
    main = tmp_path / "main.c"
    main.write_text(EXE_MAIN)
    exe = tmp_path / "main"
    inputs = [*map(str, rt.library.objects), *rt.library.libraries] if use_objects else rt.library.link_inputs()
    subprocess.run([find_compiler(), str(main), *inputs, "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    assert out == str(np.array([[1.5, -2.0, 3.25], [1e-9, 0.0, 4.0]])) + "\n"


def test_string_arguments_follow_their_offset_and_stride(rt: RuntimeLib, tmp_path: Path) -> None:
    path = str(tmp_path / "s.npy")
    np.save(path, np.zeros(3, np.float32))
    interleaved = b"##" + b"".join(bytes([c]) + b"_" for c in path.encode())
    buffer = ctypes.create_string_buffer(interleaved)
    address = ctypes.cast(buffer, ctypes.c_void_p)
    assert rt.dll.charl_rt_npy_dim(address, address, 2, len(path), 2, 0) == 3
