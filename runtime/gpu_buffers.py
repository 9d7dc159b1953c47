"""Host allocations and their device buffers: which bytes of host memory a device buffer mirrors,
and where the valid copy is.

A `Buffer` mirrors the host bytes `[base, base + size)`. Buffers the runtime allocates
(`charl_gpu_alloc`) are *owned*: their range is fixed (the size rounded up to 4 bytes), and a view
reaching outside it is an error. A freed owned buffer goes to a pool and comes back, with its device
buffer and the bind groups that use it, for the next allocation of the same capacity: a training
loop allocates the same temporaries every step, and a new bind group costs far more than a launch.
Capacities above 64 bytes are rounded up to a quarter of their power of two (`capacity_of`), so that
buffers whose size grows a little at each step (attention over a KV cache growing one position a
token) come back from the pool too instead of needing a new device buffer and bind groups every
step; the device buffer has the capacity, the host range only the size asked for.
Other memory (NumPy arrays, globals of the compiled module) is *external*: registered on first use
with the bytes the view reaches, grown when a later view reaches further, merged with any external
buffer it overlaps. Buffers are found by the descriptor's allocated pointer (`keys`); a pointer
that is new but lies inside a known buffer (a NumPy view of a returned result) joins that buffer.

Device buffers are created on a buffer's first launch, rounded up to 16 bytes (vec4 kernels bind
them as `array<vec4<f32>>`, whose length counts whole vec4s).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import numpy as np

from runtime.gpu_device import GpuContext, GpuError

HOST = 1
"""Only the host copy is valid."""
DEVICE = 2
"""Only the device copy is valid."""
BOTH = 3
"""Both copies hold the same data."""

ALIGNMENT = 64
"""Alignment of the host memory `charl_gpu_alloc` returns."""
POOL_LIMIT = 1 << 30
"""Bytes of freed buffers kept for reuse."""


def round4(n: int) -> int:
    """`n` rounded up to a multiple of 4."""
    return (n + 3) & ~3


EXACT_CAPACITY = 64
"""Allocations up to this many bytes get a capacity of their size (rounded up to 4)."""


def capacity_of(nbytes: int) -> int:
    """The capacity of an allocation of `nbytes`: up to `EXACT_CAPACITY`, its size rounded up to 4;
    above, rounded up to a multiple of a quarter of the power of two below it (at most 25% more)."""
    n = round4(max(nbytes, 1))
    if n <= EXACT_CAPACITY:
        return n
    step = 1 << (n.bit_length() - 3)
    return (n + step - 1) // step * step


class Buffer:
    """Host bytes `[base, base + size)` and their device mirror."""

    __slots__ = ("uid", "base", "size", "capacity", "owned", "state", "device", "batch", "keys", "groups", "host")

    def __init__(self, uid: int, base: int, size: int, owned: bool, state: int, host: Any = None) -> None:
        self.uid = uid
        self.base = base
        self.size = size
        self.capacity = size
        """The bytes of host memory (and of the device buffer) an owned buffer has; `size` or more."""
        self.owned = owned
        self.state = state
        self.device: Any = None
        self.batch = -1
        """The batch (command buffer) that last used it; -1 for none."""
        self.keys: set[int] = set()
        self.groups: list[tuple[dict[Any, Any], Any]] = []
        """Bind group cache entries that refer to the device buffer (dropped with it)."""
        self.host = host
        """The NumPy array holding an owned buffer's memory."""

    @property
    def end(self) -> int:
        """One past the last host byte."""
        return self.base + self.size

    def drop_device(self) -> None:
        """Forget the device buffer and the bind groups that use it."""
        for cache, key in self.groups:
            cache.pop(key, None)
        self.groups.clear()
        self.device = None


