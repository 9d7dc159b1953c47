"""The wgpu adapter and device, and the compute pipelines of kernels.

Nothing here touches a GPU at import: `GpuContext` requests the adapter and opens the device on
first use, asking for `shader-f64` and `shader-int64` when the adapter has them and for the
adapter's own limits on storage buffers and workgroups (WebGPU's defaults are lower). Several
runtimes may share one context (tests do, to open the device once).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from operator import itemgetter
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


class Recorder:
    """Records a dispatch into a compute pass: `pipeline`, then `dispatch(group, offset, x, y)`.

    Launches are many and Python per-launch cost matters, so when wgpu-py's wgpu-native backend
    is importable the calls go straight to its C functions with a reused offsets array (wgpu-py's
    wrappers allocate and check errors per call; a recording error still surfaces when the batch
    is submitted). Otherwise the public API is used.
    """

    def __init__(self) -> None:
        try:
            from wgpu.backends.wgpu_native._ffi import ffi, lib
        except ImportError:  # pragma: no cover - another backend
            self._lib: Any = None
            return
        self._lib = lib
        self._offsets = ffi.new("uint32_t[1]")

    def pipeline(self, compute_pass: Any, pipe: Any) -> None:
        """Set the pipeline of the following dispatches."""
        if self._lib is None:  # pragma: no cover
            compute_pass.set_pipeline(pipe)
        else:
            self._lib.wgpuComputePassEncoderSetPipeline(compute_pass._internal, pipe._internal)

    def dispatch(self, compute_pass: Any, group: Any, offset: int, x: int, y: int) -> None:
        """Bind `group` (with the parameter block at `offset`) and dispatch `x * y` workgroups."""
        if self._lib is None:  # pragma: no cover
            compute_pass.set_bind_group(0, group, [offset])
            compute_pass.dispatch_workgroups(x, y, 1)
            return
        self._offsets[0] = offset
        self._lib.wgpuComputePassEncoderSetBindGroup(compute_pass._internal, 0, group._internal, 1, self._offsets)
        self._lib.wgpuComputePassEncoderDispatchWorkgroups(compute_pass._internal, x, y, 1)


@dataclass
class KernelState:
    """A kernel's pipelines, bind group cache and parameter packing, built on its first launch."""

    spec: KernelSpec
    tags: tuple[str, ...]
    """What each staged argument must be: `m<element>/<rank>` or `s<type>`."""
    values: Any
    """Picks the parameter block's values, in word order, from the staged values."""
    pack: struct.Struct
    param_bytes: int
    slot: int
    """Bytes between consecutive parameter blocks (a multiple of the dynamic offset alignment)."""
    writes: tuple[bool, ...]
    layouts: list[Any] = field(default_factory=lambda: [None, None])
    pipelines: list[Any] = field(default_factory=lambda: [None, None])
    groups: dict[tuple[int, ...], tuple[Any, Any]] = field(default_factory=dict[tuple[int, ...], tuple[Any, Any]])


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
    pick = itemgetter(*positions) if len(positions) > 1 else (lambda flat: (flat[positions[0]],))
    pack = struct.Struct("<" + "".join(PARAM_FORMAT[s.type] for s in spec.params))
    param_bytes = max(4, pack.size)
    slot_bytes = -(-param_bytes // alignment) * alignment
    writes = tuple(a.writes for a in spec.memrefs)
    return KernelState(spec, tuple(tags), pick, pack, param_bytes, slot_bytes, writes)


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
