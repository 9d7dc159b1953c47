"""The GPU runtime's protocol, driven through its C entry points as JIT-compiled host code calls
them: allocation, staging, batched launches (one submit for many), uploads and read-backs only
when the other side holds the only valid copy, 2-D grids, and errors."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pytest
from gpu_util import compile_kernels, descriptor, gpu_context, kernel_ir, module_ir

from runtime.gpu import GpuRuntime
from runtime.gpu_device import GpuContext, GpuError

GUARD = """    %t = gpu.global_id x
    %in = arith.cmpi ult, %t, %n : index
    scf.if %in {
"""
INC = (
    GUARD
    + """      %v = memref.load %x[%t] : memref<?xf32>
      %one = arith.constant 1.0 : f32
      %w = arith.addf %v, %one : f32
      memref.store %w, %x[%t] : memref<?xf32>
    }"""
)
COPY = (
    GUARD
    + """      %v = memref.load %x[%t] : memref<?xf32>
      memref.store %v, %y[%t] : memref<?xf32>
    }"""
)
FILL = (
    GUARD
    + """      memref.store %s, %x[%t] : memref<?xi8>
    }"""
)
SCALE64 = (
    GUARD
    + """      %v = memref.load %x[%t] : memref<?xf64>
      %w = arith.mulf %v, %v : f64
      memref.store %w, %x[%t] : memref<?xf64>
    }"""
)
SYMBOLS = ["charl_gpu_alloc", "charl_gpu_free", "charl_gpu_launch"]
SYMBOLS += [f"charl_gpu_{kind}_{t}" for kind in ("memref", "access") for t in ("f32", "f64", "i32", "i64", "i8", "i1")]
SYMBOLS += [f"charl_gpu_scalar_{t}" for t in ("f32", "f64", "i32", "i64", "index")]


@pytest.fixture(scope="module")
def ctx() -> GpuContext:
    return gpu_context()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def specs() -> list[Any]:
    return compile_kernels(
        module_ir(
            kernel_ir("%x: memref<?xf32>, %n: index", INC, 0),
            kernel_ir("%x: memref<?xf32>, %y: memref<?xf32>, %n: index", COPY, 1),
            kernel_ir("%x: memref<?xi8>, %s: i8, %n: index", FILL, 2),
            kernel_ir("%x: memref<?xf64>, %n: index", SCALE64, 3),
        )
    )


class Host:
    """Calls the runtime's entry points the way compiled host code does."""

    def __init__(self, rt: GpuRuntime) -> None:
        self.rt = rt
        self.f = rt.functions()
        self.keep: list[Any] = []

    def desc(self, array: np.ndarray[Any, Any], base: np.ndarray[Any, Any] | None = None) -> int:
        d = descriptor(array, base)
        self.keep.append(d)
        return ctypes.addressof(d)

    def owned(self, count: int, dtype: Any) -> tuple[int, np.ndarray[Any, Any]]:
        """A buffer from charl_gpu_alloc, and a NumPy view of it (host code's memory)."""
        address = self.f["charl_gpu_alloc"](count * np.dtype(dtype).itemsize)
        view = np.ctypeslib.as_array((ctypes.c_char * (count * np.dtype(dtype).itemsize)).from_address(address))
        return address, view.view(dtype)

    def launch(
        self, kernel: int, n: int, *memrefs: tuple[str, np.ndarray[Any, Any]], scalars: tuple[Any, ...] = ()
    ) -> None:
        for element, array in memrefs:
            self.f[f"charl_gpu_memref_{element}"](array.ndim, self.desc(array))
        for kind, value in scalars:
            self.f[f"charl_gpu_scalar_{kind}"](value)
        self.f["charl_gpu_scalar_index"](n)
        self.f["charl_gpu_launch"](kernel, n)

    def access(self, element: str, array: np.ndarray[Any, Any], writes: int) -> None:
        self.f[f"charl_gpu_access_{element}"](array.ndim, self.desc(array), writes)


def test_symbols_are_addresses(ctx: GpuContext, specs: list[Any]) -> None:
    symbols = GpuRuntime(specs, ctx).symbols()
    assert set(SYMBOLS) <= set(symbols)
    assert all(isinstance(a, int) and a != 0 for a in symbols.values())


