"""From an llvm-dialect module to llvmlite IR: the llvm ops xDSL 0.74 lacks, and the translation.

xDSL's `llvm` dialect has no `fptosi`, `fptoui` or `uitofp`; they are defined here with the same
assembly format as `llvm.sitofp`, and `register_llvm_casts` adds them to the cast table of
`xdsl.backend.llvm.convert_op`, keyed by these classes only (idempotent, changes nothing else), so
that `xdsl.backend.llvm.convert.convert_module` translates them. `to_llvmlite` wraps
`convert_module` and applies what it drops: the linkage of defined functions (`internal` for
private ones), the `nounwind` attribute (no lowered code unwinds), result attributes (`zeroext` on
an `i1` result, a C `bool`), and `zeroinitializer` for globals without a value.
"""

from __future__ import annotations

from llvmlite import ir
from xdsl.backend.llvm import convert_op
from xdsl.backend.llvm.convert import convert_module
from xdsl.dialects import llvm
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.irdl import irdl_op_definition


@irdl_op_definition
class FPToSIOp(llvm.GenericCastOp):
    """Float to signed integer, rounding toward zero (LLVM `fptosi`; out of range is poison).

    %i = llvm.fptosi %x : f32 to i32
    """

    name = "llvm.fptosi"


@irdl_op_definition
class FPToUIOp(llvm.GenericCastOp):
    """Float to unsigned integer, rounding toward zero (LLVM `fptoui`; out of range is poison).

    %i = llvm.fptoui %x : f32 to i32
    """

    name = "llvm.fptoui"


@irdl_op_definition
class UIToFPOp(llvm.GenericCastOp):
    """Unsigned integer to float, rounded to nearest (LLVM `uitofp`).

    %x = llvm.uitofp %i : i32 to f32
    """

    name = "llvm.uitofp"


EXTRA_LLVM_OPS: tuple[type[llvm.GenericCastOp], ...] = (FPToSIOp, FPToUIOp, UIToFPOp)
"""The ops above, for a `Context` that must parse the output of convert-to-llvm (`ctx.load_op`)."""

_CAST_NAMES: dict[type[llvm.GenericCastOp], str] = {FPToSIOp: "fptosi", FPToUIOp: "fptoui", UIToFPOp: "uitofp"}


def register_llvm_casts() -> None:
    """Adds the casts above to xDSL's llvm-to-llvmlite cast table (idempotent)."""
    table = convert_op._CAST_OP_NAMES  # pyright: ignore[reportPrivateUsage]
    for cls, opcode in _CAST_NAMES.items():
        table.setdefault(cls, opcode)


_RESULT_FLAGS = {"llvm.zeroext": "zeroext", "llvm.signext": "signext", "llvm.noalias": "noalias"}
"""The result attributes `convert_module` drops, by their llvm-dialect names."""


def to_llvmlite(module: ModuleOp, triple: str | None = None) -> ir.Module:
    """Translates an llvm-dialect module (the output of convert-to-llvm) to an llvmlite module.

    `triple` defaults to the host's. Private functions with a body get `internal` linkage, every
    defined function `nounwind`; result attributes (`res_attrs`) are applied; a global without a
    value is zero-filled.
    """
    register_llvm_casts()
    result = convert_module(module, fallback_target_triple=triple)
    for op in module.ops:
        if not isinstance(op, llvm.FuncOp):
            continue
        fn = result.get_global(op.sym_name.data)
        for attrs in op.res_attrs.data if op.res_attrs is not None else ():
            for name in attrs.data:
                if name in _RESULT_FLAGS:
                    fn.return_value.add_attribute(_RESULT_FLAGS[name])
        if not op.body.blocks:
            continue
        if op.linkage.linkage.data in ("internal", "private"):
            fn.linkage = op.linkage.linkage.data
        fn.attributes.add("nounwind")
    return result


def signatures(module: ModuleOp) -> dict[str, str]:
    """The MLIR type (before lowering) of each public function of a lowered module, by name: the
    signature `runtime.cpu.CpuModule.function` calls it by."""
    found: dict[str, str] = {}
    for op in module.ops:
        if isinstance(op, llvm.FuncOp) and isinstance(sig := op.attributes.get("charl.signature"), StringAttr):
            found[op.sym_name.data] = sig.data
    return found


def to_llvm_ir(module: ModuleOp, triple: str | None = None) -> str:
    """`to_llvmlite` printed: LLVM IR text, the input of `runtime.cpu.CpuModule`."""
    return str(to_llvmlite(module, triple))
