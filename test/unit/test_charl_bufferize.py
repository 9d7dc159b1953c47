"""charl-bufferize: hand-written tensor-level programs run through charl-bufferize ->
convert-linalg-to-loops -> convert-to-llvm -> `CpuModule`, compared with NumPy, with every `malloc`
and `free` of the compiled code counted: after each call exactly the buffers it returned are live
(results are fresh allocations the caller owns, never an argument or a global), nothing is freed
twice, and nothing leaks in loops, branches, while loops or calls. Small Charl programs and two
examples run the same way from source (front end and convert-charl-to-linalg first).
"""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llvmlite.binding as llvm
import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.parser import Parser
from xdsl.utils.exceptions import PassFailedException

from charlc.api import make_context
from passes._llvm_emit import signatures, to_llvm_ir
from passes.charl_bufferize import CharlBufferizePass
from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from passes.convert_to_llvm import ConvertToLlvmPass
from runtime.abi import Allocation
from runtime.cpu import CpuModule


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


@pytest.fixture(scope="module")
def heap() -> Iterator[Heap]:
    yield Heap()


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


T = "tensor<4x8xf32>"
ELEMENTWISE = f"""
func.func @chain(%a: {T}, %b: {T}) -> {T} {{
  %e = tensor.empty() : {T}
  {generic("%s", [("%a", T), ("%b", T)], ("%e", T), "%v = arith.addf %a0, %a1 : f32", 2)}
  %e2 = tensor.empty() : {T}
  {generic("%x", [("%s", T)], ("%e2", T), "%v = math.exp %a0 : f32", 2)}
  %e3 = tensor.empty() : {T}
  {generic("%p", [("%x", T), ("%s", T)], ("%e3", T), "%v = arith.mulf %a0, %a1 : f32", 2)}
  func.return %p : {T}
}}
"""


def test_elementwise_chain_reuses_dying_operands(heap: Heap) -> None:
    program = Program(ELEMENTWISE, heap)
    a, b = rand(4, 8), rand(4, 8, seed=1)
    np.testing.assert_allclose(program("chain", a, b), np.exp(a + b) * (a + b), rtol=1e-5)
    # %s is still needed when exp runs, so two buffers; the product reuses one of them.
    assert program.buffers.count("memref.alloc") == 2


MATMUL = """
func.func @mm(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %c: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%f : tensor<4x3xf32>) -> tensor<4x3xf32>
  %acc = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%c : tensor<4x3xf32>) -> tensor<4x3xf32>
  func.return %m, %acc : tensor<4x3xf32>, tensor<4x3xf32>
}
"""


