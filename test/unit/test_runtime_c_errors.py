"""Every run-time error of the C runtime: the exact message on stderr, `file:line:col: runtime error:`
first, exit status 1, and stdout flushed before it. Each case runs in a subprocess (the runtime exits).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_c_util import RuntimeLib, build, run_c

Setup = Callable[[Path], None]


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> RuntimeLib:
    return RuntimeLib(build(tmp_path_factory.getbasetemp() / "charl-rt"))


@pytest.fixture(scope="module")
def rt_without_zlib(tmp_path_factory: pytest.TempPathFactory) -> RuntimeLib:
    return RuntimeLib(build(tmp_path_factory.getbasetemp() / "charl-rt", zlib=False))


def fails(rt: RuntimeLib, cwd: Path, call: str) -> str:
    """Runs `call` after printing `partial` (no newline); returns stderr after checking the exit."""
    out = run_c(rt.library, f'rt.call("print_str", u.string_args("partial"))\n{call}\nprint("not reached")\n', cwd)
    assert (out.returncode, out.stdout) == (1, "partial"), out.stderr
    assert out.stderr.endswith("\n") and out.stderr.count("\n") == 1
    return out.stderr.rstrip("\n")


def npy_bytes(header: bytes, data: bytes = b"", version: bytes = b"\x01\x00") -> bytes:
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY" + version + len(header).to_bytes(2, "little") + header + data


def save(name: str, array: np.ndarray[Any, Any], fortran: bool = False) -> Setup:
    return lambda d: np.save(d / name, np.asfortranarray(array) if fortran else array)


def write(name: str, content: bytes) -> Setup:
    def setup(d: Path) -> None:
        (d / name).write_bytes(content)

    return setup


def truncated(name: str, array: np.ndarray[Any, Any], keep: int) -> Setup:
    def setup(d: Path) -> None:
        np.save(d / name, array)
        (d / name).write_bytes((d / name).read_bytes()[:keep])

    return setup


OPEN = 'rt.call("npy_open", u.string_args("x.npy"), u.string_args("x.ch:3:5"), u.string_args("tensor<float32, [?, 4]>"), 0, u.shape_args([-1, 4]))'  # noqa: E501
F32 = np.zeros((3, 4), np.float32)
EXPECT = "expected tensor<float32, [?, 4]>"
GOOD_HEADER = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"

NPY_CASES: list[tuple[str, Setup, str]] = [
    ("dtype", save("x.npy", np.zeros((3, 4))), f"x.npy holds float64 [3, 4], {EXPECT}"),
    ("shape", save("x.npy", np.zeros((3, 5), np.float32)), f"x.npy holds float32 [3, 5], {EXPECT}"),
    ("rank", save("x.npy", np.zeros(12, np.float32)), f"x.npy holds float32 [12], {EXPECT}"),
    ("scalar", save("x.npy", np.array(1, np.float32)), f"x.npy holds float32 [], {EXPECT}"),
    ("unsigned", save("x.npy", np.zeros((3, 4), np.uint16)), f"x.npy holds uint16 [3, 4], {EXPECT}"),
    ("strings", save("x.npy", np.array(["ab", "c"])), f"x.npy holds dtype '<U2' [2], {EXPECT}"),
    ("structured", save("x.npy", np.zeros(2, "i4,f4")), f"x.npy holds a structured array, {EXPECT}"),
    ("missing", lambda d: None, "cannot open x.npy: No such file or directory"),
    ("not-npy", write("x.npy", b"hello, world"), "x.npy is not a .npy file"),
    ("empty", write("x.npy", b""), "x.npy is not a .npy file"),
    ("version", write("x.npy", npy_bytes(GOOD_HEADER, version=b"\x04\x00")),
     "x.npy is a version 4.0 .npy file; versions 1.0 to 3.0 can be read"),
    ("short-prefix", write("x.npy", b"\x93NUMPY\x01\x00\x40"), "x.npy is truncated (in its header)"),
    ("short-header", truncated("x.npy", F32, 40), "x.npy is truncated (in its header)"),
    ("not-a-dict", write("x.npy", npy_bytes(b"[1, 2]")), "x.npy has a malformed header: it is not a dict"),
    ("bad-bool", write("x.npy", npy_bytes(GOOD_HEADER.replace(b"False", b"Maybe"))),
     "x.npy has a malformed header: fortran_order is neither True nor False"),
    ("bad-shape", write("x.npy", npy_bytes(GOOD_HEADER.replace(b"(3, 4)", b"(3, -4)"))),
     "x.npy has a malformed header: a dimension of the shape is not a non-negative integer"),
    ("missing-key", write("x.npy", npy_bytes(b"{'descr': '<f4', 'shape': (3, 4)}")),
     "x.npy has a malformed header: descr, fortran_order or shape is missing"),
    ("unknown-key", write("x.npy", npy_bytes(GOOD_HEADER.replace(b"'shape'", b"'shap'"))),
     "x.npy has a malformed header: unknown key"),
    ("unterminated", write("x.npy", npy_bytes(b"{'descr': '<f4")), "x.npy has a malformed header: unterminated string"),
    ("fortran", save("x.npy", F32, fortran=True),
     f"x.npy holds float32 [3, 4] in Fortran order, {EXPECT}; only C-order .npy files can be read "
     "(save `np.ascontiguousarray(a)`)"),
    ("big-endian", save("x.npy", F32.astype(">f4")),
     f"x.npy holds big-endian float32 [3, 4], {EXPECT}; only little-endian .npy files can be read "
     "(save it with `a.astype(a.dtype.newbyteorder('<'))`)"),
    ("truncated", truncated("x.npy", F32, 128 + 20),
     "x.npy is truncated: float32 [3, 4] needs 48 bytes of data, the file has 20"),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "message"), [c[1:] for c in NPY_CASES], ids=[c[0] for c in NPY_CASES])
def test_npy_open_errors(rt: RuntimeLib, tmp_path: Path, setup: Setup, message: str) -> None:
    setup(tmp_path)
    assert fails(rt, tmp_path, OPEN) == f"x.ch:3:5: runtime error: {message}"


def test_npy_read_of_a_truncated_file(rt: RuntimeLib, tmp_path: Path) -> None:
    truncated("x.npy", F32, 128 + 47)(tmp_path)
    call = 'rt.call("npy_read", u.string_args("x.npy"), u.string_args("x.ch:3:5"), u.zeros((3, 4), 4), 0)'  # noqa: E501
    message = "x.npy is truncated: float32 [3, 4] needs 48 bytes of data, the file has 47"
    assert fails(rt, tmp_path, call) == f"x.ch:3:5: runtime error: {message}"


def test_npy_save_to_an_unwritable_path(rt: RuntimeLib, tmp_path: Path) -> None:
    call = 'rt.call("npy_save", u.string_args("no/such/dir/y.npy"), u.string_args("y.ch:9:1"), u.zeros((2,), 8), 1)'  # noqa: E501
    message = "cannot write no/such/dir/y.npy: No such file or directory"
    assert fails(rt, tmp_path, call) == f"y.ch:9:1: runtime error: {message}"


def npz_member(name: str, data: bytes, method: int = zipfile.ZIP_STORED) -> Setup:
    def setup(d: Path) -> None:
        with zipfile.ZipFile(d / "m.npz", "w", compression=method) as z:
            z.writestr(name, data)

    return setup


def corrupted(d: Path) -> None:
    np.savez(d / "m.npz", w=np.zeros((3, 4), np.float32))
    raw = bytearray((d / "m.npz").read_bytes())
    raw[raw.index(b"\x93NUMPY") + 140] ^= 0xFF
    (d / "m.npz").write_bytes(bytes(raw))


READ = 'rt.call("npz_read", u.string_args("m.npz"), u.string_args("m.ch:7:1"), u.string_args("w"), u.string_args("tensor<float32, [3, 4]>"), 0, u.shape_args([3, 4]), u.zeros((3, 4), 4))'  # noqa: E501
NPZ_CASES: list[tuple[str, Setup, str]] = [
    ("missing-array", lambda d: np.savez(d / "m.npz", a=F32, b=F32), "m.npz has no array named w (it holds a, b)"),
    ("empty-archive", lambda d: np.savez(d / "m.npz"), "m.npz has no array named w (it holds none)"),
    ("dtype", lambda d: np.savez(d / "m.npz", w=np.zeros((3, 4))),
     "array w in m.npz holds float64 [3, 4], expected tensor<float32, [3, 4]>"),
    ("shape", lambda d: np.savez(d / "m.npz", w=np.zeros((4, 3), np.float32)),
     "array w in m.npz holds float32 [4, 3], expected tensor<float32, [3, 4]>"),
    ("missing-file", lambda d: None, "cannot open m.npz: No such file or directory"),
    ("not-zip", write("m.npz", b"not a zip file at all, not even close" * 2),
     "m.npz is not a valid .npz file (no end of central directory)"),
    ("crc", corrupted, "array w in m.npz is corrupt (CRC mismatch)"),
    ("bzip2", npz_member("w.npy", b"x" * 100, zipfile.ZIP_BZIP2),
     "array w in m.npz uses zip compression method 12; save it with np.savez or np.savez_compressed"),
    ("not-npy", npz_member("w.npy", b"garbage garbage"), "array w in m.npz is not a .npy file"),
    ("truncated", npz_member("w.npy", npy_bytes(GOOD_HEADER, b"\0" * 40)),
     "array w in m.npz is truncated: it needs 48 bytes of data, it has 40"),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "message"), [c[1:] for c in NPZ_CASES], ids=[c[0] for c in NPZ_CASES])
def test_npz_read_errors(rt: RuntimeLib, tmp_path: Path, setup: Setup, message: str) -> None:
    setup(tmp_path)
    assert fails(rt, tmp_path, READ) == f"m.ch:7:1: runtime error: {message}"


def test_deflated_members_without_zlib(rt_without_zlib: RuntimeLib, tmp_path: Path) -> None:
    np.savez_compressed(tmp_path / "m.npz", w=F32)
    message = "array w in m.npz is compressed and this runtime was built without zlib; save it with np.savez"
    assert fails(rt_without_zlib, tmp_path, READ) == f"m.ch:7:1: runtime error: {message}"


def test_npz_save_to_an_unwritable_path(rt: RuntimeLib, tmp_path: Path) -> None:
    call = 'rt.call("npz_save_begin", u.string_args("nowhere/m.npz"), u.string_args("m.ch:2:1"))'
    expected = "m.ch:2:1: runtime error: cannot write nowhere/m.npz: No such file or directory"
    assert fails(rt, tmp_path, call) == expected


SLICES = [
    ((5, 6, 3, 0), "index 5 is out of range for axis 0 of size 3"),
    ((-1, 0, 3, 1), "index -1 is out of range for axis 1 of size 3"),
    ((2, 9, 4, 0), "slice stop 9 is out of range for axis 0 of size 4"),
    ((-2, 3, 4, 2), "slice start -2 is out of range for axis 2 of size 4"),
    ((5, 7, 4, 0), "slice start 5 is out of range for axis 0 of size 4"),
    ((3, 1, 4, 0), "slice 3:1 ends before it starts (axis 0 of size 4)"),
]


@pytest.mark.parametrize(("args", "message"), SLICES, ids=[m.split(" is")[0] for _, m in SLICES])
def test_check_slice_errors(rt: RuntimeLib, tmp_path: Path, args: tuple[int, ...], message: str) -> None:
    call = f'rt.call("check_slice", {", ".join(map(str, args))}, u.string_args("s.ch:4:9"))'
    assert fails(rt, tmp_path, call) == f"s.ch:4:9: runtime error: {message}"


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ("size N of `b` is {got}, but N is {expected} from `a`", "size N of `b` is 3, but N is 4 from `a`"),
        ("batch sizes of `x` and `y` differ", "batch sizes of `x` and `y` differ (got 3, expected 4)"),
    ],
)
def test_check_dim_errors(rt: RuntimeLib, tmp_path: Path, what: str, message: str) -> None:
    call = f'rt.call("check_dim", 3, 4, u.string_args({what!r}), u.string_args("d.ch:2:3"))'
    assert fails(rt, tmp_path, call) == f"d.ch:2:3: runtime error: {message}"


@pytest.mark.parametrize(("where", "prefix"), [("e.ch:1:2", "e.ch:1:2: "), ("", "")])
def test_error_prints_the_location_and_message(rt: RuntimeLib, tmp_path: Path, where: str, prefix: str) -> None:
    call = f'rt.call("error", u.string_args({where!r}), u.string_args("division by zero in `f`"))'
    assert fails(rt, tmp_path, call) == f"{prefix}runtime error: division by zero in `f`"


def test_npz_calls_out_of_order(rt: RuntimeLib, tmp_path: Path) -> None:
    add = 'rt.call("npz_save_add", u.string_args("w"), u.zeros((2,), 8), 1)'
    assert fails(rt, tmp_path, add) == "runtime error: an array is added to a .npz file that is not open"
    twice = 'b = u.string_args("m.npz"), u.string_args("m.ch:1:1")\nrt.call("npz_save_begin", *b)\nrt.call("npz_save_begin", *b)'  # noqa: E501
    assert fails(rt, tmp_path, twice) == "m.ch:1:1: runtime error: m.npz is started while m.npz is still being written"
