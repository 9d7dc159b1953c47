"""What a program compiled for `charlc quant-report` saves (`Options.capture`, a folder).

Each `dense` layer of a sequential model saves the input that reaches it and its product
`x @ weight` (before the bias and the activation), and, when the weight is float, the weight:

    <folder>/<Model>.<layer>.x.npy, .y.npy, .w.npy          (Mlp.layers.0.x.npy)

and each forward pass of a model saves its result (`<folder>/<Model>.output<i>.npy`, one per leaf).
A layer run several times (in a loop, or by two models of the same type) keeps its last values.
Without `capture` nothing is emitted.
"""

from __future__ import annotations

from charlc.checked import ModelInfo
from charlc.irgen_api import PyTree
from charlc.irgen_builtins_util import TV, Ir
from charlc.types import ModelType
from dialects import charl as C


def model_stem(t: ModelType) -> str:
    """The file-name prefix of a model type: `Mlp`, `Linear_4_8` for `Linear(4, 8)`."""
    return t.name + "".join(f"_{a}" for a in t.args)


def capture_dense(ir: Ir, model: ModelInfo, layer: str, x: TV, w: TV | None, y: TV) -> None:
    """Save the input, the float weight (None: quantized, not saved) and the product of a dense layer."""
    folder = ir.g.capture
    if folder is None:
        return
    stem = f"{folder}/{model_stem(model.type)}.{layer}"
    for suffix, value in (("x", x), ("w", w), ("y", y)):
        if value is not None:
            ir.emit(C.SaveNpyOp(f"{stem}.{suffix}.npy", value.v))


def capture_output(ir: Ir, model: ModelInfo, result: PyTree) -> None:
    """Save each leaf of a forward pass's result."""
    folder = ir.g.capture
    if folder is None:
        return
    stem = f"{folder}/{model_stem(model.type)}"
    for i, leaf in enumerate(ir.g.flatten(result)):
        ir.emit(C.SaveNpyOp(f"{stem}.output{i}.npy", leaf))
