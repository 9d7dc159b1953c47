"""The GPU runtime: runs WGSL kernels through wgpu for JIT-compiled host code (see docs/gpu.md).

Host code stages a kernel's arguments (`charl_gpu_memref_<T>`, `charl_gpu_scalar_<T>`) and
launches it (`charl_gpu_launch`); before touching a buffer itself it calls `charl_gpu_access_<T>`.
`GpuRuntime.symbols()` gives the addresses of these C entry points (`gpu_symbols.py`).

Residency and synchronization: one device buffer per host allocation (`gpu_buffers.py`), valid on
the host, the device, or both. A launch uploads its arguments that are valid only on the host and
marks those it writes valid only on the device; `charl_gpu_access` reads a buffer back only when
the device holds the only valid copy, and with `writes = 1` marks it valid only on the host.
Launches are recorded into one command encoder and one compute pass (a *batch*), submitted only
when the host needs data back, when a buffer used by the batch must be uploaded anew, when the
parameter staging area is full, or at `finish()`. Uploads (`queue.write_buffer`) take effect
before the next submit, which is why uploading a buffer the open batch already uses submits the
batch first.

Each launch writes its parameter block (see `gpu_kernels.py`) into a slot of a staging area that is
written to one device buffer just before the batch is submitted; the slot is bound with a dynamic
offset, so bind groups depend only on the buffers and are cached per kernel (freed buffers are
pooled and reused with their bind groups, see `gpu_buffers.py`). Workgroup counts above the
device's per-dimension limit are folded into a 2-D grid.

Memory the runtime did not allocate (NumPy arguments, globals) is mirrored too: host code marks
such arguments host-valid at entry (`charl_gpu_access(..., 1)`); a caller that hands such memory
back to Python after kernels wrote it in place calls `sync_external()` first. Errors inside the
entry points are kept until `check()` (they cannot unwind through C).
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from runtime.gpu_buffers import BOTH, DEVICE, HOST, Buffer, Residency, round4
from runtime.gpu_device import GpuContext, GpuError, KernelState, Recorder, kernel_state, pipeline
from runtime.gpu_kernels import ITEMSIZE, KernelSpec
from runtime.gpu_symbols import make_functions

__all__ = ["GpuContext", "GpuError", "GpuRuntime"]

PARAM_CAPACITY = 1 << 20
"""Bytes of parameter blocks one batch can hold (then it is submitted)."""

_NO_ALLOCATION = (0, 0xDEADBEEF)
"""Allocated pointers of memrefs that own no allocation (MLIR's `memref.get_global`)."""


class GpuRuntime:
    """Buffers, pipelines and batched launches of one compiled program's kernels."""

    def __init__(self, kernels: list[KernelSpec], context: GpuContext | None = None) -> None:
        self._specs = {k.number: k for k in kernels}
        self._ctx = context or GpuContext()
        self._states: dict[int, KernelState] = {}
        self._res = Residency(self._ctx, self._read_back)
        self._views: dict[str, dict[tuple[int, ...], tuple[Buffer, tuple[int, ...], str]]] = {}
        self._seen_changes = 0
        self._desc_types: dict[int, Any] = {}
        self._tags: list[str] = []
        self._flat: list[Any] = []
        self._bufs: list[Buffer] = []
        self._uids: list[int] = []
        self._batch = 0
        self._encoder: Any = None
        self._pass: Any = None
        self._last_pipeline: Any = None
        self._params: Any = None
        self._staging = bytearray(PARAM_CAPACITY)
        self._param_used = 0
        self._map: Any = None
        self._limit = 65535
        self._recorder = Recorder()
        self._pass_groups: list[Any] = []
        self.launches = 0
        """`charl_gpu_launch` calls."""
        self.dispatches = 0
        """Dispatches recorded (launches of zero invocations record none)."""
        self.submits = 0
        """Command buffers submitted (batches, and copies for read-backs)."""
        self.readbacks = 0
        """Buffers copied back to the host."""
        self.error: BaseException | None = None
        self.on_error: Callable[[BaseException], None] | None = None
        """Called with the error a callback raised, before it is recorded."""
        self._closed = False
        self._functions = make_functions(self)

    # --- the C interface ----------------------------------------------------------------------

    def functions(self) -> dict[str, Any]:
        """The ctypes function objects of the entry points, by symbol name."""
        return self._functions

    def symbols(self) -> dict[str, int]:
        """The addresses of the C entry points, by symbol name (valid while the runtime lives)."""
        return {name: ctypes.cast(f, ctypes.c_void_p).value or 0 for name, f in self._functions.items()}

    def record_error(self, error: BaseException) -> None:
        """Keep the first error raised inside a callback (see `check`), or hand it to `on_error`
        when one is set (it may end the process: host code cannot go on without its kernels)."""
        if self.on_error is not None:
            self.on_error(error)
        if self.error is None:
            self.error = error

    def check(self) -> None:
        """Raise (and clear) the error a callback recorded, if any."""
        error, self.error = self.error, None
        if error is not None:
            raise error

    @property
    def uploads(self) -> int:
        """Buffers copied to the device."""
        return self._res.uploads

    # --- allocation ---------------------------------------------------------------------------

    def alloc(self, nbytes: int) -> int:
        """Host memory for a buffer (`charl_gpu_alloc`)."""
        return self._res.alloc(nbytes)

    def free(self, address: int) -> None:
        """Release a buffer `alloc` returned (`charl_gpu_free`); null is ignored."""
        if address:
            self._res.free(address)

    # --- staging and launching ------------------------------------------------------------------

    def discard_staged(self) -> None:
        """Forget the arguments staged for the next launch."""
        self._tags.clear()
        self._flat.clear()
        self._bufs.clear()
        self._uids.clear()

    def staged_lists(self) -> tuple[list[str], list[Any]]:
        """The lists scalar staging appends a tag and a value to (they live as long as the runtime)."""
        return self._tags, self._flat

    def stage_scalar(self, tag: str, value: Any) -> None:
        """Stage a scalar argument; `tag` is `s<type>`."""
        self._tags.append(tag)
        self._flat.append(value)

    def stage_memref(self, element: str, rank: int, address: int) -> None:
        """Stage the memref whose ranked descriptor is at `address`."""
        buf, values, tag = self._view(element, rank, address)
        self._tags.append(tag)
        self._bufs.append(buf)
        self._uids.append(buf.uid)
        self._flat.extend(values)

    def _descriptor(self, rank: int, address: int) -> list[int]:
        array_type = self._desc_types.get(rank)
        if array_type is None:
            array_type = self._desc_types[rank] = ctypes.c_int64 * (3 + 2 * rank)
        return array_type.from_address(address)[:]  # type: ignore[no-any-return]

    def _view(self, element: str, rank: int, address: int) -> tuple[Buffer, tuple[int, ...], str]:
        if self._res.changes != self._seen_changes:
            self._views.clear()
            self._seen_changes = self._res.changes
        words = self._descriptor(rank, address)
        cache = self._views.setdefault(element, {})
        key = tuple(words)
        hit = cache.get(key)
        if hit is not None:
            return hit
        start, lo, hi = _reach(element, words, rank)
        buf = self._res.find(_key(words), lo, hi, register=True)
        assert buf is not None
        if element == "i4":  # packed two a byte: the element offset counts nibbles
            values = ((words[1] - buf.base) * 2 + words[2], *words[3:])
            hit = cache[key] = (buf, values, f"m{element}/{rank}")
            return hit
        delta = start - buf.base
        if delta % ITEMSIZE[element]:
            raise GpuError(f"a memref of {element} starts {delta} bytes into its buffer, not at an element boundary")
        values = (delta // ITEMSIZE[element], *words[3:])
        hit = cache[key] = (buf, values, f"m{element}/{rank}")
        return hit

    def launch(self, number: int, invocations: int) -> None:
        """Dispatch kernel `number` on the staged arguments (`charl_gpu_launch`); does nothing
        while an error is pending (see `check`)."""
        try:
            if self.error is None:
                self._launch(number, invocations)
        finally:
            self.discard_staged()

    def _launch(self, number: int, invocations: int) -> None:
        if self._closed:
            raise GpuError("the GPU runtime is closed")
        state = self._states.get(number) or self._prepare(number)
        tags = tuple(self._tags)
        if tags != state.tags:
            raise GpuError(
                f"kernel {number} (@{state.spec.name}) takes {_describe(state.tags)}, but {_describe(tags)} were staged"
            )
        self.launches += 1
        if invocations <= 0:
            return
        if invocations >= 2**31:
            raise GpuError(f"kernel {number} launched with {invocations} invocations; at most 2^31 - 1")
        if self._param_used + state.slot > PARAM_CAPACITY:
            self._flush()
        bufs = self._bufs
        self._make_resident(bufs, state.writes)
        group = state.groups.get(tuple(self._uids)) or self._bind_group(state, bufs)
        offset = self._param_used
        try:
            state.pack.pack_into(self._staging, offset, *state.values(self._flat))
        except struct.error as e:
            raise GpuError(f"kernel {number} (@{state.spec.name}): a parameter does not fit 32 bits ({e})") from e
        self._param_used = offset + state.slot
        if self._pass is None:
            self._encoder = self._ctx.device.create_command_encoder()
            self._pass = self._encoder.begin_compute_pass()
        if group[0] is not self._last_pipeline:
            self._recorder.pipeline(self._pass, group[0])
            self._last_pipeline = group[0]
        self._pass_groups.append(group)  # alive until submitted, even if a buffer is freed
        groups = -(-invocations // state.spec.workgroup_size)
        limit = self._limit
        if groups <= limit:
            self._recorder.dispatch(self._pass, group[1], offset, groups, 1)
        else:
            self._recorder.dispatch(self._pass, group[1], offset, limit, -(-groups // limit))
        self.dispatches += 1

    def _prepare(self, number: int) -> KernelState:
        spec = self._specs.get(number)
        if spec is None:
            raise GpuError(f"no kernel number {number} (the program has {sorted(self._specs)})")
        self._ctx.require(spec)
        self._limit = self._ctx.limit("max-compute-workgroups-per-dimension")
        state = kernel_state(spec, self._ctx.limit("min-storage-buffer-offset-alignment"))
        self._states[number] = state
        return state

    def _make_resident(self, bufs: list[Buffer], writes: tuple[bool, ...]) -> None:
        for buf in bufs:
            if buf.state == HOST:
                if buf.batch == self._batch:
                    self._flush()
                self._res.upload(buf)
                buf.state = BOTH
            elif buf.device is None:
                self._res.device_buffer(buf)
        batch = self._batch
        for buf, written in zip(bufs, writes, strict=True):
            buf.batch = batch
            if written:
                buf.state = DEVICE

    def _bind_group(self, state: KernelState, bufs: list[Buffer]) -> tuple[Any, Any]:
        read = {b.uid for b, w in zip(bufs, state.writes, strict=True) if not w}
        written = {b.uid for b, w in zip(bufs, state.writes, strict=True) if w}
        layout, pipe = pipeline(self._ctx, state, writable=bool(read & written))
        max_binding = self._ctx.limit("max-storage-buffer-binding-size")
        entries = []
        for k, buf in enumerate(bufs):
            device = self._res.device_buffer(buf)
            if device.size > max_binding:
                raise GpuError(f"a buffer of {buf.size} bytes exceeds the largest binding of {self._ctx.name}")
            entries.append({"binding": k, "resource": {"buffer": device, "offset": 0, "size": device.size}})
        params = {"buffer": self._params_buffer(), "offset": 0, "size": state.param_bytes}
        entries.append({"binding": len(bufs), "resource": params})
        group = (pipe, self._ctx.device.create_bind_group(layout=layout, entries=entries))
        key = tuple(b.uid for b in bufs)
        state.groups[key] = group
        for buf in set(bufs):
            buf.groups.append((state.groups, key))
        return group

    def _params_buffer(self) -> Any:
        if self._params is None:
            import wgpu

            usage = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.COPY_SRC
            self._params = self._ctx.device.create_buffer(size=PARAM_CAPACITY, usage=usage)
        return self._params

    # --- synchronization ------------------------------------------------------------------------

    def _flush(self, read: Buffer | None = None, wait: bool = False) -> None:
        """Submit the open batch, with a copy of `read`'s device buffer for reading back; with
        `read` or `wait`, wait until the device has run it."""
        if self._pass is not None:
            self._pass.end()
            self._pass = None
        if self._param_used:
            self._ctx.device.queue.write_buffer(self._params, 0, self._staging, 0, self._param_used)
        encoder, self._encoder = self._encoder, None
        source, n = (read.device, round4(read.size)) if read is not None else (self._params, 4)
        mapped = read is not None or (wait and encoder is not None)
        if mapped:  # the queue runs in order: once the copy is done, so is the batch
            encoder = encoder or self._ctx.device.create_command_encoder()
            encoder.copy_buffer_to_buffer(source, 0, self._map_buffer(n), 0, n)
        if encoder is not None:
            self._ctx.device.queue.submit([encoder.finish()])
            self.submits += 1
        self._last_pipeline = None
        self._pass_groups.clear()
        self._param_used = 0
        self._batch += 1
        if mapped:
            import wgpu

            self._map.map_sync(wgpu.MapMode.READ, 0, n)
            if read is not None:
                data = np.frombuffer(self._map.read_mapped(0, n, copy=False), dtype=np.uint8)
                ctypes.memmove(read.base, data.ctypes.data, read.size)
                del data
                self.readbacks += 1
            self._map.unmap()

    def _map_buffer(self, n: int) -> Any:
        if self._map is None or self._map.size < n:
            import wgpu

            usage = wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST
            self._map = self._ctx.device.create_buffer(size=max(n, 1 << 16), usage=usage)
        return self._map

    def _read_back(self, buf: Buffer) -> None:
        if buf.device is not None and buf.size > 0:
            self._flush(read=buf)
        buf.state = BOTH

    def access(self, element: str, rank: int, address: int, writes: int) -> None:
        """Make a memref valid on the host before host code reads it (`charl_gpu_access`); with
        `writes`, mark it valid only on the host."""
        words = self._descriptor(rank, address)
        buf = self._res.by_key.get(_key(words))
        if buf is None:
            _, lo, hi = _reach(element, words, rank)
            buf = self._res.find(_key(words), lo, hi, register=False)
            if buf is None:
                return
        if buf.state == DEVICE:
            self._read_back(buf)
        if writes:
            buf.state = HOST

    def sync_external(self) -> None:
        """Read back every buffer of memory the runtime did not allocate (NumPy arrays, globals)
        whose only valid copy is on the device: call it before handing such memory back to Python."""
        for buf in list(self._res.buffers):
            if not buf.owned and buf.state == DEVICE:
                self._read_back(buf)

    def external_changed(self) -> None:
        """Mark memory the runtime did not allocate valid only on the host: call it before compiled
        code runs again on NumPy arrays that Python may have changed since the last call."""
        for buf in self._res.buffers:
            if not buf.owned:
                buf.state = HOST

    def sync_live(self) -> None:
        """Read back every live buffer whose only valid copy is on the device: call it when a
        compiled call returns buffers to Python."""
        for buf in list(self._res.buffers):
            if buf.state == DEVICE:
                self._read_back(buf)

    def trim(self) -> None:
        """Release the freed buffers kept for reuse (their host and device memory)."""
        self._res.trim()

    def finish(self) -> None:
        """Submit the open batch and wait until the device has run everything submitted."""
        if self._ctx.opened:
            self._flush(wait=True)

    def close(self) -> None:
        """Finish, then release every buffer and pipeline; the entry points stop working."""
        if self._closed:
            return
        try:
            self.finish()
        finally:
            self._res.clear()
            self._states.clear()
            self._views.clear()
            self._params = self._map = None
            self._closed = True


def _key(words: list[int]) -> int:
    """The allocation a descriptor belongs to: its allocated pointer (the aligned one for globals)."""
    return words[1] if words[0] in _NO_ALLOCATION else words[0]


def _reach(element: str, words: list[int], rank: int) -> tuple[int, int, int]:
    """`_extent` for memrefs of `element`; an `i4` view (two elements a byte) is measured in nibbles
    and reaches the bytes that hold them."""
    if element != "i4":
        return _extent(words, rank, ITEMSIZE[element])
    start, lo, hi = _extent([0, words[1] * 2, *words[2:]], rank, 1)
    return start // 2, lo // 2, (hi + 1) // 2


def _extent(words: list[int], rank: int, itemsize: int) -> tuple[int, int, int]:
    """The address of element `[0, ...]` and the host bytes `[lo, hi)` a descriptor's view reaches."""
    start = words[1] + words[2] * itemsize
    sizes, strides = words[3 : 3 + rank], words[3 + rank :]
    lo = hi = start
    if all(s > 0 for s in sizes):
        for size, stride in zip(sizes, strides, strict=True):
            reach = (size - 1) * stride * itemsize
            if reach < 0:
                lo += reach
            else:
                hi += reach
        hi += itemsize
    return start, lo, hi


def _describe(tags: tuple[str, ...]) -> str:
    names = []
    for tag in tags:
        element, _, rank = tag[1:].partition("/")
        names.append(f"a rank-{rank} memref of {element}" if tag[0] == "m" else tag[1:])
    return "(" + ", ".join(names) + ")"
