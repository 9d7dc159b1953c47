"""Located diagnostics: `file:line:col: error: message`, the source line, and a caret."""

from __future__ import annotations

from dataclasses import dataclass, field

from charlc.syntax import Span


@dataclass(frozen=True)
class Source:
    """A source file's name (as given on the command line) and text."""

    path: str
    text: str

    def line(self, n: int) -> str:
        lines = self.text.splitlines()
        return lines[n - 1] if 0 < n <= len(lines) else ""


class CharlError(Exception):
    """A user's mistake at a source location: lexical, syntax, type, shape, mutability or model.

    Raised by the front end and by passes for anything a user can cause; the driver renders it with
    `render` and exits with status 1.
    """

    def __init__(self, span: Span, message: str, *, kind: str = "error") -> None:
        super().__init__(message)
        self.span = span
        self.message = message
        self.kind = kind  # "error" | "runtime error" | "warning"


@dataclass
class Diagnostics:
    """Warnings collected while compiling (errors are raised as `CharlError`)."""

    warnings: list[CharlError] = field(default_factory=list)

    def warn(self, span: Span, message: str) -> None:
        self.warnings.append(CharlError(span, message, kind="warning"))


def render(source: Source, err: CharlError) -> str:
    """`file:line:col: error: message`, then the source line and a caret under the column."""
    span = err.span
    head = f"{source.path}:{span.line}:{span.col}: {err.kind}: {err.message}"
    text = source.line(span.line)
    if not text:
        return head
    caret = "".join(c if c == "\t" else " " for c in text[: span.col - 1]) + "^"
    return f"{head}\n{text}\n{caret}"
