"""A tolerant reading of block-style YAML by its indentation, for files that do not parse.

While a user types, the file is often not YAML (`    ima` on its own line, `needs: [a, `), so
the node tree is missing exactly when completion is asked for. This module reads the text line
by line, as a person would: each `key:` line, the keys of the maps that hold it (its path), and
the lines inside block scalars, which hold no structure. It understands block maps, block
sequences (also at the same indentation as their key), one-line flow lists and maps, quotes and
comments; a multi-line flow collection is read as scalar lines. Columns are 1-based code points
of the text as gwfc reads it (`positions.gwfc_text`), as in gwfc's `Span`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import flow as F
from .positions import gwfc_text

#: A mapping key at the start of the content: quoted, or plain up to `: ` or a final `:`.
_KEY = re.compile(
    r"""(?:"((?:[^"\\]|\\.)*)\""""                # "double-quoted"
    r"""|'((?:[^']|'')*)'"""                      # 'single-quoted'
    r"""|([^\s#'"\[\]{},&*!|>%@`?:-][^#]*?"""     # plain
    r"""|[-?:][^\s#][^#]*?))"""                   # plain, starting with `-`, `?` or `:`
    r"""[ \t]*:(?=[ \t]|$)""")
_BLOCK = re.compile(r"[|>][-+0-9]*\s*(?:#.*)?$")
KEY_RE = _KEY
BLOCK_RE = _BLOCK


@dataclass(slots=True)
class Entry:
    """One line with content."""

    line: int
    #: Keys of the maps that hold this line's content (list items add no component).
    path: tuple[str, ...]
    #: Column of the content (the key, or the scalar), after any `- ` markers.
    column: int
    #: The key, when the line holds `key:` (quotes removed).
    key: str | None
    #: Column after the key as written (quotes included), exclusive.
    key_end: int
    #: The value after `key:`, or the scalar; the comment removed, blanks stripped.
    value: str
    #: Column where `value` starts.
    value_column: int
    #: Column of the first `- ` marker, or 0 when the line is no list item.
    dash: int = 0
    #: A line inside a block scalar (its text is data, not structure).
    block: bool = False

    @property
    def item(self) -> bool:
        """Whether the content follows a `- ` list marker."""
        return self.dash > 0

    @property
    def indent(self) -> int:
        """The column that decides nesting: the dash of a list item, else the content."""
        return self.dash or self.column


def strip_comment(text: str) -> str:
    """`text` without a trailing `# comment` (a `#` after a blank, outside quotes)."""
    if "#" not in text:
        return text.rstrip()
    quote = ""
    prev = " "
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                prev = "x"
                continue
            if c == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":  # '' inside single quotes
                    i += 2
                    continue
                quote = ""
        elif c in "\"'" and prev in " \t[{,:":
            quote = c
        elif c == "#" and prev in " \t":
            return text[:i].rstrip()
        prev = c
        i += 1
    return text.rstrip()


