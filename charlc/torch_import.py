"""`charlc import-torch`: a PyTorch `state_dict` as the `.npz` that `load(Model, path)` reads.

The model is named by its Charl declaration (`Mlp`, or `Linear(4, 8)` with constructor arguments);
the front end gives its parameters (dotted paths, shapes, element types). Tensors are matched by
name when every Charl path is a key of the state dict (after a leading `module.` is dropped, as
`DataParallel` writes it), else in order: PyTorch registers the parameters of an `nn.Sequential` in
forward order, and so does Charl. A `dense` layer's weight is `[in, out]` where `nn.Linear`'s is
`[out, in]`: it is transposed. Any other tensor must have the Charl shape, or for a 2-D tensor its
transpose (square ones of `params` models are copied as they are). Every mismatch is an error that
names both sides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from charlc import syntax as ast
from charlc.checked import ModelInfo
from charlc.diagnostics import Source
from charlc.options import UsageError

MODEL_SPEC = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$")
IGNORED_BUFFERS = ("num_batches_tracked",)


@dataclass(frozen=True)
class Param:
    """One Charl parameter: its path, shape, NumPy dtype and the kind of layer that holds it."""

    path: str
    shape: tuple[int, ...]
    dtype: str
    layer: str  # "dense", "conv2d", ... for sequential layers; "param" for `params` fields


def model_params(source: Source, spec: str) -> list[Param]:
    """The parameters of the model `spec` (`Mlp`, `Linear(4, 8)`) declared in `source`, in path
    order. A `CharlError` for a mistake in the program, a `UsageError` for a bad `spec`."""
    from charlc.parser import parse
    from charlc.typecheck import check

    m = MODEL_SPEC.match(spec)
    if m is None:
        raise UsageError(f"'{spec}' is not a model name, such as Mlp or Linear(4, 8)")
    name, args = m.group(1), (m.group(2) or "").strip()
    ctor = f"{name}({args}, seed: 0)" if args else f"{name}(seed: 0)"
    augmented = Source(source.path, f"{source.text}\nlet charl_import_model = {ctor}\n")
    program = parse(augmented)
    if not any(isinstance(item, ast.ModelDecl) and item.name == name for item in program.items):
        raise UsageError(f"'{source.path}' declares no model named '{name}'")
    checked = check(program, augmented)
    infos = [i for t, i in checked.models.items() if t.name == name]
    wanted = tuple(int(a) for a in args.split(",")) if args else ()
    chosen = [i for i in infos if i.type.args == wanted] or infos
    return _flatten(chosen[0])


def _flatten(info: ModelInfo) -> list[Param]:
    kinds: dict[str, str] = {}
    for layer in info.layers or []:
        kinds.update((p.path, layer.kind) for p in layer.params)
    for field, sub in info.submodels.items():
        kinds.update((f"{field}.{p.path}", p.layer) for p in _flatten(sub))
    out = []
    for p in info.params:
        shape = tuple(d for d in p.type.shape if isinstance(d, int))
        out.append(Param(p.path, shape, p.type.dtype, kinds.get(p.path, "param")))
    return out


def _strip(key: str) -> str:
    return key.removeprefix("module.")


def _tensors(state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The state dict's floating tensors as float64 NumPy arrays, in order (integer buffers such as
    BatchNorm's step count dropped)."""
    out: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if key.endswith(IGNORED_BUFFERS):
            continue
        array = value.detach().cpu().double().numpy() if hasattr(value, "detach") else np.asarray(value)
        out[_strip(key)] = np.asarray(array, dtype=np.float64)
    return out


def _fit(param: Param, key: str, value: np.ndarray) -> np.ndarray:
    """`value` laid out as `param` (transposed where the conventions differ)."""
    if param.layer == "dense" and param.path.endswith("weight"):
        if value.shape == param.shape[::-1]:
            return value.T
    elif value.shape == param.shape:
        return value
    elif value.ndim == 2 and value.shape[::-1] == param.shape:
        return value.T
    linear = param.layer == "dense" and param.path.endswith("weight")
    want = f"{list(param.shape[::-1])} (nn.Linear's [out, in])" if linear else str(list(param.shape))
    got = list(value.shape)
    raise UsageError(f"{param.path} needs a tensor of shape {want}, but the state dict's '{key}' has {got}")


def convert(state: Mapping[str, Any], params: list[Param]) -> dict[str, np.ndarray]:
    """The arrays `load(Model, path)` reads, by Charl path, from a PyTorch `state_dict`."""
    tensors = _tensors(state)
    if all(p.path in tensors for p in params):
        pairs = [(p, p.path) for p in params]
    elif len(tensors) == len(params):
        pairs = list(zip(params, tensors, strict=True))
    else:
        raise UsageError(
            f"the state dict has {len(tensors)} tensors ({', '.join(tensors)}) and the Charl model "
            f"{len(params)} parameters ({', '.join(p.path for p in params)}); they match neither by name nor in order"
        )
    return {p.path: np.ascontiguousarray(_fit(p, key, tensors[key]), dtype=p.dtype) for p, key in pairs}


def read_state_dict(path: Path) -> Mapping[str, Any]:
    """A `torch.save`d state dict (or module, whose `state_dict()` is taken), or an `.npz` of arrays."""
    if path.suffix == ".npz":
        with np.load(path) as data:
            return {k: data[k] for k in data.files}
    try:
        import torch
    except ImportError:
        message = f"reading '{path}' needs PyTorch (pip install torch); or save the state dict as .npz"
        raise UsageError(message) from None
    state = torch.load(path, map_location="cpu", weights_only=False)
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    if not isinstance(state, Mapping):
        raise UsageError(f"'{path}' holds a {type(state).__name__}, not a state dict")
    return state


def import_torch(source: Source, spec: str, state_path: Path, output: Path) -> list[str]:
    """Writes `output` (.npz) from the state dict at `state_path`; returns one line per parameter."""
    if not state_path.exists():
        raise UsageError(f"no such file: '{state_path}'")
    params = model_params(source, spec)
    arrays = convert(read_state_dict(state_path), params)
    np.savez(output, **arrays)  # type: ignore[arg-type]
    return [f"{p.path} {list(p.shape)} {p.dtype}" for p in params]
