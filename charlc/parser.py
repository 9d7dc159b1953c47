"""The Charl parser: tokens to the syntax tree of `charlc.syntax`.

A recursive-descent parser split over modules: `parser_base` (the token cursor and errors),
`parser_expr` (expressions and types), `parser_stmt` (statements) and this module (declarations
and the whole program). Every error is a `CharlError` at the offending token that says what was
expected and what was found; the first error stops the parse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from charlc.diagnostics import CharlError, Source
from charlc.lexer import Token
from charlc.parser_stmt import StmtParser
from charlc.syntax import (
    Call,
    Expr,
    FnDecl,
    Item,
    ModelDecl,
    Name,
    Param,
    ParamField,
    Program,
    Span,
)

# Deepest syntax tree accepted: later stages walk the tree recursively, so a flat chain such as
# `a + a + ... + a` of thousands of terms is refused here with a located error.
MAX_TREE_DEPTH = 200

T = TypeVar("T")


def parse(source: Source) -> Program:
    """Parses a whole source file; raises `CharlError` at the first lexical or syntax error."""
    program = Parser(source).program()
    check_depth(program)
    return program


def parse_expr(source: Source) -> Expr:
    """Parses a source text that holds exactly one expression (for tests and tools)."""
    p = Parser(source)
    p.skip_newlines()
    e = p.parse_expr()
    p.skip_newlines()
    if not p.at("eof"):
        raise p.unexpected("the end of the expression")
    check_depth(e)
    return e


class Parser(StmtParser):
    """Parses declarations and the top level of a file."""

    def program(self) -> Program:
        """All items of the file, in source order."""
        items: list[Item] = []
        while True:
            self.skip_newlines(";")
            if self.at("eof"):
                break
            items.append(self.item())
            self.end_statement(None)
        end = self.tok.span
        return Program(Span(1, 1, end.end_line, end.end_col), items)

    def item(self) -> Item:
        """A function, a model or a statement."""
        if self.at("fn"):
            return self.fn_decl()
        if self.at("model"):
            return self.model_decl()
        return self.statement()

    # -- functions -------------------------------------------------------------------------------

    def fn_decl(self) -> FnDecl:
        """`fn name(params) [-> type] { body }`."""
        fn_tok = self.advance()
        name = self.name_token("a function name after 'fn'")
        if not self.at("("):
            raise self.unexpected(f"'(' and the parameters of '{name.text}'")
        params = self.params(allow_self=True)
        ret = self.parse_type() if self.accept("->") else None
        body = self.body(f"the signature of '{name.text}'")
        return FnDecl(fn_tok.span.to(body.span), name.text, name.span, params, ret, body)

    def params(self, *, allow_self: bool) -> list[Param]:
        """`(name: type, ...)`; `self` (without a type) may come first when `allow_self`."""
        opener = self.advance()
        params: list[Param] = []
        while not self.at(")"):
            params.append(self.param(first=not params, allow_self=allow_self))
            if not self.accept(","):
                break
        self.expect_close(")", opener)
        return params

    def param(self, *, first: bool, allow_self: bool) -> Param:
        """`name: type`, or `self`."""
        t = self.tok
        if t.kind == "self":
            if not allow_self:
                raise self.error(t.span, "'self' is only a parameter of a model's methods")
            if not first:
                raise self.error(t.span, "'self' must be the first parameter")
            self.advance()
            if self.at(":"):
                raise self.error(self.tok.span, "'self' takes no type annotation")
            return Param(t.span, "self", None)
        name = self.name_token("a parameter name")
        if not self.at(":"):
            raise self.unexpected(f"':' and a type after parameter '{name.text}'")
        self.advance()
        ty = self.parse_type()
        return Param(name.span.to(ty.span), name.text, ty)

    # -- models ----------------------------------------------------------------------------------

    def model_decl(self) -> ModelDecl:
        """`model Name[(args)] { layers { ... } | params { ... } fn ... }`."""
        model_tok = self.advance()
        name = self.name_token("a model name after 'model'")
        args = self.params(allow_self=False) if self.at("(") else []
        self.skip_newlines_before("{")
        opener = self.expect("{", f"'{{' to start the body of model '{name.text}'")
        decl = ModelDecl(model_tok.span, name.text, name.span, args, None, None, [])
        while not self.at_block_end(opener):
            self.model_member(decl)
            self.end_model_member(opener)
        decl.span = model_tok.span.to(self.advance().span)
        return decl

    def model_member(self, decl: ModelDecl) -> None:
        """One `layers { }` or `params { }` section, or a method, added to `decl`."""
        t = self.tok
        if t.kind == "fn":
            decl.methods.append(self.fn_decl())
            return
        if t.kind not in ("layers", "params"):
            raise self.unexpected(f"'layers', 'params' or 'fn' in the body of model '{decl.name}'")
        if decl.layers is not None or decl.params is not None:
            twice = (t.kind == "layers") == (decl.layers is not None)
            msg = (
                f"model '{decl.name}' has two '{t.kind}' sections"
                if twice
                else f"model '{decl.name}' has both 'layers' and 'params'; a model has one or the other"
            )
            raise self.error(t.span, msg)
        self.advance()
        self.skip_newlines_before("{")
        section = self.expect("{", f"'{{' after '{t.kind}'")
        if t.kind == "layers":
            decl.layers = self.section(section, self.layer)
        else:
            decl.params = self.section(section, self.param_field)

    def end_model_member(self, opener: Token) -> None:
        """A model's sections and methods end at a newline, `;` or the model's `}`."""
        if self.at("newline", ";"):
            self.advance()
        elif not self.at("}"):
            if self.at("eof"):
                raise self.unclosed(opener)
            raise self.unexpected("a newline or '}' after the model member")

    def section(self, opener: Token, parse_entry: Callable[[], T]) -> list[T]:
        """The entries of a `layers { }` or `params { }` section, one per line."""
        entries: list[T] = []
        while not self.at_block_end(opener):
            entries.append(parse_entry())
            if not self.at("}"):
                self.expect_entry_end(opener)
        self.advance()
        return entries

    def expect_entry_end(self, opener: Token) -> None:
        """An entry of a model section ends at a newline or `;`."""
        if self.at("newline", ";"):
            self.advance()
        elif self.at("eof"):
            raise self.unclosed(opener)
        else:
            raise self.unexpected("a newline, ';' or '}' after the entry")

    def layer(self) -> Call:
        """One layer: `dense(784, 128, activation: relu)`."""
        name = self.name_token("a layer such as 'dense(784, 128)'")
        if not self.at("("):
            raise self.unexpected(f"'(' after layer '{name.text}' (write '{name.text}(...)')")
        return self.call(Name(name.span, name.text))

    def param_field(self) -> ParamField:
        """`w: tensor<...> [= init]`, or a sub-model `l1: Linear(4, 8)`."""
        name = self.name_token("a parameter name such as 'w: tensor<float32, [4]>'")
        if not self.at(":"):
            raise self.unexpected(f"':' and a type after parameter '{name.text}'")
        self.advance()
        t = self.tok
        if t.kind == "name" and self.peek().kind == "(":
            self.advance()
            model = self.call(Name(t.span, t.text))
            return ParamField(name.span.to(model.span), name.text, None, None, model)
        ty = self.parse_type()
        init = self.parse_expr() if self.accept("=") else None
        end = ty.span if init is None else self.span_of(init)
        return ParamField(name.span.to(end), name.text, ty, init, None)


def check_depth(root: object) -> None:
    """Refuses a syntax tree deeper than `MAX_TREE_DEPTH` nodes, at its deepest node."""
    stack: list[tuple[object, int]] = [(root, 1)]
    field_names: dict[type, tuple[str, ...]] = {}
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            span = getattr(node, "span", Span(1, 1, 1, 1))
            raise CharlError(span, f"too deeply nested: the syntax tree is more than {MAX_TREE_DEPTH} levels deep here")
        kind = type(node)
        if kind not in field_names:
            field_names[kind] = tuple(f.name for f in dataclasses.fields(node) if "span" not in f.name)  # type: ignore[arg-type]
        for name in field_names[kind]:
            value = getattr(node, name)
            for child in value if isinstance(value, list) else (value,):
                if dataclasses.is_dataclass(child):
                    stack.append((child, depth + 1))
