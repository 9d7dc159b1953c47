"""The C runtime's printing (runtime/c/print.c, format.c) against NumPy's `str()`, byte for byte.

Tensors print as `str(np.asarray(a))` with NumPy's default options (booleans spelled `true`/`false`);
float scalars as `str(np.float32(x))` / `str(np.float64(x))`. Arrays are passed through hand-built
memref descriptors, including strided and reversed views.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from runtime_c_util import DTYPES, FLOATS, REGIMES, RuntimeLib, build, numpy_text, random_array, run_c


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> RuntimeLib:
    return RuntimeLib(build(tmp_path_factory.getbasetemp() / "charl-rt"))


@st.composite
def strided_views(draw: st.DrawFn, shape: tuple[int, ...], dtype: Any, regime: str) -> np.ndarray[Any, Any]:
    """An array of `shape` that views a larger one: stepped, reversed and transposed axes."""
    steps = [draw(st.sampled_from([1, 1, 2, -1, -3])) for _ in shape]
    perm = draw(st.permutations(range(len(shape))))
    inverse = np.argsort(perm)
    base_shape = tuple(shape[p] * abs(steps[i]) for i, p in enumerate(perm))
    base = random_array(draw(st.integers(0, 2**32)), dtype, base_shape, regime)
    view = base[tuple(slice(None, None, s) for s in steps)]
    return view.transpose(inverse)


shapes = (
    st.integers(0, 4).flatmap(lambda r: st.tuples(*[st.integers(0, 12)] * r)).filter(lambda s: math.prod(s) <= 1000)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), dtype=st.sampled_from(DTYPES), shape=shapes, regime=st.sampled_from(REGIMES))
def test_tensors_print_as_numpy_str(rt: RuntimeLib, seed: int, dtype: Any, shape: tuple[int, ...], regime: str) -> None:
    a = random_array(seed, dtype, shape, regime)
    assert rt.format_tensor(a) == numpy_text(a)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), dtype=st.sampled_from(DTYPES), shape=shapes, regime=st.sampled_from(REGIMES))
def test_strided_and_reversed_views_print_as_numpy_str(
    rt: RuntimeLib, data: st.DataObject, dtype: Any, shape: tuple[int, ...], regime: str
) -> None:
    a = data.draw(strided_views(shape, dtype, regime))
    assert rt.format_tensor(a) == numpy_text(a)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    dtype=st.sampled_from(FLOATS),
    values=st.data(),
    shape=st.sampled_from([(1,), (5,), (3, 4), (2, 3, 2)]),
)
def test_float_arrays_from_hypothesis_floats_print_as_numpy_str(
    rt: RuntimeLib, dtype: Any, values: st.DataObject, shape: tuple[int, ...]
) -> None:
    width: Literal[32, 64] = 32 if dtype == np.float32 else 64
    a = values.draw(hnp.arrays(dtype, shape, elements=st.floats(width=width)))
    assert rt.format_tensor(a) == numpy_text(a)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32),
    dtype=st.sampled_from(DTYPES),
    shape=st.sampled_from([(1001,), (2, 501), (11, 11, 11), (3, 4, 100), (1, 2000), (2000, 1), (7, 2, 3, 30)]),
    regime=st.sampled_from(REGIMES),
)
def test_large_tensors_are_summarized_as_numpy_does(
    rt: RuntimeLib, seed: int, dtype: Any, shape: tuple[int, ...], regime: str
) -> None:
    a = random_array(seed, dtype, shape, regime)
    text = rt.format_tensor(a)
    assert "..." in text
    assert text == numpy_text(a)


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1.0, 2.0], [3.0, 4.0]], np.float32),
        np.array([True, False]),
        np.array([[True, False], [False, True]]),
        np.array([1.5, 2.25]),
        np.array([2.25, 1.5]),
        np.array([-0.0, 0.0]),
        np.array([np.nan, -np.inf]),
        np.array([np.float32(1e-4), 1.0], np.float32),
        np.array([1e-4, 1.0]),
        np.array([999999.94, 1.0], np.float32),
        np.array([1e6, 1.0], np.float32),
        np.array([99999999.0, 1.0]),
        np.array([1e8, 1.0]),
        np.array([1.0, 1000.0]),
        np.array([1.0, 1000.1]),
        np.array([3.4028235e38, 1e-45], np.float32),
        np.array([5e-324, 1e308]),
        np.array([1e-300, 1.0, np.nan]),
        np.array([0.1, 1.00000001e-5], np.float32),
        np.array([123456789.0]),
        np.arange(100, dtype=np.float32) / 7,
        np.full((3, 30), 1 / 3),
        np.array([], np.float32),
        np.zeros((2, 0, 3)),
        np.array(2.5e-7),
        np.array(np.float32(0.1)),
        np.array(np.int8(-128)),
        np.array(np.int64(-(2**63))),
        np.array(False),
        np.arange(24, dtype=np.int64).reshape(2, 3, 4) * 10**17,
    ],
    ids=lambda a: f"{a.dtype}{list(a.shape)}",
)
def test_edge_cases_print_as_numpy_str(rt: RuntimeLib, array: np.ndarray[Any, Any]) -> None:
    assert rt.format_tensor(array) == numpy_text(array)


def test_bool_tensors_spell_true_and_false_as_the_language_says(rt: RuntimeLib) -> None:
    assert rt.format_tensor(np.array([True, False])) == "[true false]"
    assert rt.format_tensor(np.array([[True], [False]])) == "[[true]\n [false]]"
    assert rt.format_tensor(np.array(True)) == "true"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.floats(width=32))
def test_float32_scalars_print_as_numpy_str(rt: RuntimeLib, x: float) -> None:
    assert rt.format_scalar(x, np.float32) == str(np.float32(x))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.floats())
def test_float64_scalars_print_as_numpy_str(rt: RuntimeLib, x: float) -> None:
    assert rt.format_scalar(x, np.float64) == str(np.float64(x))


@pytest.mark.parametrize(
    ("x", "f32", "f64"),
    [
        (0.1, "0.1", "0.1"),
        (2.5e-7, "2.5e-07", "2.5e-07"),
        (1.0, "1.0", "1.0"),
        (1e20, "1e+20", "1e+20"),
        (1e6, "1e+06", "1000000.0"),
        (1e16, "1e+16", "1e+16"),
        (1e-4, "1e-04", "0.0001"),
        (-0.0, "-0.0", "-0.0"),
        (math.inf, "inf", "inf"),
        (-math.inf, "-inf", "-inf"),
        (math.nan, "nan", "nan"),
        (16777217.0, "1.6777216e+07", "16777217.0"),
    ],
)
def test_scalar_spellings(rt: RuntimeLib, x: float, f32: str, f64: str) -> None:
    assert (rt.format_scalar(x, np.float32), rt.format_scalar(x, np.float64)) == (f32, f64)


def test_every_random_bit_pattern_scalar_prints_as_numpy_str(rt: RuntimeLib) -> None:
    rng = np.random.default_rng(7)
    for dtype, unsigned in ((np.float32, np.uint32), (np.float64, np.uint64)):
        values = rng.integers(0, np.iinfo(unsigned).max, 5000, dtype=unsigned, endpoint=True).view(dtype)
        mismatches = [x for x in values if rt.format_scalar(float(x), dtype) != str(x)]
        assert mismatches == []


PRINTS = """
data = (ctypes.c_float * 4)(1.5, -2.0, float("nan"), 1e-9)
d = u.make_descriptor(ctypes.addressof(data), [2, 2], [2, 1], (data,))
rt.dll.charl_rt_print_tensor(ctypes.c_int64(d.rank), d.pointer, ctypes.c_int32(0))
rt.dll.charl_rt_print_newline()
rt.call("print_str", u.string_args("x = "))
rt.dll.charl_rt_print_f32(ctypes.c_float(0.1))
rt.call("print_str", u.string_args(" "))
rt.dll.charl_rt_print_f64(ctypes.c_double(2.5e-7))
rt.call("print_str", u.string_args(" "))
rt.dll.charl_rt_print_i32(ctypes.c_int32(-7))
rt.call("print_str", u.string_args(" "))
rt.dll.charl_rt_print_i64(ctypes.c_int64(-2**63))
rt.call("print_str", u.string_args(" "))
rt.dll.charl_rt_print_i8(ctypes.c_int32(0x1ff))
rt.call("print_str", u.string_args(" "))
rt.dll.charl_rt_print_i1(ctypes.c_uint32(0xfe))
rt.call("print_str", u.string_args(" "))
rt.dll.charl_rt_print_i1(ctypes.c_uint32(0x3))
rt.dll.charl_rt_print_newline()
text = ctypes.create_string_buffer(b"a-b-c")
rt.dll.charl_rt_print_str(text, text, ctypes.c_int64(0), ctypes.c_int64(3), ctypes.c_int64(2))
rt.dll.charl_rt_print_newline()
rt.dll.charl_rt_flush()
"""


def test_print_functions_write_to_stdout(rt: RuntimeLib, tmp_path: Path) -> None:
    out = run_c(rt.library, PRINTS, tmp_path)
    assert out.returncode == 0, out.stderr
    expected = numpy_text(np.array([[1.5, -2.0], [np.nan, 1e-9]], np.float32))
    assert out.stdout == f"{expected}\nx = 0.1 2.5e-07 -7 -9223372036854775808 -1 false true\nabc\n"
