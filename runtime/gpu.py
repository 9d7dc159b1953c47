"""The GPU runtime: runs WGSL kernels through wgpu for JIT-compiled host code (see docs/gpu.md).

Host code stages a kernel's arguments (`charl_gpu_memref_<T>`, `charl_gpu_scalar_<T>`) and
launches it (`charl_gpu_launch`); before touching a buffer itself it calls `charl_gpu_access_<T>`.
`GpuRuntime.symbols()` gives the addresses of these entry points (`gpu_symbols.py`).

The entry points run in C (runtime/c/gpu_host.c): allocation and the pool of freed buffers, staging,
launches, and the bookkeeping of where each buffer's valid copy is. In the steady state of a loop a
launch records its dispatch straight into the open compute pass through wgpu-native's C functions,
without calling Python. This class owns the wgpu objects and is called back by the C code (its
`Hooks`) to make a pipeline, a bind group or a device buffer, to upload, or to submit.

Residency and synchronization: one device buffer per host allocation, valid on the host, the device,
or both. A launch uploads its arguments that are valid only on the host and marks those it writes
valid only on the device; `charl_gpu_access` reads a buffer back only when the device holds the only
valid copy, and with `writes = 1` marks it valid only on the host. Launches are recorded into one
command encoder and one compute pass (a *batch*), submitted only when the host needs data back, when
a buffer used by the batch must be uploaded anew, when the parameter staging area is full, or at
`finish()`. Uploads (`queue.write_buffer`) take effect before the next submit, which is why
uploading a buffer the open batch already uses submits the batch first.

Each launch writes its parameter block (see `gpu_kernels.py`) into a slot of a staging area that is
written to one device buffer just before the batch is submitted; the slot is bound with a dynamic
offset, so bind groups depend only on the buffers and are cached per kernel. Freed buffers are pooled
by capacity (above 64 bytes rounded up to a quarter of their power of two, so that temporaries growing
a little each step come back) and reused with their device buffers and bind groups. Workgroup counts
above the device's per-dimension limit are folded into a 2-D grid.

Memory the runtime did not allocate (NumPy arguments, globals) is mirrored too: host code marks such
arguments host-valid at entry (`charl_gpu_access(..., 1)`); a caller that hands such memory back to
Python after kernels wrote it in place calls `sync_external()` first. Errors inside the entry points
are kept until `check()` (they cannot unwind through C).
"""

from __future__ import annotations

import ctypes
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from runtime.gpu_device import GpuContext, GpuError, KernelState, handle, kernel_state, native_functions, pipeline
from runtime.gpu_host import (
    BEGIN,
    DEVICE_HOOK,
    DROPPED,
    ERROR,
    FLUSH,
    GROUP,
    PREPARE,
    UPLOAD,
    BufferInfo,
    Counts,
    Hooks,
    host_library,
    int32s,
    param_code,
    tag_code,
)
from runtime.gpu_kernels import KernelSpec
from runtime.gpu_symbols import Trampolines

__all__ = ["GpuContext", "GpuError", "GpuRuntime"]

SUBMIT_EVERY_ENV = "CHARL_GPU_SUBMIT_EVERY"
"""Environment variable: submit the open batch after this many dispatches, so that the device starts
on them while the host records the rest (unset or 0: submit only when the host needs data back)."""


def default_library() -> Path:
    """The C runtime's shared library, built (once) and loaded for the JIT."""
    from runtime.native import NativeRuntime

    return NativeRuntime().load().shared