def test_matmul_accumulates_into_its_init_and_never_writes_an_argument(heap: Heap) -> None:
    program = Program(MATMUL, heap)
    a, b, c = rand(4, 8), rand(8, 3, seed=1), rand(4, 3, seed=2)
    kept = c.copy()
    m, acc = program("mm", a, b, c)
    np.testing.assert_allclose(m, a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(acc, c + a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(c, kept)


SLICES = """
func.func private @total(%x: tensor<2x3xf32>) -> f32 {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>],
      iterator_types = ["reduction", "reduction"]} ins(%x : tensor<2x3xf32>) outs(%f : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %v = tensor.extract %r[] : tensor<f32>
  func.return %v : f32
}
func.func @slices(%x: tensor<4x8xf32>, %i: index) -> (tensor<4x8xf32>, tensor<4x8xf32>, f32, tensor<2x3xf32>) {
  %s = tensor.extract_slice %x[1, %i] [2, 3] [1, 1] : tensor<4x8xf32> to tensor<2x3xf32>
  %t = func.call @total(%s) : (tensor<2x3xf32>) -> f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = arith.constant 0.0 : f32
  %zeros = linalg.fill ins(%z : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %kept = tensor.insert_slice %s into %zeros[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x8xf32>
  %copied = tensor.insert_slice %s into %x[2, 5] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x8xf32>
  func.return %kept, %copied, %t, %s : tensor<4x8xf32>, tensor<4x8xf32>, f32, tensor<2x3xf32>
}
"""


@pytest.mark.parametrize("i", [0, 4])
def test_slices_are_views_and_inserts_update_in_place_or_copy(heap: Heap, i: int) -> None:
    program = Program(SLICES, heap)
    x = rand(4, 8)
    kept, copied, total, s = program("slices", x, i)
    want = x[1:3, i : i + 3]
    want_kept = np.zeros((4, 8), np.float32)
    want_kept[:2, :3] = want
    want_copied = x.copy()
    want_copied[2:4, 5:8] = want
    np.testing.assert_array_equal(kept, want_kept)
    np.testing.assert_array_equal(copied, want_copied)
    np.testing.assert_array_equal(s, want)
    assert total == pytest.approx(float(want.sum()), rel=1e-5)
    assert "memref.subview %x[1, %i] [2, 3] [1, 1]" in program.buffers


V = "tensor<?xf32>"
LOOP = f"""
func.func @loop(%x: {V}, %n: index) -> ({V}, {V}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r, %q = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x, %keep = %x) -> ({V}, {V}) {{
    %d = tensor.dim %acc, %c0 : {V}
    %e = tensor.empty(%d) : {V}
    {generic("%y", [("%acc", V), ("%x", V)], ("%e", V), "%v = arith.addf %a0, %a1 : f32")}
    scf.yield %y, %x : {V}, {V}
  }}
  func.return %r, %q : {V}, {V}
}}
func.func @nested(%x: {V}, %n: index) -> {V} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> ({V}) {{
    %inner = scf.for %j = %c0 to %n step %c1 iter_args(%in = %acc) -> ({V}) {{
      %d = tensor.dim %in, %c0 : {V}
      %e = tensor.empty(%d) : {V}
      {generic("%y", [("%in", V)], ("%e", V), "%v = arith.mulf %a0, %a0 : f32")}
      scf.yield %y : {V}
    }}
    scf.yield %inner : {V}
  }}
  func.return %r : {V}
}}
"""


@pytest.mark.parametrize("n", [0, 1, 5])
def test_loop_carried_buffers_are_updated_in_place_and_replaced_ones_freed(heap: Heap, n: int) -> None:
    program = Program(LOOP, heap)
    x = rand(6)
    r, q = program("loop", x, n)
    np.testing.assert_allclose(r, x * (n + 1), rtol=1e-5)
    np.testing.assert_array_equal(q, x)
    np.testing.assert_allclose(program("nested", x, 2 if n else 0), x ** (2 ** (4 if n else 0)), rtol=1e-4)


BRANCH = f"""
func.func @branch(%x: {V}, %c: i1) -> ({V}, {V}) {{
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : {V}
  %e = tensor.empty(%d) : {V}
  {generic("%t", [("%x", V)], ("%e", V), "%v = arith.addf %a0, %a0 : f32")}
  %r, %s = scf.if %c -> ({V}, {V}) {{
    %e2 = tensor.empty(%d) : {V}
    {generic("%y", [("%t", V)], ("%e2", V), "%v = arith.mulf %a0, %a0 : f32")}
    scf.yield %y, %t : {V}, {V}
  }} else {{
    scf.yield %x, %x : {V}, {V}
  }}
  func.return %r, %s : {V}, {V}
}}
"""


@pytest.mark.parametrize("take", [True, False])
def test_both_branches_yield_owned_buffers(heap: Heap, take: bool) -> None:
    program = Program(BRANCH, heap)
    x = rand(5)
    r, s = program("branch", x, take)
    np.testing.assert_allclose(r, (2 * x) ** 2 if take else x, rtol=1e-5)
    np.testing.assert_allclose(s, 2 * x if take else x, rtol=1e-5)


INC = generic("%s", [("%x", "tensor<4xf32>")], ("%e", "tensor<4xf32>"), "%v = arith.addf %a0, %a0 : f32")
CARRIED = f"""
func.func @swap_and_branch(%a: tensor<4xf32>, %b: tensor<4xf32>, %n: index) -> (tensor<4xf32>, tensor<4xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%p = %a, %q = %b) -> (tensor<4xf32>, tensor<4xf32>) {{
    %m = arith.remui %i, %c2 : index
    %even = arith.cmpi eq, %m, %c0 : index
    %s = scf.if %even -> (tensor<4xf32>) {{
      %w = func.call @double(%p) : (tensor<4xf32>) -> tensor<4xf32>
      scf.yield %w : tensor<4xf32>
    }} else {{
      scf.yield %p : tensor<4xf32>
    }}
    scf.yield %q, %s : tensor<4xf32>, tensor<4xf32>
  }}
  func.return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}}
func.func private @double(%x: tensor<4xf32>) -> tensor<4xf32> {{
  %e = tensor.empty() : tensor<4xf32>
  {INC}
  func.return %s : tensor<4xf32>
}}
"""


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_carried_buffers_swap_and_pass_through_branches_and_calls(heap: Heap, n: int) -> None:
    program = Program(CARRIED, heap)
    p, q = np.arange(4, dtype=np.float32), -np.arange(4, dtype=np.float32)
    want = [p, q]
    for i in range(n):
        want = [want[1], want[0] * 2 if i % 2 == 0 else want[0]]
    got = program("swap_and_branch", p, q, n)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    # The branch that keeps the carried buffer yields it without a copy.
    assert "memref.copy" not in program.buffers.split("scf.for")[1]


F4 = "tensor<4xf32>"
WHILE = f"""
func.func @grow(%x: {F4}, %limit: f32) -> {F4} {{
  %c0 = arith.constant 0 : index
  %r = scf.while (%v = %x) : ({F4}) -> {F4} {{
    %f = tensor.extract %v[%c0] : {F4}
    %go = arith.cmpf olt, %f, %limit : f32
    scf.condition(%go) %v : {F4}
  }} do {{
  ^bb0(%w: {F4}):
    %e = tensor.empty() : {F4}
    {generic("%y", [("%w", F4)], ("%e", F4), "%v = arith.addf %a0, %a0 : f32")}
    scf.yield %y : {F4}
  }}
  func.return %r : {F4}
}}
"""


@pytest.mark.parametrize("limit", [0.5, 1.0, 100.0])
def test_while_loop_hands_buffers_between_regions(heap: Heap, limit: float) -> None:
    program = Program(WHILE, heap)
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    steps = 0
    while x[0] * 2**steps < limit:
        steps += 1
    np.testing.assert_array_equal(program("grow", x, np.float32(limit)), x * 2**steps)


F3 = "tensor<3xf32>"
CALLS = f"""
func.func @calls(%x: {F3}) -> ({F3}, {F3}, {F3}, {F3}) {{
  %a, %b, %c = func.call @twice(%x) : ({F3}) -> ({F3}, {F3}, {F3})
  %k = arith.constant dense<[1.0, 2.0, 3.0]> : {F3}
  %d, %unused, %same = func.call @twice(%a) : ({F3}) -> ({F3}, {F3}, {F3})
  %f = arith.constant 9.0 : f32
  %c1 = arith.constant 1 : index
  %k2 = tensor.insert %f into %k[%c1] : {F3}
  func.return %d, %c, %k, %k2 : {F3}, {F3}, {F3}, {F3}
}}
func.func private @twice(%x: {F3}) -> ({F3}, {F3}, {F3}) {{
  %e = tensor.empty() : {F3}
  {generic("%y", [("%x", F3)], ("%e", F3), "%v = arith.addf %a0, %a0 : f32")}
  func.return %y, %y, %x : {F3}, {F3}, {F3}
}}
"""


def test_calls_return_owned_buffers_and_globals_are_never_written(heap: Heap) -> None:
    # The caller comes first: calls see the callee's buffer signature before it is rewritten.
    program = Program(CALLS, heap)
    x = np.array([1.0, -2.0, 0.5], np.float32)
    for _ in range(2):
        d, c, k, k2 = program("calls", x)
        np.testing.assert_array_equal(d, 4 * x)
        np.testing.assert_array_equal(c, x)
        np.testing.assert_array_equal(k, [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(k2, [1.0, 9.0, 3.0])
    assert "memref.global" in program.buffers and "memref.get_global" in program.buffers


D2 = "tensor<?x3xf32>"
SHAPES = f"""
func.func @shapes(%x: tensor<4x6xf32>, %n: index)
    -> (tensor<?x3xf32>, tensor<2x12xf32>, f32, tensor<2x2xf32>, tensor<3x4xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %view = tensor.extract_slice %x[0, 1] [4, 3] [1, 2] : tensor<4x6xf32> to tensor<4x3xf32>
  %flat = tensor.collapse_shape %view [[0, 1]] : tensor<4x3xf32> into tensor<12xf32>
  %wide = tensor.expand_shape %flat [[0, 1]] output_shape [2, 6] : tensor<12xf32> into tensor<2x6xf32>
  %rows = tensor.extract_slice %x[0, 0] [2, 6] [1, 1] : tensor<4x6xf32> to tensor<2x6xf32>
  %both = tensor.empty() : tensor<2x12xf32>
  %l = tensor.insert_slice %wide into %both[0, 0] [2, 6] [1, 1] : tensor<2x6xf32> into tensor<2x12xf32>
  %lr = tensor.insert_slice %rows into %l[0, 6] [2, 6] [1, 1] : tensor<2x6xf32> into tensor<2x12xf32>
  %dyn = tensor.extract_slice %view[1, 0] [%n, 3] [1, 1] : tensor<4x3xf32> to tensor<?x3xf32>
  %d = tensor.dim %dyn, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?x3xf32>
  {generic("%neg", [("%dyn", D2)], ("%e", D2), "%v = arith.negf %a0 : f32", 2)}
  %v = tensor.extract %view[%c1, %c1] : tensor<4x3xf32>
  %two = arith.constant 2.0 : f32
  %small = tensor.from_elements %v, %two, %v, %v : tensor<2x2xf32>
  %cast = tensor.cast %small : tensor<2x2xf32> to tensor<?x2xf32>
  %back = tensor.cast %cast : tensor<?x2xf32> to tensor<2x2xf32>
  %set = tensor.insert %two into %back[%c1, %c1] : tensor<2x2xf32>
  %mid = tensor.extract_slice %x[1, 0] [2, 6] [1, 1] : tensor<4x6xf32> to tensor<2x6xf32>
  %line = tensor.collapse_shape %mid [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %block = tensor.expand_shape %line [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  func.return %neg, %lr, %v, %set, %block : tensor<?x3xf32>, tensor<2x12xf32>, f32, tensor<2x2xf32>, tensor<3x4xf32>
}}
"""


@pytest.mark.parametrize("n", [0, 3])
def test_views_reshapes_and_dynamic_shapes(heap: Heap, n: int) -> None:
    program = Program(SHAPES, heap)
    x = rand(4, 6)
    neg, lr, v, small, block = program("shapes", x, n)
    view = x[:, 1::2]
    np.testing.assert_array_equal(neg, -view[1 : 1 + n])
    np.testing.assert_array_equal(lr, np.concatenate([view.reshape(2, 6), x[:2]], axis=1))
    assert v == view[1, 1]
    np.testing.assert_array_equal(small, [[v, 2.0], [v, 2.0]])
    np.testing.assert_array_equal(block, x[1:3].reshape(3, 4))
    # The stride-2 view is copied before it is collapsed; the contiguous rows are reshaped in place
    # (copied only when returned).
    assert "collapse_shape %mid [[0 : i64, 1 : i64]] : memref<2x6xf32, strided<[6, 1], offset: 6>>" in program.buffers


F6 = "tensor<6xf32>"
VIEW_OUTLIVES_UPDATE = f"""
func.func @hazard(%x: {F6}) -> (tensor<2xf32>, {F6}) {{
  %e = tensor.empty() : {F6}
  {generic("%y", [("%x", F6)], ("%e", F6), "%v = arith.negf %a0 : f32")}
  %s = tensor.extract_slice %y[2] [2] [1] : {F6} to tensor<2xf32>
  %c2 = arith.constant 2 : index
  %f = arith.constant 7.0 : f32
  %z = tensor.insert %f into %y[%c2] : {F6}
  %e2 = tensor.empty() : {F6}
  {generic("%w", [("%z", F6)], ("%e2", F6), "%v = arith.mulf %a0, %a0 : f32")}
  func.return %s, %w : tensor<2xf32>, {F6}
}}
"""


def test_a_live_view_keeps_its_base_from_being_updated_in_place(heap: Heap) -> None:
    program = Program(VIEW_OUTLIVES_UPDATE, heap)
    x = np.arange(6, dtype=np.float32)
    s, w = program("hazard", x)
    np.testing.assert_array_equal(s, [-2.0, -3.0])
    z = -x
    z[2] = 7.0
    np.testing.assert_array_equal(w, z * z)


REVERSED = """%i = linalg.index 0 : index
%c5 = arith.constant 5 : index
%j = arith.subi %c5, %i : index
%m = tensor.extract %t[%j] : tensor<6xf32>
%v = arith.addf %a0, %m : f32"""
CAPTURED = f"""
func.func @reverse_add(%x: {F6}) -> {F6} {{
  %e = tensor.empty() : {F6}
  {generic("%t", [("%x", F6)], ("%e", F6), "%v = arith.negf %a0 : f32")}
  %e2 = tensor.empty() : {F6}
  {generic("%r", [("%t", F6)], ("%e2", F6), REVERSED)}
  func.return %r : {F6}
}}
"""


def test_a_tensor_read_inside_a_body_is_not_overwritten_by_it(heap: Heap) -> None:
    program = Program(CAPTURED, heap)
    x = np.arange(6, dtype=np.float32)
    np.testing.assert_array_equal(program("reverse_add", x), -x - x[::-1])
    assert "memref.load %t" in program.buffers or "memref.load %e" in program.buffers


RUNTIME_MEMORY = """
func.func private @first(%x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<?xf32>
  func.return %v : f32
}
func.func private @poke(%x: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  %nine = arith.constant 9.0 : f32
  memref.store %nine, %x[%c1] : memref<?xf32>
  func.return
}
func.func @loaded(%v: f32, %n: index) -> (tensor<?xf32>, f32) {
  %m = memref.alloc(%n) : memref<?xf32>
  %t = bufferization.to_tensor %m restrict writable : memref<?xf32> to tensor<?xf32>
  %f = linalg.fill ins(%v : f32) outs(%t : tensor<?xf32>) -> tensor<?xf32>
  %b = bufferization.to_buffer %f read_only : tensor<?xf32> to memref<?xf32>
  %r = func.call @first(%b) : (memref<?xf32>) -> f32
  %scratch = bufferization.to_buffer %f : tensor<?xf32> to memref<?xf32>
  func.call @poke(%scratch) : (memref<?xf32>) -> ()
  %c0 = arith.constant 0 : index
  %w = arith.constant 5.0 : f32
  %g = tensor.insert %w into %f[%c0] : tensor<?xf32>
  func.return %g, %r : tensor<?xf32>, f32
}
"""


def test_to_tensor_owns_a_function_allocation_and_to_buffer_keeps_it_alive(heap: Heap) -> None:
    # The writable to_buffer of a tensor used afterwards is a copy: @poke's store is not seen.
    program = Program(RUNTIME_MEMORY, heap)
    g, r = program("loaded", np.float32(1.5), 4)
    assert r == 1.5
    np.testing.assert_array_equal(g, [5.0, 1.5, 1.5, 1.5])
    assert "bufferization" not in program.buffers


PROGRAMS = (ELEMENTWISE, MATMUL, SLICES, LOOP, BRANCH, CARRIED, WHILE, CALLS, SHAPES, CAPTURED, RUNTIME_MEMORY)
MLIR_OPT = shutil.which("mlir-opt-19") or shutil.which("mlir-opt")


def test_no_tensor_type_survives() -> None:
    for text in PROGRAMS:
        module = bufferize(text)
        for op in module.walk():
            types = [*op.operand_types, *op.result_types]
            assert not any(isinstance(t, TensorType) for t in types), op.name


@pytest.mark.skipif(MLIR_OPT is None, reason="mlir-opt-19 is not installed (apt-get install mlir-19-tools)")
def test_upstream_mlir_opt_accepts_the_buffers(tmp_path: Path) -> None:
    assert MLIR_OPT is not None
    for k, text in enumerate(PROGRAMS):
        source = tmp_path / f"buffers-{k}.mlir"
        source.write_text(str(bufferize(text)))
        done = subprocess.run([MLIR_OPT, str(source)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[:2000]


def test_an_op_without_a_rule_is_reported_by_name() -> None:
    text = """
    func.func @pad(%x: tensor<2xf32>) -> tensor<4xf32> {
      %z = arith.constant 0.0 : f32
      %p = tensor.pad %x low[1] high[1] {
      ^bb0(%i: index):
        tensor.yield %z : f32
      } : tensor<2xf32> to tensor<4xf32>
      func.return %p : tensor<4xf32>
    }
    """
    with pytest.raises(PassFailedException, match=r"charl-bufferize: tensor.pad: has no bufferization rule"):
        bufferize(text)


CHARL = """
fn scale(x: tensor<float32, [5]>, n: int32) -> tensor<float32, [5]> {
    let mut y = x
    for i in 0..n {
        y = y * 2.0 + x
    }
    return y
}

fn pick(x: tensor<float32, [4, 6]>, flag: bool) -> tensor<float32, [2, 6]> {
    let mut t = x[1:3, :]
    if flag {
        t = exp(t) - x[0:2, :]
    }
    t[0, 1] = 5.0
    return t
}

fn halve(x: tensor<float32, [4]>) -> tensor<float32, [4]> {
    let mut v = x
    while sum(v) > 1.0 {
        v = v / 2.0
    }
    return v
}

fn lookup(table: tensor<float32, [5, 3]>, ids: tensor<int32, [4]>) -> tensor<float32, [4, 3]> {
    let t = table * 2.0
    return take(t, ids, axis: 0) + take(table, ids, axis: 0)
}

fn dense(x: tensor<float32, [2, 3]>, w: tensor<float32, [3, 4]>, b: tensor<float32, [4]>) -> tensor<float32, [2, 4]> {
    return relu(x @ w + b)
}
"""


def test_charl_programs_end_to_end(heap: Heap) -> None:
    from charlc.api import compile_source
    from charlc.options import Options
    from charlc.pipeline import Stage

    module = compile_source(CHARL, "bufferize.ch", Options(stop_after=Stage.LINALG, bounds_checks=False))
    program = Program(str(module), heap)
    x = np.arange(5, dtype=np.float32)
    for n in (0, 1, 3):
        np.testing.assert_array_equal(program("scale", x, n), x * (2 ** (n + 1) - 1))
    x46 = rand(4, 6)
    for flag in (True, False):
        t = np.exp(x46[1:3]) - x46[0:2] if flag else x46[1:3].copy()
        t[0, 1] = 5.0
        np.testing.assert_allclose(program("pick", x46, flag), t, rtol=1e-5)
    np.testing.assert_array_equal(program("halve", np.array([1, 2, 3, 4], np.float32)), [0.0625, 0.125, 0.1875, 0.25])
    table, ids = rand(5, 3), np.array([4, 0, 2, 2], np.int32)
    np.testing.assert_allclose(program("lookup", table, ids), 3 * table[ids], rtol=1e-6)
    a, w, b = rand(2, 3), rand(3, 4, seed=1), rand(4, seed=2)
    np.testing.assert_allclose(program("dense", a, w, b), np.maximum(a @ w + b, 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["basics", "mlp_inference"])
def test_example_programs_free_every_buffer(
    heap: Heap, name: str, tmp_path: Path, capfd: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from charlc.api import Session
    from charlc.diagnostics import Source
    from charlc.options import Options
    from charlc.run import lower, runtime_library

    runtime = runtime_library()
    path = Path(__file__).parents[2] / "examples" / f"{name}.ch"
    lowered = lower(Session(Options()), Source(str(path), path.read_text()))
    module = CpuModule(counted(lowered.llvm_ir))
    before, bad, count = set(heap.live), heap.bad_frees, heap.allocations
    monkeypatch.chdir(tmp_path)  # basics.ch writes and reads back a .npy file
    try:
        module.function("main", "() -> ()")()
    finally:
        runtime.charl_rt_flush()
    assert heap.allocations > count and heap.live == before and heap.bad_frees == bad
    assert capfd.readouterr().out
