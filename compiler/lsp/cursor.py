"""What is at a position: the path of keys that holds it and the scalar under it.

Two readers give the same `Cursor`: the node tree (exact, also for flow style and JSON; used
when the file parses and the checked text is the editor's text) and the indentation outline
(`outline.py`; used while the file is broken, and always for completion, where the line being
typed is seldom YAML yet). Positions are gwfc's: 1-based lines, code-point columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from gwfc.compiler.nodes import AnyNode, Map, Scalar, Seq
from gwfc.compiler.source import SourceFile, Span

from . import flow as F
from .outline import _KEY, enclosing, lines_of, split_line, strip_comment, unquote

KEY = "key"        # on a map key (or typing one)
VALUE = "value"    # in the scalar value of `key`
ITEM = "item"      # in a scalar item of the list under `key`
NONE = "none"      # nowhere useful (inside a block scalar, a comment, …)


@dataclass(slots=True)
class Cursor:
    """The place of a position in a workflow."""

    #: Keys of the maps that hold the key (`("jobs", "train")` for a job's `uses`).
    path: tuple[str, ...]
    role: str
    #: KEY: the key itself; VALUE: the key whose value it is; ITEM: the key of the list.
    key: str
    #: The scalar under the position as written, without quotes ("" when none).
    text: str = ""
    line: int = 0
    #: Column where `text` starts.
    start: int = 0
    #: The position's offset inside `text` (0 … len(text)).
    offset: int = 0
    #: For a key in a one-line flow map: the other keys of that map (None: not in a flow map).
    flow_keys: tuple[str, ...] | None = None

    @property
    def prefix(self) -> str:
        """The part of `text` before the position."""
        return self.text[: self.offset]

    def span(self, file: str, start: int = 0, end: int | None = None) -> Span:
        """The span of `text[start:end]`."""
        end = len(self.text) if end is None else end
        return Span(file, self.line, self.start + start, self.line, self.start + end)

    @property
    def full_path(self) -> tuple[str, ...]:
        """The path including the key."""
        return (*self.path, self.key)


# ---- from the node tree --------------------------------------------------------------------

def _inside(node: AnyNode, line: int, col: int, inclusive: bool) -> bool:
    start = (node.line, node.column)
    end = (node.end_line, node.end_column)
    here = (line, col)
    return start <= here <= end if inclusive else start <= here < end


def _scalar_cursor(path: tuple[str, ...], role: str, key: str, node: Scalar, source: SourceFile,
                   line: int, col: int) -> Cursor:
    if node.line != node.end_line:  # a multi-line scalar: no token
        return Cursor(path, role, key, "", line, col, 0)
    raw = source.line_text(node.line)[node.column - 1: node.end_column - 1]
    text, q = unquote(raw) if node.style in ("'", '"') else (raw, 0)
    start = node.column + q
    offset = min(max(col - start, 0), len(text))
    return Cursor(path, role, key, text, node.line, start, offset)


def tree_cursor(root: AnyNode, source: SourceFile, line: int, col: int) -> Cursor:
    """The cursor at (line, col) read from the node tree."""
    path: tuple[str, ...] = ()
    node: AnyNode = root
    while isinstance(node, Map):
        nxt: AnyNode | None = None
        for k, v in node.pairs:
            if _inside(k, line, col, True):
                return _scalar_cursor(path, KEY, k.text, k, source, line, col)
            if isinstance(v, Scalar):
                if (v.text and _inside(v, line, col, True)) or (not v.text and (v.line, v.column) == (line, col)):
                    return _scalar_cursor(path, VALUE, k.text, v, source, line, col)
            elif isinstance(v, Seq) and _inside(v, line, col, v.line == v.end_line):
                for item in v.items:
                    if isinstance(item, Scalar) and _inside(item, line, col, True):
                        return _scalar_cursor(path, ITEM, k.text, item, source, line, col)
                    if isinstance(item, Map) and _inside(item, line, col, False):
                        path = (*path, k.text)
                        nxt = item
                        break
                else:
                    return Cursor(path, NONE, k.text, "", line, col)
                break
            elif isinstance(v, Map) and _inside(v, line, col, False):
                path = (*path, k.text)
                nxt = v
                break
        if nxt is None:
            return Cursor(path, NONE, "", "", line, col)
        node = nxt
    return Cursor(path, NONE, "", "", line, col)


# ---- from the text -------------------------------------------------------------------------

def _value_cursor(path: tuple[str, ...], key: str, value: str, value_column: int, line: int,
                  col: int) -> Cursor:
    """The cursor in the value of `key` on its line: a scalar, or inside a one-line flow
    collection (nested ones included: `{uses: x, needs: [a, ‸], with: {image: y}}`)."""
    if value[:1] in ("[", "{"):
        return _flow_cursor(path, key, F.parse(value), value_column, line, col - value_column)
    text, q = unquote(value)
    s = value_column + q
    return Cursor(path, VALUE, key, text, line, s, min(max(col - s, 0), len(text)))


def _scalar_at(path: tuple[str, ...], role: str, key: str, node: F.Node, column: int, line: int,
               off: int) -> Cursor:
    s = node.start + node.quote
    return Cursor(path, role, key, node.text, line, column + s, min(max(off - s, 0), len(node.text)))


def _flow_cursor(path: tuple[str, ...], key: str, node: F.Node, column: int, line: int, off: int) -> Cursor:
    """The cursor at offset `off` of the flow value `node` of `key` (held by the map at
    `path`); `column`: the column where the value starts."""
    if node.kind == F.SEQ:
        for item in node.items:
            if F.contains(item, off):
                if item.kind == F.SCALAR:
                    return _scalar_at(path, ITEM, key, item, column, line, off)
                return _flow_cursor(path, key, item, column, line, off)  # a list item adds no key
        return Cursor(path, ITEM, key, "", line, column + off, 0)
    if node.kind != F.MAP:
        return _scalar_at(path, VALUE, key, node, column, line, off)
    inner = (*path, key)
    for pair in node.pairs:
        k = pair.key
        on_key = k.start <= off <= (k.end if pair.colon < 0 else pair.colon)
        if on_key:
            others = tuple(p.key.text for p in node.pairs if p is not pair and p.key.text)
            cur = _scalar_at(inner, KEY, k.text, k, column, line, off)
            cur.flow_keys = others
            return cur
        if pair.colon < 0 or not pair.colon < off <= pair.end:
            continue
        v = pair.value
        if v is None:
            return Cursor(inner, VALUE, k.text, "", line, column + off, 0)
        if v.kind == F.SCALAR:
            return _scalar_at(inner, VALUE, k.text, v, column, line, off)
        if F.contains(v, off):
            return _flow_cursor(inner, k.text, v, column, line, off)
        return Cursor(inner, NONE, k.text, "", line, column + off)
    others = tuple(p.key.text for p in node.pairs if p.key.text)
    return Cursor(inner, KEY, "", "", line, column + off, 0, flow_keys=others)


def text_cursor(text: str, line: int, col: int) -> Cursor:
    """The cursor at (line, col) read from the text by indentation (works on broken files)."""
    lines = lines_of(text)
    index = line - 1
    current = lines[index] if 0 <= index < len(lines) else ""
    stripped = current.lstrip(" ")
    if not stripped.strip():
        # A blank line: a key to type at the cursor's column.
        path, in_block = enclosing(lines, index, col, False)
        return Cursor(path, NONE if in_block else KEY, "", "", line, col, 0)
    column, dash, content = split_line(current)
    path, in_block = enclosing(lines, index, dash or column, dash > 0)
    if in_block or stripped.startswith(("#", "\t")) or col < column:
        return Cursor(path, NONE, "", "", line, col)  # a script, a comment, a tab (GW102), the indentation
    m = _KEY.match(content)
    if m is None:
        # Typing a key, or a list item's scalar.
        raw, q = unquote(strip_comment(content))
        offset = min(max(col - column - q, 0), len(raw))
        if dash and path:
            if raw.startswith("["):
                return _value_cursor(path[:-1], path[-1], raw, column, line, col)
            return Cursor(path[:-1], ITEM, path[-1], raw, line, column + q, offset)
        return Cursor(path, KEY, raw, raw, line, column + q, offset)
    key = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
    if col < column + len(m.group(0)):  # on the key, before its colon
        written = m.group(0)[:-1].rstrip()
        q = 1 if written[:1] in ("\"", "'") else 0
        return Cursor(path, KEY, key, key, line, column + q, min(max(col - column - q, 0), len(key)))
    rest = content[m.end():]
    value = strip_comment(rest).strip()
    value_column = column + m.end() + (len(rest) - len(rest.lstrip()))
    if not value:
        value_column = max(value_column, col)
    return _value_cursor(path, key, value, value_column, line, col)
