"""The Charl type checker: `check(program, source) -> CheckedProgram`.

It collects the declarations, checks every non-generic function once (called or not), checks
generic functions once per distinct tuple of argument types (memoized instances), builds one
`ModelInfo` per model and constructor arguments, and checks the top-level statements as the
instance `main`. Instances are listed callees first; `main` is last. See `checked.py` for the
side tables each instance carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from charlc import check_builtins, check_expr, check_models, check_stmts, check_types
from charlc import syntax as ast
from charlc.check_env import Binding, FnCtx, plural
from charlc.checked import CheckedProgram, FnInstance, ModelInfo, QuantizeAll
from charlc.diagnostics import CharlError, Source
from charlc.types import INT32, ModelType, QuantModelType, Type, UnitType

RESERVED = ("grad", "value_and_grad", "autograd", "self")


def check(program: ast.Program, source: Source, quantize: QuantizeAll | None = None) -> CheckedProgram:
    """Type-check a parsed program (raises `CharlError` at the first error); with `quantize`
    (`--quantize`) every model the program creates is quantized."""
    return ProgramChecker(program, source, quantize_all=quantize).run()


@dataclass
class ProgramChecker:
    """Program-wide state: declarations, model infos, memoized instances, the call stack."""

    program: ast.Program
    source: Source
    fns: dict[str, ast.FnDecl] = field(default_factory=dict)
    model_decls: dict[str, ast.ModelDecl] = field(default_factory=dict)
    models: dict[ModelType, ModelInfo] = field(default_factory=dict)
    instances: list[FnInstance] = field(default_factory=list)
    memo: dict[Any, FnInstance] = field(default_factory=dict)
    stack: list[ast.FnDecl] = field(default_factory=list)
    symbols: set[str] = field(default_factory=lambda: {"main"})
    model_stack: list[str] = field(default_factory=list)
    warnings: list[CharlError] = field(default_factory=list)
    quantize_all: QuantizeAll | None = None

    def run(self) -> CheckedProgram:
        self.collect()
        for m in self.model_decls.values():
            check_models.check_declaration(self, m)
        for decl in self.fns.values():
            if not check_types.is_generic(decl, self.model_decls, {}):
                self.default_instance(decl)
        main = self.check_main()
        return CheckedProgram(self.program, self.models, self.instances, main, self.warnings)

    # -- declarations --------------------------------------------------------------------------

    def collect(self) -> None:
        seen: dict[str, ast.Span] = {}
        for item in self.program.items:
            if isinstance(item, ast.FnDecl | ast.ModelDecl):
                self._declare(item.name, item.name_span, seen)
                if isinstance(item, ast.FnDecl):
                    self.fns[item.name] = item
                else:
                    self.model_decls[item.name] = item

    def _declare(self, name: str, span: ast.Span, seen: dict[str, ast.Span]) -> None:
        if name in seen:
            first = seen[name]
            raise CharlError(span, f"duplicate definition of `{name}` (first defined at {first.line}:{first.col})")
        if check_builtins.is_builtin(name) or name in RESERVED:
            raise CharlError(span, f"`{name}` is a built-in function; choose another name")
        seen[name] = span

    # -- instances -----------------------------------------------------------------------------

    def symbol(self, base: str) -> str:
        """A unique symbol: `base`, then `base_1`, `base_2`, ..."""
        name, i = base, 0
        while name in self.symbols:
            i += 1
            name = f"{base}_{i}"
        self.symbols.add(name)
        return name

    def default_instance(self, decl: ast.FnDecl) -> FnInstance:
        """Check a non-generic function with its declared parameter types."""
        types = check_types.default_args(decl, self.model_decls)
        for t in types:
            if isinstance(t, ModelType):
                check_models.model_info(self, t, decl.span)
        key = (decl, None, tuple(types))
        if key not in self.memo:
            self.instantiate(key, decl, types, {}, None, decl.name)
        return self.memo[key]

    def call_instance(
        self,
        cx: FnCtx,
        call: ast.Call,
        decl: ast.FnDecl,
        args: list[ast.Expr],
        self_type: ModelType | None = None,
        model: ModelInfo | None = None,
        inferred: bool = False,
    ) -> tuple[FnInstance, Type]:
        """The instance of `decl` for the types of `args` (checked now if new), and the call's result
        type as the caller sees it (`inferred`: the arguments are already checked)."""
        params = decl.params[1:] if self_type is not None else decl.params
        label = f"{model.decl.name}.forward" if model is not None else decl.name
        if len(args) != len(params):
            raise CharlError(call.span, f"`{label}` takes {plural(len(params), 'argument')}, got {len(args)}")
        if not inferred:
            for a in args:
                check_expr.infer(cx, a)
        fixed = dict(model.arg_values) if model is not None else {}
        matcher = check_types.Matcher(cx, label, call, fixed)
        for i, (p, a) in enumerate(zip(params, args, strict=True)):
            if p.type is None:
                raise CharlError(p.span, f"parameter `{p.name}` needs a type")
            matcher.arg(p.type, a, i)
        binds = matcher.bindings()
        types: list[Type] = [self_type] if self_type is not None else []
        for p, a in zip(params, args, strict=True):
            assert p.type is not None
            types.append(check_types.instance_type(p.type, cx.type_of(a), binds, fixed))
        for t in types:
            base = t.base if isinstance(t, QuantModelType) else t
            if isinstance(base, ModelType):
                check_models.model_info(self, base, call.span)
        if decl in self.stack:
            raise CharlError(call.span, f"recursive call of `{label}`: recursion is not supported in version 1")
        key = (decl, self_type, tuple(types))
        if key not in self.memo:
            self.instantiate(key, decl, types, binds, model, label)
        inst = self.memo[key]
        return inst, check_types.substitute(inst.ret, matcher.caller_dims())

    def instantiate(
        self, key: Any, decl: ast.FnDecl, types: list[Type], binds: dict[str, Any], model: ModelInfo | None, label: str
    ) -> None:
        """Check the body of `decl` for parameter types `types` and record the instance."""
        inst = FnInstance(self.symbol(label), decl, types, UnitType(), binds, self_model=model)
        cx = FnCtx(self, inst, in_function=True)
        self.bind_params(cx, decl, types, binds, model)
        if decl.ret is not None:
            cx.declared_ret = check_types.resolve_annotation(cx, decl.ret)
        self.stack.append(decl)
        try:
            check_stmts.function_body(cx, label)
        finally:
            self.stack.pop()
        self.memo[key] = inst
        self.instances.append(inst)

    def bind_params(
        self, cx: FnCtx, decl: ast.FnDecl, types: list[Type], binds: dict[str, Any], model: ModelInfo | None
    ) -> None:
        """Put model arguments, size variables and parameters in the instance's outer scope."""
        if model is not None:
            for p in model.decl.args:
                cx.declare(p.name, Binding(INT32, False, p, model.arg_values[p.name]))
        for var, d in binds.items():
            node = _first_dim(decl, var)
            cx.declare(var, Binding(INT32, False, node, d if isinstance(d, int) else None))
        names: set[str] = set()
        for p, t in zip(decl.params, types, strict=True):
            if p.name in names:
                raise CharlError(p.span, f"duplicate parameter `{p.name}`")
            names.add(p.name)
            cx.declare(p.name, Binding(t, False, p))

    def check_main(self) -> FnInstance:
        stmts = [i for i in self.program.items if not isinstance(i, ast.FnDecl | ast.ModelDecl)]
        span = self.program.span
        decl = ast.FnDecl(span, "main", span, [], None, ast.Block(span, stmts))
        inst = FnInstance("main", decl, [], UnitType(), {})
        cx = FnCtx(self, inst, in_function=False)
        check_stmts.block_stmts(cx, stmts)
        self.instances.append(inst)
        return inst


def _first_dim(decl: ast.FnDecl, var: str) -> ast.DimExpr | None:
    """The first `DimExpr` of the parameter types that names size variable `var`."""
    for p in decl.params:
        found = _find_dim(p.type, var) if p.type is not None else None
        if found is not None:
            return found
    return None


def _find_dim(t: ast.TypeExpr, var: str) -> ast.DimExpr | None:
    match t:
        case ast.TensorTypeExpr(dims=dims):
            return next((d for d in dims if d.value == var), None)
        case ast.TupleTypeExpr(elems=elems):
            for e in elems:
                found = _find_dim(e, var)
                if found is not None:
                    return found
    return None
