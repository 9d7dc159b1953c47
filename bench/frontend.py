"""Front-end speed: parse, type-check and irgen of a generated 2,000-line Charl program.

    .venv/bin/python bench/frontend.py [--lines 2000] [--repeat 3]

Each phase is timed on its own (best of `--repeat` runs); the target is parse + typecheck + irgen
under 3 s. Prints a markdown table, writes bench/results/frontend.json and puts the table into
bench/README.md between the `frontend` markers. The stage table's charl-opt passes are timed too,
for reference (not part of the target).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from report import machine, update_readme, write_json
from xdsl.dialects.builtin import ModuleOp

from charlc.api import make_context
from charlc.diagnostics import Source
from charlc.irgen import generate
from charlc.parser import parse
from charlc.pipeline import STAGE_PASSES, Stage
from charlc.typecheck import check
from passes import available_passes

TARGET_S = 3.0

UNIT = """\
// ---- unit {i}: a sequential model, a params model, generic functions, loops and training
model Net{i} {{
    layers {{
        dense({a}, {b}, activation: relu)
        dropout(0.1)
        dense({b}, {c})
    }}
}}

model Lin{i}(d_in: int32, d_out: int32) {{
    params {{
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = zeros()
    }}
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> {{
        return x @ self.w + self.b
    }}
}}

fn mse{i}(pred: tensor<float32, [N]>, target: tensor<float32, [N]>) -> float32 {{
    let d = pred - target
    return mean(d * d)
}}

fn loss{i}(m: Net{i}, x: tensor<float32, [B, {a}]>, y: tensor<int32, [B]>) -> float32 {{
    return cross_entropy(m(x), y)
}}

fn stats{i}(x: tensor<float32, [R, C]>) -> float32 {{
    let mut acc = 0.0
    for k in 0..4 {{
        let s = sum(x * 0.5, axis: 1)
        acc = acc + mean(s)
    }}
    if acc > 1.0 {{
        acc = acc / 2.0
    }} else {{
        acc = acc + 1.0
    }}
    return acc + max(relu(x)) - min(tanh(x))
}}

let x{i} = random_normal([8, {a}], seed: {i})
let y{i} = random_int([8], 0, {c}, seed: {i} + 1)
let mut m{i} = Net{i}(seed: {i})
for step in 0..3 {{
    let (l, g) = value_and_grad(loss{i})(m{i}, x{i}, y{i})
    m{i} = sgd(m{i}, g, lr: 0.01)
}}
let lin{i} = Lin{i}({a}, 4, seed: {i})
let h{i} = softmax(lin{i}(x{i}), axis: -1)
let e{i} = mse{i}(reshape(h{i}, [32]), zeros([32]))
print("unit", {i}, e{i}, stats{i}(h{i}), argmax(h{i}, axis: 1))

"""


def program(lines: int) -> str:
    """A realistic program of at least `lines` lines, built from numbered units."""
    units: list[str] = []
    i = 0
    while sum(u.count("\n") for u in units) < lines:
        a, b, c = 16 + 8 * (i % 5), 32 + 16 * (i % 3), 4 + (i % 7)
        units.append(UNIT.format(i=i, a=a, b=b, c=c))
        i += 1
    return "".join(units)


def best_of(repeat: int, setup: Callable[[], Any], run: Callable[[Any], Any]) -> float:
    """The fastest of `repeat` runs of `run(setup())`, in seconds (`setup` is not timed)."""
    best = float("inf")
    for _ in range(repeat):
        arg = setup()
        start = time.perf_counter()
        run(arg)
        best = min(best, time.perf_counter() - start)
    return best


def measure(text: str, repeat: int) -> dict[str, float]:
    """Seconds per phase, each the best of `repeat`; every run gets fresh inputs."""
    source = Source("bench.ch", text)
    prog = parse(source)
    registry = available_passes()
    ctx = make_context()

    def charl_opt(module: ModuleOp) -> None:
        for name in STAGE_PASSES[("cpu", Stage.CHARL_OPT)]:
            registry[name]().apply(ctx, module)

    return {
        "parse": best_of(repeat, lambda: source, parse),
        "typecheck": best_of(repeat, lambda: prog, lambda p: check(p, source)),
        "irgen": best_of(repeat, lambda: check(prog, source), lambda c: generate(c, source)),
        "charl-opt": best_of(repeat, lambda: generate(check(prog, source), source), charl_opt),
    }


def table(times: dict[str, float], lines: int, repeat: int) -> str:
    """The markdown table of a measurement."""
    front = times["parse"] + times["typecheck"] + times["irgen"]
    rows = [
        f"Front end on a generated {lines:,}-line program ({machine()}), best of {repeat}:",
        "",
        "| phase | time (ms) | per source line (µs) |",
        "| --- | ---: | ---: |",
    ]
    for phase in ("parse", "typecheck", "irgen"):
        rows.append(f"| {phase} | {times[phase] * 1e3:,.1f} | {times[phase] / lines * 1e6:,.1f} |")
    verdict = "met" if front < TARGET_S else "missed"
    rows.append(f"| **parse + typecheck + irgen** | **{front * 1e3:,.1f}** | {front / lines * 1e6:,.1f} |")
    rows.append(
        f"| charl-opt passes (reference) | {times['charl-opt'] * 1e3:,.1f} | {times['charl-opt'] / lines * 1e6:,.1f} |"
    )
    rows += ["", f"Target: parse + typecheck + irgen < {TARGET_S:.0f} s ({verdict})."]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000, help="program size in lines")
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase (the best counts)")
    args = parser.parse_args()
    text = program(args.lines)
    lines = text.count("\n")
    times = measure(text, args.repeat)
    md = table(times, lines, args.repeat)
    print(md)
    front = times["parse"] + times["typecheck"] + times["irgen"]
    record = {"lines": lines, "repeat": args.repeat, "machine": machine(), "seconds": times, "frontend_s": front}
    record["target_s"], record["target_met"] = TARGET_S, front < TARGET_S
    write_json("frontend", record)
    update_readme("frontend", md)


if __name__ == "__main__":
    main()
