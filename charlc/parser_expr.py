"""Expression and type parsing for Charl (LANGUAGE.md sections 2 and 6).

Precedence, high to low: postfix (call, index, `.name`, `.0`), unary `-`/`not`, `**` (right
associative, and binding tighter than a unary operator on its left: `-x**2` is `-(x**2)`, while
`2**-1` is allowed), `* / % @`, `+ -`, comparisons (they do not chain), `and`, `or`.
"""

from __future__ import annotations

from charlc.diagnostics import CharlError
from charlc.lexer import Token
from charlc.parser_base import ParserBase, describe
from charlc.syntax import (
    Attribute,
    BoolLit,
    Call,
    DimExpr,
    Expr,
    FloatLit,
    Index,
    IntLit,
    Keyword,
    Name,
    NamedTypeExpr,
    SliceItem,
    Span,
    StrLit,
    TensorLit,
    TensorTypeExpr,
    TupleGet,
    TupleLit,
    TupleTypeExpr,
    TypeExpr,
    Unary,
)
from charlc.syntax import Binary as BinaryNode

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
CMP_PREC = 3
BINARY_PREC = {
    "or": 1,
    "and": 2,
    **dict.fromkeys(COMPARISONS, CMP_PREC),
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
    "@": 5,
}

# Identifiers and the keywords that are ordinary names in expressions.
NAME_KINDS = ("name", "self", "grad", "value_and_grad", "autograd")
SCALAR_TYPES = ("float32", "float64", "int32", "int64", "bool", "int8", "int4")
_COMPOUND = ("+", "-", "*", "/", "%", "@")


