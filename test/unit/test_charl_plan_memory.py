"""`charl-plan-memory`: the plan of real programs (peak against the largest live set, no two live
buffers sharing bytes), the programs' results with the plan applied, `--emit=plan`,
`--max-memory` and `charlc run --stats`."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from charlc import api, cli
from charlc.api import Session, compile_in
from charlc.diagnostics import Source
from charlc.options import Options, UsageError, parse_size
from charlc.pipeline import Stage
from passes._plan_report import FunctionPlan, Row
from passes.charl_plan_memory import reporting_to

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RUN = ROOT / "test" / "filecheck" / "run"
PROGRAMS = [
    EXAMPLES / "mlp_synthetic.ch",
    EXAMPLES / "cnn.ch",
    EXAMPLES / "transformer_block.ch",
    EXAMPLES / "xor.ch",
    EXAMPLES / "linear_regression.ch",
    RUN / "control-flow.ch",
    RUN / "slicing.ch",
    RUN / "grad.ch",
]

LOOP = """\
fn f(x: tensor<float32, [8, 8]>, w: tensor<float32, [8, 8]>) -> float32 {
    let mut y = x
    for i in 0..3 {
        y = tanh(y @ w) + y
    }
    let big = exp(y) @ w
    return sum(big * 0.5)
}
"""


def plans_of(path: str, text: str, options: Options | None = None) -> list[FunctionPlan]:
    """The plan of every function of the Charl program `text`, compiled to the buffers stage."""
    options = replace(options or Options(), stop_after=Stage.BUFFERS)
    plans: list[FunctionPlan] = []
    passes = reporting_to(api.plan(options, "charl"), plans.append)
    compile_in(Session(options), Source(path, text), "charl", passes)
    return plans


def plan_named(plans: list[FunctionPlan], prefix: str) -> FunctionPlan:
    return next(p for p in plans if p.function.startswith(prefix))


def padded(row: Row) -> int:
    return ((row.size or 0) + 63) // 64 * 64


def overlaps(plan: FunctionPlan) -> list[tuple[str, str]]:
    """Pairs of arena buffers of `plan` that are live at the same time and share bytes."""
    rows = [r for r in plan.rows if r.offset is not None and padded(r)]
    found = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            live = a.start <= b.end and b.start <= a.end
            assert a.offset is not None and b.offset is not None
            shared = a.offset < b.offset + padded(b) and b.offset < a.offset + padded(a)
            if live and shared:
                found.append((a.name, b.name))
    return found


def test_mlp_training_step_peak_is_close_to_the_largest_live_set() -> None:
    path = EXAMPLES / "mlp_synthetic.ch"
    plans = plans_of(str(path), path.read_text())
    # The training step is inlined into `main` (charl-autodiff{inline=true}): no adjoint function is left.
    assert not [p for p in plans if "loss_grad" in p.function]
    step = plan_named(plans, "main")
    assert step.live_max > 0
    assert step.peak <= 1.25 * step.live_max, (step.peak, step.live_max)
    assert step.arena > 0 and step.applied
    # The training loop allocates nothing per iteration for the model: sgd updates it in place.
    assert not [r for r in step.rows if "carried" in r.note]


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_no_two_live_buffers_share_bytes(path: Path) -> None:
    plans = plans_of(str(path), path.read_text())
    assert plans
    for plan in plans:
        assert overlaps(plan) == [], plan.function
        assert plan.peak >= plan.live_max or not plan.rows
        arena_rows = [r for r in plan.rows if r.offset is not None]
        assert all(r.offset is not None and r.offset % 64 == 0 for r in arena_rows)
        assert all((r.offset or 0) + (r.size or 0) <= plan.arena for r in arena_rows)


def test_loop_and_carried_buffers_keep_their_values() -> None:
    plans = plans_of("loop.ch", LOOP)
    f = plan_named(plans, "f")
    assert overlaps(f) == []
    assert any("carried across iterations" in r.note for r in f.rows)
    module = api.load(LOOP)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 8)).astype(np.float32)
    w = (0.3 * rng.standard_normal((8, 8))).astype(np.float32)
    y = x
    for _ in range(3):
        y = np.tanh(y @ w) + y
    expected = np.sum((np.exp(y) @ w) * 0.5)
    np.testing.assert_allclose(module.fn("f")(x, w), expected, rtol=1e-4)


def test_emit_plan_prints_each_function(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.ch"
    path.write_text(LOOP + "print(f(zeros([8, 8]), ones([8, 8])))\n")
    assert cli.main([str(path), "--emit=plan"]) == 0
    out = capsys.readouterr().out
    assert f"memory plan of @f ({path}:1:1): arena " in out
    assert "in one allocation per call, alignment 64" in out
    assert "  buffer  " in out and "  offset  line" in out
    assert "heap: carried across iterations of the scf.for at 3:5" in out
    assert "planned peak " in out and "largest live set " in out
    assert "memory plan of @main" in out


def test_emit_plan_for_the_gpu_says_it_is_not_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.ch"
    path.write_text(LOOP)
    assert cli.main([str(path), "--emit=plan", "--target=gpu"]) == 0
    out = capsys.readouterr().out
    assert "memory plan of @f" in out and "not applied" in out and "one device buffer per tensor" in out


BIG = """\
fn f(x: tensor<float32, [128, 16]>, w: tensor<float32, [16, 128]>) -> float32 {
    let a = exp(x)
    let b = a @ w
    return sum(b * b)
}
print(f(zeros([128, 16]), ones([16, 128])))
"""


def test_max_memory_is_a_located_compile_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.ch"
    path.write_text(BIG)
    assert cli.main([str(path), "--emit=plan", "--max-memory=64K"]) == 1
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == (
        f"{path}:3:13: error: @f needs 72.0 KiB (73728 bytes) of memory at its peak, more than the limit of "
        "64.0 KiB (65536 bytes, --max-memory); the buffers of this line hold the most of it"
    )
    assert lines[1:] == ["    let b = a @ w", "            ^"]
    assert "Traceback" not in err
    assert cli.main([str(path), "--emit=llvm", "--max-memory=72K"]) == 0
    assert cli.main([str(path), "--emit=llvm", "--max-memory=73727"]) == 1
    assert cli.main([str(path), "--max-memory=72K"]) == 2
    assert "--max-memory checks the memory plan of the 'buffers' stage" in capsys.readouterr().err
    assert cli.main(["run", str(path), "--no-cache", "--max-memory=1K"]) == 1
    assert "more than the limit of 1.0 KiB" in capsys.readouterr().err


def test_a_bad_max_memory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.ch"
    path.write_text(BIG)
    assert cli.main([str(path), "--max-memory=lots"]) == 2
    assert capsys.readouterr().err == (
        "charlc: error: invalid size 'lots'; write bytes, or a number with K, M or G (512K, 64M, 2G)\n"
    )


def test_parse_size() -> None:
    assert parse_size("512K") == 512 * 1024
    assert parse_size("64M") == 64 << 20
    assert parse_size("2G") == 2 << 30
    assert parse_size("1000") == 1000
    assert parse_size("1.5k") == 1536
    assert parse_size("64MiB") == parse_size("64MB") == 64 << 20
    for bad in ("", "K", "-1", "0", "x1", "inf", "nan"):
        with pytest.raises(UsageError):
            parse_size(bad)


def test_run_stats_print_the_planned_peak(tmp_path: Path) -> None:
    path = tmp_path / "big.ch"
    path.write_text(BIG)
    err = io.StringIO()
    from charlc.driver import run_command

    assert run_command(str(path), Options(), stats=True, err=err) == 0
    assert "  memory @f: planned peak 72.0 KiB, largest live set 72.0 KiB" in err.getvalue()
