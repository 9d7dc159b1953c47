"""The Charl abstract syntax tree.

Every node carries the `Span` of the source text it came from. Nodes compare and hash by identity
(`eq=False`), so later stages key side tables (types, call resolutions) by node.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A source range: 1-based line and column of the first character, and of one past the last."""

    line: int
    col: int
    end_line: int
    end_col: int

    def to(self, other: Span) -> Span:
        """The span from the start of `self` to the end of `other`."""
        return Span(self.line, self.col, other.end_line, other.end_col)


# ---------------------------------------------------------------------------------------------
# Type expressions (what the user writes after `:` and `->`)


@dataclass(eq=False)
class DimExpr:
    """One dimension in a tensor type: an integer, a size variable name, or `None` for `?`."""

    span: Span
    value: int | str | None


@dataclass(eq=False)
class TensorTypeExpr:
    """`tensor<float32, [N, 4, ?]>`."""

    span: Span
    dtype: str
    dims: list[DimExpr]


@dataclass(eq=False)
class NamedTypeExpr:
    """A scalar type (`float32`, `int32`, `bool`, ...) or a model type name (`Mlp`)."""

    span: Span
    name: str


@dataclass(eq=False)
class TupleTypeExpr:
    """`(float32, tensor<float32, [4]>)`."""

    span: Span
    elems: list[TypeExpr]


TypeExpr = TensorTypeExpr | NamedTypeExpr | TupleTypeExpr


# ---------------------------------------------------------------------------------------------
# Expressions


@dataclass(eq=False)
class IntLit:
    span: Span
    value: int
    text: str  # as written, e.g. "1_000"


@dataclass(eq=False)
class FloatLit:
    span: Span
    value: float
    text: str  # as written, e.g. "1e-5", "2."


@dataclass(eq=False)
class BoolLit:
    span: Span
    value: bool


@dataclass(eq=False)
class StrLit:
    span: Span
    value: str  # escapes already decoded


@dataclass(eq=False)
class TensorLit:
    """`[1.0, 2.0]`, `[[1, 2], [3, 4]]`, `[x, 2.0 * y]`."""

    span: Span
    elems: list[Expr]


@dataclass(eq=False)
class TupleLit:
    """`(a, b)`: a tuple expression (also the target of a tuple assignment)."""

    span: Span
    elems: list[Expr]


@dataclass(eq=False)
class Name:
    """A variable, function, model, dtype (`float64`), activation (`relu`) or `self`."""

    span: Span
    id: str


@dataclass(eq=False)
class Unary:
    span: Span
    op: str  # "-" or "not"
    operand: Expr


@dataclass(eq=False)
class Binary:
    span: Span
    op: str  # + - * / % ** @ == != < <= > >= and or
    lhs: Expr
    rhs: Expr


@dataclass(eq=False)
class Keyword:
    """`name: value` in a call."""

    span: Span
    name: str
    value: Expr


@dataclass(eq=False)
class Call:
    """`callee(args, kw: v)`. The callee is any expression: a `Name` (`relu`, `f`, `Mlp`, `grad`),
    an `Attribute` (`m.forward`, `self.l1`), or another `Call` (`grad(f)(x)`)."""

    span: Span
    callee: Expr
    args: list[Expr]
    kwargs: list[Keyword] = field(default_factory=list)

    def kwarg(self, name: str) -> Keyword | None:
        """The keyword argument called `name`, if given."""
        return next((k for k in self.kwargs if k.name == name), None)


@dataclass(eq=False)
class SliceItem:
    """`a:b`, `:b`, `a:` or `:` inside an index."""

    span: Span
    lo: Expr | None
    hi: Expr | None


@dataclass(eq=False)
class Index:
    """`x[i]`, `x[i, j]`, `x[a:b, :]`."""

    span: Span
    base: Expr
    items: list[Expr | SliceItem]


@dataclass(eq=False)
class Attribute:
    """`self.w`, `m.forward`, `self.l1`."""

    span: Span
    base: Expr
    name: str


@dataclass(eq=False)
class TupleGet:
    """`t.0`."""

    span: Span
    base: Expr
    index: int


Expr = (
    IntLit
    | FloatLit
    | BoolLit
    | StrLit
    | TensorLit
    | TupleLit
    | Name
    | Unary
    | Binary
    | Call
    | Index
    | Attribute
    | TupleGet
)


# ---------------------------------------------------------------------------------------------
# Statements


@dataclass(eq=False)
class NameTarget:
    """A name bound by `let` (alone or inside a tuple pattern)."""

    span: Span
    name: str


@dataclass(eq=False)
class TupleTarget:
    """`(a, b)` on the left of `let`; elements may nest."""

    span: Span
    elems: list[NameTarget | TupleTarget]


@dataclass(eq=False)
class Let:
    """`let [mut] target [: type] = value`."""

    span: Span
    target: NameTarget | TupleTarget
    mutable: bool
    type_ann: TypeExpr | None
    value: Expr


@dataclass(eq=False)
class Assign:
    """`x = e`, `x[i, 0:2] = e`, `(m, opt) = e`. The target is a `Name`, an `Index` of a name, or a
    `TupleLit` of names."""

    span: Span
    target: Expr
    value: Expr


@dataclass(eq=False)
class ExprStmt:
    span: Span
    expr: Expr


@dataclass(eq=False)
class Block:
    span: Span
    stmts: list[Stmt]


@dataclass(eq=False)
class If:
    """`if c { } else if d { } else { }`: `orelse` is a `Block`, a nested `If`, or `None`."""

    span: Span
    cond: Expr
    then: Block
    orelse: Block | If | None


@dataclass(eq=False)
class For:
    """`for var in start..end { }` (half-open)."""

    span: Span
    var: NameTarget
    start: Expr
    end: Expr
    body: Block


@dataclass(eq=False)
class While:
    span: Span
    cond: Expr
    body: Block


@dataclass(eq=False)
class Break:
    span: Span


@dataclass(eq=False)
class Continue:
    span: Span


@dataclass(eq=False)
class Return:
    span: Span
    value: Expr | None


Stmt = Let | Assign | ExprStmt | If | For | While | Break | Continue | Return | Block


# ---------------------------------------------------------------------------------------------
# Declarations


@dataclass(eq=False)
class Param:
    """A function parameter or model constructor argument. `self` has no type."""

    span: Span
    name: str
    type: TypeExpr | None


@dataclass(eq=False)
class FnDecl:
    span: Span
    name: str
    name_span: Span
    params: list[Param]
    ret: TypeExpr | None
    body: Block


@dataclass(eq=False)
class ParamField:
    """One entry of a model's `params { }`.

    Either a tensor parameter, `w: tensor<float32, [d_in, d_out]> = xavier_uniform()` (`type` and
    `init` set; `init` may be omitted for zeros), or a sub-model, `l1: Linear(4, 8)` (`model` set
    to the constructor call).
    """

    span: Span
    name: str
    type: TypeExpr | None
    init: Expr | None
    model: Call | None


@dataclass(eq=False)
class ModelDecl:
    """`model Name(args) { layers { ... } }` or `model Name(args) { params { ... } fn forward ... }`."""

    span: Span
    name: str
    name_span: Span
    args: list[Param]
    layers: list[Call] | None
    params: list[ParamField] | None
    methods: list[FnDecl]


Item = FnDecl | ModelDecl | Stmt


@dataclass(eq=False)
class Program:
    """A whole source file: declarations and top-level statements, in source order."""

    span: Span
    items: list[Item]
