"""Lowering of built-in calls into the `charl` dialect: one dispatch table from built-in name to a
small lowering function, merged from the family modules (creation, math and reductions, shape and
indexing, neural-network functions and losses, input/output and model utilities, optimizers,
quantization)."""

from __future__ import annotations

from types import MappingProxyType

from charlc import irgen_builtins_create as create
from charlc import irgen_builtins_io as io
from charlc import irgen_builtins_math as math_
from charlc import irgen_builtins_nn as nn
from charlc import irgen_builtins_quant as quant
from charlc import irgen_builtins_shape as shape
from charlc import irgen_train as train
from charlc import syntax as ast
from charlc.checked import BuiltinTarget
from charlc.irgen_api import Gen, PyTree
from charlc.irgen_builtins_call import BCall, Entry, Table
from charlc.irgen_builtins_util import TV, internal

__all__ = ["BUILTINS", "lower_builtin"]


def _merge(*tables: Table) -> Table:
    merged: dict[str, Entry] = {}
    for table in tables:
        merged.update(table)
    return MappingProxyType(merged)


BUILTINS: Table = _merge(create.TABLE, math_.TABLE, shape.TABLE, nn.TABLE, io.TABLE, quant.TABLE, train.TABLE)
"""Every built-in irgen lowers: name -> (documented positional parameters, lowering function)."""


def lower_builtin(g: Gen, call: ast.Call, target: BuiltinTarget) -> PyTree:
    """Generate the call of a built-in function; returns its value (`[]` for a unit result)."""
    entry = BUILTINS.get(target.name)
    if entry is None:
        raise internal(call.span, f"no lowering for the built-in `{target.name}`")
    params, lower = entry
    v = lower(BCall(g, call, target, params))
    return v.v if isinstance(v, TV) else v
