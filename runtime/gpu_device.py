"""The wgpu adapter and device, and the compute pipelines of kernels.

Nothing here touches a GPU at import: `GpuContext` requests the adapter and opens the device on
first use, asking for `shader-f64` and `shader-int64` when the adapter has them and for the
adapter's own limits on storage buffers and workgroups (WebGPU's defaults are lower). Several
runtimes may share one context (tests do, to open the device once).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from runtime.gpu_kernels import PARAM_FORMAT, KernelSpec, MemRefArg

OPTIONAL_FEATURES = ("shader-f64", "shader-int64")
_LIMITS = (
    "max-storage-buffers-per-shader-stage",
    "max-storage-buffer-binding-size",
    "max-buffer-size",
    "max-compute-invocations-per-workgroup",
    "max-compute-workgroup-size-x",
    "max-compute-workgroups-per-dimension",
    "max-dynamic-storage-buffers-per-pipeline-layout",
)


class GpuError(RuntimeError):
    """A kernel cannot run on this device, or the runtime was used against its protocol."""


def adapter_or_none() -> tuple[Any, str]:
    """The high-performance wgpu adapter, or `None` and why there is none."""
    try:
        import wgpu
    except ImportError as e:  # pragma: no cover - wgpu is a dependency
        return None, f"wgpu is not installed ({e})"
    try:
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
    except Exception as e:  # wgpu raises various errors when no backend is usable
        return None, str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if adapter is None:
        return None, "wgpu found no adapter"
    return adapter, ""


class GpuContext:
    """A wgpu adapter and the device opened on it, both on first use."""

    def __init__(self, adapter: Any = None, features: tuple[str, ...] | None = None) -> None:
        """`features` limits the optional features requested (default: all the adapter has)."""
        self._adapter = adapter
        self._features = OPTIONAL_FEATURES if features is None else features
        self._device: Any = None

    @property
    def adapter(self) -> Any:
        """The adapter (requested now if need be); a `GpuError` when there is none."""
        if self._adapter is None:
            adapter, reason = adapter_or_none()
            if adapter is None:
                raise GpuError(
                    f"no GPU available to run kernels: {reason} (without a GPU, Mesa's llvmpipe runs them on the CPU:"
                    " apt-get install mesa-vulkan-drivers)"
                )
            self._adapter = adapter
        return self._adapter

    @property
    def name(self) -> str:
        """The adapter's description, for messages."""
        info = self.adapter.info
        return f"{info.get('device', '?')} ({info.get('backend_type', '?')})"

    @property
    def device(self) -> Any:
        """The device (opened now if need be)."""
        if self._device is None:
            adapter = self.adapter
            features = [f for f in self._features if f in adapter.features]
            limits = {k: adapter.limits[k] for k in _LIMITS if k in adapter.limits}
            self._device = adapter.request_device_sync(required_features=features, required_limits=limits)
        return self._device

    @property
    def opened(self) -> bool:
        """Whether the device is open."""
        return self._device is not None

    def limit(self, name: str) -> int:
        """A limit of the device (`max-compute-workgroups-per-dimension`, ...)."""
        return int(self.device.limits[name])

    def require(self, spec: KernelSpec) -> None:
        """A `GpuError` naming the feature and the adapter when `spec` needs what the device lacks."""
        have = self.device.features
        for feature in spec.features:
            if feature not in have:
                raise GpuError(
                    f"kernel {spec.number} (@{spec.name}) needs the wgpu feature '{feature}', "
                    f"which the adapter {self.name} does not offer"
                )
        count = len(spec.memrefs) + 1
        if count > self.limit("max-storage-buffers-per-shader-stage"):
            raise GpuError(
                f"kernel {spec.number} (@{spec.name}) binds {count} storage buffers; the adapter "
                f"{self.name} allows {self.limit('max-storage-buffers-per-shader-stage')}"
            )


