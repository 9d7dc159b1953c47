"""`load_npz(path, name)`: one named array of an `.npz`, or with a `*` in the name the arrays
`name(0)`, `name(1)`, ... stacked along a new first dimension (a state dict's per-layer arrays as
one tensor; examples/gpt2.ch). Its compile errors, its IR, and what it reads on both targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gpu_target_util import TARGETS, require_adapter

from charlc.api import compile_source, load, print_ir
from charlc.diagnostics import CharlError
from charlc.options import Options
from charlc.pipeline import Stage


def error(text: str) -> tuple[int, int, str]:
    with pytest.raises(CharlError) as e:
        compile_source(text, "npz.ch", Options(stop_after=Stage.CHARL))
    return e.value.span.line, e.value.span.col, e.value.message


def test_load_npz_needs_a_declared_static_tensor_type() -> None:
    assert error('let w = load_npz("w.npz", "a")\n') == (
        1,
        9,
        '`load_npz` needs the type of its binding: write `let w: tensor<float32, [64, 10]> = load_npz(path, "w")`',
    )
    assert error('let w: tensor<float32, [?, 3]> = load_npz("w.npz", "a")\n')[2] == (
        "`load_npz` reads arrays of static shape, not tensor<float32, [?, 3]>"
    )
    assert error('let w: float32 = load_npz("w.npz", "h.*.a")\n')[1:] == (
        36,
        "`load_npz` of 'h.*.a' stacks arrays along a first dimension; float32 has none",
    )
    assert error('let n = 3\nlet w: tensor<float32, [2]> = load_npz("w.npz", n)\n')[2] == (
        "the array name of `load_npz` must be a string literal, got int32"
    )


def test_a_star_loads_one_array_per_index_and_concatenates_them() -> None:
    text = 'let w: tensor<float32, [3, 2]> = load_npz("w.npz", "h.*.b")\nprint(w)\n'
    ir = print_ir(compile_source(text, "npz.ch", Options(stop_after=Stage.CHARL)), Options())
    assert 'charl.load_npz "w.npz" ["h.0.b", "h.1.b", "h.2.b"] : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>' in ir
    assert "charl.concat" in ir


@pytest.mark.parametrize("target", TARGETS)
def test_load_npz_reads_named_and_stacked_arrays(target: str, tmp_path: Path) -> None:
    if target == "gpu":
        require_adapter()
    layers = [np.arange(6, dtype=np.float32).reshape(2, 3) * (i + 1) for i in range(4)]
    table = np.arange(10, dtype=np.int32)
    path = tmp_path / "w.npz"
    np.savez(path, table=table, **{f"h.{i}.attn.w": w for i, w in enumerate(layers)})
    text = f"""
fn read() -> (tensor<int32, [10]>, tensor<float32, [4, 2, 3]>) {{
    let t: tensor<int32, [10]> = load_npz("{path}", "table")
    let w: tensor<float32, [4, 2, 3]> = load_npz("{path}", "h.*.attn.w")
    return (t, w)
}}
"""
    t, w = load(text, Options(target=target), path="npz.ch").fn("read")()
    np.testing.assert_array_equal(t, table)
    np.testing.assert_array_equal(w, np.stack(layers))