def test_many_launches_one_submit(ctx: GpuContext, specs: list[Any]) -> None:
    """100 launches are recorded into one batch; reading the result submits it once and reads back
    once; a second read, and a launch that only reads, need no transfer."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    _, x = host.owned(1000, np.float32)
    host.access("f32", x, 1)
    x[:] = np.arange(1000)
    for _ in range(100):
        host.launch(0, 1000, ("f32", x))
    rt.check()
    assert (rt.launches, rt.dispatches, rt.submits, rt.uploads, rt.readbacks) == (100, 100, 0, 1, 0)
    host.access("f32", x, 0)
    np.testing.assert_array_equal(x, np.arange(1000) + 100)
    assert (rt.submits, rt.readbacks) == (1, 1)
    host.access("f32", x, 0)
    _, y = host.owned(1000, np.float32)
    host.launch(1, 1000, ("f32", x), ("f32", y))
    host.access("f32", y, 0)
    np.testing.assert_array_equal(y, x)
    assert (rt.uploads, rt.readbacks, rt.submits) == (1, 2, 2)
    assert rt.bind_groups(0) == 1  # one cached bind group for 100 launches


def test_host_writes_between_launches(ctx: GpuContext, specs: list[Any]) -> None:
    """A host write to a buffer the open batch already used submits the batch before uploading
    (queued uploads take effect before the whole batch)."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    _, x = host.owned(8, np.float32)
    _, y = host.owned(8, np.float32)
    host.access("f32", x, 1)
    x[:] = 1
    host.launch(1, 8, ("f32", x), ("f32", y))  # y = 1
    host.access("f32", x, 1)  # valid on both sides: no read-back, now host only
    x[:] = 5
    assert rt.submits == 0
    host.launch(0, 8, ("f32", x))  # x = 6, after uploading 5
    assert rt.submits == 1 and rt.uploads == 2
    host.access("f32", y, 0)
    host.access("f32", x, 0)
    np.testing.assert_array_equal(y, np.ones(8))
    np.testing.assert_array_equal(x, np.full(8, 6))


def test_external_arrays_register_grow_and_merge(ctx: GpuContext, specs: list[Any]) -> None:
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    a = np.zeros(40, np.float32)
    host.launch(0, 10, ("f32", a[:10]))  # registers a[0:10]
    host.launch(0, 20, ("f32", a[:20]))  # same allocated pointer, reaches further: grows
    host.access("f32", a[:20], 0)
    np.testing.assert_array_equal(a, np.r_[np.full(10, 2.0), np.ones(10), np.zeros(20)])
    assert len(rt.buffers()) == 1
    host.launch(0, 10, ("f32", a[30:40]))  # a new pointer inside nothing known: its own buffer
    assert len(rt.buffers()) == 2
    host.launch(0, 20, ("f32", a[15:35]))  # overlaps both: one merged buffer, device data kept
    rt.sync_external()
    want = np.r_[np.full(10, 2.0), np.ones(5), np.full(5, 2.0), np.ones(10), np.full(5, 2.0), np.ones(5)]
    np.testing.assert_array_equal(a, want)
    assert len(rt.buffers()) == 1 and rt.buffers()[0].size == 40 * 4


def test_views_of_owned_buffers_share_them(ctx: GpuContext, specs: list[Any]) -> None:
    """A NumPy view into an allocation (a returned result passed back in) joins its buffer; two
    views of one allocation in one launch, one read and one written, bind it writable twice."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    address, arena = host.owned(64, np.float32)
    host.access("f32", arena, 1)
    arena[:] = np.arange(64)
    src, dst = arena[:32], arena[32:]
    host.launch(1, 32, ("f32", src), ("f32", dst))
    host.access("f32", dst, 0)
    np.testing.assert_array_equal(arena[32:], np.arange(32))
    assert len(rt.buffers()) == 1
    host.f["charl_gpu_free"](address)
    rt.check()
    assert not rt.buffers()


def test_two_dimensional_grids(ctx: GpuContext, specs: list[Any]) -> None:
    """70,000 workgroups of 64 exceed one dimension's 65,535: the grid folds into two rows, and
    the kernel's linear index still covers every element exactly once."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    n = 70_000 * 64 + 5
    x = np.zeros(n, np.int8)
    host.launch(2, n, ("i8", x), scalars=(("i8", -3),))
    host.access("i8", x, 0)
    assert (x == -3).all()