class ExprParser(ParserBase):
    """Parses expressions and type expressions."""

    def parse_expr(self) -> Expr:
        """One expression (an `or` chain at the top)."""
        with self.nested():
            return self.binary(1)

    def binary(self, min_prec: int) -> Expr:
        """Binary operators of precedence `min_prec` and higher, by precedence climbing."""
        lhs = self.unary()
        compared = False
        while (prec := BINARY_PREC.get(self.tok.kind)) is not None and prec >= min_prec:
            op = self.advance()
            if prec == CMP_PREC and compared:
                raise self.chained_comparison(lhs, op)
            rhs = self.binary(prec + 1)
            lhs = BinaryNode(self.span_of(lhs).to(self.span_of(rhs)), op.kind, lhs, rhs)
            compared = prec == CMP_PREC
        return lhs

    def chained_comparison(self, lhs: Expr, op: Token) -> Exception:
        """The error for `a < b < c`, quoting the chain when it is short."""
        try:
            third = self.binary(CMP_PREC + 1)
        except CharlError:  # the chain is the first error; quote it only when it parses
            return self.error(op.span, "comparisons do not chain; use 'and'")
        start, end = self.span_of(lhs), self.span_of(third)
        quoted = ""
        if start.line == end.line:
            text = self.source.line(start.line)[start.col - 1 : end.end_col - 1]
            quoted = f"'{text}': " if len(text) <= 60 else ""
        return self.error(op.span, f"{quoted}comparisons do not chain; use 'and'")

    def unary(self) -> Expr:
        """`-x`, `not x`, or a power."""
        if self.at("-", "not"):
            op = self.advance()
            with self.nested():
                operand = self.unary()
            return Unary(op.span.to(self.span_of(operand)), op.kind, operand)
        return self.power()

    def power(self) -> Expr:
        """`base ** exponent`, right associative; the exponent may carry a unary operator."""
        base = self.postfix()
        if not self.at("**"):
            return base
        self.advance()
        with self.nested():
            exponent = self.unary()
        return BinaryNode(self.span_of(base).to(self.span_of(exponent)), "**", base, exponent)

    # -- postfix ---------------------------------------------------------------------------------

    def postfix(self) -> Expr:
        """A primary followed by calls, indexing, `.name` and `.0`."""
        e = self.primary()
        while True:
            if self.at("("):
                e = self.call(e)
            elif self.at("["):
                e = self.index(e)
            elif self.at("."):
                e = self.field(e)
            else:
                return e

    def call(self, callee: Expr) -> Call:
        """`callee(args, kw: value)`: positional arguments first, then keywords."""
        opener = self.advance()
        args: list[Expr] = []
        kwargs: list[Keyword] = []
        while not self.at(")"):
            if self.at("name") and self.peek().kind == ":":
                kwargs.append(self.keyword(kwargs))
            elif kwargs:
                msg = f"positional argument after keyword argument '{kwargs[-1].name}'; put positional arguments first"
                raise self.error(self.tok.span, msg)
            else:
                args.append(self.parse_expr())
            if not self.accept(","):
                break
        close = self.expect_close(")", opener)
        return Call(self.span_of(callee).to(close.span), callee, args, kwargs)

    def keyword(self, before: list[Keyword]) -> Keyword:
        """`name: value` in a call."""
        name = self.advance()
        if any(k.name == name.text for k in before):
            raise self.error(name.span, f"keyword argument '{name.text}' is given twice")
        self.advance()
        value = self.parse_expr()
        return Keyword(name.span.to(self.span_of(value)), name.text, value)

    def index(self, base: Expr) -> Index:
        """`base[i, a:b, :]`."""
        opener = self.advance()
        items: list[Expr | SliceItem] = [self.index_item()]
        while self.accept(","):
            if self.at("]"):
                break
            items.append(self.index_item())
        close = self.expect_close("]", opener)
        return Index(self.span_of(base).to(close.span), base, items)

    def index_item(self) -> Expr | SliceItem:
        """An index expression or a slice `a:b`, `:b`, `a:`, `:`."""
        lo = None
        if not self.at(":"):
            lo = self.parse_expr()
            if not self.at(":"):
                return lo
        colon = self.advance()
        hi = None if self.at(",", "]") else self.parse_expr()
        start = colon.span if lo is None else self.span_of(lo)
        end = colon.span if hi is None else self.span_of(hi)
        return SliceItem(start.to(end), lo, hi)

    def field(self, base: Expr) -> Expr:
        """`.name` (an attribute) or `.0` (a tuple element)."""
        self.advance()
        t = self.tok
        if t.kind == "name":
            self.advance()
            return Attribute(self.span_of(base).to(t.span), base, t.text)
        if t.kind == "int" and isinstance(t.value, int):
            self.advance()
            return TupleGet(self.span_of(base).to(t.span), base, t.value)
        raise self.unexpected("a field name or a tuple index after '.'")

    # -- primaries -------------------------------------------------------------------------------

    def primary(self) -> Expr:
        """A literal, a name, a parenthesized expression or tuple, or a tensor literal."""
        t = self.tok
        if t.kind in NAME_KINDS:
            self.advance()
            return Name(t.span, t.text)
        if t.kind == "int" and isinstance(t.value, int):
            self.advance()
            return IntLit(t.span, t.value, t.text)
        if t.kind == "float" and isinstance(t.value, float):
            self.advance()
            return FloatLit(t.span, t.value, t.text)
        if t.kind == "string" and isinstance(t.value, str):
            self.advance()
            return StrLit(t.span, t.value)
        if t.kind in ("true", "false"):
            self.advance()
            return BoolLit(t.span, t.kind == "true")
        if t.kind == "(":
            return self.paren()
        if t.kind == "[":
            return self.tensor_literal()
        raise self.not_an_expression(t)

    def not_an_expression(self, t: Token) -> Exception:
        """`expected an expression, found ...`, with a hint for `x += 1`."""
        before = self.prev
        adjacent = before.span.end_line == t.span.line and before.span.end_col == t.span.col
        if t.kind == "=" and before.kind in _COMPOUND and adjacent:
            op = before.kind
            msg = f"compound assignment '{op}=' is not supported; write 'x = x {op} ...'"
            return self.error(before.span.to(t.span), msg)
        return self.error(t.span, f"expected an expression, found {describe(t)}")

    def paren(self) -> Expr:
        """`(e)` is `e`; `(a, b, ...)` is a tuple."""
        opener = self.advance()
        first = self.parse_expr()
        if self.at(")"):
            close = self.advance()
            self.outer[first] = opener.span.to(close.span)
            return first
        elems, span = self.tuple_rest(opener, first, self.parse_expr, "a tuple needs at least two elements")
        return TupleLit(span, elems)

    def tensor_literal(self) -> TensorLit:
        """`[a, b, ...]` (possibly empty, possibly nested)."""
        opener = self.advance()
        elems: list[Expr] = []
        while not self.at("]"):
            elems.append(self.parse_expr())
            if not self.accept(","):
                break
        close = self.expect_close("]", opener)
        return TensorLit(opener.span.to(close.span), elems)

    # -- types -----------------------------------------------------------------------------------

    def parse_type(self) -> TypeExpr:
        """A scalar or model type name, `tensor<dtype, [dims]>`, or a tuple type `(T, U)`."""
        with self.nested():
            t = self.tok
            if t.kind == "(":
                return self.tuple_type()
            if t.kind != "name":
                raise self.unexpected("a type")
            self.advance()
            if t.text == "tensor" and self.at("<"):
                return self.tensor_type(t)
            return NamedTypeExpr(t.span, t.text)

    def tuple_type(self) -> TypeExpr:
        """`(T, U, ...)`; `(T)` is `T`."""
        opener = self.advance()
        first = self.parse_type()
        elems, span = self.tuple_rest(opener, first, self.parse_type, "a tuple type needs at least two elements")
        return TupleTypeExpr(span, elems) if len(elems) > 1 else elems[0]

    def tensor_type(self, keyword: Token) -> TensorTypeExpr:
        """`tensor<float32, [N, 4, ?]>`."""
        angle = self.advance()
        dtype = self.tok
        if dtype.kind != "name" or dtype.text not in SCALAR_TYPES:
            raise self.unexpected("an element type (float32, float64, int32, int64, bool, int8 or int4)")
        self.advance()
        self.expect(",", "',' and the dimensions after the element type")
        opener = self.expect("[", "'[' to start the dimensions (as in 'tensor<float32, [3, 4]>')")
        dims: list[DimExpr] = []
        while not self.at("]"):
            dims.append(self.dim())
            if not self.accept(","):
                break
        self.expect_close("]", opener)
        self.split_greater_equal()
        close = self.expect_close(">", angle)
        return TensorTypeExpr(keyword.span.to(close.span), dtype.text, dims)

    def dim(self) -> DimExpr:
        """One dimension: an integer, a size variable or `?`."""
        t = self.tok
        if t.kind == "int" and isinstance(t.value, int):
            value: int | str | None = t.value
        elif t.kind == "name":
            value = t.text
        elif t.kind == "?":
            value = None
        else:
            raise self.unexpected("a dimension (an integer, a size variable or '?')")
        self.advance()
        return DimExpr(t.span, value)

    def split_greater_equal(self) -> None:
        """Splits `>=` into `>` and `=` where a type ends: `let x: tensor<f32, [2]>= ...`."""
        t = self.tok
        if t.kind != ">=":
            return
        s = t.span
        gt = Token(">", ">", Span(s.line, s.col, s.line, s.col + 1), newline_before=t.newline_before)
        eq = Token("=", "=", Span(s.line, s.col + 1, s.end_line, s.end_col))
        self.tokens[self.pos : self.pos + 1] = [gt, eq]
