"""Source files and spans.

A `Span` is (file, start line/col, end line/col): lines and columns are 1-based, columns count
Unicode code points, and the end is exclusive (DESIGN.md, Span and Diagnostic). Renderers
convert where a format wants otherwise (LSP: 0-based UTF-16).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate

_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BREAK_CHARS = "\r\n\x85\u2028\u2029"


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

    def _index(self) -> list[int]:
        """Line starts, computed on first use (a file without diagnostics never needs them)."""
        if not self._starts:
            text = self.text
            if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
                # YAML's line breaks, as libyaml counts them in its marks: CRLF, CR, LF, NEL, LS, PS.
                self._starts = [0, *(m.end() for m in _BREAK.finditer(text))]
            else:
                # Only LF: line starts from the line lengths, all in C-level iterators.
                starts = [0, *accumulate(map((1).__add__, map(len, text.split("\n"))))]
                starts.pop()  # one past the end
                self._starts = starts
        return self._starts

    @property
    def line_count(self) -> int:
        """Number of lines (a trailing newline does not start a new line)."""
        starts = self._index()
        n = len(starts)
        if n > 1 and starts[-1] == len(self.text):
            return n - 1
        return n

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        starts = self._index()
        if line < 1 or line > len(starts):
            return ""
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip(_BREAK_CHARS)

    def offset(self, line: int, column: int) -> int:
        """The string offset of a 1-based (line, column)."""
        starts = self._index()
        line = max(1, min(line, len(starts)))
        return starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a string offset."""
        starts = self._index()
        i = bisect.bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1

    def span(self, start: int, end: int) -> Span:
        """A span from two string offsets."""
        sl, sc = self.position(start)
        el, ec = self.position(end)
        return Span(self.name, sl, sc, el, ec)
