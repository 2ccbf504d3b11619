"""Positions between gwfc and the Language Server Protocol.

gwfc's `Span` has 1-based lines and columns counted in Unicode code points, the end exclusive
(DESIGN.md, Span and Diagnostic). LSP positions are 0-based, and their `character` counts code
units of the encoding negotiated at `initialize`: UTF-16 unless the client offers another
(LSP 3.17 `positionEncoding`), so an astral character such as 😀 counts 2. Every feature of the
server converts through this module and nowhere else.

Lines: gwfc counts them as YAML does (CRLF, CR, LF, NEL, U+2028, U+2029 end a line), LSP
only CRLF, CR and LF. For the usual `\\n` and `\\r\\n` files both agree and lines map one to
one; otherwise (`LineIndex.gwfc` set) positions go through string offsets. gwfc skips a UTF-8
byte-order mark before it reads the text, so when the editor's text starts with U+FEFF,
gwfc's columns on line 1 are one less.
"""

from __future__ import annotations

import bisect
import re

from gwfc.compiler.source import SourceFile, Span
from lsprotocol import types as lsp

UTF16 = "utf-16"
UTF8 = "utf-8"
UTF32 = "utf-32"
ENCODINGS = (UTF16, UTF8, UTF32)


def units(text: str, encoding: str = UTF16) -> int:
    """How many code units `text` takes in `encoding`."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF16:
        return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def to_units(line: str, column: int, encoding: str = UTF16) -> int:
    """A 0-based code-point column of `line` as code units; past the end, each column is one."""
    if column <= len(line):
        return units(line[:column], encoding)
    return units(line, encoding) + column - len(line)


def from_units(line: str, character: int, encoding: str = UTF16) -> int:
    """A 0-based code-unit column of `line` as code points.

    A position inside a character (between the two halves of a UTF-16 surrogate pair) falls
    back to the start of that character; past the end of the line, each unit is one column.
    """
    if encoding == UTF32 or line.isascii():
        return character
    used = 0
    for i, ch in enumerate(line):
        width = units(ch, encoding)
        if used + width > character:
            return i
        used += width
    return len(line) + character - used


def gwfc_text(text: str) -> str:
    """The text as gwfc reads it: without a leading byte-order mark."""
    return text[1:] if text.startswith("\ufeff") else text


#: A line break as LSP counts them: CRLF, CR or LF (and nothing else).
lsp_break = re.compile("\\r\\n|[\\r\\n]")


def lsp_line_starts(text: str) -> list[int]:
    """The offset where each LSP line of `text` starts (the first is 0)."""
    return [0, *(m.end() for m in lsp_break.finditer(text))]


class LineIndex:
    """The lines of one text, for converting positions both ways.

    gwfc counts lines as YAML (libyaml) does: CRLF, CR, LF, NEL, LS and PS each end a line.
    LSP counts only CRLF, CR and LF. When the text holds only LF and CRLF both agree and lines
    map one to one; otherwise positions go through string offsets.
    """

    __slots__ = ("bom", "encoding", "gwfc", "lines", "lsp_starts", "text")

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding if encoding in ENCODINGS else UTF16
        self.lines = text.split("\n")
        self.bom = text.startswith("\ufeff")
        body = gwfc_text(text)
        self.gwfc: SourceFile | None = None
        self.lsp_starts: list[int] = []
        if "\x85" in body or "\u2028" in body or "\u2029" in body or "\r" in body.replace("\r\n", ""):
            self.gwfc = SourceFile("", body)
            self.lsp_starts = lsp_line_starts(text)

    def line(self, index: int) -> str:
        """The text of a 0-based LSP line, without its line end ("" past the end)."""
        if self.gwfc is not None:
            if not 0 <= index < len(self.lsp_starts):
                return ""
            start = self.lsp_starts[index]
            end = self.lsp_starts[index + 1] if index + 1 < len(self.lsp_starts) else len(self.text)
            return self.text[start:end].rstrip("\r\n")
        if 0 <= index < len(self.lines):
            text = self.lines[index]
            return text[:-1] if text.endswith("\r") else text
        return ""

    def _shift(self, line0: int) -> int:
        return 1 if self.bom and line0 == 0 else 0

    # ---- gwfc → LSP ---------------------------------------------------------------------

    def position(self, line: int, column: int) -> lsp.Position:
        """gwfc's 1-based (line, code-point column) as an LSP position, inside the document: a
        position past the end of its line is the end of the line, one past the last line the
        end of the text (gwfc reports an unclosed `[` at the start of the line after the last,
        which a text without a final line break does not have)."""
        if self.gwfc is not None:
            src = self.gwfc
            line = max(line, 1)
            if line > src.line_count:
                offset = len(src.text)
            else:
                offset = min(src.offset(line, max(column, 1)), src.offset(line, 1) + len(src.line_text(line)))
            offset += 1 if self.bom else 0
            line0 = bisect.bisect_right(self.lsp_starts, offset) - 1
            start = self.lsp_starts[line0]
            return lsp.Position(line=line0, character=units(self.text[start:offset], self.encoding))
        line0 = max(line - 1, 0)
        col0 = max(column - 1, 0) + self._shift(line0)
        if line0 >= len(self.lines):
            line0 = len(self.lines) - 1
            col0 = len(self.line(line0))
        text = self.line(line0)
        return lsp.Position(line=line0, character=to_units(text, min(col0, len(text)), self.encoding))

    def range(self, span: Span) -> lsp.Range:
        """A gwfc span as an LSP range."""
        return lsp.Range(start=self.position(span.line, span.column),
                         end=self.position(span.end_line, span.end_column))

    # ---- LSP → gwfc ---------------------------------------------------------------------

    def from_position(self, pos: lsp.Position) -> tuple[int, int]:
        """An LSP position as gwfc's 1-based (line, code-point column). As LSP says, a
        character past the end of its line means the end of the line; a line past the last
        one, the end of the text."""
        count = len(self.lsp_starts) if self.gwfc is not None else len(self.lines)
        line0 = max(pos.line, 0)
        if line0 >= count:
            line0 = count - 1
            col = len(self.line(line0))
        else:
            text = self.line(line0)
            col = min(from_units(text, pos.character, self.encoding), len(text))
        if self.gwfc is not None:
            offset = self.lsp_starts[line0] + col
            return self.gwfc.position(max(offset - (1 if self.bom else 0), 0))
        col0 = col - self._shift(line0)
        return line0 + 1, max(col0, 0) + 1
