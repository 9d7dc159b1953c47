"""The zero-gradient warning of `grad` (LANGUAGE.md section 9)."""

from __future__ import annotations

import pytest

from charlc.diagnostics import CharlError, Source, render
from charlc.parser import parse
from charlc.typecheck import check

CALL = """
fn g(a: tensor<float32, [4]>, s: float32) -> float32 {
    return sum(cast(a > 0.0, float32)) * s
}
let w = [1.0, -2.0, 3.0, 0.5]
let x = [0.5, 1.0, 2.0, 4.0]
let g = grad(f, wrt: [0, 1])(w, x)
"""


def _warnings(body: str) -> list[CharlError]:
    text = "fn f(w: tensor<float32, [4]>, x: tensor<float32, [4]>) -> float32 {\n" + body + "}\n" + CALL
    return check(parse(Source("t.ch", text)), Source("t.ch", text)).warnings


def _messages(body: str) -> list[str]:
    return [w.message for w in _warnings(body)]


@pytest.mark.parametrize(
    ("body", "through"),
    [
        ("    let i = argmax(w, axis: 0)\n    return cast(i, float32) + sum(x)\n", "argmax (line 2)"),
        ("    let m = w > 0.0\n    return sum(cast(m, float32) * x)\n", "the comparison `>` (line 2)"),
        ("    let n = cast(w, int32)\n    return sum(cast(n, float32) * x)\n", "a cast to int32 (line 2)"),
        ("    return sum(stop_gradient(w) * x)\n", "stop_gradient (line 2)"),
        (
            "    let r = round(w)\n    if sum(x) > 0.0 {\n        return sum(r)\n    }\n    return sum(x)\n",
            "round (line 2)",
        ),
    ],
)
def test_warned(body: str, through: str) -> None:
    assert _messages(body) == [
        "the gradient of `f` with respect to argument 1 (`w`) is always zero: "
        f"`w` reaches the result only through {through}"
    ]


@pytest.mark.parametrize(
    "body",
    [
        "    return sum(w * x)\n",
        "    let i = argmax(w, axis: 0)\n    return cast(i, float32) + sum(w * x)\n",
        "    let mut a = sum(stop_gradient(w))\n    a = a + sum(w)\n    return a + sum(x)\n",
        "    let mut acc = 0.0\n    let mut b = 0.0\n    for k in 0..3 {\n        acc = acc + b\n"
        "        b = sum(w) * sum(x)\n    }\n    return acc\n",
        "    return g(w, sum(x))\n",
        "    if sum(w) > 0.0 {\n        return sum(relu(w) * x)\n    }\n    return sum(x)\n",
    ],
)
def test_not_warned(body: str) -> None:
    assert _messages(body) == []


def test_unused_argument_is_not_warned() -> None:
    assert _messages("    return sum(x * x)\n") == []


def test_warning_is_located_at_the_grad_call() -> None:
    text = (
        "fn f(w: tensor<float32, [4]>) -> float32 {\n    return sum(floor(w))\n}\n"
        "let w = [1.0, 2.0, 3.0, 4.0]\nlet g = grad(f)(w)\nlet h = autograd(f, w)\n"
    )
    source = Source("t.ch", text)
    warnings = check(parse(source), source).warnings
    assert [(w.span.line, w.span.col, w.kind) for w in warnings] == [(5, 9, "warning"), (6, 9, "warning")]
    assert render(source, warnings[0]).startswith(
        "t.ch:5:9: warning: the gradient of `f` with respect to argument 1 (`w`) is always zero: "
        "`w` reaches the result only through floor (line 2)"
    )