def test_zero_invocations_and_finish(ctx: GpuContext, specs: list[Any]) -> None:
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    x = np.zeros(4, np.float32)
    host.launch(0, 0, ("f32", x))
    assert (rt.launches, rt.dispatches) == (1, 0)
    host.launch(0, 4, ("f32", x))
    rt.finish()
    assert rt.submits == 1
    rt.close()
    host.launch(0, 4, ("f32", x))
    with pytest.raises(GpuError, match="closed"):
        rt.check()


def test_errors_are_recorded_and_raised(ctx: GpuContext, specs: list[Any]) -> None:
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    x = np.zeros(4, np.float64)
    host.f["charl_gpu_memref_f64"](1, host.desc(x))
    host.f["charl_gpu_launch"](0, 4)  # kernel 0 takes (memref<f32>, index)
    with pytest.raises(GpuError, match=r"kernel 0 \(@k0\) takes \(a rank-1 memref of f32, index\)"):
        rt.check()
    host.f["charl_gpu_launch"](9, 4)
    with pytest.raises(GpuError, match="no kernel number 9"):
        rt.check()
    host.f["charl_gpu_free"](12345)
    with pytest.raises(GpuError, match="charl_gpu_free"):
        rt.check()
    y = np.zeros(4, np.float32)
    host.launch(0, 4, ("f32", y))
    host.access("f32", y, 0)
    rt.check()
    np.testing.assert_array_equal(y, np.ones(4))


def test_missing_feature_names_feature_and_adapter(ctx: GpuContext, specs: list[Any]) -> None:
    plain = GpuContext(ctx.adapter, features=())
    rt = GpuRuntime(specs, plain)
    host = Host(rt)
    host.launch(3, 4, ("f64", np.ones(4)))
    with pytest.raises(GpuError, match=r"needs the wgpu feature 'shader-f64', which the adapter .* does not offer"):
        rt.check()


def test_f64_round_trip(ctx: GpuContext, specs: list[Any]) -> None:
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    x = np.array([1.5, -2.0, 1e150, 3.0])
    host.launch(3, 4, ("f64", x))
    host.access("f64", x, 0)
    np.testing.assert_array_equal(x, np.array([1.5, -2.0, 1e150, 3.0]) ** 2)


def test_parameter_area_overflow_submits(ctx: GpuContext, specs: list[Any]) -> None:
    """More launches than one batch's parameter area holds: the batch is submitted and a new one
    started, results unaffected."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    x = np.zeros(3, np.float32)
    count = rt.param_capacity // 32 + 10  # slots are at least 32 bytes (the alignment here)
    for _ in range(count):
        host.launch(0, 3, ("f32", x))
    assert rt.submits >= 1
    host.access("f32", x, 0)
    np.testing.assert_array_equal(x, np.full(3, count))


def test_freed_buffers_are_reused_with_their_bind_groups(ctx: GpuContext, specs: list[Any]) -> None:
    """A training step allocates, launches on and frees the same temporaries every iteration: the
    second iteration gets the same memory back and every bind group from the cache."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    addresses = set()
    for step in range(5):
        a_address, a = host.owned(16, np.float32)
        b_address, b = host.owned(16, np.float32)
        addresses |= {a_address, b_address}
        host.access("f32", a, 1)
        a[:] = step
        host.launch(1, 16, ("f32", a), ("f32", b))
        host.access("f32", b, 0)
        np.testing.assert_array_equal(b, np.full(16, step))
        host.f["charl_gpu_free"](a_address)
        host.f["charl_gpu_free"](b_address)
    rt.check()
    assert len(addresses) == 2 and rt.bind_groups(1) <= 2  # the pool hands them back swapped
    rt.trim()
    assert not rt.pooled()


