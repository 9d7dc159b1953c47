"""WGSL integer ops (arith) on every integer kind, run on the GPU runtime and checked against
exact Python integer semantics (MLIR's: wrapping, truncating division, unsigned views)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from gpu_util import gpu_context, kernel, run

from runtime.gpu import GpuRuntime

BITS = {"i8": 8, "i32": 32, "i64": 64, "index": 32}
DTYPE = {"i8": np.int8, "i32": np.int32, "i64": np.int64, "index": np.int32}


@pytest.fixture(scope="module")
def ctx() -> Any:
    return gpu_context()


def wrap(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def u(v: int, bits: int) -> int:
    return v & ((1 << bits) - 1)


def ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


Ref = Callable[[int, int, int], int]
OPS: dict[str, Ref] = {
    "addi": lambda a, b, n: a + b,
    "subi": lambda a, b, n: a - b,
    "muli": lambda a, b, n: a * b,
    "divsi": lambda a, b, n: tdiv(a, b),
    "remsi": lambda a, b, n: a - tdiv(a, b) * b,
    "divui": lambda a, b, n: u(a, n) // u(b, n),
    "remui": lambda a, b, n: u(a, n) % u(b, n),
    "floordivsi": lambda a, b, n: a // b,
    "ceildivsi": lambda a, b, n: ceil_div(a, b),
    "ceildivui": lambda a, b, n: ceil_div(u(a, n), u(b, n)),
    "andi": lambda a, b, n: a & b,
    "ori": lambda a, b, n: a | b,
    "xori": lambda a, b, n: a ^ b,
    "maxsi": lambda a, b, n: max(a, b),
    "minsi": lambda a, b, n: min(a, b),
    "maxui": lambda a, b, n: a if u(a, n) >= u(b, n) else b,
    "minui": lambda a, b, n: a if u(a, n) <= u(b, n) else b,
}
SHIFTS: dict[str, Ref] = {
    "shli": lambda a, s, n: a << s,
    "shrsi": lambda a, s, n: a >> s,
    "shrui": lambda a, s, n: u(a, n) >> s,
}


def binary_kernel(t: str, ops: list[str]) -> Any:
    """Row k of %out is ops[k](%x, %y) (index ops run on values cast from i32)."""
    mem = "i32" if t == "index" else t
    lines = []
    for k, op in enumerate(ops):
        lines.append(f"      %c{k} = arith.constant {k} : index")
        lines.append(f"      %r{k} = arith.{op} %a, %b : {t}")
        value = f"%r{k}"
        if t == "index":
            lines.append(f"      %q{k} = arith.index_cast %r{k} : index to i32")
            value = f"%q{k}"
        lines.append(f"      memref.store {value}, %out[%c{k}, %t] : memref<?x?x{mem}>")
    load = f"""      %a0 = memref.load %x[%t] : memref<?x{mem}>
      %b0 = memref.load %y[%t] : memref<?x{mem}>
"""
    if t == "index":
        load += "      %a = arith.index_cast %a0 : i32 to index\n      %b = arith.index_cast %b0 : i32 to index\n"
    else:
        load = load.replace("%a0", "%a").replace("%b0", "%b")
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
{load}{chr(10).join(lines)}
    }}"""
    return kernel(f"%x: memref<?x{mem}>, %y: memref<?x{mem}>, %out: memref<?x?x{mem}>, %n: index", body)


def operands(t: str, rng: np.random.Generator, n: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    info = np.iinfo(DTYPE[t])
    a = rng.integers(info.min, info.max, n, dtype=DTYPE[t], endpoint=True)
    b = rng.integers(info.min, info.max, n, dtype=DTYPE[t], endpoint=True)
    a[:8] = [0, 1, -1, 7, -7, info.max, info.min, 100 % info.max]
    b[:8] = [3, -3, 2, -2, 5, -1, 1, 7]
    b[b == 0] = 1
    b[(a == info.min) & (b == -1)] = 1
    return a, b


@pytest.mark.parametrize("t", ["i8", "i32", "i64", "index"])
def test_integer_binary_ops(ctx: Any, t: str) -> None:
    spec = binary_kernel(t, list(OPS))
    rng = np.random.default_rng(1)
    n = 300
    a, b = operands(t, rng, n)
    out = np.zeros((len(OPS), n), DTYPE[t])
    run(GpuRuntime([spec], ctx), spec, [a, b, out, n])
    bits = BITS[t]
    for k, (name, ref) in enumerate(OPS.items()):
        want = [wrap(ref(int(x), int(y), bits), bits) for x, y in zip(a, b, strict=True)]
        np.testing.assert_array_equal(out[k], np.array(want, DTYPE[t]), err_msg=f"arith.{name} on {t}")


@pytest.mark.parametrize("t", ["i8", "i32", "i64"])
def test_shifts(ctx: Any, t: str) -> None:
    spec = binary_kernel(t, list(SHIFTS))
    rng = np.random.default_rng(2)
    n = 200
    a, _ = operands(t, rng, n)
    s = rng.integers(0, BITS[t], n).astype(DTYPE[t])
    out = np.zeros((len(SHIFTS), n), DTYPE[t])
    run(GpuRuntime([spec], ctx), spec, [a, s, out, n])
    for k, (name, ref) in enumerate(SHIFTS.items()):
        want = [wrap(ref(int(x), int(y), BITS[t]), BITS[t]) for x, y in zip(a, s, strict=True)]
        np.testing.assert_array_equal(out[k], np.array(want, DTYPE[t]), err_msg=f"arith.{name} on {t}")


CMPI = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]


