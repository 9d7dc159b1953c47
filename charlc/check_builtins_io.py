"""Input/output and model utility built-ins: `print load_npy load_npz save_npy save load clock
parameters summary`."""

from __future__ import annotations

from types import MappingProxyType

from charlc import check_args, check_expr, check_models, check_quant, shapes
from charlc import syntax as ast
from charlc.check_builtins import Table, make, numeric_or_bool
from charlc.check_env import FnCtx, Sig
from charlc.checked import BuiltinTarget, ModelInfo
from charlc.types import (
    FLOAT64,
    ModelType,
    OptStateType,
    QuantModelType,
    StringType,
    TensorType,
    TupleType,
    Type,
    UnitType,
    show,
)


def printable(t: Type) -> bool:
    """`print` takes tensors, scalars, strings and tuples of those."""
    match t:
        case TensorType() | StringType():
            return True
        case TupleType(elems):
            return all(printable(e) for e in elems)
    return False


def print_(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    for e in a.values():
        t = check_expr.infer(cx, e)
        if isinstance(t, ModelType | QuantModelType):
            raise cx.err(e.span, f"cannot print the model {show(t)}; use summary({cx.text(e, 'm')})")
        if isinstance(t, OptStateType | UnitType) or not printable(t):
            raise cx.err(e.span, f"cannot print a value of type {show(t)}")
    return BuiltinTarget("print", tuple(a.values()), {}, {}, UnitType())


def declared_tensor(cx: FnCtx, c: ast.Call, expect: Type | None, fname: str, example: str) -> TensorType:
    """The declared type of the binding a file-reading built-in initializes (`example`: how to write one)."""
    if expect is None:
        raise cx.err(c.span, f"`{fname}` needs the type of its binding: write `{example}`")
    if not isinstance(expect, TensorType) or expect.dtype in ("int8", "int4"):
        raise cx.err(c.span, f"`{fname}` reads a tensor, not {show(expect)}")
    return expect


def load_npy(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], expect: Type | None) -> BuiltinTarget:
    path = check_args.str_const(cx, a["path"], "the path of `load_npy`")
    t = declared_tensor(cx, c, expect, "load_npy", "let x: tensor<float32, [?, 64]> = load_npy(...)")
    return make("load_npy", a, (), {"path": path, "type": t}, t)


def load_npz(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], expect: Type | None) -> BuiltinTarget:
    path = check_args.str_const(cx, a["path"], "the path of `load_npz`")
    name = check_args.str_const(cx, a["name"], "the array name of `load_npz`")
    t = declared_tensor(cx, c, expect, "load_npz", 'let w: tensor<float32, [64, 10]> = load_npz(path, "w")')
    if not t.is_static:
        raise cx.err(c.span, f"`load_npz` reads arrays of static shape, not {show(t)}")
    if "*" in name and t.rank == 0:
        message = f"`load_npz` of {name!r} stacks arrays along a first dimension; {show(t)} has none"
        raise cx.err(a["name"].span, message)
    return make("load_npz", a, (), {"path": path, "name": name, "type": t}, t)


def save_npy(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    path = check_args.str_const(cx, a["path"], "the path of `save_npy`")
    numeric_or_bool(cx, a["x"], "save_npy")
    return make("save_npy", a, ("x",), {"path": path}, UnitType())


def model_arg(cx: FnCtx, e: ast.Expr, fname: str, quant: bool = False) -> ModelInfo:
    """An argument that must be a model (or, when `quant`, a quantized model)."""
    t = check_expr.infer(cx, e)
    if quant and isinstance(t, QuantModelType):
        t = t.base
    if not isinstance(t, ModelType):
        note = check_quant.training_note(cx, t, "save it in a run without it")
        raise cx.err(e.span, f"`{fname}` takes a model, got {show(t)}{note}")
    return cx.prog.models[t]


def save(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    info = model_arg(cx, a["m"], "save")
    path = check_args.str_const(cx, a["path"], "the path of `save`")
    return make("save", a, ("m",), {"path": path, "model": info.type}, UnitType())


def load(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    e = a["model"]
    if isinstance(e, ast.Name) and e.id in cx.prog.model_decls and cx.lookup(e.id) is None:
        decl = cx.prog.model_decls[e.id]
        if decl.args:
            names = ", ".join(p.name for p in decl.args)
            raise cx.err(e.span, f"`load({e.id}, ...)` needs the model's arguments ({names}): load({e.id}(...), path)")
        t = ModelType(e.id, ())
        check_models.model_info(cx.prog, t, e.span)
    elif isinstance(e, ast.Call) and isinstance(e.callee, ast.Name) and e.callee.id in cx.prog.model_decls:
        ct = check_expr.infer(cx, e)
        if isinstance(ct, QuantModelType) and cx.prog.quantize_all is not None:
            ct = ct.base  # the constructor call names the type; `load` itself quantizes
        if not isinstance(ct, ModelType):
            raise cx.err(e.span, f"`load` takes a model type first, got {show(ct)}")
        t = ct
    else:
        raise cx.err(e.span, '`load` takes a model type first: load(Mlp, "mlp.npz")')
    path = check_args.str_const(cx, a["path"], "the path of `load`")
    quant = check_quant.quantize_all(cx, c.span, t)
    return make("load", a, (), {"path": path, "model": t, "quantize": quant is not None}, quant or t)


def clock(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    return make("clock", a, (), {}, FLOAT64)


def parameters(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    info = model_arg(cx, a["m"], "parameters", quant=True)
    count = sum(shapes.num_elements(p.type.shape) or 0 for p in info.params)
    cx.set_const(c, count)
    return make("parameters", a, ("m",), {"count": count}, TensorType("int32"))


def summary(cx: FnCtx, c: ast.Call, a: dict[str, ast.Expr], _: Type | None) -> BuiltinTarget:
    info = model_arg(cx, a["m"], "summary", quant=True)
    return make("summary", a, ("m",), {"model": info.type}, UnitType())


TABLE: Table = MappingProxyType(
    {
        "print": (Sig(varargs=True), print_),
        "load_npy": (Sig(("path",)), load_npy),
        "load_npz": (Sig(("path", "name")), load_npz),
        "save_npy": (Sig(("path", "x")), save_npy),
        "save": (Sig(("m", "path")), save),
        "load": (Sig(("model", "path")), load),
        "clock": (Sig(), clock),
        "parameters": (Sig(("m",)), parameters),
        "summary": (Sig(("m",)), summary),
    }
)