def test_the_steady_state_of_a_loop_calls_no_python(ctx: GpuContext, specs: list[Any]) -> None:
    """A loop that allocates temporaries, launches on them and frees them: once the pool hands the
    same buffers back, allocation, staging, launches and frees run in C without calling Python
    (until a submit); the results are those of every launch."""
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    _, x = host.owned(16, np.float32)
    host.access("f32", x, 1)
    x[:] = 0
    calls = []
    for _ in range(5):
        before = rt.hook_calls
        a_address, a = host.owned(16, np.float32)
        b_address, b = host.owned(16, np.float32)
        host.launch(1, 16, ("f32", x), ("f32", a))  # a = x
        host.launch(0, 16, ("f32", a))  # a += 1
        host.launch(1, 16, ("f32", a), ("f32", x))  # x = a
        host.f["charl_gpu_free"](a_address)
        host.f["charl_gpu_free"](b_address)
        calls.append(rt.hook_calls - before)
    rt.check()
    assert calls[0] > 0 and calls[2:] == [0, 0, 0] and rt.submits == 0
    host.access("f32", x, 0)
    np.testing.assert_array_equal(x, np.full(16, 5.0))
    assert rt.hook_calls - before == 1 and rt.submits == 1  # the read-back's submit


def test_batches_can_be_submitted_every_n_dispatches(
    ctx: GpuContext, specs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CHARL_GPU_SUBMIT_EVERY=10, 100 launches are submitted in 10 batches as they are
    recorded (the device starts early); the results are the same."""
    monkeypatch.setenv("CHARL_GPU_SUBMIT_EVERY", "10")
    rt = GpuRuntime(specs, ctx)
    host = Host(rt)
    x = np.zeros(100, np.float32)
    for _ in range(100):
        host.launch(0, 100, ("f32", x))
    rt.check()
    assert rt.submits == 10
    host.access("f32", x, 0)
    np.testing.assert_array_equal(x, np.full(100, 100.0))


def test_growing_buffers_come_back_from_the_pool(ctx: GpuContext, specs: list[Any]) -> None:
    """Temporaries one element longer at each step (attention over a growing KV cache) get a
    capacity rounded up to a quarter of their power of two: most steps reuse the pooled buffers and
    their bind groups, and a view past the size asked for is still an error."""
    rt = GpuRuntime(specs, ctx)
    assert [rt.capacity_of(n) for n in (1, 64, 65, 100, 129, 1000, 4097)] == [4, 64, 80, 112, 160, 1024, 5120]
    host = Host(rt)
    addresses = set()
    for step in range(40, 64):
        a_address, a = host.owned(step, np.float32)
        b_address, b = host.owned(step, np.float32)
        addresses |= {a_address, b_address}
        host.access("f32", a, 1)
        a[:] = step
        host.launch(1, step, ("f32", a), ("f32", b))
        host.access("f32", b, 0)
        np.testing.assert_array_equal(b, np.full(step, step))
        host.f["charl_gpu_free"](a_address)
        host.f["charl_gpu_free"](b_address)
    rt.check()
    # 160..252 bytes: capacities 160, 192, 224 and 256 (four pairs of buffers), instead of 24 pairs
    assert len(addresses) == 8 and rt.bind_groups(1) <= 8
    address, small = host.owned(36, np.float32)  # size 144 bytes, capacity 160
    beyond = np.ctypeslib.as_array((ctypes.c_float * 40).from_address(address))
    host.launch(1, 36, ("f32", beyond), ("f32", small))
    with pytest.raises(GpuError, match="reaches bytes"):
        rt.check()


def test_no_adapter_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an adapter nothing fails at import or construction; first use says why."""
    import wgpu
    import wgpu.backends.wgpu_native  # noqa: F401 - importing it replaces wgpu.gpu

    from runtime.gpu_device import adapter_or_none

    monkeypatch.setattr(wgpu.gpu, "request_adapter_sync", lambda **_: None)
    assert adapter_or_none() == (None, "wgpu found no adapter")
    rt = GpuRuntime([], GpuContext())
    rt.functions()["charl_gpu_launch"](0, 1)
    with pytest.raises(GpuError, match="no kernel number 0"):
        rt.check()
    with pytest.raises(GpuError, match="no GPU available to run kernels: wgpu found no adapter"):
        GpuContext().device  # noqa: B018
