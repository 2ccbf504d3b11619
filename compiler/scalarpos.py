"""Positions inside scalars: an offset in a scalar's value → a span in the file.

References, `secret:` values and flagged `${{` can sit inside quoted or block scalars, so
diagnostics about them must point at the right column (DESIGN.md, Expressions). The value of
a plain or quoted one-line scalar maps directly to its source; a literal block keeps its
lines; for anything with escapes or folding, the text around the offset is found in the
scalar's source.

A scalar's layout (its source text, its value's line starts) is computed once and kept for
the next position asked in the same scalar, and searches resume where the last one ended, so
that many findings in one long script stay linear.
"""

from __future__ import annotations

import bisect
from itertools import accumulate

from .nodes import AnyNode, Scalar
from .source import SourceFile, Span


class _Layout:
    """What locating positions in one scalar needs, computed once."""

    __slots__ = ("cursor", "line_starts", "node", "raw", "start")

    def __init__(self, source: SourceFile, node: Scalar) -> None:
        self.node = node
        self.start = source.offset(node.line, node.column)
        end = source.offset(node.end_line, node.end_column)
        self.raw = source.text[self.start:end]
        text = node.text
        self.line_starts: list[int] | None = None
        if "\n" in text:
            starts = [0, *accumulate(map((1).__add__, map(len, text.split("\n"))))]
            starts.pop()
            self.line_starts = starts
        #: (value offset, raw offset) of the last search, where the next one resumes.
        self.cursor = (0, 0)


_LAYOUTS: dict[tuple[str, int], _Layout] = {}


def _layout(source: SourceFile, node: Scalar) -> _Layout:
    key = (source.name, id(node))
    lay = _LAYOUTS.get(key)
    if lay is None or lay.node is not node:
        if len(_LAYOUTS) >= 64:
            _LAYOUTS.clear()
        lay = _LAYOUTS[key] = _Layout(source, node)
    return lay


def raw_text(source: SourceFile, node: AnyNode) -> tuple[int, str]:
    """The scalar's source text and its start offset in the file."""
    start = source.offset(node.line, node.column)
    end = source.offset(node.end_line, node.end_column)
    return start, source.text[start:end]


def locate(source: SourceFile, node: AnyNode, offset: int, length: int = 1) -> Span:
    """The span of `length` characters at `offset` of the node's value, or of the node itself
    when the text cannot be found in its source."""
    if not isinstance(node, Scalar):
        return node.span(source.name)
    text = node.text
    style = node.style
    lay = _layout(source, node)
    raw = lay.raw
    start = lay.start
    if style == "" and raw.startswith(text):
        return source.span(start + offset, start + offset + length)
    if style in ("'", '"') and raw[1:1 + len(text)] == text:
        return source.span(start + 1 + offset, start + 1 + offset + length)
    if style == "|":
        span = _in_literal_block(source, node, lay, offset, length)
        if span is not None:
            return span
    # Escapes, folding: find the rest of the value's line, from the offset on, in the source
    # (from where the last search in this scalar ended, when the offset is further on).
    line_end = text.find("\n", offset)
    piece = text[offset:line_end if line_end >= 0 else len(text)]
    if not piece:
        return node.span(source.name)
    last_offset, last_raw = lay.cursor
    pos = raw.find(piece, last_raw) if offset >= last_offset else -1
    if pos < 0:
        pos = raw.find(piece)
    if pos < 0:
        return node.span(source.name)
    lay.cursor = (offset, pos)
    return source.span(start + pos, start + pos + length)


def _in_literal_block(source: SourceFile, node: Scalar, lay: _Layout, offset: int, length: int) -> Span | None:
    """A literal block keeps its lines: value line k is source line (header + 1 + k), shifted
    by the block's indentation."""
    text = node.text
    starts = lay.line_starts or [0]
    k = bisect.bisect_right(starts, offset) - 1
    col = offset - starts[k]
    end = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
    value_line = text[starts[k]:end]
    line = node.line + 1 + k
    src = source.line_text(line)
    indent = len(src) - len(src.lstrip(" "))
    if src[indent:indent + len(value_line)] != value_line:
        # A more-indented line keeps part of its indentation in the value.
        indent = src.find(value_line) if value_line else indent
        if indent < 0:
            return None
    return Span(source.name, line, indent + col + 1, line, indent + col + 1 + length)


def find_all(source: SourceFile, node: AnyNode, needle: str) -> list[Span]:
    """Spans of every occurrence of `needle` in the scalar's source text (for flags such as
    `${{`, which are searched in what the user wrote, whatever the quoting)."""
    if not isinstance(node, Scalar):
        return []
    start, raw = raw_text(source, node)
    out = []
    i = raw.find(needle)
    while i >= 0:
        out.append(source.span(start + i, start + i + len(needle)))
        i = raw.find(needle, i + len(needle))
    return out