def native_functions() -> tuple[int, int, int]:
    """The addresses of wgpu-native's `wgpuComputePassEncoderSetPipeline`, `...SetBindGroup` and
    `...DispatchWorkgroups`, which the C runtime records launches with."""
    try:
        from wgpu.backends.wgpu_native._ffi import ffi, lib
    except ImportError as e:  # pragma: no cover - wgpu-py's only backend
        raise GpuError(f"the GPU runtime needs wgpu-py's wgpu-native backend ({e})") from e
    names = ("SetPipeline", "SetBindGroup", "DispatchWorkgroups")
    return tuple(int(ffi.cast("uintptr_t", ffi.addressof(lib, f"wgpuComputePassEncoder{n}"))) for n in names)  # type: ignore[return-value]


def handle(obj: Any) -> int:
    """The wgpu-native handle of a wgpu-py object (a device buffer, bind group, pipeline or pass)."""
    from wgpu.backends.wgpu_native._ffi import ffi

    return int(ffi.cast("uintptr_t", obj._internal))


@dataclass
class KernelState:
    """A kernel's pipelines and how its launches are staged and packed, built on its first launch."""

    spec: KernelSpec
    tags: tuple[str, ...]
    """What each staged argument must be: `m<element>/<rank>` or `s<type>`."""
    positions: tuple[int, ...]
    """Where each parameter word's value is among the staged values, in word order."""
    param_bytes: int
    slot: int
    """Bytes between consecutive parameter blocks (a multiple of the dynamic offset alignment)."""
    writes: tuple[bool, ...]
    layouts: list[Any] = field(default_factory=lambda: [None, None])
    pipelines: list[Any] = field(default_factory=lambda: [None, None])


def kernel_state(spec: KernelSpec, alignment: int) -> KernelState:
    """The launch plan of `spec` for a device with this dynamic storage offset alignment."""
    tags: list[str] = []
    starts: list[int] = []
    position = 0
    for arg in spec.args:
        starts.append(position)
        if isinstance(arg, MemRefArg):
            tags.append(f"m{arg.element}/{arg.rank}")
            position += 1 + 2 * arg.rank
        else:  # host code stages an i1 scalar as i32, an i4 as i8 (docs/gpu.md)
            tags.append({"i1": "si32", "i4": "si8"}.get(arg.type, f"s{arg.type}"))
            position += 1
    positions = []
    for slot in spec.params:
        rank = spec.args[slot.arg].rank if isinstance(spec.args[slot.arg], MemRefArg) else 0  # type: ignore[union-attr]
        extra = {"offset": 0, "value": 0, "size": 1 + slot.dim, "stride": 1 + rank + slot.dim}[slot.field]
        positions.append(starts[slot.arg] + extra)
    param_bytes = max(4, struct.calcsize("<" + "".join(PARAM_FORMAT[s.type] for s in spec.params)))
    slot_bytes = -(-param_bytes // alignment) * alignment
    writes = tuple(a.writes for a in spec.memrefs)
    return KernelState(spec, tuple(tags), tuple(positions), param_bytes, slot_bytes, writes)


def pipeline(ctx: GpuContext, state: KernelState, writable: bool) -> tuple[Any, Any]:
    """The bind group layout and compute pipeline of a kernel; `writable` binds every memref as
    writable storage (for dispatches that bind one buffer both read-only and writable)."""
    variant = int(writable)
    if state.pipelines[variant] is None:
        import wgpu

        device = ctx.device
        entries = []
        for k, writes in enumerate(state.writes):
            kind = "storage" if writes or writable else "read-only-storage"
            entries.append({"binding": k, "visibility": wgpu.ShaderStage.COMPUTE, "buffer": {"type": kind}})
        entries.append(
            {
                "binding": len(state.writes),
                "visibility": wgpu.ShaderStage.COMPUTE,
                "buffer": {"type": "read-only-storage", "has_dynamic_offset": True},
            }
        )
        layout = device.create_bind_group_layout(entries=entries)
        source = state.spec.wgsl_all_writable() if writable else state.spec.wgsl
        module = device.create_shader_module(label=state.spec.name, code=source)
        pipeline_layout = device.create_pipeline_layout(bind_group_layouts=[layout])
        state.pipelines[variant] = device.create_compute_pipeline(
            label=state.spec.name, layout=pipeline_layout, compute={"module": module, "entry_point": "main"}
        )
        state.layouts[variant] = layout
    return state.layouts[variant], state.pipelines[variant]
