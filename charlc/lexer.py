"""The Charl lexer: source text to a list of tokens with spans.

Token kinds: `name`, `int`, `float`, `string`, `newline`, `eof`, and for keywords and operators the
keyword or operator itself (`let`, `**`, `->`, `(`). Spans are 1-based, end exclusive.

Newlines end statements, so the lexer turns them into `newline` tokens, except inside `( )` and
`[ ]` and after a token that cannot end a line (a binary operator, `=`, `,`, `->`). Runs of blank
lines become one `newline`. A block comment that spans lines counts as a newline.

After a `.`, digits lex as an integer only, so that `t.0.1` is a chain of tuple reads and `0..10`
is a range, never a float.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from charlc.diagnostics import CharlError, Source
from charlc.syntax import Span

KEYWORDS = frozenset(
    "let mut fn return if else for in while break continue true false and or not "
    "model layers params self grad value_and_grad autograd".split()
)

# Longest first, so that `**` wins over `*` and `..` over `.`.
OPERATORS = (
    "**", "==", "!=", "<=", ">=", "->", "..",
    "+", "-", "*", "/", "%", "@", "<", ">", "=", ".", ",", ":", ";", "(", ")", "[", "]", "{", "}", "?",
)  # fmt: skip

BINARY_OPERATORS = frozenset("+ - * / % ** @ == != < <= > >= and or".split())

# A line that ends with one of these continues on the next line.
CONTINUES_LINE = BINARY_OPERATORS | {"=", ",", "->"}

# Tokens that may appear between `tensor<` and its `>`; any other token means `<` was a comparison.
_TYPE_INNER = frozenset({"name", "int", ",", "[", "]", "?"})

_SPACES = re.compile(r"[ \t\r]+")
_TWO_CHAR = frozenset(op for op in OPERATORS if len(op) == 2)
_ONE_CHAR = frozenset(op for op in OPERATORS if len(op) == 1)
_DIGITS = re.compile(r"[0-9]+(?:_[0-9]+)*")
_EXPONENT = re.compile(r"[eE][+-]?[0-9]+(?:_[0-9]+)*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_TAIL = re.compile(r"[A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_HINTS = {
    "!": "; use 'not' for negation or '!=' for inequality",
    "&": "; use 'and'",
    "|": "; use 'or'",
    "'": "; strings use double quotes",
    "#": "; comments start with '//'",
}


@dataclass(frozen=True)
class Token:
    """One token. `value` is the decoded literal; `newline_before` is the span of the first line
    break between the previous token and this one (emitted as a `newline` token or not); `error`
    is set on the `error` token that ends a token list whose text does not lex."""

    kind: str
    text: str
    span: Span
    value: int | float | str | None = None
    newline_before: Span | None = None
    error: CharlError | None = None


def tokenize(source: Source) -> list[Token]:
    """All tokens of `source`, ending with `eof`; raises `CharlError` at the first lexical error."""
    tokens = lex(source)
    last = tokens[-1]
    if last.error is not None:
        raise last.error
    return tokens


def lex(source: Source) -> list[Token]:
    """All tokens of `source`. Ends with an `eof` token, or with an `error` token carrying the first
    lexical error, so that a parser can report an earlier syntax error first."""
    return _Lexer(source.text).run()


class _Lexer:
    """One pass over the text; holds the position and the bracket nesting."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []
        self.brackets: list[str] = []
        self.pending_newline: Span | None = None
        self.angle_depth = 0  # open `tensor<` whose `>` is a type's end, not an operator
        self.last_continues = False
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def run(self) -> list[Token]:
        """Lexes the whole text."""
        try:
            while self.pos < len(self.text):
                self.step()
        except CharlError as err:
            self.tokens.append(Token("error", "", err.span, error=err))
            return self.tokens
        end = self.span(len(self.text), len(self.text))
        self.tokens.append(Token("eof", "", end, newline_before=self.pending_newline))
        return self.tokens

    # -- positions -----------------------------------------------------------------------------

    def point(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        """The span of the characters `[start, end)`."""
        return Span(*self.point(start), *self.point(end))

    def error(self, start: int, end: int, message: str) -> CharlError:
        """A lexical error at the characters `[start, end)`, for the caller to raise."""
        return CharlError(self.span(start, end), message)

    # -- the main loop -------------------------------------------------------------------------

    def step(self) -> None:
        """Consumes one token, or whitespace, a comment or a line break."""
        text, i = self.text, self.pos
        c = text[i]
        if c == "\n":
            self.newline(i)
            self.pos = i + 1
        elif c in " \t\r":
            self.pos = _match_end(_SPACES, text, i)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            self.pos = len(text) if end < 0 else end
        elif text.startswith("/*", i):
            self.block_comment(i)
        elif "0" <= c <= "9":
            self.number(i)
        elif c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z"):
            self.word(i)
        elif c == '"':
            self.string(i)
        else:
            self.operator(i)

    def newline(self, i: int) -> None:
        """A line break at offset `i`: a `newline` token unless a bracket or the last token continues
        the line, or the last token is already a `newline`."""
        here = self.span(i, i + 1)
        if self.pending_newline is None:
            self.pending_newline = here
        if self.brackets and self.brackets[-1] in "([":
            return
        if not self.tokens or self.tokens[-1].kind == "newline" or self.last_continues:
            return
        self.tokens.append(Token("newline", "\n", here))
        self.last_continues = False

    def emit(self, kind: str, start: int, end: int, value: int | float | str | None = None) -> None:
        """Appends the token `text[start:end]` and moves past it."""
        text = self.text[start:end]
        self.tokens.append(Token(kind, text, self.span(start, end), value, self.pending_newline))
        self.pending_newline = None
        self.pos = end
        self.last_continues = kind in CONTINUES_LINE
        self.track_angle(kind, text)

    def track_angle(self, kind: str, text: str) -> None:
        """Marks the `>` that closes `tensor<...>`: a type's end does not continue the line."""
        if kind == "<" and len(self.tokens) >= 2 and self.tokens[-2].text == "tensor":
            self.angle_depth += 1
        elif kind in (">", ">=") and self.angle_depth > 0:
            self.angle_depth -= 1
            self.last_continues = kind == ">="
        elif kind not in _TYPE_INNER and kind != "<":
            self.angle_depth = 0

    # -- token kinds ---------------------------------------------------------------------------

    def block_comment(self, i: int) -> None:
        """`/* ... */`, which does not nest; one that spans lines counts as a line break."""
        end = self.text.find("*/", i + 2)
        if end < 0:
            raise self.error(i, i + 2, "unterminated block comment: '/*' has no matching '*/'")
        inner_newline = self.text.find("\n", i, end)
        if inner_newline >= 0:
            self.newline(inner_newline)
        self.pos = end + 2

    def word(self, i: int) -> None:
        """An identifier or a keyword."""
        end = _match_end(_IDENT, self.text, i)
        word = self.text[i:end]
        self.emit(word if word in KEYWORDS else "name", i, end)

    def number(self, i: int) -> None:
        """An integer (`1_000`) or a float (`3.14`, `1e-5`, `2.`); only an integer right after `.`."""
        text = self.text
        end = _match_end(_DIGITS, text, i)
        after_dot = bool(self.tokens) and self.tokens[-1].kind == "."
        is_float = bare_dot = False
        if after_dot:
            pass
        elif text.startswith(".", end) and not text.startswith("..", end):
            is_float, end = True, end + 1
            frac_end = _match_end(_DIGITS, text, end)
            end = _match_end(_EXPONENT, text, frac_end)
            bare_dot = text[end - 1] == "."  # `2.` followed by neither digits nor an exponent
        elif _EXPONENT.match(text, end) is not None:
            is_float, end = True, _match_end(_EXPONENT, text, end)
        tail_end = _match_end(_IDENT_TAIL, text, end)
        if tail_end > end and not bare_dot:  # `2.x` is the float `2.` then `x`
            raise self.invalid_number(i, tail_end)
        if not is_float:
            self.emit("int", i, end, int(text[i:end].replace("_", "")))
            return
        value = float(text[i:end].replace("_", ""))
        if math.isinf(value):
            raise self.error(i, end, f"float literal '{text[i:end]}' is out of range")
        self.emit("float", i, end, value)

    def invalid_number(self, start: int, end: int) -> CharlError:
        """The error for a number run into letters or underscores: `1_`, `1e`, `12abc`."""
        word = self.text[start:end]
        if "_" in word and re.fullmatch(r"[0-9_]+", word):
            return self.error(start, end, f"invalid number literal '{word}': '_' must sit between two digits")
        if re.fullmatch(r"[0-9_.]+[eE]", word):
            end += self.text.startswith(("+", "-"), end)
            word = self.text[start:end]
            return self.error(start, end, f"invalid number literal '{word}': the exponent has no digits")
        return self.error(start, end, f"invalid number literal '{word}'")

    def string(self, i: int) -> None:
        """A string literal on one line, with the escapes `\\n \\t \\" \\\\`."""
        text, j, out = self.text, i + 1, []
        while True:
            if j >= len(text) or text[j] == "\n":
                raise self.error(i, i + 1, "unterminated string literal: '\"' has no closing '\"' on its line")
            c = text[j]
            if c == '"':
                break
            if c == "\\":
                nxt = text[j + 1] if j + 1 < len(text) else ""
                if nxt not in _ESCAPES:
                    if nxt in ("", "\n"):
                        raise self.error(i, i + 1, "unterminated string literal: '\"' has no closing '\"' on its line")
                    raise self.error(
                        j, j + 2, f"unknown escape sequence '\\{nxt}' in string; use \\n, \\t, \\\" or \\\\"
                    )
                out.append(_ESCAPES[nxt])
                j += 2
                continue
            out.append(c)
            j += 1
        self.emit("string", i, j + 1, "".join(out))

    def operator(self, i: int) -> None:
        """An operator or punctuation, longest match first; anything else is an unexpected character."""
        op = self.text[i : i + 2]
        if op not in _TWO_CHAR:
            op = op[:1]
        if op in _ONE_CHAR or op in _TWO_CHAR:
            self.emit(op, i, i + len(op))
            self.brackets_after(op)
            return
        c = self.text[i]
        raise self.error(i, i + 1, f"unexpected character {c!r}{_HINTS.get(c, '')}")

    def brackets_after(self, op: str) -> None:
        """Tracks bracket nesting: newlines inside `( )` and `[ ]` do not end statements."""
        if op in "([{":
            self.brackets.append(op)
        elif op in ")]}" and self.brackets:
            opener = {")": "(", "]": "[", "}": "{"}[op]
            if opener in self.brackets:
                while self.brackets.pop() != opener:
                    pass


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where a match of `pattern` at `pos` ends, or `pos` when there is none."""
    m = pattern.match(text, pos)
    return pos if m is None else m.end()
