"""convert-to-llvm for functions: the calling convention, `func.func`, `func.return`, `func.call`.

The convention (the one `runtime/abi.py` calls by), for every function, public or not:

- each `memref<...>` argument is expanded into its descriptor fields `allocated: ptr, aligned: ptr,
  offset: i64, sizes: i64 x rank, strides: i64 x rank`; each `memref<*x...>` argument into `rank:
  i64, descriptor: ptr` (see `passes/_llvm_unranked.py`); `index` is `i64`; `i1` is `i1 zeroext`
  (a C `bool`); other scalars are themselves. The pointers of ranked memrefs are `noalias` in the
  functions of the module (not in external declarations, which are C functions).
- no result: `void`. One scalar result: returned directly.
- otherwise (several results, or a memref result): the function returns `void` and takes, as its
  first argument, a `noalias` pointer to a struct the caller owns, whose fields are the results
  flattened in order (a memref result as its descriptor fields, a scalar as itself), laid out as the
  C struct of those fields.

Functions are externally visible; private ones with a body get internal linkage; a private one
without a body is an external declaration (a run-time function of docs/runtime.md). Each public
function keeps its MLIR type in the `charl.signature` attribute (see `passes._llvm_emit.signatures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FunctionType,
    IntegerType,
    MemRefType,
    StringAttr,
    UnitAttr,
    UnrankedMemRefType,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.utils.exceptions import PassFailedException

from passes._llvm_builder import FuncBuilder, ModuleState, Returns, Rule, RuleKey
from passes._llvm_types import I64, PTR, flat_types, unflatten

I1 = IntegerType(1)


@dataclass(frozen=True)
class Abi:
    """The lowered signature of a function type."""

    inputs: tuple[Attribute, ...]
    results: tuple[Attribute, ...]

    @property
    def mode(self) -> str:
        """`void`, `direct` (one scalar result) or `out` (results stored through a pointer)."""
        if not self.results:
            return "void"
        if len(self.results) == 1 and not isinstance(self.results[0], MemRefType):
            return "direct"
        return "out"

    @property
    def struct(self) -> llvm.LLVMStructType:
        """The struct the results are stored into in `out` mode."""
        return llvm.LLVMStructType.from_type_list([t for r in self.results for t in flat_types(r)])

    @property
    def params(self) -> list[Attribute]:
        """The LLVM parameter types, the result pointer first in `out` mode."""
        flat = [t for a in self.inputs for t in flat_types(a)]
        return [PTR, *flat] if self.mode == "out" else flat

    def llvm_type(self) -> llvm.LLVMFunctionType:
        """The LLVM function type."""
        output = flat_types(self.results[0])[0] if self.mode == "direct" else None
        return llvm.LLVMFunctionType(self.params, output)

    def arg_attrs(self, external: bool = False) -> ArrayAttr[DictionaryAttr]:
        """`zeroext` on `i1` parameters; unless `external`, `noalias` on the result pointer and on
        the pointers of ranked memref arguments (not on an unranked memref's descriptor pointer)."""
        noalias = DictionaryAttr({} if external else {"llvm.noalias": UnitAttr()})
        attrs: list[DictionaryAttr] = [noalias] if self.mode == "out" else []
        for t in self.inputs:
            if isinstance(t, MemRefType):
                attrs += [noalias, noalias, *[DictionaryAttr({})] * (1 + 2 * t.get_num_dims())]
            elif t == I1:
                attrs.append(DictionaryAttr({"llvm.zeroext": UnitAttr()}))
            else:
                attrs += [DictionaryAttr({}) for _ in flat_types(t)]
        return ArrayAttr(attrs)

    def res_attrs(self) -> ArrayAttr[DictionaryAttr] | None:
        """`zeroext` on a directly returned `i1` (a C `bool`)."""
        if self.mode == "direct" and self.results[0] == I1:
            return ArrayAttr([DictionaryAttr({"llvm.zeroext": UnitAttr()})])
        return None


def abi_of(t: FunctionType, name: str = "") -> Abi:
    """The lowered signature of `t` (of the function `name`, for the error an unranked result is)."""
    for result in t.outputs.data:
        if isinstance(result, UnrankedMemRefType):
            raise PassFailedException(
                f"convert-to-llvm: @{name} returns {result}: an unranked memref cannot be returned; "
                "cast it to a ranked type first"
            )
    return Abi(tuple(t.inputs.data), tuple(t.outputs.data))


SIGNATURE_ATTR = "charl.signature"
"""On each public function: its MLIR type before lowering, what `runtime.abi.parse_signature` reads."""


def declare(op: func.FuncOp) -> llvm.FuncOp:
    """An `llvm.func` for `op`'s signature, with an empty body and its linkage.

    A `func.func` without a body (`@charl_rt_print_str`, ...) is an external declaration of a C
    function: external linkage, the same expanded signature, no `noalias` promises.
    """
    abi = abi_of(op.function_type, op.sym_name.data)
    private = op.sym_visibility is not None and op.sym_visibility.data == "private"
    linkage = "internal" if private and op.body.blocks else "external"
    exported = op.body.blocks and not private
    return llvm.FuncOp(
        op.sym_name.data,
        abi.llvm_type(),
        linkage=llvm.LinkageAttr(linkage),
        other_props={"arg_attrs": abi.arg_attrs(external=not op.body.blocks), "res_attrs": abi.res_attrs()},
        extra_attrs={SIGNATURE_ATTR: StringAttr(str(op.function_type))} if exported else None,
    )


def lower_func(state: ModuleState, op: func.FuncOp, rules: Mapping[RuleKey, Rule]) -> llvm.FuncOp:
    """The `llvm.func` of `op`: an entry block of constants that branches to the lowered body."""
    fn = declare(op)
    if not op.body.blocks:
        return fn
    abi = abi_of(op.function_type, op.sym_name.data)
    entry = Block(arg_types=abi.params)
    fn.body.add_block(entry)
    fb = FuncBuilder(state, fn.body, rules)
    params = list(entry.args)
    if abi.mode == "out":
        fb.returns = Returns("out", params.pop(0), abi.struct)
    else:
        fb.returns = Returns(abi.mode)
    order = _reverse_post_order(op.body.blocks[0])
    for block in order:
        fb.block_map[block] = fb.new_block([] if block is order[0] else [a.type for a in block.args])
    for block in order:
        fb.start(fb.block_map[block])
        if block is order[0]:
            args = unflatten(abi.inputs, params)
        else:
            args = unflatten([a.type for a in block.args], fb.block_map[block].args)
        for arg, value in zip(block.args, args, strict=True):
            fb.put(arg, value)
        for inner in block.ops:
            fb.lower_op(inner)
    entry.add_op(llvm.BrOp(fb.block_map[order[0]]))
    return fn


def _reverse_post_order(entry: Block) -> list[Block]:
    """The blocks reachable from `entry`, each after its dominators."""
    order: list[Block] = []
    seen = {entry}
    stack: list[tuple[Block, int]] = [(entry, 0)]
    while stack:
        block, k = stack.pop()
        succs = block.last_op.successors if block.last_op is not None else ()
        if k < len(succs):
            stack.append((block, k + 1))
            if succs[k] not in seen:
                seen.add(succs[k])
                stack.append((succs[k], 0))
        else:
            order.append(block)
    return order[::-1]


def _field_ptr(fb: FuncBuilder, base: SSAValue, struct: llvm.LLVMStructType, k: int) -> SSAValue:
    return fb.value(llvm.GEPOp(base, [0, k], struct))


def _return(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, func.ReturnOp)
    values = fb.flatten([fb.lowered(v) for v in op.arguments])
    if fb.returns.mode == "direct":
        fb.emit(llvm.ReturnOp(values[0]))
        return
    if fb.returns.mode == "out":
        assert fb.returns.out is not None and fb.returns.struct is not None
        for k, value in enumerate(values):
            fb.emit(llvm.StoreOp(value, _field_ptr(fb, fb.returns.out, fb.returns.struct, k)))
    fb.emit(llvm.ReturnOp())


def _call(fb: FuncBuilder, op: Operation) -> None:
    assert isinstance(op, func.CallOp)
    name = op.callee.root_reference.data
    if name not in fb.module.signatures:
        raise PassFailedException(f"convert-to-llvm: func.call @{name}: no func.func @{name} in the module")
    abi = abi_of(fb.module.signatures[name], name)
    args = fb.flatten([fb.lowered(v) for v in op.arguments])
    if abi.mode == "direct":
        call = fb.emit(llvm.CallOp(name, *args, return_type=abi.llvm_type().output))
        assert call.returned is not None
        fb.put(op.results[0], call.returned)
        return
    if abi.mode == "void":
        fb.emit(llvm.CallOp(name, *args))
        return
    struct = abi.struct
    slot = fb.prologue(llvm.AllocaOp(fb.const(1, I64), struct, 8))
    fb.emit(llvm.CallOp(name, slot, *args))
    fields = [fb.value(llvm.LoadOp(_field_ptr(fb, slot, struct, k), t)) for k, t in enumerate(struct.types.data)]
    for result, value in zip(op.results, unflatten(abi.results, fields), strict=True):
        fb.put(result, value)


def func_rules() -> dict[RuleKey, Rule]:
    """The rules of `func.return` and `func.call`."""
    return {func.ReturnOp: _return, func.CallOp: _call}
