"""`return` statements and a function's return type: checked against the declared type, or
inferred from the returns (which must agree; weak literals adopt the others' element type)."""

from __future__ import annotations

from charlc import check_expr, check_quant, shapes
from charlc import syntax as ast
from charlc.check_env import FnCtx
from charlc.types import TensorType, TupleType, Type, UnitType, show


def return_stmt(cx: FnCtx, s: ast.Return) -> None:
    if not cx.in_function:
        raise cx.err(s.span, "`return` outside a function")
    declared = cx.declared_ret
    if s.value is None:
        t: Type = UnitType()
        if declared is not None and not isinstance(declared, UnitType):
            raise cx.err(s.span, f"`return` without a value in a function declared to return {show(declared)}")
    else:
        from charlc.check_stmts import value_type

        t = value_type(cx, s.value, declared)
        if declared is not None and cx.prog.quantize_all is not None:
            declared = cx.declared_ret = check_quant.quantized_return(declared, cx.type_of(s.value))
        if declared is not None:
            if not check_expr.conform(cx, s.value, declared):
                raise cx.err(
                    s.value.span,
                    f"this function is declared to return {show(declared)} but this returns "
                    f"{show(cx.type_of(s.value))}",
                )
            t = declared
        else:
            t = cx.type_of(s.value)
    cx.record(s, t)
    cx.returns.append((s, t))


def settle(cx: FnCtx, label: str) -> None:
    """Set the instance's return type once the body is checked."""
    decl = cx.inst.decl
    if cx.declared_ret is not None:
        cx.inst.ret = cx.declared_ret
    else:
        cx.inst.ret = inferred(cx)
    if not isinstance(cx.inst.ret, UnitType) and not always_returns(decl.body.stmts):
        raise cx.err(
            decl.name_span,
            f"`{label}` may reach the end of its body without returning a value of type {show(cx.inst.ret)}",
        )


def inferred(cx: FnCtx) -> Type:
    """The join of the returned types; weak literal returns adopt the element type of the others."""
    if not cx.returns:
        return UnitType()
    strong = [(s, t) for s, t in cx.returns if s.value is None or not cx.is_weak(s.value)]
    first_s, result = (strong or cx.returns)[0]
    for s, t in cx.returns:
        if s.value is not None and cx.is_weak(s.value) and isinstance(result, TensorType):
            if check_expr.can_adopt(cx, s.value, result.dtype):
                check_expr.adopt(cx, s.value, result.dtype)
                t = cx.type_of(s.value)
                cx.record(s, t)
        joined = join(result, t)
        if joined is None:
            raise cx.err(
                s.span,
                f"this `return` gives {show(t)} but the `return` at {first_s.span.line}:{first_s.span.col} "
                f"gives {show(result)}",
            )
        result = joined
    return result


def join(a: Type, b: Type) -> Type | None:
    """A type covering both `a` and `b` (differing dynamic dims become `?`), or `None`."""
    match a, b:
        case TensorType(), TensorType():
            if a.dtype != b.dtype or not shapes.shapes_unify(a.shape, b.shape):
                return None
            return TensorType(a.dtype, tuple(_join_dim(x, y) for x, y in zip(a.shape, b.shape, strict=True)))
        case TupleType(), TupleType():
            if len(a.elems) != len(b.elems):
                return None
            elems = [join(x, y) for x, y in zip(a.elems, b.elems, strict=True)]
            if any(e is None for e in elems):
                return None
            return TupleType(tuple(e for e in elems if e is not None))
    return a if a == b else None


def _join_dim(x: object, y: object) -> int | str | None:
    if x == y and isinstance(x, int | str):
        return x
    if isinstance(x, int) and isinstance(y, int):
        return x
    return None


def always_returns(stmts: list[ast.Stmt]) -> bool:
    """Whether every path through `stmts` ends in a `return` (loops are not counted)."""
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.Block) and always_returns(s.stmts):
            return True
        if isinstance(s, ast.If) and _if_returns(s):
            return True
    return False


def _if_returns(s: ast.If) -> bool:
    if not always_returns(s.then.stmts):
        return False
    if isinstance(s.orelse, ast.If):
        return _if_returns(s.orelse)
    return s.orelse is not None and always_returns(s.orelse.stmts)
