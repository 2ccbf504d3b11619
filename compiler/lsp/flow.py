"""A tolerant reader of one-line flow collections: `{uses: x, needs: [a, b], with: {image: y}}`.

The outline (`outline.py`) reads block structure by indentation; the value after a key may be
a flow map or list, nested, and while the user types it is seldom complete (`needs: [a, `,
`with: {image: x, `). `parse` reads such a value into nodes with their offsets in the string,
closing whatever is left open at the end; quotes are respected, a comment (` #`) ends the
text. The cursor (`cursor.py`) finds the innermost node under a position; the symbols
(`symbols.py`) read jobs, outputs and inputs written in flow style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAP = "map"
SEQ = "seq"
SCALAR = "scalar"


@dataclass(slots=True)
class Pair:
    """One `key: value` of a flow map."""

    key: Node
    #: Offset of the `:`, or -1 when the key has none (yet).
    colon: int = -1
    #: The value; None when there is none (`{a}`, `{a: }`).
    value: Node | None = None
    #: Offset where the pair ends: its `,`, the map's `}`, or the end of the text.
    end: int = 0


@dataclass(slots=True)
class Node:
    """A scalar, or a flow map or list, and where it is in the string."""

    kind: str
    #: Offset of the first character (the bracket, or the scalar's opening quote).
    start: int
    #: Offset after the last character (the closing bracket or quote; for an open collection,
    #: the end of the text).
    end: int
    #: A scalar's text without its quotes.
    text: str = ""
    #: 1 when the scalar is quoted (its text starts one character after `start`).
    quote: int = 0
    #: Whether a map or list has its closing bracket.
    closed: bool = False
    items: list[Node] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)

    @property
    def raw_end(self) -> int:
        """For a quoted scalar, the offset after its text (before the closing quote)."""
        return self.start + self.quote + len(self.text)

    def keys(self) -> list[str]:
        """A map's keys, in order."""
        return [p.key.text for p in self.pairs if p.key.text]


def parse(text: str) -> Node:
    """The node of a flow value starting at `text[0]` (a map, a list or a scalar)."""
    return _Reader(text).node(0, SCALAR)[0]


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        # A comment ends the text: ` #` outside quotes.
        self.limit = self._comment_start()

    def _comment_start(self) -> int:
        s = self.s
        quote = ""
        i = 0
        while i < self.n:
            c = s[i]
            if quote:
                if c == "\\" and quote == '"':
                    i += 2
                    continue
                if c == quote:
                    if quote == "'" and s[i + 1:i + 2] == "'":
                        i += 2
                        continue
                    quote = ""
            elif c in "\"'" and (i == 0 or s[i - 1] in " \t[{,:"):
                quote = c
            elif c == "#" and i > 0 and s[i - 1] in " \t":
                return i
            i += 1
        return self.n

    def blanks(self, i: int) -> int:
        while i < self.limit and self.s[i] in " \t":
            i += 1
        return i

    def node(self, i: int, context: str) -> tuple[Node, int]:
        """The node at `i` (after blanks); `context`: MAP for a key, SEQ inside a list or a
        map's value, SCALAR at the top."""
        i = self.blanks(i)
        c = self.s[i] if i < self.limit else ""
        if c == "[":
            return self.seq(i)
        if c == "{":
            return self.map(i)
        if c in ("\"", "'"):
            return self.quoted(i)
        return self.plain(i, context)

    def quoted(self, i: int) -> tuple[Node, int]:
        s = self.s
        q = s[i]
        j = i + 1
        out = []
        while j < self.limit:
            c = s[j]
            if q == '"' and c == "\\" and j + 1 < self.limit:
                out.append(s[j:j + 2])
                j += 2
                continue
            if c == q:
                if q == "'" and s[j + 1:j + 2] == "'":
                    out.append("'")
                    j += 2
                    continue
                return Node(SCALAR, i, j + 1, "".join(out), 1), j + 1
            out.append(c)
            j += 1
        return Node(SCALAR, i, j, "".join(out), 1), j

    def plain(self, i: int, context: str) -> tuple[Node, int]:
        s = self.s
        j = i
        while j < self.limit:
            c = s[j]
            if context != SCALAR and c in ",[]{}":
                break
            if context == MAP and c == ":" and (j + 1 >= self.limit or s[j + 1] in " \t,[]{}"):
                break
            j += 1
        end = j
        while end > i and s[end - 1] in " \t":
            end -= 1
        return Node(SCALAR, i, end, s[i:end]), j

    def seq(self, i: int) -> tuple[Node, int]:
        node = Node(SEQ, i, self.limit)
        j = i + 1
        while True:
            j = self.blanks(j)
            if j >= self.limit:
                return node, j
            c = self.s[j]
            if c == "]":
                node.end, node.closed = j + 1, True
                return node, j + 1
            if c == ",":
                j += 1
                continue
            if c == "}":  # a stray bracket: skip it
                j += 1
                continue
            item, j = self.node(j, SEQ)
            node.items.append(item)
            if j == item.start:  # nothing read: avoid a loop on an unexpected character
                j += 1

    def map(self, i: int) -> tuple[Node, int]:
        node = Node(MAP, i, self.limit)
        j = i + 1
        s = self.s
        while True:
            j = self.blanks(j)
            if j >= self.limit:
                return node, j
            c = s[j]
            if c == "}":
                node.end, node.closed = j + 1, True
                return node, j + 1
            if c == ",":
                j += 1
                continue
            if c == "]":
                j += 1
                continue
            key, j = self.node(j, MAP)
            if key.kind != SCALAR:  # a collection as a key: not in workflows; skip it
                if j == key.start:
                    j += 1
                continue
            pair = Pair(key)
            node.pairs.append(pair)
            k = self.blanks(j)
            if k < self.limit and s[k] == ":":
                pair.colon = k
                v = self.blanks(k + 1)
                if v < self.limit and s[v] not in ",}]":
                    pair.value, j = self.node(v, SEQ)
                else:
                    j = v
            elif j == key.start:
                j += 1
            pair.end = self.blanks(j)


def contains(node: Node, offset: int) -> bool:
    """Whether `offset` is inside a node: inside the brackets of a collection (or anywhere
    after the opening one, when it is not closed), on or right after a scalar."""
    if node.kind == SCALAR:
        return node.start <= offset <= node.end
    return node.start < offset < node.end or (not node.closed and offset >= node.end > node.start)
