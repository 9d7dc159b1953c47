"""Gradients of Charl's reductions (`sum mean max min`, over all elements or an axis, negative axes,
`keepdims`) and shape built-ins (`reshape` with -1, `transpose` default and with a permutation,
`flatten`, `expand_dims`, `squeeze`, `broadcast_to`, `concat`) in float64, against central finite
differences and torch.autograd. One program holds every case."""

from __future__ import annotations

from grad_builtins_util import (
    Case,
    standard_tests,
    uniform,
)

X23, X232, X234 = uniform(1, (2, 3), (2, 3, 2), (2, 3, 4))

CASES = [
    Case("sum_all", {"x": X23}, "sum(x)", (), lambda t, x: x.sum()),
    Case("sum_axis0", {"x": X23}, "sum(x, axis: 0)", (3,), lambda t, x: x.sum(0)),
    Case("sum_neg_keep", {"x": X232}, "sum(x, axis: -2, keepdims: true)", (2, 1, 2), lambda t, x: x.sum(-2, True)),
    Case("mean_all", {"x": X232}, "mean(x)", (), lambda t, x: x.mean()),
    Case("mean_axis1", {"x": X232}, "mean(x, axis: 1)", (2, 2), lambda t, x: x.mean(1)),
    Case("mean_neg_keep", {"x": X23}, "mean(x, axis: -1, keepdims: true)", (2, 1), lambda t, x: x.mean(-1, True)),
    Case("max_all", {"x": X23}, "max(x)", (), lambda t, x: t.amax(x)),
    Case("max_axis0", {"x": X232}, "max(x, axis: 0)", (3, 2), lambda t, x: t.amax(x, 0)),
    Case("max_neg_keep", {"x": X23}, "max(x, axis: -1, keepdims: true)", (2, 1), lambda t, x: t.amax(x, -1, True)),
    Case("min_all", {"x": X232}, "min(x)", (), lambda t, x: t.amin(x)),
    Case("min_axis1", {"x": X232}, "min(x, axis: 1)", (2, 2), lambda t, x: t.amin(x, 1)),
    Case("min_keep", {"x": X23}, "min(x, axis: 0, keepdims: true)", (1, 3), lambda t, x: t.amin(x, 0, True)),
    Case(
        "max_plus_sum",
        {"x": X23},
        "max(x, axis: 1) * sum(x, axis: 1)",
        (2,),
        lambda t, x: t.amax(x, 1) * x.sum(1),
    ),
    Case("reshape_minus1", {"x": X232}, "reshape(x, [3, -1])", (3, 4), lambda t, x: x.reshape(3, -1)),
    Case("reshape_flat", {"x": X23}, "reshape(x, [-1])", (6,), lambda t, x: x.reshape(-1)),
    Case("reshape_up", {"x": X23}, "reshape(x * x, [3, 1, 2])", (3, 1, 2), lambda t, x: (x * x).reshape(3, 1, 2)),
    Case("transpose_2d", {"x": X23}, "transpose(x)", (3, 2), lambda t, x: x.T),
    Case("transpose_reverse", {"x": X234}, "transpose(x)", (4, 3, 2), lambda t, x: x.permute(2, 1, 0)),
    Case("transpose_perm", {"x": X234}, "transpose(x, [1, 2, 0])", (3, 4, 2), lambda t, x: x.permute(1, 2, 0)),
    Case("flatten", {"x": X232}, "flatten(x)", (2, 6), lambda t, x: t.flatten(x, 1)),
    Case("flatten_start0", {"x": X232}, "flatten(x, start: 0)", (12,), lambda t, x: t.flatten(x, 0)),
    Case("expand_dims", {"x": X23}, "expand_dims(x, 1)", (2, 1, 3), lambda t, x: x.unsqueeze(1)),
    Case(
        "expand_dims_neg",
        dict(zip("ab", uniform(2, (2, 3), (4,)), strict=True)),
        "expand_dims(a, -1) * b",
        (2, 3, 4),
        lambda t, a, b: a.unsqueeze(-1) * b,
    ),
    Case("squeeze", {"x": uniform(3, (2, 1, 3))[0]}, "squeeze(x, 1)", (2, 3), lambda t, x: x.squeeze(1)),
    Case("squeeze_neg", {"x": uniform(4, (2, 3, 1))[0]}, "squeeze(x, -1)", (2, 3), lambda t, x: x.squeeze(-1)),
    Case(
        "broadcast_row",
        {"x": uniform(5, (3,))[0]},
        "broadcast_to(x, [2, 3])",
        (2, 3),
        lambda t, x: t.broadcast_to(x, (2, 3)),
    ),
    Case(
        "broadcast_col",
        {"x": uniform(6, (2, 1))[0]},
        "broadcast_to(x, [4, 2, 3])",
        (4, 2, 3),
        lambda t, x: t.broadcast_to(x, (4, 2, 3)),
    ),
    Case(
        "concat_axis0",
        dict(zip("ab", uniform(7, (2, 3), (1, 3)), strict=True)),
        "concat([a, b], axis: 0)",
        (3, 3),
        lambda t, a, b: t.cat([a, b], 0),
    ),
    Case(
        "concat_neg_axis",
        dict(zip("ab", uniform(8, (2, 3), (2, 2)), strict=True)),
        "concat([a, b, a * 2.0], axis: -1)",
        (2, 8),
        lambda t, a, b: t.cat([a, b, a * 2.0], -1),
    ),
    Case(
        "concat_3d_middle",
        dict(zip("ab", uniform(9, (2, 1, 2), (2, 2, 2)), strict=True)),
        "concat([a, b], axis: 1)",
        (2, 3, 2),
        lambda t, a, b: t.cat([a, b], 1),
    ),
]


prog, test_matches_finite_differences, test_matches_torch = standard_tests(CASES)
