"""What irgen's IR computes: programs run through xDSL's interpreter extended with the NumPy model
of the charl ops in `charl_oracle`; their printed lines are compared with what the Charl program
means (control flow with break/continue/early return, shadowing, tuples, indexing, slicing, indexed
assignment, broadcasting, matmul)."""

from __future__ import annotations

import pytest
from charl_oracle import printed

CASES: dict[str, tuple[str, list[str]]] = {
    "language-section-4": (
        """
let loss = 0.5
let mut step = 0
if loss < 0.01 { print("converged") } else if loss > 10.0 { print("diverging") } else { print("training") }
for epoch in 0..10 { step = step + 1 }
while step < 100 { step = step + 1 }
for i in 0..5 {
    if i == 1 { continue }
    if i == 3 { break }
    print(i)
}
print(step)
""",
        ["training", "0", "2", "100"],
    ),
    "nested-loops": (
        """
fn nested(n: int32) -> int32 {
    let mut total = 0
    for i in 0..n {
        for j in 0..n {
            if j > i { break }
            total = total + 1
        }
        let mut k = 0
        while true {
            k = k + 1
            if k >= 3 { break }
            if k == 1 { continue }
            total = total + 100
        }
        if total > 250 { return -total }
    }
    return total
}
print(nested(1), nested(4))
""",
        ["101 -306"],
    ),
    "early-return": (
        """
fn first_neg(x: tensor<float32, [N]>) -> int32 {
    for i in 0..N {
        if x[i] < 0.0 { return i }
    }
    return -1
}
fn clampish(a: float32) -> float32 {
    if a > 1.0 { return 1.0 }
    let b = a * 2.0
    return b
}
print(first_neg([1.0, -2.0, -3.0]), first_neg([1.0, 2.0]), clampish(0.25), clampish(3.0))
""",
        ["1 -1 0.5 1.0"],
    ),
    "short-circuit": (
        """
fn find(x: tensor<int32, [N]>, v: int32) -> int32 {
    let mut i = 0
    while i < N and x[i] != v { i = i + 1 }
    return i
}
print(find([3, 4, 5], 4), find([3, 4, 5], 9))
""",
        ["1 3"],
    ),
    "shadowing-and-tuples": (
        """
let x = 1
let mut y = 2
{
    let x = 5.0
    let y = 7
    print(x, y)
}
let (a, b) = (1, 2)
let mut p = a
let mut q = b
(p, q) = (q, p)
let t = (p, [q, 3])
print(x, y, p, q, t.1)
""",
        ["5.0 7", "1 2 2 1 [1, 3]"],
    ),
    "if-assigns-outer": (
        """
let mut a = 0
let mut b = 10
for i in 0..6 {
    if i % 2 == 0 { a = a + i } else if i == 3 { b = b - 1 } else { a = a - 1; b = b + 2 }
}
print(a, b)
""",
        ["4 13"],
    ),
    "indexing-and-assignment": (
        """
let a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
let mut z = zeros([3, 4])
z[0] = 1.0
z[1:3, 1:3] = [7.0, 8.0]
z[2, 3] = a[1, 2]
print(a[1], a[:, 2], a[0:2, 1:], a[-1, -1], z)
let mut acc = zeros([4])
for i in 0..4 {
    acc[i] = acc[i] + cast(i, float32)
    print(acc[0:i])
}
""",
        [
            "[4.0, 5.0, 6.0] [3.0, 6.0] [[2.0, 3.0], [5.0, 6.0]] 6.0 "
            "[[1.0, 1.0, 1.0, 1.0], [0.0, 7.0, 8.0, 0.0], [0.0, 7.0, 8.0, 6.0]]",
            "[]",
            "[0.0]",
            "[0.0, 1.0]",
            "[0.0, 1.0, 2.0]",
        ],
    ),
    "operators-and-matmul": (
        """
let a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
let b = [1.0, 2.0, 3.0]
print(a + b, a * 2.0, b - a, -b, a / b, 7 / 2, -7 / 2, -7 % 3, 2 ** 3)
print(a @ b, b @ b, [1.0, 1.0] @ a, a @ [[1.0], [0.0], [1.0]])
print(ones([2, 2, 3]) @ b, a > 2.0 and a < 6.0, not (b > 1.0))
""",
        [
            "[[2.0, 4.0, 6.0], [5.0, 7.0, 9.0]] [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]] "
            "[[0.0, 0.0, 0.0], [-3.0, -3.0, -3.0]] [-1.0, -2.0, -3.0] [[1.0, 1.0, 1.0], [4.0, 2.5, 2.0]] 3 -3 -1 8",
            "[14.0, 32.0] 14.0 [5.0, 7.0, 9.0] [[4.0], [10.0]]",
            "[[6.0, 6.0], [6.0, 6.0]] [[false, false, true], [true, true, false]] [true, false, false]",
        ],
    ),
    "dynamic-shapes": (
        """
fn window(x: tensor<float32, [?]>, i: int32) -> tensor<float32, [2]> { return x[i:i + 2] }
fn head(x: tensor<float32, [?, 2]>, n: int32) -> tensor<float32, [?, 2]> { return x[0:n, :] * x[0, 1] }
fn bmm(a: tensor<float32, [B, 2, 3]>, b: tensor<float32, [3]>) -> tensor<float32, [B, 2]> { return a @ b }
fn addrow(a: tensor<float32, [?, 3]>, b: tensor<float32, [3]>) -> tensor<float32, [?, 3]> { return a + b }
let x: tensor<float32, [?]> = [1.0, 2.0, 3.0, 4.0]
let y: tensor<float32, [?, 2]> = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
let q: tensor<float32, [?, 2, 3]> = ones([2, 2, 3])
print(window(x, 1), head(y, 2), bmm(q, [1.0, 2.0, 3.0]), addrow(ones([2, 3]), [1.0, 2.0, 3.0]))
""",
        ["[2.0, 3.0] [[2.0, 4.0], [6.0, 8.0]] [[6.0, 6.0], [6.0, 6.0]] [[2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]"],
    ),
    "return-from-while": (
        """
fn collatz(n0: int32) -> int32 {
    let mut n = n0
    let mut steps = 0
    while true {
        if n == 1 { return steps }
        if n % 2 == 0 { n = n / 2 } else { n = 3 * n + 1 }
        steps = steps + 1
        if steps > 100 { return -1 }
    }
    return -2
}
print(collatz(1), collatz(6), collatz(27))
""",
        ["0 8 -1"],
    ),
    "print-format": (
        'print("a {b}", 1, "c", (2, 3.5))\n',
        ["a {b} 1 c (2, 3.5)"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_program_prints(name: str) -> None:
    text, expected = CASES[name]
    assert printed(text) == expected