class GpuRuntime:
    """Buffers, pipelines and batched launches of one compiled program's kernels."""

    def __init__(
        self, kernels: list[KernelSpec], context: GpuContext | None = None, library: str | Path | None = None
    ) -> None:
        """`library`: the built C runtime's shared library, loaded for the JIT (default: built now)."""
        if library is None:
            library = default_library()
        else:
            import llvmlite.binding as llvm

            llvm.load_library_permanently(str(library))
        self._specs = {k.number: k for k in kernels}
        self._ctx = context or GpuContext()
        self._lib = host_library(library)
        self._states: dict[int, KernelState] = {}
        self._devices: dict[int, Any] = {}
        self._groups: dict[tuple[int, tuple[int, ...]], tuple[Any, Any]] = {}
        self._slot_groups: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        self._retired: list[Any] = []
        """wgpu objects dropped while the open batch may use them (released after its submit)."""
        self._encoder: Any = None
        self._pass: Any = None
        self._params: Any = None
        self._map: Any = None
        self.submits = 0
        """Command buffers submitted (batches, and copies for read-backs)."""
        self.readbacks = 0
        """Buffers copied back to the host."""
        self.uploads = 0
        """Buffers copied to the device."""
        self.hook_calls = 0
        """Calls from the C code into Python (to make a wgpu object, upload or submit)."""
        self.error: BaseException | None = None
        self.on_error: Callable[[BaseException], None] | None = None
        """Called with the error a callback raised, before it is recorded."""
        self._closed = False
        self._hooks = Hooks(
            PREPARE(self._guard(self._prepare)),
            DEVICE_HOOK(self._guard(self._device)),
            GROUP(self._guard(self._group)),
            UPLOAD(self._guard(self._upload)),
            BEGIN(self._guard(self._begin)),
            FLUSH(self._guard(self._flush)),
            DROPPED(self._dropped),
            ERROR(self._c_error),
        )
        host = self._lib.charl_gpu_c_new(ctypes.byref(self._hooks), *native_functions())
        if not host:
            raise MemoryError("the GPU runtime's host state")
        self._host: int = host
        self._finalizer = weakref.finalize(self, self._lib.charl_gpu_c_delete, host)
        self._param_area = (ctypes.c_char * self._lib.charl_gpu_c_param_capacity()).from_address(
            self._lib.charl_gpu_c_params(host)
        )
        self._trampolines = Trampolines(host)
        every = os.environ.get(SUBMIT_EVERY_ENV, "")
        self._lib.charl_gpu_c_set_submit_every(host, int(every) if every.isdigit() else 0)

    # --- the C interface ----------------------------------------------------------------------

    def functions(self) -> dict[str, Any]:
        """The ctypes function objects of the entry points, by symbol name."""
        return self._trampolines.functions

    def symbols(self) -> dict[str, int]:
        """The addresses of the entry points, by symbol name (valid while the runtime lives)."""
        return dict(self._trampolines.addresses)

    def record_error(self, error: BaseException) -> None:
        """Keep the first error raised inside a callback (see `check`), or hand it to `on_error`
        when one is set (it may end the process: host code cannot go on without its kernels)."""
        if self.on_error is not None:
            self.on_error(error)
        if self.error is None:
            self.error = error
        if not self._lib.charl_gpu_c_failed(self._host):
            self._lib.charl_gpu_c_set_failure(self._host, str(error).encode())

    def check(self) -> None:
        """Raise (and clear) the error an entry point recorded, if any."""
        error, self.error = self.error, None
        if error is None and self._lib.charl_gpu_c_failed(self._host):
            error = GpuError(self._lib.charl_gpu_c_message(self._host).decode() or "the GPU runtime failed")
        self._lib.charl_gpu_c_clear_failure(self._host)
        if error is not None:
            raise error

    def _guard(self, hook: Callable[..., None]) -> Callable[..., int]:
        """`hook` as a C callback: 0, or 1 after recording what it raised."""

        def call(*args: Any) -> int:
            self.hook_calls += 1
            try:
                hook(*args)
                return 0
            except BaseException as e:  # noqa: BLE001 - must not unwind into C
                self.record_error(e)
                return 1

        return call

    def _c_error(self) -> None:
        """The C code failed: its message becomes a `GpuError`."""
        try:
            message = self._lib.charl_gpu_c_message(self._host).decode()
            self.record_error(GpuError(message))
        except BaseException:  # noqa: BLE001 - must not unwind into C  # pragma: no cover
            pass

    # --- counters and introspection (tests, --stats) --------------------------------------------

    def _counts(self) -> Counts:
        counts = Counts()
        self._lib.charl_gpu_c_counts(self._host, ctypes.byref(counts))
        return counts

    @property
    def launches(self) -> int:
        """`charl_gpu_launch` calls."""
        return int(self._counts().launches)

    @property
    def dispatches(self) -> int:
        """Dispatches recorded (launches of zero invocations record none)."""
        return int(self._counts().dispatches)

    def buffers(self) -> list[BufferInfo]:
        """The live buffers (not pooled)."""
        found = []
        for slot in range(self._lib.charl_gpu_c_slots(self._host)):
            info = BufferInfo()
            if self._lib.charl_gpu_c_buffer(self._host, slot, ctypes.byref(info)) and not info.pooled:
                found.append(info)
        return found

    def pooled(self) -> int:
        """Freed buffers kept for reuse."""
        return int(self._counts().pooled)

    def bind_groups(self, kernel: int) -> int:
        """The bind groups cached for kernel `kernel`."""
        return int(self._lib.charl_gpu_c_group_count(self._host, kernel))

    @property
    def param_capacity(self) -> int:
        """Bytes of parameter blocks one batch holds (then it is submitted)."""
        return len(self._param_area)

    def capacity_of(self, nbytes: int) -> int:
        """The capacity an allocation of `nbytes` gets: up to 64 bytes its size rounded up to 4;
        above, rounded up to a multiple of a quarter of the power of two below it."""
        return int(self._lib.charl_gpu_c_capacity_of(nbytes))

    # --- the entry points, from Python ----------------------------------------------------------

    def alloc(self, nbytes: int) -> int:
        """Host memory for a buffer (`charl_gpu_alloc`); 0 after an error (see `check`)."""
        return int(self._lib.charl_gpu_c_alloc(self._host, nbytes) or 0)

    def free(self, address: int) -> None:
        """Release a buffer `alloc` returned (`charl_gpu_free`); null is ignored."""
        self._lib.charl_gpu_c_free(self._host, address)

    # --- hooks: what the C code asks of wgpu ----------------------------------------------------

    def _info(self, slot: int) -> BufferInfo:
        info = BufferInfo()
        if not self._lib.charl_gpu_c_buffer(self._host, slot, ctypes.byref(info)):
            raise GpuError(f"no buffer in slot {slot}")
        return info

    def _prepare(self, number: int) -> None:
        if self._closed:
            raise GpuError("the GPU runtime is closed")
        spec = self._specs.get(number)
        if spec is None:
            raise GpuError(f"no kernel number {number} (the program has {sorted(self._specs)})")
        self._ctx.require(spec)
        self._lib.charl_gpu_c_set_limit(self._host, self._ctx.limit("max-compute-workgroups-per-dimension"))
        state = kernel_state(spec, self._ctx.limit("min-storage-buffer-offset-alignment"))
        self._states[number] = state
        tags = [tag_code(t) for t in state.tags]
        types = [param_code(p.type) for p in spec.params]
        writes = (ctypes.c_uint8 * max(len(state.writes), 1))(*state.writes)
        self._lib.charl_gpu_c_kernel(
            self._host,
            number,
            spec.name.encode(),
            len(tags),
            int32s(tags),
            len(types),
            int32s(state.positions),
            int32s(types),
            state.param_bytes,
            state.slot,
            spec.workgroup_size,
            len(state.writes),
            writes,
        )

    def _device(self, slot: int) -> Any:
        device = self._devices.get(slot)
        if device is None:
            import wgpu

            info = self._info(slot)
            usage = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.COPY_SRC
            size = (max(info.capacity, 1) + 15) & ~15  # whole vec4s: kernels may bind it as array<vec4<f32>>
            if size > self._ctx.limit("max-buffer-size"):
                raise GpuError(f"a buffer of {info.size} bytes exceeds the device's largest ({self._ctx.name})")
            device = self._devices[slot] = self._ctx.device.create_buffer(size=size, usage=usage)
            self._lib.charl_gpu_c_set_device(self._host, slot, handle(device))
        return device

    def _upload(self, slot: int) -> None:
        device = self._device(slot)
        info = self._info(slot)
        if info.size == 0:
            return
        n = (info.size + 3) & ~3
        if info.owned or n == info.size:
            data: Any = (ctypes.c_char * n).from_address(info.base)
        else:  # do not read past the end of external memory
            data = bytearray(n)
            ctypes.memmove((ctypes.c_char * n).from_buffer(data), info.base, info.size)
        self._ctx.device.queue.write_buffer(device, 0, data, 0, n)
        self.uploads += 1

    def _group(self, number: int, writable: int, n: int, slots: Any) -> None:
        state = self._states[number]
        key = (number, tuple(slots[k] for k in range(n)))
        layout, pipe = pipeline(self._ctx, state, writable=bool(writable))
        max_binding = self._ctx.limit("max-storage-buffer-binding-size")
        entries = []
        for k, slot in enumerate(key[1]):
            device = self._device(slot)
            if device.size > max_binding:
                size = self._info(slot).size
                raise GpuError(f"a buffer of {size} bytes exceeds the largest binding of {self._ctx.name}")
            entries.append({"binding": k, "resource": {"buffer": device, "offset": 0, "size": device.size}})
        params = {"buffer": self._params_buffer(), "offset": 0, "size": state.param_bytes}
        entries.append({"binding": len(key[1]), "resource": params})
        group = self._ctx.device.create_bind_group(layout=layout, entries=entries)
        self._groups[key] = (pipe, group)
        for slot in set(key[1]):
            self._slot_groups.setdefault(slot, []).append(key)
        self._lib.charl_gpu_c_set_group(self._host, number, n, int32s(key[1]), handle(pipe), handle(group))

    def _dropped(self, slot: int) -> None:
        """The C code forgot slot `slot`'s device buffer and the bind groups that use it."""
        self._retired.append(self._devices.pop(slot, None))
        for key in self._slot_groups.pop(slot, []):
            self._retired.append(self._groups.pop(key, None))

    def _begin(self) -> None:
        self._encoder = self._ctx.device.create_command_encoder()
        self._pass = self._encoder.begin_compute_pass()
        self._lib.charl_gpu_c_set_pass(self._host, handle(self._pass))

    def _params_buffer(self) -> Any:
        if self._params is None:
            import wgpu

            usage = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.COPY_SRC
            self._params = self._ctx.device.create_buffer(size=len(self._param_area), usage=usage)
        return self._params

    def _flush(self, read: int, wait: int, param_bytes: int) -> None:
        """Submit the open batch, with a copy of slot `read`'s device buffer (-1: none) for reading
        back; with `read` or `wait`, wait until the device has run it."""
        if self._pass is not None:
            self._pass.end()
            self._pass = None
        if param_bytes:
            self._ctx.device.queue.write_buffer(self._params_buffer(), 0, self._param_area, 0, param_bytes)
        encoder, self._encoder = self._encoder, None
        info = self._info(read) if read >= 0 else None
        if info is not None:
            source, n = self._devices[read], (info.size + 3) & ~3
        else:
            source, n = self._params_buffer(), 4
        mapped = info is not None or (wait and encoder is not None)
        if mapped:  # the queue runs in order: once the copy is done, so is the batch
            encoder = encoder or self._ctx.device.create_command_encoder()
            encoder.copy_buffer_to_buffer(source, 0, self._map_buffer(n), 0, n)
        if encoder is not None:
            self._ctx.device.queue.submit([encoder.finish()])
            self.submits += 1
        self._retired.clear()
        if mapped:
            import wgpu

            self._map.map_sync(wgpu.MapMode.READ, 0, n)
            if info is not None:
                data = np.frombuffer(self._map.read_mapped(0, n, copy=False), dtype=np.uint8)
                ctypes.memmove(info.base, data.ctypes.data, info.size)
                del data
                self.readbacks += 1
            self._map.unmap()

    def _map_buffer(self, n: int) -> Any:
        if self._map is None or self._map.size < n:
            import wgpu

            usage = wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST
            self._map = self._ctx.device.create_buffer(size=max(n, 1 << 16), usage=usage)
        return self._map

    # --- synchronization ------------------------------------------------------------------------

    def sync_external(self) -> None:
        """Read back every buffer of memory the runtime did not allocate (NumPy arrays, globals)
        whose only valid copy is on the device: call it before handing such memory back to Python."""
        self._lib.charl_gpu_c_sync(self._host, 0)

    def external_changed(self) -> None:
        """Mark memory the runtime did not allocate valid only on the host: call it before compiled
        code runs again on NumPy arrays that Python may have changed since the last call."""
        self._lib.charl_gpu_c_sync(self._host, 1)

    def sync_live(self) -> None:
        """Read back every live buffer whose only valid copy is on the device: call it when a
        compiled call returns buffers to Python."""
        self._lib.charl_gpu_c_sync(self._host, 2)

    def trim(self) -> None:
        """Release the freed buffers kept for reuse (their host and device memory)."""
        self._lib.charl_gpu_c_trim(self._host)

    def finish(self) -> None:
        """Submit the open batch and wait until the device has run everything submitted."""
        if self._ctx.opened and not self._closed:
            self._lib.charl_gpu_c_flush(self._host, -1, 1)

    def close(self) -> None:
        """Finish, then release every buffer and pipeline; the entry points stop working."""
        if self._closed:
            return
        try:
            self.finish()
        finally:
            self._lib.charl_gpu_c_clear(self._host)
            self._states.clear()
            self._groups.clear()
            self._devices.clear()
            self._retired.clear()
            self._params = self._map = None
            self._closed = True
