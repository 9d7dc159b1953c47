"""Statement parsing for Charl (LANGUAGE.md sections 3 and 4).

A statement ends at a newline or `;`; a `}` or the end of the file also ends one. Newlines may
separate a condition from its `{` and a `}` from its `else`.
"""

from __future__ import annotations

from charlc.lexer import Token
from charlc.parser_expr import ExprParser
from charlc.syntax import (
    Assign,
    Attribute,
    Block,
    BoolLit,
    Break,
    Call,
    Continue,
    Expr,
    ExprStmt,
    FloatLit,
    For,
    If,
    Index,
    IntLit,
    Let,
    Name,
    NameTarget,
    Return,
    Stmt,
    StrLit,
    TupleLit,
    TupleTarget,
    While,
)

# Tokens after which `return` has no value.
_ENDS_STATEMENT = ("newline", ";", "}", "eof")

# What an element of a tuple pattern must start with.
_IN_TUPLE = "a name or '(' in the tuple pattern"


class StmtParser(ExprParser):
    """Parses statements and blocks."""

    def statement(self) -> Stmt:
        """One statement (its terminator is left to the caller)."""
        kind = self.tok.kind
        if kind == "let":
            return self.let()
        if kind == "if":
            return self.if_stmt()
        if kind == "for":
            return self.for_stmt()
        if kind == "while":
            return self.while_stmt()
        if kind in ("break", "continue"):
            t = self.advance()
            return Break(t.span) if kind == "break" else Continue(t.span)
        if kind == "return":
            return self.return_stmt()
        if kind == "{":
            return self.block()
        if kind in ("fn", "model"):
            raise self.error(self.tok.span, f"'{kind}' declarations are only allowed at the top level")
        return self.expr_or_assign()

    def end_statement(self, block_opener: Token | None) -> None:
        """Checks that a statement ends here: newline, `;`, `}` or the end of the file."""
        t = self.tok
        if t.kind in ("newline", ";"):
            self.advance()
        elif t.kind == "eof" and block_opener is not None:
            raise self.unclosed(block_opener)
        elif t.kind not in ("}", "eof"):
            expected = "a newline or ';' after the statement"
            if block_opener is not None:
                expected = "a newline, ';' or '}' after the statement"
            raise self.unexpected(expected)

    def block(self) -> Block:
        """`{ statements }`."""
        opener = self.advance()
        stmts: list[Stmt] = []
        with self.nested():
            while not self.at_block_end(opener):
                stmts.append(self.statement())
                self.end_statement(opener)
        close = self.advance()
        return Block(opener.span.to(close.span), stmts)

    def body(self, after: str) -> Block:
        """The `{ }` block of an `if`, `else`, `for`, `while` or declaration; a newline may precede it."""
        self.skip_newlines_before("{")
        if self.at("{"):
            return self.block()
        if self.at("="):
            raise self.error(self.tok.span, f"expected '{{' after {after}, found '='; use '==' to compare")
        raise self.unexpected(f"'{{' after {after}")

    # -- bindings and assignments --------------------------------------------------------------

    def let(self) -> Let:
        """`let [mut] pattern [: type] = value`."""
        let_tok = self.advance()
        mutable = self.accept("mut") is not None
        target = self.pattern("a name or '(' after 'let'")
        type_ann = self.parse_type() if self.accept(":") else None
        if not self.at("="):
            raise self.unexpected("'=' and a value in 'let'")
        self.advance()
        value = self.parse_expr()
        return Let(let_tok.span.to(self.span_of(value)), target, mutable, type_ann, value)

    def pattern(self, expected: str) -> NameTarget | TupleTarget:
        """A name, or a parenthesized tuple of patterns (`(a, (b, c))`)."""
        t = self.tok
        if t.kind == "name":
            self.advance()
            return NameTarget(t.span, t.text)
        if t.kind != "(":
            raise self.unexpected(expected)
        opener = self.advance()
        with self.nested():
            first = self.pattern(_IN_TUPLE)
            elems, span = self.tuple_rest(
                opener, first, lambda: self.pattern(_IN_TUPLE), "a tuple pattern needs at least two names"
            )
        return TupleTarget(span, elems) if len(elems) > 1 else elems[0]

    def expr_or_assign(self) -> Stmt:
        """An expression statement, or an assignment `target = value`."""
        e = self.parse_expr()
        if not self.at("="):
            return ExprStmt(self.span_of(e), e)
        self.check_target(e)
        self.advance()
        value = self.parse_expr()
        return Assign(self.span_of(e).to(self.span_of(value)), e, value)

    def check_target(self, e: Expr) -> None:
        """An assignment target is a name, an indexed name, or a tuple of names."""
        if isinstance(e, Name):
            return
        if isinstance(e, Index) and isinstance(e.base, Name):
            return
        if isinstance(e, TupleLit) and all(isinstance(x, Name) for x in e.elems):
            return
        bad = next((x for x in e.elems if not isinstance(x, Name)), e) if isinstance(e, TupleLit) else e
        msg = (
            f"cannot assign to {_what(bad)}; the left side of '=' must be a name, an indexed name "
            "('x[i] = v') or a tuple of names ('(a, b) = v')"
        )
        raise self.error(self.span_of(bad), msg)

    # -- control flow ----------------------------------------------------------------------------

    def if_stmt(self) -> If:
        """`if c { } [else if d { }] [else { }]`."""
        if_tok = self.advance()
        cond = self.parse_expr()
        then = self.body("the condition of 'if'")
        orelse: Block | If | None = None
        if self.skip_newlines_before("else"):
            self.advance()
            orelse = self.if_stmt() if self.at("if") else self.body("'else'")
        end = (orelse or then).span
        return If(if_tok.span.to(end), cond, then, orelse)

    def for_stmt(self) -> For:
        """`for v in start..end { }`."""
        for_tok = self.advance()
        var = self.name_token("a loop variable name after 'for'")
        self.expect("in", f"'in' after 'for {var.text}'")
        start = self.parse_expr()
        if not self.at(".."):
            raise self.unexpected("'..' in the range of 'for' (as in 'for i in 0..n')")
        self.advance()
        end = self.parse_expr()
        body = self.body("the range of 'for'")
        return For(for_tok.span.to(body.span), NameTarget(var.span, var.text), start, end, body)

    def while_stmt(self) -> While:
        """`while c { }`."""
        while_tok = self.advance()
        cond = self.parse_expr()
        body = self.body("the condition of 'while'")
        return While(while_tok.span.to(body.span), cond, body)

    def return_stmt(self) -> Return:
        """`return [value]`."""
        ret = self.advance()
        if self.at(*_ENDS_STATEMENT):
            return Return(ret.span, None)
        value = self.parse_expr()
        return Return(ret.span.to(self.span_of(value)), value)


def _what(e: Expr) -> str:
    """How an assignment-target error names what is on the left of `=`."""
    if isinstance(e, Call):
        return "a call"
    if isinstance(e, Attribute):
        return f"the field '{e.name}'"
    if isinstance(e, IntLit | FloatLit | StrLit | BoolLit):
        return "a literal"
    if isinstance(e, Index):
        return "an index of something other than a name"
    if isinstance(e, TupleLit):
        return "a nested tuple"
    return "an expression"