@pytest.mark.parametrize("t", ["i8", "i32", "i64", "i1"])
def test_cmpi_and_select(ctx: Any, t: str) -> None:
    """Every predicate into an i1 memref (byte stores), and select between the operands."""
    lines = []
    for k, p in enumerate(CMPI):
        lines.append(f"      %c{k} = arith.constant {k} : index")
        lines.append(f"      %r{k} = arith.cmpi {p}, %a, %b : {t}")
        lines.append(f"      memref.store %r{k}, %out[%c{k}, %t] : memref<?x?xi1>")
    lines.append(f"      %s = arith.select %r2, %a, %b : {t}")
    lines.append(f"      memref.store %s, %sel[%t] : memref<?x{t}>")
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
      %a = memref.load %x[%t] : memref<?x{t}>
      %b = memref.load %y[%t] : memref<?x{t}>
{chr(10).join(lines)}
    }}"""
    args = f"%x: memref<?x{t}>, %y: memref<?x{t}>, %out: memref<?x?xi1>, %sel: memref<?x{t}>, %n: index"
    spec = kernel(args, body)
    rng = np.random.default_rng(3)
    n = 203
    if t == "i1":
        a, b = rng.integers(0, 2, n).astype(bool), rng.integers(0, 2, n).astype(bool)
        sa, sb = -a.astype(np.int64), -b.astype(np.int64)  # i1 true is -1 when signed
        ua, ub = a.astype(np.int64), b.astype(np.int64)
    else:
        a, b = operands(t, rng, n)
        b[::5] = a[::5]
        sa, sb = a, b
        unsigned = np.dtype(f"u{a.dtype.itemsize}")
        ua, ub = a.view(unsigned), b.view(unsigned)
    out = np.zeros((len(CMPI), n), bool)
    sel = np.zeros(n, a.dtype)
    run(GpuRuntime([spec], ctx), spec, [a, b, out, sel, n])
    refs = [sa == sb, sa != sb, sa < sb, sa <= sb, sa > sb, sa >= sb, ua < ub, ua <= ub, ua > ub, ua >= ub]
    for k, p in enumerate(CMPI):
        np.testing.assert_array_equal(out[k], refs[k], err_msg=f"arith.cmpi {p} on {t}")
    np.testing.assert_array_equal(sel, np.where(refs[2], a, b))


def test_bool_ops(ctx: Any) -> None:
    """i1 arithmetic is arithmetic modulo 2 (signed views: true is -1)."""
    ops = ["addi", "subi", "muli", "andi", "ori", "xori", "maxsi", "minsi", "maxui", "minui"]
    lines = []
    for k, op in enumerate(ops):
        lines.append(f"      %c{k} = arith.constant {k} : index")
        lines.append(f"      %r{k} = arith.{op} %a, %b : i1")
        lines.append(f"      memref.store %r{k}, %out[%c{k}, %t] : memref<?x?xi1>")
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
      %a = memref.load %x[%t] : memref<?xi1>
      %b = memref.load %y[%t] : memref<?xi1>
{chr(10).join(lines)}
    }}"""
    spec = kernel("%x: memref<?xi1>, %y: memref<?xi1>, %out: memref<?x?xi1>, %n: index", body)
    a = np.array([0, 0, 1, 1] * 5, bool)
    b = np.array([0, 1, 0, 1] * 5, bool)
    out = np.zeros((len(ops), a.size), bool)
    run(GpuRuntime([spec], ctx), spec, [a, b, out, a.size])
    want = [a ^ b, a ^ b, a & b, a & b, a | b, a ^ b, a & b, a | b, a | b, a & b]
    for k, op in enumerate(ops):
        np.testing.assert_array_equal(out[k], want[k], err_msg=f"arith.{op} on i1")