def unquote(text: str) -> tuple[str, int]:
    """The scalar's text without its quotes, and how many columns the opening quote takes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1], 1
    if text[:1] in ("\"", "'"):
        return text[1:], 1
    return text, 0


def split_line(line: str) -> tuple[int, int, str]:
    """(content column, first dash column or 0, content) of one line (1-based columns)."""
    n = len(line)
    col = len(line) - len(line.lstrip(" "))
    dash = 0
    while col < n and line[col] == "-" and (col + 1 == n or line[col + 1] in " \t"):
        if not dash:
            dash = col + 1
        col += 1
        while col < n and line[col] in " \t":
            col += 1
    return col + 1, dash, line[col:]


def tab_indented(line: str) -> bool:
    """Whether a line with content is indented with a tab (YAML forbids it: GW102). Such a
    line is left out of the outline, so that it does not end the maps above it and hide the
    jobs that follow."""
    stripped = line.lstrip(" ")
    return stripped[:1] == "\t" and bool(stripped.strip())


class Scanner:
    """Reads lines one by one, keeping the stack of open keys."""

    def __init__(self) -> None:
        #: Open keys: (column, key, whether its value was empty on its line, the path to and
        #: with the key).
        self.stack: list[tuple[int, str, bool, tuple[str, ...]]] = []
        self.block_indent = -1
        self.block_path: tuple[str, ...] = ()

    def path(self) -> tuple[str, ...]:
        """The keys of the open maps."""
        return self.stack[-1][3] if self.stack else ()

    def close(self, indent: int, item: bool) -> None:
        """Close the keys that a line starting at `indent` ends."""
        stack = self.stack
        while stack:
            col, _, empty, _ = stack[-1]
            if col > indent or (col == indent and not (item and empty)):
                stack.pop()
            else:
                break

    def feed(self, number: int, line: str) -> Entry | None:
        """Read one line (1-based number, no line end); the entry, or None for a blank line, a
        comment or a tab-indented line."""
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped) + 1
        if self.block_indent >= 0:
            if not stripped.strip() or indent > self.block_indent:
                return Entry(number, self.block_path, indent, None, 0, stripped.rstrip(), indent, 0, True)
            self.block_indent = -1
        if not stripped or stripped[0] in "#\t" or not stripped.strip():
            return None  # blank, a comment, or tab-indented (`tab_indented`)
        column, dash, content = split_line(line)
        self.close(dash or column, dash > 0)
        path = self.path()
        m = _KEY.match(content)
        if m is None:
            value = strip_comment(content)
            if dash and _BLOCK.match(value):
                self.block_indent = dash
                self.block_path = path
            return Entry(number, path, column, None, 0, value, column, dash)
        key = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
        key_end = column + len(m.group(0).rstrip(": \t"))
        rest = content[m.end():]
        value = strip_comment(rest)
        value_column = column + m.end() + (len(rest) - len(rest.lstrip()))
        value = value.strip()
        opens = value == "" or (value[0] in "&!" and " " not in value)
        self.stack.append((column, key, opens, (*path, key)))
        if value[:1] in "|>" and _BLOCK.match(value):
            self.block_indent = column
            self.block_path = (*path, key)
        return Entry(number, path, column, key, key_end, value, value_column, dash)


_last_lines: tuple[str, list[str]] = ("", [""])


def lines_of(text: str) -> list[str]:
    """The lines as gwfc counts them (`\r` before a line end dropped). The result of the
    last text is kept (hover, completion and the symbols ask for the lines of one text several
    times): do not modify it."""
    global _last_lines
    last = _last_lines
    if last[0] is text:
        return last[1]
    lines = [s[:-1] if s.endswith("\r") else s for s in gwfc_text(text).split("\n")]
    _last_lines = (text, lines)
    return lines


def scan(text: str) -> list[Entry]:
    """Every line with content, in order."""
    sc = Scanner()
    out = []
    for i, line in enumerate(lines_of(text), 1):
        e = sc.feed(i, line)
        if e is not None:
            out.append(e)
    return out


def flow_items(value: str, value_column: int) -> list[tuple[str, int]]:
    """The items of a one-line flow list `[a, b]` (or a single scalar), with their columns."""
    if not value.startswith("["):
        text, q = unquote(value)
        return [(text, value_column + q)] if text else []
    out = []
    body = value[1:]
    end = body.find("]")
    if end >= 0:
        body = body[:end]
    pos = 1
    for piece in body.split(","):
        lead = len(piece) - len(piece.lstrip())
        text = piece.strip()
        if text:
            raw, q = unquote(text)
            out.append((raw, value_column + pos + lead + q))
        pos += len(piece) + 1
    return out


def _key_value(m: re.Match[str], content: str) -> tuple[str, str]:
    key = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
    return key, strip_comment(content[m.end():]).strip()


def enclosing(lines: list[str], index: int, indent: int, item: bool) -> tuple[tuple[str, ...], bool]:
    """The keys of the maps holding content at column `indent` on line `index` (0-based; a list
    item when `item`), and whether that place is inside a block scalar.

    It walks up from the line and reads only the lines indented less than the place, so it
    costs the depth of the place, not the size of the file (a job near the end of a file of
    20,000 lines). A list item belongs to the nearest key above it at a smaller column, or at
    the same column when that key's value is empty (`needs:` then `- a`).
    """
    path: list[str] = []
    threshold, thr_item = indent, item
    i = min(index, len(lines)) - 1
    while i >= 0 and (threshold > 1 or (thr_item and threshold == 1)):
        raw = lines[i]
        i -= 1
        s = raw.lstrip(" ")
        if not s or s[0] in "#\t":  # blank, a comment, tab-indented (`tab_indented`)
            continue
        ind = len(raw) - len(s) + 1
        if ind > threshold:
            continue
        column, dash, content = split_line(raw)
        m = _KEY.match(content)
        if dash:
            if ind < threshold:
                if m is not None and column < threshold:
                    key, value = _key_value(m, content)
                    if _BLOCK.match(value):
                        return tuple(path), True
                    path.insert(0, key)
                elif m is None and _BLOCK.match(strip_comment(content)) and column <= threshold:
                    return tuple(path), True
                threshold, thr_item = ind, True
            continue
        if m is None:
            if ind < threshold:  # a scalar's continuation, or a line of a block scalar
                threshold, thr_item = ind, False
            continue
        key, value = _key_value(m, content)
        if ind < threshold or (thr_item and not value):
            if _BLOCK.match(value):
                return tuple(path), True
            path.insert(0, key)
            threshold, thr_item = ind, False
    return tuple(path), False


def sibling_keys(lines: list[str], index: int, column: int) -> set[str]:
    """The keys of the map that holds column `column` of line `index` (0-based), other lines."""
    out: set[str] = set()
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(lines):
            raw = lines[i]
            i += step
            s = raw.lstrip(" ")
            if not s or s[0] in "#\t":
                continue
            ind = len(raw) - len(s) + 1
            if ind > column:
                continue
            col, dash, content = split_line(raw)
            m = _KEY.match(content)
            if ind == column and not dash and m is not None:
                out.add(_key_value(m, content)[0])
                continue
            if ind < column and dash and col == column and m is not None and step < 0:
                out.add(_key_value(m, content)[0])  # the first key of a list item's map
            if ind < column or (dash and ind == column):
                break
    return out


def flow_entries(e: Entry) -> list[Entry]:
    """The entries of a one-line flow map after a key (`train: {uses: x, with: {image: y}}`),
    as if each of its keys (nested maps' too) were written on a line of its own: path, key,
    value as written, and their columns on the line."""
    if e.key is None or e.block or not e.value.startswith("{"):
        return []
    out: list[Entry] = []
    _flow_map_entries(e.value, F.parse(e.value), (*e.path, e.key), e.line, e.value_column, out)
    return out


def _flow_map_entries(raw: str, node: F.Node, path: tuple[str, ...], line: int, column: int,
                      out: list[Entry]) -> None:
    for pair in node.pairs:
        k = pair.key
        if not k.text:
            continue
        v = pair.value
        value = raw[v.start:v.end] if v is not None else ""
        vcol = column + (v.start if v is not None else (pair.colon + 1 if pair.colon >= 0 else k.end))
        out.append(Entry(line, path, column + k.start, k.text, column + k.end, value, vcol))
        if v is not None and v.kind == F.MAP:
            _flow_map_entries(raw, v, (*path, k.text), line, column, out)
