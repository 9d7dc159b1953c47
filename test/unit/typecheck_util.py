"""Helpers for the type checker's tests: check a source text, read back types, targets, errors."""

from __future__ import annotations

from typing import Any

import pytest

from charlc import syntax as ast
from charlc.checked import CheckedProgram, FnInstance, Target
from charlc.diagnostics import CharlError, Source, render
from charlc.parser import parse
from charlc.typecheck import check
from charlc.types import TupleType, show


def checked(text: str) -> CheckedProgram:
    """Parse and check `text` (it must be valid)."""
    src = Source("t.ch", text)
    return check(parse(src), src)


def error(text: str) -> tuple[int, int, str]:
    """The (line, column, message) of the compile error `text` must raise."""
    src = Source("t.ch", text)
    program = parse(src)
    with pytest.raises(CharlError) as info:
        check(program, src)
    err = info.value
    assert render(src, err).startswith(f"t.ch:{err.span.line}:{err.span.col}: error: ")
    return err.span.line, err.span.col, err.message


def instance(cp: CheckedProgram, symbol: str = "main") -> FnInstance:
    """The instance called `symbol`."""
    found = [i for i in cp.instances if i.symbol == symbol]
    assert found, f"no instance {symbol}: {[i.symbol for i in cp.instances]}"
    return found[0]


def let_type(cp: CheckedProgram, name: str, symbol: str = "main") -> str:
    """The type (as `show` writes it) of the last `let` binding `name` in an instance (also a name
    of a flat tuple pattern: `let (a, b) = ...`)."""
    inst = instance(cp, symbol)
    lets = [n for n in inst.types if isinstance(n, ast.Let) and name in _names(n.target)]
    assert lets, f"no let {name} in {symbol}"
    t = inst.types[lets[-1]]
    target = lets[-1].target
    if isinstance(target, ast.TupleTarget) and isinstance(t, TupleType):
        return show(t.elems[_names(target).index(name)])
    return show(t)


def _names(t: ast.NameTarget | ast.TupleTarget) -> list[str]:
    if isinstance(t, ast.NameTarget):
        return [t.name]
    return [n for e in t.elems for n in _names(e)]


def let_value(cp: CheckedProgram, name: str, symbol: str = "main") -> ast.Expr:
    """The value expression of the last `let name = ...` in an instance."""
    inst = instance(cp, symbol)
    lets = [n for n in inst.types if isinstance(n, ast.Let) and _names(n.target) == [name]]
    return lets[-1].value


def type_of(cp: CheckedProgram, e: Any, symbol: str = "main") -> str:
    return show(instance(cp, symbol).types[e])


def targets(cp: CheckedProgram, kind: type, symbol: str = "main") -> list[Any]:
    """The call targets of one class in an instance, in source order."""
    inst = instance(cp, symbol)
    calls = sorted(inst.targets, key=lambda c: (c.span.line, c.span.col))
    return [inst.targets[c] for c in calls if isinstance(inst.targets[c], kind)]


def builtin(cp: CheckedProgram, name: str, symbol: str = "main") -> Any:
    """The first `BuiltinTarget` of built-in `name` in an instance."""
    from charlc.checked import BuiltinTarget

    found = [t for t in targets(cp, BuiltinTarget, symbol) if t.name == name]
    assert found, f"no call of {name}"
    return found[0]


__all__ = ["Target", "builtin", "checked", "error", "instance", "let_type", "let_value", "targets", "type_of"]