CASTS = [
    ("extsi", "i8", "i32"),
    ("extsi", "i8", "i64"),
    ("extsi", "i32", "i64"),
    ("extsi", "i1", "i32"),
    ("extsi", "i1", "i8"),
    ("extui", "i8", "i32"),
    ("extui", "i8", "i64"),
    ("extui", "i32", "i64"),
    ("extui", "i1", "i64"),
    ("trunci", "i64", "i32"),
    ("trunci", "i64", "i8"),
    ("trunci", "i32", "i8"),
    ("trunci", "i32", "i1"),
    ("trunci", "i64", "i1"),
    ("trunci", "i8", "i1"),
    ("index_cast", "i8", "index"),
    ("index_cast", "i64", "index"),
]


def cast_ref(op: str, src: str, dst: str, values: np.ndarray[Any, Any]) -> list[int]:
    sb = 1 if src == "i1" else BITS[src]
    db = 1 if dst == "i1" else BITS[dst]
    out = []
    for v in values.astype(np.int64):
        x = -int(v) if src == "i1" else int(v)  # i1 true is -1 signed
        if op in ("extui", "index_castui"):
            x = u(x, sb)
        r = u(x, db) if dst == "i1" else wrap(x, db)
        out.append(r)
    return out


@pytest.mark.parametrize(("op", "src", "dst"), CASTS)
def test_integer_casts(ctx: Any, op: str, src: str, dst: str) -> None:
    store_t = "i32" if dst == "index" else dst
    cast = f"      %r = arith.{op} %a : {src} to {dst}\n"
    if dst == "index":
        cast += "      %s = arith.index_cast %r : index to i32\n"
    value = "%s" if dst == "index" else "%r"
    body = f"""    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {{
      %a = memref.load %x[%t] : memref<?x{src}>
{cast}      memref.store {value}, %y[%t] : memref<?x{store_t}>
    }}"""
    spec = kernel(f"%x: memref<?x{src}>, %y: memref<?x{store_t}>, %n: index", body)
    rng = np.random.default_rng(4)
    n = 150
    if src == "i1":
        x = rng.integers(0, 2, n).astype(bool)
    else:
        x, _ = operands(src, rng, n)
    y = np.zeros(n, bool if dst == "i1" else DTYPE[dst])
    run(GpuRuntime([spec], ctx), spec, [x, y, n])
    want = cast_ref(op, src, dst, x)
    np.testing.assert_array_equal(y.astype(np.int64), want, err_msg=f"arith.{op} {src} to {dst}")


@pytest.mark.parametrize("t", ["i8", "i32", "i64", "index", "i1"])
def test_integer_constants(ctx: Any, t: str) -> None:
    """Extreme constants print as valid WGSL literals of the right value."""
    values = [0, 1] if t == "i1" else [-(2 ** (BITS[t] - 1)), 2 ** (BITS[t] - 1) - 1, -1, 0]
    store_t = "i32" if t == "index" else t
    lines = []
    for k, v in enumerate(values):
        literal = ("true" if v else "false") if t == "i1" else f"{v} : {t}"
        lines.append(f"      %v{k} = arith.constant {literal}")
        value = f"%v{k}"
        if t == "index":
            lines.append(f"      %w{k} = arith.index_cast %v{k} : index to i32")
            value = f"%w{k}"
        lines.append(f"      %c{k} = arith.constant {k} : index")
        lines.append(f"      memref.store {value}, %y[%c{k}] : memref<?x{store_t}>")
    body = f"""    %t = gpu.global_id x
    %c0i = arith.constant 0 : index
    %first = arith.cmpi eq, %t, %c0i : index
    scf.if %first {{
{chr(10).join(lines)}
    }}"""
    spec = kernel(f"%y: memref<?x{store_t}>, %n: index", body)
    y = np.zeros(len(values), bool if t == "i1" else DTYPE[t])
    run(GpuRuntime([spec], ctx), spec, [y, 1])
    np.testing.assert_array_equal(y.astype(np.int64), values)


def test_absi(ctx: Any) -> None:
    body = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
      %a = memref.load %x[%t] : memref<?xi8>
      %r = math.absi %a : i8
      memref.store %r, %y[%t] : memref<?xi8>
      %b = memref.load %p[%t] : memref<?xi64>
      %s = math.absi %b : i64
      memref.store %s, %q[%t] : memref<?xi64>
    }"""
    spec = kernel("%x: memref<?xi8>, %y: memref<?xi8>, %p: memref<?xi64>, %q: memref<?xi64>, %n: index", body)
    x = np.arange(-128, 128, dtype=np.int8)
    p = np.arange(-128, 128, dtype=np.int64) * 3_000_000_000
    y, q = np.zeros_like(x), np.zeros_like(p)
    run(GpuRuntime([spec], ctx), spec, [x, y, p, q, x.size])
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(y, np.abs(x))
    np.testing.assert_array_equal(q, np.abs(p))
