"""Source files and spans.

A `Span` is (file, start line/col, end line/col): lines and columns are 1-based, columns count
Unicode code points, and the end is exclusive (DESIGN.md, Span and Diagnostic). Renderers
convert where a format wants otherwise (LSP: 0-based UTF-16).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A range in one file: 1-based lines and code-point columns, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(file: str, line: int, column: int) -> Span:
        """A one-character span at (line, column)."""
        return Span(file, line, column, line, column + 1)

    def with_file(self, file: str) -> Span:
        """The same range in another file name (stdin renamed by --stdin-filename)."""
        return Span(file, self.line, self.column, self.end_line, self.end_column)


@dataclass(slots=True)
class SourceFile:
    """The decoded text of one workflow file and an index of its line starts."""

    name: str
    text: str
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self._starts:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._starts = starts

    @property
    def line_count(self) -> int:
        """Number of lines (a trailing newline does not start a new line)."""
        n = len(self._starts)
        if n > 1 and self._starts[-1] == len(self.text):
            return n - 1
        return n

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line end."""
        if line < 1 or line > len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def offset(self, line: int, column: int) -> int:
        """The string offset of a 1-based (line, column)."""
        line = max(1, min(line, len(self._starts)))
        return self._starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a string offset."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    def span(self, start: int, end: int) -> Span:
        """A span from two string offsets."""
        sl, sc = self.position(start)
        el, ec = self.position(end)
        return Span(self.name, sl, sc, el, ec)
