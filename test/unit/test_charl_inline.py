"""charl-inline: calls to defined functions disappear, callees stay, locations are kept, cycles
are reported, and inlined programs still compute the same results on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.utils.exceptions import PassFailedException

from charlc.api import load, make_context, parse_ir
from charlc.diagnostics import Source
from passes.charl_inline import CharlInlinePass

NESTED = """
func.func @sq(%x: f64) -> f64 {
  %m = charl.mul %x, %x : f64 loc("a.ch":2:3)
  func.return %m : f64
}
func.func @twice(%x: f64) -> f64 {
  %s = func.call @sq(%x) : (f64) -> f64 loc("a.ch":5:3)
  %c = charl.constant 2.0 : f64 loc("a.ch":6:3)
  %a = charl.mul %s, %c : f64 loc("a.ch":7:3)
  func.return %a : f64
}
func.func private @ext(f64) -> f64
func.func @main(%y: f64) -> f64 {
  %t = func.call @twice(%y) : (f64) -> f64 loc("a.ch":10:3)
  %e = func.call @ext(%t) : (f64) -> f64 loc("a.ch":11:3)
  %r = scf.if %b -> (f64) {
    %u = func.call @sq(%e) : (f64) -> f64 loc("a.ch":12:3)
    scf.yield %u : f64
  } else {
    scf.yield %e : f64
  }
  func.return %r : f64
}
"""


def _inline(text: str) -> ModuleOp:
    ctx = make_context()
    module = parse_ir(ctx, Source("a.mlir", text))
    CharlInlinePass().apply(ctx, module)
    module.verify()
    return module


def _calls(module: ModuleOp) -> list[str]:
    return [c.callee.root_reference.data for c in module.walk() if isinstance(c, func.CallOp)]


def test_inlines_transitively_and_in_regions() -> None:
    """Only the call to the declaration remains; every function is kept."""
    text = NESTED.replace("%r = scf.if %b", "%b = arith.constant true\n  %r = scf.if %b")
    module = _inline(text)
    assert _calls(module) == ["ext"]
    names = [f.sym_name.data for f in module.ops if isinstance(f, func.FuncOp)]
    assert names == ["sq", "twice", "ext", "main"]


def test_inlined_ops_keep_their_locations() -> None:
    """The squares inlined into @main are located at the callee's op, not at the call."""
    text = NESTED.replace("%r = scf.if %b", "%b = arith.constant true\n  %r = scf.if %b")
    module = _inline(text)
    main = next(f for f in module.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "main")
    lines = sorted(
        o.location.line.data for o in main.walk() if o.name == "charl.mul" and isinstance(o.location, FileLineColLoc)
    )
    assert lines == [2, 2, 7]


def test_recursion_is_an_error() -> None:
    """A cycle of calls cannot be inlined."""
    text = """
    func.func @f(%x: f64) -> f64 {
      %s = func.call @g(%x) : (f64) -> f64
      func.return %s : f64
    }
    func.func @g(%x: f64) -> f64 {
      %s = func.call @f(%x) : (f64) -> f64
      func.return %s : f64
    }
    """
    with pytest.raises(PassFailedException, match="charl-inline: .*recursive call"):
        _inline(text)


def test_program_still_runs() -> None:
    """A program of nested calls computes the same value after the CPU pipeline."""
    mod = load(
        "fn sq(x: float64) -> float64 { return x * x }\nfn f(x: float64) -> float64 { return sq(x) + sq(x + 1.0) }\n"
    )
    assert np.isclose(float(mod.fn("f")(np.float64(2.0))), 13.0)
