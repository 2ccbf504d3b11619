"""The YAML node tree: what the loader produces and every later stage reads.

Nodes are small tuple subclasses, so any loader (the PyYAML one here, a faster one later) can
build them cheaply and identically. Every node carries its start and end position (1-based
lines, code-point columns, end exclusive) as its last four items; the file is known to the
stage that holds the tree, so `node.span(file)` makes a `Span`.

Scalars keep the text as written (`text`) and compute their YAML 1.1 typed value (`value`) the
way PyYAML's `safe_load` does (SPEC.md §1), so `5`, `yes`, `on` and `~` are not strings.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Union

from .source import Span

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"

#: Explicit tags a workflow may carry (a safe loader's standard scalar and collection tags).
SCALAR_TAGS = frozenset({STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, TIMESTAMP_TAG, "!"})
COLLECTION_TAGS = frozenset({MAP_TAG, SEQ_TAG, "!"})


class Timestamp(str):
    """A YAML 1.1 timestamp scalar: typed as a non-string, as PyYAML's `safe_load` does."""

    __slots__ = ()


class Node(tuple):  # type: ignore[type-arg]
    """Common part of all nodes: the position is the last four items."""

    __slots__ = ()

    if TYPE_CHECKING:
        @property
        def line(self) -> int:
            """1-based start line."""

        @property
        def column(self) -> int:
            """1-based start column (code points)."""

        @property
        def end_line(self) -> int:
            """1-based end line."""

        @property
        def end_column(self) -> int:
            """End column, exclusive."""
    else:  # C-level getters: these are read hundreds of thousands of times
        line = property(itemgetter(-4), doc='1-based start line.')
        column = property(itemgetter(-3), doc='1-based start column (code points).')
        end_line = property(itemgetter(-2), doc='1-based end line.')
        end_column = property(itemgetter(-1), doc='End column, exclusive.')

    def span(self, file: str) -> Span:
        """The node's extent as a Span in `file`."""
        return Span(file, self[-4], self[-3], self[-2], self[-1])

    @property
    def kind_name(self) -> str:
        """How a message names this node's type: string, number, boolean, null, list, map."""
        raise NotImplementedError


class Scalar(Node):
    """(text, style, tag, value, line, column, end_line, end_column).

    `style` is '' (plain), "'", '"', '|' or '>'; `tag` is None for an implicit tag; `value` is
    the YAML 1.1 typed value, computed once when the node is made (`typed_value`).
    """

    __slots__ = ()

    def __new__(cls, text: str, style: str, tag: str | None,
                line: int, column: int, end_line: int, end_column: int) -> Scalar:
        return tuple.__new__(cls, (text, style, tag, typed_value(text, style, tag),
                                   line, column, end_line, end_column))

    if TYPE_CHECKING:
        @property
        def text(self) -> str:
            """The scalar's content as written (after quoting and folding are undone)."""

        @property
        def style(self) -> str:
            """'' for plain, else the quote or block indicator."""

        @property
        def tag(self) -> str | None:
            """The explicit tag, or None."""

        @property
        def value(self) -> Any:
            """The YAML 1.1 typed value (str, int, float, bool, None or Timestamp)."""
    else:  # C-level getters: these are read hundreds of thousands of times
        text = property(itemgetter(0), doc="The scalar's content as written (after quoting and folding are undone).")
        style = property(itemgetter(1), doc="'' for plain, else the quote or block indicator.")
        tag = property(itemgetter(2), doc='The explicit tag, or None.')
        value = property(itemgetter(3), doc='The YAML 1.1 typed value (str, int, float, bool, None or Timestamp).')

    @property
    def is_str(self) -> bool:
        """Whether the value is a string (a timestamp is not)."""
        return self[3].__class__ is str

    @property
    def kind_name(self) -> str:
        return value_kind_name(self[3])


class Seq(Node):
    """(items, tag, line, column, end_line, end_column)."""

    __slots__ = ()

    def __new__(cls, items: list[AnyNode], tag: str | None,
                line: int, column: int, end_line: int, end_column: int) -> Seq:
        return tuple.__new__(cls, (items, tag, line, column, end_line, end_column))

    if TYPE_CHECKING:
        @property
        def items(self) -> list[AnyNode]:
            """The elements."""

        @property
        def tag(self) -> str | None:
            """The explicit tag, or None."""
    else:  # C-level getters: these are read hundreds of thousands of times
        items = property(itemgetter(0), doc='The elements.')
        tag = property(itemgetter(1), doc='The explicit tag, or None.')

    @property
    def kind_name(self) -> str:
        return "list"

    def __iter__(self) -> Iterator[AnyNode]:
        return iter(self[0])


