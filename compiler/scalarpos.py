"""Positions inside scalars: an offset in a scalar's value → a span in the file.

References, `secret:` values and flagged `${{` can sit inside quoted or block scalars, so
diagnostics about them must point at the right column (DESIGN.md, Expressions). The value of
a plain or quoted one-line scalar maps directly to its source; for block scalars and anything
with escapes or folding, the text around the offset is found in the scalar's source.
"""

from __future__ import annotations

from .nodes import AnyNode, Scalar
from .source import SourceFile, Span


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
    start, raw = raw_text(source, node)
    style = node.style
    base: int | None = None
    if style == "" and raw.startswith(text):
        base = start
    elif style in ("'", '"') and raw[1:1 + len(text)] == text:
        base = start + 1
    if base is None and style == "|":
        span = _in_literal_block(source, node, offset, length)
        if span is not None:
            return span
    if base is None:
        # Escapes, folding: find the rest of the value's line, from the offset on, in the source.
        line_end = text.find("\n", offset)
        piece = text[offset:line_end if line_end >= 0 else len(text)]
        pos = raw.find(piece) if piece else -1
        if pos < 0:
            return node.span(source.name)
        return source.span(start + pos, start + pos + length)
    return source.span(base + offset, base + offset + length)
    return source.span(base + offset, base + offset + length)


def _in_literal_block(source: SourceFile, node: Scalar, offset: int, length: int) -> Span | None:
    """A literal block keeps its lines: value line k is source line (header + 1 + k), shifted
    by the block's indentation."""
    text = node.text
    k = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    value_line = text.split("\n")[k] if k < text.count("\n") + 1 else ""
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
