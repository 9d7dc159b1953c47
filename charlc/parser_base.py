"""The token cursor the Charl parser is built on: lookahead, expectations and located errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from charlc.diagnostics import CharlError, Source
from charlc.lexer import KEYWORDS, Token, lex
from charlc.syntax import Expr, Span

# Deepest syntactic nesting (parentheses, brackets, unary operators, blocks, types) the parser
# follows. Each level costs several Python frames, so this keeps the parser far from Python's
# recursion limit; real programs stay well below it.
MAX_NESTING = 64

T = TypeVar("T")


def describe(tok: Token) -> str:
    """How an error message names a token: `'}'`, `keyword 'let'`, `newline`, `end of file`."""
    if tok.kind == "newline":
        return "newline"
    if tok.kind == "eof":
        return "end of file"
    if tok.kind in KEYWORDS:
        return f"keyword '{tok.text}'"
    if tok.kind == "string":
        return f"string {tok.text}"
    return f"'{tok.text}'"


def at_text(span: Span) -> str:
    """`3:9`, for messages that point back at an earlier token."""
    return f"{span.line}:{span.col}"


class ParserBase:
    """A cursor over the tokens of one source file.

    `tok` is the current token; reading an `error` token raises the lexical error it carries, so
    lexical and syntax errors are reported in source order. `outer` remembers the span of a
    parenthesized expression including its parentheses, so that `(a + b) * c` spans from `(`.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens = lex(source)
        self.pos = 0
        self.depth = 0
        self.outer: dict[Expr, Span] = {}

    # -- reading -------------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        """The current token."""
        t = self.tokens[self.pos]
        if t.error is not None:
            raise t.error
        return t

    def peek(self, k: int = 1) -> Token:
        """The token `k` places ahead (an `error` token is returned, not raised)."""
        return self.tokens[min(self.pos + k, len(self.tokens) - 1)]

    @property
    def prev(self) -> Token:
        """The token just consumed."""
        return self.tokens[max(self.pos - 1, 0)]

    def at(self, *kinds: str) -> bool:
        """Whether the current token is of one of `kinds`."""
        return self.tok.kind in kinds

    def advance(self) -> Token:
        """Consumes and returns the current token."""
        t = self.tok
        if t.kind != "eof":
            self.pos += 1
        return t

    def accept(self, kind: str) -> Token | None:
        """Consumes the current token if it is of `kind`."""
        return self.advance() if self.tok.kind == kind else None

    def skip_newlines(self, *also: str) -> None:
        """Skips `newline` tokens (and tokens of the kinds in `also`)."""
        while self.tok.kind == "newline" or self.tok.kind in also:
            self.pos += 1

    def skip_newlines_before(self, kind: str) -> bool:
        """Skips newlines if a token of `kind` follows them; says whether one does."""
        k = 0
        while self.peek(k).kind == "newline":
            k += 1
        if self.peek(k).kind != kind:
            return False
        self.pos += k
        return True

    # -- expectations and errors ---------------------------------------------------------------

    def error(self, span: Span, message: str) -> CharlError:
        """A located error, for the caller to raise."""
        return CharlError(span, message)

    def unexpected(self, expected: str, tok: Token | None = None) -> CharlError:
        """`expected <expected>, found <tok>` at `tok` (the current token by default)."""
        t = self.tok if tok is None else tok
        return CharlError(t.span, f"expected {expected}, found {describe(t)}")

    def expect(self, kind: str, expected: str) -> Token:
        """Consumes a token of `kind`, or raises `expected <expected>, found ...`."""
        if self.tok.kind != kind:
            raise self.unexpected(expected)
        return self.advance()

    def expect_close(self, kind: str, opener: Token) -> Token:
        """Consumes the closing bracket `kind` of `opener`. When it is missing and the next token is
        on a later line, the error points at the end of the line where the bracket is missing."""
        t = self.tok
        if t.kind == kind:
            return self.advance()
        what = f"'{kind}' to close '{opener.text}' at {at_text(opener.span)}"
        if t.kind != "eof" and t.newline_before is not None:
            raise CharlError(t.newline_before, f"expected {what}, found newline")
        raise self.unexpected(what)

    def unclosed(self, opener: Token) -> CharlError:
        """`expected '}' to close '{' at 3:9, found ...` at the current token."""
        return self.unexpected(f"'}}' to close '{{' at {at_text(opener.span)}")

    def at_block_end(self, opener: Token) -> bool:
        """Skips newlines and `;` between the entries of the `{ }` that `opener` opens; says whether
        its `}` is next. The end of the file there is an error."""
        self.skip_newlines(";")
        if self.at("eof"):
            raise self.unclosed(opener)
        return self.at("}")

    def tuple_rest(self, opener: Token, first: T, item: Callable[[], T], too_few: str) -> tuple[list[T], Span]:
        """The items of a parenthesized list whose `(` is `opener` and whose first item is `first`:
        `, b, c)`, a trailing ',' allowed; returns them and the span from `(` to `)`. One item
        followed by ',' is the error `<too_few>; remove the ','`."""
        items = [first]
        comma = None
        while self.at(","):
            comma = self.advance()
            if self.at(")"):
                break
            items.append(item())
        close = self.expect_close(")", opener)
        if len(items) == 1 and comma is not None:
            raise self.error(comma.span, f"{too_few}; remove the ','")
        return items, opener.span.to(close.span)

    def name_token(self, expected: str) -> Token:
        """Consumes an identifier, or raises `expected <expected>, found ...`."""
        return self.expect("name", expected)

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Counts one level of syntactic nesting; too deep a nesting is a located error."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise CharlError(
                self.tok.span, f"too deeply nested: more than {MAX_NESTING} levels of brackets, blocks or operators"
            )
        try:
            yield
        finally:
            self.depth -= 1

    def span_of(self, e: Expr) -> Span:
        """`e`'s span, widened to its parentheses if it was written in some."""
        return self.outer.get(e, e.span)