class Map(Node):
    """(pairs, index, tag, line, column, end_line, end_column).

    `pairs` is the list of (key, value) in file order (keys are Scalars; merged `<<` pairs
    included); `by_key` maps a key's text to its first (key, value) pair.
    """

    __slots__ = ()

    def __new__(cls, pairs: list[tuple[Scalar, AnyNode]], by_key: dict[str, tuple[Scalar, AnyNode]],
                tag: str | None, line: int, column: int, end_line: int, end_column: int) -> Map:
        return tuple.__new__(cls, (pairs, by_key, tag, line, column, end_line, end_column))

    if TYPE_CHECKING:
        @property
        def pairs(self) -> list[tuple[Scalar, AnyNode]]:
            """(key, value) pairs in file order."""

        @property
        def by_key(self) -> dict[str, tuple[Scalar, AnyNode]]:
            """Key text → (key, value)."""

        @property
        def tag(self) -> str | None:
            """The explicit tag, or None."""
    else:  # C-level getters: these are read hundreds of thousands of times
        pairs = property(itemgetter(0), doc='(key, value) pairs in file order.')
        by_key = property(itemgetter(1), doc='Key text → (key, value).')
        tag = property(itemgetter(2), doc='The explicit tag, or None.')

    @property
    def kind_name(self) -> str:
        return "map"

    def get(self, key: str) -> AnyNode | None:
        """The value under `key`, or None."""
        pair = self[1].get(key)
        return None if pair is None else pair[1]

    def key_node(self, key: str) -> Scalar | None:
        """The key node of `key`, or None."""
        pair = self[1].get(key)
        return None if pair is None else pair[0]

    def __contains__(self, key: object) -> bool:
        return key in self[1]

    def keys(self) -> list[str]:
        """Key texts in file order."""
        return [k[0] for k, _ in self[0]]


AnyNode = Union[Scalar, Seq, Map]


# ---- YAML 1.1 implicit typing, as PyYAML's SafeLoader resolver and constructor ------------

_BOOL_RE = re.compile(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
_FLOAT_RE = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X)
_INT_RE = re.compile(r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", re.X)
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP_RE = re.compile(r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
                    (?:[Tt]|[ \t]+)[0-9][0-9]?
                    :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
                    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", re.X)
#: First characters that can start a non-string plain scalar (PyYAML's resolver table).
_TYPED_FIRST = frozenset("yYnNtTfFoO-+0123456789.~")

_BOOL_VALUES = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def resolve_plain(text: str) -> str:
    """The implicit tag of a plain scalar under YAML 1.1 (PyYAML SafeLoader's table)."""
    if text == "":
        return NULL_TAG
    if text[0] not in _TYPED_FIRST:
        return STR_TAG
    if _BOOL_RE.match(text):
        return BOOL_TAG
    if _INT_RE.match(text):
        return INT_TAG
    if _FLOAT_RE.match(text):
        return FLOAT_TAG
    if _NULL_RE.match(text):
        return NULL_TAG
    if _TIMESTAMP_RE.match(text):
        return TIMESTAMP_TAG
    return STR_TAG


def _to_int(text: str) -> int:
    v = text.replace("_", "")
    sign = 1
    if v[:1] == "-":
        sign, v = -1, v[1:]
    elif v[:1] == "+":
        v = v[1:]
    if v == "0":
        return 0
    if v.startswith("0b"):
        return sign * int(v[2:], 2)
    if v.startswith("0x"):
        return sign * int(v[2:], 16)
    if v[0] == "0":
        return sign * int(v, 8)
    if ":" in v:
        digits = [int(part) for part in v.split(":")]
        digits.reverse()
        base, value = 1, 0
        for d in digits:
            value += d * base
            base *= 60
        return sign * value
    return sign * int(v)


def _to_float(text: str) -> float:
    v = text.replace("_", "").lower()
    sign = 1.0
    if v[:1] == "-":
        sign, v = -1.0, v[1:]
    elif v[:1] == "+":
        v = v[1:]
    if v == ".inf":
        return sign * float("inf")
    if v == ".nan":
        return float("nan")
    if ":" in v:
        digits = [float(part) for part in v.split(":")]
        digits.reverse()
        base, value = 1.0, 0.0
        for d in digits:
            value += d * base
            base *= 60
        return sign * value
    return sign * float(v)


_TYPED_CACHE: dict[str, Any] = {}


def typed_value(text: str, style: str, tag: str | None) -> Any:
    """The value PyYAML's safe_load gives a scalar (a Timestamp stands for dates)."""
    if tag is None:
        if style or (text and text[0] not in _TYPED_FIRST):
            return text
        try:
            return _TYPED_CACHE[text]
        except KeyError:
            pass
        value = _convert(text, resolve_plain(text))
        if len(_TYPED_CACHE) < 65536:
            _TYPED_CACHE[text] = value
        return value
    if tag == "!" or tag == STR_TAG:
        return text
    return _convert(text, tag)


def _convert(text: str, tag: str) -> Any:
    try:
        if tag == STR_TAG:
            return text
        if tag == BOOL_TAG:
            return _BOOL_VALUES[text.lower()]
        if tag == INT_TAG:
            return _to_int(text)
        if tag == FLOAT_TAG:
            return _to_float(text)
        if tag == NULL_TAG:
            return None
        if tag == TIMESTAMP_TAG:
            return Timestamp(text)
    except (ValueError, KeyError, IndexError):
        # An explicit tag on text it cannot hold (`!!int abc`): keep the text; the loader
        # reported the tag.
        return text
    return text


def value_kind_name(value: Any) -> str:
    """How messages name the type of a typed scalar value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Timestamp):
        return "date"
    return "string"


def to_python(node: AnyNode | None) -> Any:
    """Plain Python data of a tree (for JSON Schema cross-checks and `safe_load` parity)."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        v = node.value
        return str(v) if isinstance(v, Timestamp) else v
    if isinstance(node, Seq):
        return [to_python(i) for i in node.items]
    return {k.text: to_python(v) for k, v in node.pairs}


def is_date(value: Any) -> bool:
    """Whether a typed value is a YAML timestamp."""
    return isinstance(value, (Timestamp, datetime.date))
