"""WGSL for the scalar ops of kernels (`arith`, `math`): one handler per op name, in `OPS`.

Each handler reads its operands' names and kinds from the emitter and binds its result with
`let`. Semantics follow MLIR/LLVM on the CPU: integer ops wrap, unsigned ops reinterpret the bits,
`maximumf`/`minimumf` propagate NaN and order -0 below +0, `maxnumf`/`minnumf` ignore a NaN,
`math.round` rounds half away from zero, `math.roundeven` half to even, `remf` is C's `fmod`,
`powf` is C's `pow`. Integer division by zero, which is undefined in MLIR, gives what WGSL defines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Operation

from charlc.wgsl_types import (
    BITS,
    WgslError,
    float_literal,
    from_unsigned,
    int_convert,
    int_literal,
    is_float,
    signed_value,
    unsigned,
    wrap,
)

if TYPE_CHECKING:
    from charlc.wgsl_emit import KernelEmitter

Handler = Callable[["KernelEmitter", Operation], None]
OPS: dict[str, Handler] = {}


def _ab(e: KernelEmitter, op: Operation) -> tuple[str, str, str]:
    a, b = op.operands[0], op.operands[1]
    return e.kind(a), e.val(a), e.val(b)


def _int_binary(name: str, expr: Callable[[str, str, str], str], bool_expr: str) -> None:
    """`expr(kind, a, b)` for integers, `bool_expr` (with `{a}`, `{b}`) for i1."""

    def handle(e: KernelEmitter, op: Operation) -> None:
        kind, a, b = _ab(e, op)
        text = bool_expr.format(a=a, b=b) if kind == "i1" else expr(kind, a, b)
        _let(e, op, text)

    OPS[f"arith.{name}"] = handle


def _let(e: KernelEmitter, op: Operation, text: str) -> None:
    """Bind the result of `op` to `text`."""
    e.let(op.results[0], text)


def _shift(kind: str, b: str) -> str:
    return f"(u32({b}) & {63 if kind == 'i64' else 31}u)"


_int_binary("addi", lambda k, a, b: wrap(k, f"{a} + {b}"), "{a} != {b}")
_int_binary("subi", lambda k, a, b: wrap(k, f"{a} - {b}"), "{a} != {b}")
_int_binary("muli", lambda k, a, b: wrap(k, f"{a} * {b}"), "{a} & {b}")
_int_binary("divsi", lambda k, a, b: wrap(k, f"{a} / {b}"), "{a}")
_int_binary("remsi", lambda k, a, b: wrap(k, f"{a} % {b}"), "false")
_int_binary("divui", lambda k, a, b: from_unsigned(k, f"{unsigned(k, a)} / {unsigned(k, b)}"), "{a}")
_int_binary("remui", lambda k, a, b: from_unsigned(k, f"{unsigned(k, a)} % {unsigned(k, b)}"), "false")
_int_binary("andi", lambda k, a, b: f"{a} & {b}", "{a} & {b}")
_int_binary("ori", lambda k, a, b: f"{a} | {b}", "{a} | {b}")
_int_binary("xori", lambda k, a, b: f"{a} ^ {b}", "{a} != {b}")
_int_binary("shli", lambda k, a, b: wrap(k, f"{a} << {_shift(k, b)}"), "{a}")
_int_binary("shrsi", lambda k, a, b: f"{a} >> {_shift(k, b)}", "{a}")
_int_binary("shrui", lambda k, a, b: from_unsigned(k, f"{unsigned(k, a)} >> {_shift(k, b)}"), "{a}")
_int_binary("maxsi", lambda k, a, b: f"max({a}, {b})", "{a} & {b}")
_int_binary("minsi", lambda k, a, b: f"min({a}, {b})", "{a} | {b}")
_int_binary("maxui", lambda k, a, b: from_unsigned(k, f"max({unsigned(k, a)}, {unsigned(k, b)})"), "{a} | {b}")
_int_binary("minui", lambda k, a, b: from_unsigned(k, f"min({unsigned(k, a)}, {unsigned(k, b)})"), "{a} & {b}")


def _int_helper(name: str, helper: str) -> None:
    def handle(e: KernelEmitter, op: Operation) -> None:
        kind, a, b = _ab(e, op)
        if kind == "i1":
            e.let(op.results[0], a)
            return
        width = "i64" if kind == "i64" else "i32"
        call = f"{e.use(f'{helper}_{width}')}({a}, {b})"
        e.let(op.results[0], wrap(kind, call))

    OPS[f"arith.{name}"] = handle


_int_helper("floordivsi", "floordiv")
_int_helper("ceildivsi", "ceildiv")


def _ceildivui(e: KernelEmitter, op: Operation) -> None:
    kind, a, b = _ab(e, op)
    if kind == "i1":
        e.let(op.results[0], a)
        return
    ua, ub = unsigned(kind, a), unsigned(kind, b)
    one, zero = ("1lu", "0lu") if kind == "i64" else ("1u", "0u")
    e.let(op.results[0], from_unsigned(kind, f"{ua} / {ub} + select({zero}, {one}, {ua} % {ub} != {zero})"))


OPS["arith.ceildivui"] = _ceildivui


def _float_binary(name: str, template: str) -> None:
    """`template` with `{a}`, `{b}`, `{t}` (the float type); `{t}` in a name is a helper."""

    def handle(e: KernelEmitter, op: Operation) -> None:
        kind, a, b = _ab(e, op)
        if "_{t}(" in template:
            e.use(template.split("(")[0].format(t=kind))
        e.let(op.results[0], template.format(a=a, b=b, t=kind))

    OPS[name] = handle


for _name, _op in (("addf", "+"), ("subf", "-"), ("mulf", "*"), ("divf", "/")):
    _float_binary(f"arith.{_name}", f"{{a}} {_op} {{b}}")
for _name, _helper in (
    ("remf", "fmod"),
    ("maximumf", "maximum"),
    ("minimumf", "minimum"),
    ("maxnumf", "maxnum"),
    ("minnumf", "minnum"),
):
    _float_binary(f"arith.{_name}", f"{_helper}_{{t}}({{a}}, {{b}})")
_float_binary("math.powf", "pow_{t}({a}, {b})")
_float_binary("math.copysign", "copysign_{t}({a}, {b})")


_float_binary("math.atan2", "atan2_{t}({a}, {b})")

_CMPI = {"eq": "==", "ne": "!=", "slt": "<", "sle": "<=", "sgt": ">", "sge": ">="}
_CMPI_NAMES = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]


def _cmpi(e: KernelEmitter, op: Operation) -> None:
    kind, a, b = _ab(e, op)
    predicate = _CMPI_NAMES[_predicate(op)]
    if predicate in ("eq", "ne"):
        e.let(op.results[0], f"{a} {_CMPI[predicate]} {b}")
    elif predicate.startswith("s"):
        e.let(op.results[0], f"{signed_value(kind, a)} {_CMPI[predicate]} {signed_value(kind, b)}")
    else:
        e.let(op.results[0], f"{unsigned(kind, a)} {_CMPI['s' + predicate[1:]]} {unsigned(kind, b)}")


_CMPF_NAMES = ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord"]
_CMPF_NAMES += ["ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"]
_CMPF_ORDERED = {"oeq": "{a} == {b}", "ogt": "{a} > {b}", "oge": "{a} >= {b}", "olt": "{a} < {b}", "ole": "{a} <= {b}"}
_CMPF_ORDERED["one"] = "({a} < {b}) || ({a} > {b})"
_CMPF_UNORDERED = {"ueq": "one", "ugt": "ole", "uge": "olt", "ult": "oge", "ule": "ogt", "une": "oeq"}


def _cmpf(e: KernelEmitter, op: Operation) -> None:
    kind, a, b = _ab(e, op)
    predicate = _CMPF_NAMES[_predicate(op)]
    if predicate in ("false", "true"):
        text = predicate
    elif predicate in ("ord", "uno"):
        isnan = e.use(f"isnan_{kind}")
        text = f"{isnan}({a}) || {isnan}({b})"
        text = f"!({text})" if predicate == "ord" else text
    elif predicate in _CMPF_ORDERED:
        text = _CMPF_ORDERED[predicate].format(a=a, b=b)
    else:
        text = "!(" + _CMPF_ORDERED[_CMPF_UNORDERED[predicate]].format(a=a, b=b) + ")"
    e.let(op.results[0], text)


def _predicate(op: Operation) -> int:
    attr = _attr(op, "predicate")
    if not isinstance(attr, IntegerAttr):
        raise WgslError(f"`{op.name}` without an integer predicate", op)
    return attr.value.data


def _attr(op: Operation, name: str) -> object:
    """A property or attribute of `op` (attributes may be falsy: compare with None)."""
    attr = op.properties.get(name)
    return op.attributes.get(name) if attr is None else attr


OPS["arith.cmpi"] = _cmpi
OPS["arith.cmpf"] = _cmpf


def _select(e: KernelEmitter, op: Operation) -> None:
    c, t, f = (e.val(v) for v in op.operands)
    e.let(op.results[0], f"select({f}, {t}, {c})")


def _constant(e: KernelEmitter, op: Operation) -> None:
    attr = _attr(op, "value")
    kind = e.kind(op.results[0])
    if isinstance(attr, FloatAttr) and is_float(kind):
        e.let(op.results[0], float_literal(kind, float(attr.value.data)))
    elif isinstance(attr, IntegerAttr) and not is_float(kind):
        e.let(op.results[0], int_literal(kind, int(attr.value.data), op))
    else:
        raise WgslError(f"GPU kernels support scalar constants only, not {attr}", op)


OPS["arith.select"] = _select
OPS["arith.constant"] = _constant


def _cast(name: str, convert: Callable[[str, str, str], str]) -> None:
    """`convert(src_kind, dst_kind, operand)` is the converted value."""

    def handle(e: KernelEmitter, op: Operation) -> None:
        src, dst = e.kind(op.operands[0]), e.kind(op.results[0])
        text = convert(src, dst, e.val(op.operands[0]))
        e.let(op.results[0], text)

    OPS[f"arith.{name}"] = handle


def _fptoi(src: str, dst: str, x: str, signed: bool) -> str:
    if dst == "i1":
        return f"i32({x}) != 0" if signed else f"u32({x}) != 0u"
    if dst == "i64":
        return f"i64({x})" if signed else f"i64(u64({x}))"
    value = f"i32({x})" if signed else f"i32(u32({x}))"
    return wrap(dst, value)


def _bitcast(src: str, dst: str, x: str) -> str:
    if src == dst or (not is_float(src) and not is_float(dst)):
        return x
    if BITS.get(src, 32 if src == "f32" else 64) != BITS.get(dst, 32 if dst == "f32" else 64):
        raise WgslError(f"arith.bitcast between {src} and {dst} of different widths")
    return f"bitcast<{'i32' if dst == 'index' else dst}>({x})"


for _name, _signed in (("index_cast", True), ("index_castui", False), ("extsi", True), ("extui", False)):
    _cast(_name, lambda s, d, x, sg=_signed: int_convert(s, d, x, sg))
_cast("trunci", lambda s, d, x: int_convert(s, d, x, True))
_cast("sitofp", lambda s, d, x: f"{d}({signed_value(s, x)})")
_cast("uitofp", lambda s, d, x: f"{d}({unsigned(s, x)})")
_cast("fptosi", lambda s, d, x: _fptoi(s, d, x, True))
_cast("fptoui", lambda s, d, x: _fptoi(s, d, x, False))
_cast("extf", lambda s, d, x: f"{d}({x})")
_cast("truncf", lambda s, d, x: f"{d}({x})")
_cast("bitcast", _bitcast)

_UNARY = {
    "exp": "exp_{t}({x})",
    "exp2": "exp2_{t}({x})",
    "expm1": "expm1_{t}({x})",
    "log": "log_{t}({x})",
    "log2": "log2_{t}({x})",
    "log10": "log10_{t}({x})",
    "log1p": "log1p_{t}({x})",
    "sin": "sin_{t}({x})",
    "cos": "cos_{t}({x})",
    "tan": "tan_{t}({x})",
    "tanh": "tanh_{t}({x})",
    "atan": "atan_{t}({x})",
    "erf": "erf_{t}({x})",
}
_UNARY_F32 = _UNARY | {"sqrt": "sqrt({x})", "rsqrt": "inverseSqrt({x})"}
_UNARY_F64 = _UNARY | {"sqrt": "sqrt({x})", "rsqrt": "(1.0lf / sqrt({x}))"}
_UNARY_ANY = {
    "absf": "abs({x})",
    "floor": "floor({x})",
    "ceil": "ceil({x})",
    "trunc": "trunc({x})",
    "roundeven": "round({x})",
    "round": "round_{t}({x})",
}


def _unary_math(name: str) -> None:
    def handle(e: KernelEmitter, op: Operation) -> None:
        kind = e.kind(op.operands[0])
        table = _UNARY_ANY if name in _UNARY_ANY else _UNARY_F32 if kind == "f32" else _UNARY_F64
        template = table[name].replace("{t}", kind)
        head = template.split("(")[0]
        if "_f" in head:
            e.use(head)
        e.let(op.results[0], template.format(x=e.val(op.operands[0])))

    OPS[f"math.{name}"] = handle


for _name in (*_UNARY_F32, *_UNARY_ANY):
    _unary_math(_name)


def _negf(e: KernelEmitter, op: Operation) -> None:
    e.let(op.results[0], f"-{e.val(op.operands[0])}")


def _absi(e: KernelEmitter, op: Operation) -> None:
    kind, x = e.kind(op.operands[0]), e.val(op.operands[0])
    e.let(op.results[0], x if kind == "i1" else wrap(kind, f"abs({x})"))


def _fma(e: KernelEmitter, op: Operation) -> None:
    a, b, c = (e.val(v) for v in op.operands)
    e.let(op.results[0], f"fma({a}, {b}, {c})")


def _fpowi(e: KernelEmitter, op: Operation) -> None:
    base, exponent = op.operands[0], op.operands[1]
    kind = e.kind(base)
    n = int_convert(e.kind(exponent), "i32", e.val(exponent), True)
    e.let(op.results[0], f"{e.use(f'powi_{kind}')}({e.val(base)}, {n})")


OPS["arith.negf"] = _negf
OPS["math.absi"] = _absi
OPS["math.fma"] = _fma
OPS["math.fpowi"] = _fpowi