class Residency:
    """The buffers of one runtime, by allocated pointer."""

    def __init__(self, ctx: GpuContext, read_back: Callable[[Buffer], None]) -> None:
        self._ctx = ctx
        self._read_back = read_back
        self.by_key: dict[int, Buffer] = {}
        self.buffers: set[Buffer] = set()
        self._uid = 0
        self.changes = 0
        """Counts events that invalidate cached views (free, growth, merge)."""
        self.uploads = 0
        self.upload_bytes = 0
        self.pool: dict[int, list[Buffer]] = {}
        """Freed owned buffers by capacity, for reuse."""
        self.pooled_bytes = 0

    def _new(self, base: int, size: int, owned: bool, state: int, host: Any = None) -> Buffer:
        self._uid += 1
        buf = Buffer(self._uid, base, size, owned, state, host)
        self.buffers.add(buf)
        return buf

    def alloc(self, nbytes: int) -> int:
        """Host memory of `nbytes` (64-byte aligned), registered as an owned buffer: a freed one of
        the same capacity when there is one (its device buffer and bind groups are reused too)."""
        if nbytes < 0:
            raise GpuError(f"charl_gpu_alloc of {nbytes} bytes")
        capacity = capacity_of(nbytes)
        pooled = self.pool.get(capacity)
        if pooled:
            buf = pooled.pop()
            self.pooled_bytes -= capacity
            buf.state = BOTH  # fresh memory is garbage on both sides
        else:
            host = np.empty(capacity + ALIGNMENT, dtype=np.uint8)
            address = host.ctypes.data
            base = (address + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
            buf = self._new(base, capacity, True, BOTH, host)
        size = round4(max(nbytes, 1))
        if buf.size != size:  # views cached for the former size may reach past this one
            buf.size = size
            self.changes += 1
        self.buffers.add(buf)
        buf.keys.add(buf.base)
        self.by_key[buf.base] = buf
        return buf.base

    def free(self, address: int) -> None:
        """Release an owned buffer: into the pool (training steps allocate the same sizes again),
        or for good when the pool holds `POOL_LIMIT` bytes."""
        buf = self.by_key.get(address)
        if buf is None or not buf.owned or buf.base != address:
            raise GpuError(f"charl_gpu_free of {address:#x}, which charl_gpu_alloc did not return")
        if self.pooled_bytes + buf.capacity > POOL_LIMIT:
            self._remove(buf)
            return
        for key in buf.keys:
            self.by_key.pop(key, None)
        buf.keys.clear()
        self.buffers.discard(buf)
        self.pool.setdefault(buf.capacity, []).append(buf)
        self.pooled_bytes += buf.capacity

    def trim(self) -> None:
        """Release the pooled buffers."""
        for bufs in self.pool.values():
            for buf in bufs:
                self.buffers.add(buf)
                self._remove(buf)
        self.pool.clear()
        self.pooled_bytes = 0

    def _remove(self, buf: Buffer) -> None:
        for key in buf.keys:
            self.by_key.pop(key, None)
        buf.keys.clear()
        buf.drop_device()
        buf.host = None
        self.buffers.discard(buf)
        self.changes += 1

    def find(self, key: int, lo: int, hi: int, register: bool) -> Buffer | None:
        """The buffer holding host bytes `[lo, hi)` of the allocation `key`; registered (or grown)
        when `register`, else `None` for memory the runtime does not know."""
        buf = self.by_key.get(key)
        if buf is not None and (buf.base <= lo and hi <= buf.end or not register):
            return buf
        if buf is not None and buf.owned:
            raise GpuError(
                f"a view reaches bytes [{lo - buf.base}, {hi - buf.base}) of an allocation of {buf.size} bytes"
            )
        inside = [b for b in self.buffers if b.base <= lo and hi <= b.end and (b.size > 0 or lo == b.base)]
        if inside:
            buf = inside[0]
            buf.keys.add(key)
            self.by_key[key] = buf
            return buf
        if not register:
            return None
        return self._register(key, lo, hi)

    def _register(self, key: int, lo: int, hi: int) -> Buffer:
        overlapping = [b for b in self.buffers if b.base < hi and lo < b.end or key in b.keys]
        for b in overlapping:
            if b.owned:
                raise GpuError(f"a view overlaps an allocation of charl_gpu_alloc only partly ({key:#x})")
        keys = {key}
        for b in overlapping:
            if b.state == DEVICE:
                self._read_back(b)
            lo, hi = min(lo, b.base), max(hi, b.end)
            keys |= b.keys
            self._remove(b)
        buf = self._new(lo, hi - lo, False, HOST)
        buf.keys = keys
        for k in keys:
            self.by_key[k] = buf
        self.changes += 1
        return buf

    def device_buffer(self, buf: Buffer) -> Any:
        """The device buffer of `buf`, created if need be."""
        if buf.device is None:
            import wgpu

            usage = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.COPY_SRC
            size = (max(buf.capacity, 1) + 15) & ~15  # whole vec4s: kernels may bind it as array<vec4<f32>>
            if size > self._ctx.limit("max-buffer-size"):
                raise GpuError(f"a buffer of {buf.size} bytes exceeds the device's largest ({self._ctx.name})")
            buf.device = self._ctx.device.create_buffer(size=size, usage=usage)
        return buf.device

    def upload(self, buf: Buffer) -> None:
        """Copy the host bytes to the device buffer (queued before the next submit)."""
        device = self.device_buffer(buf)
        if buf.size == 0:
            return
        n = round4(buf.size)
        if buf.owned or n == buf.size:
            data: Any = (ctypes.c_char * n).from_address(buf.base)
        else:  # do not read past the end of external memory
            data = bytearray(n)
            ctypes.memmove((ctypes.c_char * n).from_buffer(data), buf.base, buf.size)
        self._ctx.device.queue.write_buffer(device, 0, data, 0, n)
        self.uploads += 1
        self.upload_bytes += buf.size

    def clear(self) -> None:
        """Forget every buffer."""
        self.trim()
        for buf in list(self.buffers):
            self._remove(buf)
