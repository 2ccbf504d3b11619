"""YAML → node tree with spans (DESIGN.md: load).

The narrow interface is `load(data, name, sink, limits) -> Document`: bytes in, a tree of
`nodes.Scalar/Seq/Map` out, problems in the sink. Everything that is YAML-level is checked
here, quickly and without recursion: encoding (UTF-8 only, a BOM skipped), size, syntax
errors at their position, tabs, several documents, duplicate keys, complex keys, unsupported
tags, nesting depth, aliases (recursive ones, and expansion beyond the limit), merge keys
(`<<`, which PyYAML's safe_load applies).

The tree is built from libyaml's events by an explicit stack, so no input can exhaust the C
stack: PyYAML's own composer recurses in C and crashes on deep nesting. The builder is the C
extension in `_yamlc` (the same loop in C, on a vendored libyaml) when it was built, else
`_build` here on PyYAML's C parser; tests/compiler/test_fastloader.py checks that both give the
same tree and the same diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import _yamlc
from .diagnostics import Sink
from .limits import DEFAULT_LIMITS, Limits
from .nodes import COLLECTION_TAGS, SCALAR_TAGS, AnyNode, Map, Scalar, Seq
from .source import SourceFile, Span

_SHORT_TAG = {"tag:yaml.org,2002:": "!!"}
_ESCAPED_TAG = re.compile(r"(?:!<?|%TAG\s)\S*%[0-9A-Fa-f]{2}\S*")


@dataclass(slots=True)
class Document:
    """A loaded file: its source and the root node (None when later stages cannot run)."""

    source: SourceFile
    root: AnyNode | None


def decode(data: bytes, name: str, sink: Sink, limits: Limits = DEFAULT_LIMITS) -> SourceFile | None:
    """Check size and encoding and decode; None (with a diagnostic) when not possible."""
    if len(data) > limits.file_size:
        sink.report("GW106", Span.point(name, 1, 1),
                    f"the file is {len(data):,} bytes, more than the limit of {limits.file_size:,}",
                    notes=("raise `limits.file-size` in gwfc.toml if this file is legitimate",))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        sink.report("GW103", Span.point(name, 1, 1), "the file is UTF-16 text; gwfc reads UTF-8 only",
                    notes=("re-save the file as UTF-8",))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        line = prefix.count("\n") + 1
        col = len(prefix) - (prefix.rfind("\n") + 1) + 1
        sink.report("GW103", Span.point(name, line, col),
                    f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8",
                    notes=("re-save the file as UTF-8",))
        return None
    return SourceFile(name, text)


def load(data: bytes, name: str, sink: Sink, limits: Limits = DEFAULT_LIMITS) -> Document | None:
    """Decode and parse one workflow file; None when it cannot even be decoded."""
    source = decode(data, name, sink, limits)
    if source is None:
        return None
    return load_source(source, sink, limits)


def load_source(source: SourceFile, sink: Sink, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse decoded text into a node tree."""
    try:
        root = (_yamlc.build if _yamlc.AVAILABLE else _build)(source, sink, limits)
    except UnicodeDecodeError:
        # A %-escaped tag whose bytes are not UTF-8 (`!%C0%80`): libyaml accepts it, the
        # conversion of the tag to text fails (in PyYAML's parser and in ours alike).
        m = _ESCAPED_TAG.search(source.text)
        at = source.span(m.start(), m.end()) if m else Span.point(source.name, 1, 1)
        sink.report("GW113", at, "a tag whose %-escapes are not UTF-8", notes=("remove the tag",))
        root = None
    if root is None and not sink.has_errors:
        sink.report("GW112", Span.point(source.name, 1, 1), "the file holds no workflow (it is empty)",
                    notes=("a workflow needs at least a `jobs:` map",))
    return Document(source, root)


def _short(tag: str) -> str:
    for long, short in _SHORT_TAG.items():
        if tag.startswith(long):
            return short + tag[len(long):]
    return tag


class _Stop(Exception):
    """Building cannot go on (a limit or an unrecoverable structure); already reported."""


def _build(source: SourceFile, sink: Sink, limits: Limits) -> AnyNode | None:
    import yaml  # the fallback builder: PyYAML's parser (C where present)
    from yaml import events as ev

    loader_cls: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    name = source.name
    depth_limit = limits.depth
    alias_limit = limits.alias_nodes
    # A frame: [node-kind, items, index (maps), tag, anchor, start mark, size, pending key,
    #           merges (maps: the `<<` values, applied when the map closes)]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[AnyNode, int]] = {}
    in_progress: set[str] = set()
    alias_total = 0
    root: AnyNode | None = None
    documents = 0

    def pos(mark: Any) -> tuple[int, int]:
        return mark.line + 1, mark.column + 1

    def check_tag(tag: str | None, allowed: frozenset[str], mark: Any, end: Any) -> str | None:
        if tag is None or tag in allowed:
            return tag
        sl, sc = pos(mark)
        el, ec = pos(end)
        sink.report("GW113", Span(name, sl, sc, el, ec), f"the tag `{_short(tag)}` is not supported",
                    notes=("Gradient read workflows with a safe YAML loader; remove the tag",))
        return None

    def attach(node: AnyNode, size: int) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        frame = stack[-1]
        frame[6] += size
        if frame[0] == "seq":
            frame[1].append(node)
            return
        pending = frame[7]
        if pending is None:
            # This node is a key.
            if isinstance(node, Scalar) and (node[0] or node[1]):
                frame[7] = node
            else:
                what = ("a list" if isinstance(node, Seq) else "a map" if isinstance(node, Map)
                        else "empty")
                sink.report("GW114", node.span(name), f"a mapping key must be a plain name, not {what}",
                            notes=("write the key as a plain string",))
                frame[7] = False
            return
        frame[7] = None
        if pending is False:
            return
        key: Scalar = pending
        text = key[0]
        if text == "<<" and key[1] == "" and key[2] is None:
            frame[8].append(node)
            return
        index = frame[2]
        first = index.get(text)
        if first is not None:
            items = frame[1]
            at = next(i for i, p in enumerate(items) if p is first)
            header = None
            for k, v in items[at + 1:]:
                if v.__class__ is Scalar and v[0] == "" and v[1] == "" and v[2] is None:
                    header = k
            notes: tuple[str, ...]
            if header is not None:
                notes = (f"first defined at line {first[0].line}, column {first[0].column}",
                         f"\"{header[0]}\" above it (line {header.line}) has no value: if it is a job, it is "
                         "indented one level too deep and the keys after it are its own")
            else:
                notes = (f"first defined at line {first[0].line}, column {first[0].column}; "
                         "PyYAML would silently keep only the last value",)
            sink.report("GW105", key.span(name), f"duplicate key \"{text}\"", notes=notes)
            if header is None:
                # Keep the last value in the first one's place, as PyYAML (and so Gradient)
                # reads it: what the later checks see is what the server would have run. Under
                # a misplaced header the repeated keys are the header's: the first stays.
                pair = (key, node)
                items[at] = pair
                index[text] = pair
            return
        pair = (key, node)
        index[text] = pair
        frame[1].append(pair)

    parser = loader_cls(source.text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                break
            cls = event.__class__
            if cls is ev.ScalarEvent:
                sl, sc = pos(event.start_mark)
                el, ec = pos(event.end_mark)
                tag = event.tag
                if tag is not None:
                    if event.implicit[0] and tag == "!":
                        tag = None
                    else:
                        tag = check_tag(tag, SCALAR_TAGS, event.start_mark, event.end_mark)
                style = event.style or ""
                node: AnyNode = Scalar(event.value, style, tag, sl, sc, el, ec)
                if event.anchor is not None:
                    anchors[event.anchor] = (node, 1)
                attach(node, 1)
            elif cls is ev.MappingStartEvent or cls is ev.SequenceStartEvent:
                if len(stack) >= depth_limit:
                    sl, sc = pos(event.start_mark)
                    sink.report("GW107", Span.point(name, sl, sc),
                                f"nesting is deeper than the limit of {depth_limit} levels",
                                notes=("raise `limits.depth` in gwfc.toml if this is legitimate",))
                    raise _Stop
                tag = check_tag(event.tag, COLLECTION_TAGS, event.start_mark, event.end_mark)
                if tag == "!":
                    tag = None
                if event.anchor is not None:
                    in_progress.add(event.anchor)
                kind = "map" if cls is ev.MappingStartEvent else "seq"
                stack.append([kind, [], {} if kind == "map" else None, tag, event.anchor,
                              event.start_mark, 1, None, []])
            elif cls is ev.MappingEndEvent or cls is ev.SequenceEndEvent:
                kind, items, index, tag, anchor, start, size, _, merge_values = stack.pop()
                sl, sc = pos(start)
                el, ec = pos(event.end_mark)
                if kind == "map":
                    if merge_values:
                        _merge(items, index, merge_values, sink, name)
                    node = Map(items, index, tag, sl, sc, el, ec)
                else:
                    node = Seq(items, tag, sl, sc, el, ec)
                if anchor is not None:
                    in_progress.discard(anchor)
                    anchors[anchor] = (node, size)
                attach(node, size)
            elif cls is ev.AliasEvent:
                sl, sc = pos(event.start_mark)
                el, ec = pos(event.end_mark)
                anchor = event.anchor
                if anchor in in_progress:
                    sink.report("GW109", Span(name, sl, sc, el, ec),
                                f"the alias *{anchor} refers to a node that contains it")
                    raise _Stop
                target = anchors.get(anchor)
                if target is None:
                    sink.report("GW101", Span(name, sl, sc, el, ec),
                                f"found undefined alias *{anchor}",
                                notes=("define the anchor `&" + anchor + "` before using it",))
                    raise _Stop
                alias_total += target[1]
                if alias_total > alias_limit:
                    sink.report("GW108", Span(name, sl, sc, el, ec),
                                f"aliases expand to more than {alias_limit:,} nodes",
                                notes=("this looks like a 'billion laughs' file; raise "
                                       "`limits.alias-nodes` in gwfc.toml if it is legitimate",))
                    raise _Stop
                attach(target[0], target[1])
            elif cls is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    sl, sc = pos(event.start_mark)
                    sink.report("GW104", Span.point(name, sl, sc),
                                "a second YAML document starts here; a workflow file holds one",
                                notes=("remove the `---` separator or split the file",))
                    break
            # StreamStart/End, DocumentEnd: nothing to do.
    except _Stop:
        return None
    except yaml.MarkedYAMLError as exc:
        _report_yaml_error(exc, source, sink)
        return None
    except yaml.reader.ReaderError as exc:
        report_reader_error(source, sink, int(exc.position), exc.character)
        return None
    except yaml.YAMLError as exc:  # no other unmarked error is known; keep its text
        sink.report("GW101", Span.point(name, 1, 1), str(exc).split("\n", 1)[0])
        return None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    return root


def _merge(pairs: list[Any], index: dict[str, Any], values: list[AnyNode], sink: Sink, name: str) -> None:
    """Apply `<<` merge keys (PyYAML's flatten_mapping): explicit keys win, then earlier
    merge sources over later ones."""
    for value in values:
        sources: list[Any] = value.items if isinstance(value, Seq) else [value]
        for src in sources:
            if not isinstance(src, Map):
                sink.report("GW203", src.span(name), "a `<<` merge key takes a map or a list of maps",
                            notes=(f"found {src.kind_name}",))
                continue
            for pair in src.pairs:
                text = pair[0][0]
                if text not in index:
                    index[text] = pair
                    pairs.append(pair)


#: What libyaml's terse messages usually mean in a hand-written workflow.
_HINTS = (
    ("mapping values are not allowed", "a `key: value` sits where a plain value was expected: usually a "
     "line indented deeper than it should be, or an unquoted value containing `: ` (quote it)"),
    ("could not find expected ':'", "a line that is not a `key: value` pair; check its indentation "
     "and the colon after the key"),
    ("did not find expected <document start>", "text continues at the top level after the workflow; an "
     "indented block may have lost its key (a commented-out line?)"),
    ("did not find expected key", "a line is indented differently from its siblings"),
    ("did not find expected '-' indicator", "a list item is indented differently from the others"),
    ("cannot start any token", "characters such as `@`, `` ` `` and `%` cannot start a plain value; quote it"),
    ("found unexpected end of stream", "a quote or bracket is never closed"),
    ("found unknown escape character", "in a double-quoted string `\\` starts an escape; use single quotes "
     "or write `\\\\`"),
)


def report_reader_error(source: SourceFile, sink: Sink, position: int, character: Any) -> None:
    """A character YAML does not allow (a NUL, a control character), at its position."""
    ch = character if isinstance(character, str) else chr(character) if isinstance(character, int) else "?"
    line, col = source.position(min(max(position, 0), len(source.text)))
    sink.report("GW101", Span.point(source.name, line, col),
                f"the character U+{ord(ch):04X} is not allowed in YAML",
                notes=("control characters other than tab, line feed and carriage return cannot appear "
                       "in a YAML file, not even inside quotes (write them as escapes in a double-quoted "
                       "string, e.g. \"\\x00\")",))


def _report_yaml_error(exc: Any, source: SourceFile, sink: Sink) -> None:
    """Report a PyYAML MarkedYAMLError (from either builder) as GW101/GW102/GW104/GW107."""
    name = source.name
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "invalid YAML"
    notes: list[str] = []
    if exc.context:
        ctx = exc.context
        if exc.context_mark is not None and exc.context_mark is not mark:
            ctx += f" (line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
        notes.append(ctx)
    at = source.line_text(line)[col - 1: col]
    if at == "\t" or "\\t" in problem or "\t" in problem or " tab" in problem:
        sink.report("GW102", Span.point(name, line, col), "a tab character is used for indentation",
                    notes=("YAML allows only spaces for indentation; replace the tab",))
        return
    if "maximum nesting depth" in problem:  # libyaml's own guard (1,000 levels), hit while scanning ahead
        sink.report("GW107", Span.point(name, line, col), "nesting is deeper than YAML parsers allow",
                    notes=("gwfc's limit is `limits.depth` levels; the parser stopped at 1,000",))
        return
    if "expected a single document" in (exc.context or ""):
        sink.report("GW104", Span.point(name, line, col),
                    "a second YAML document starts here; a workflow file holds one")
        return
    for key, hint in _HINTS:
        if key in problem:
            notes.append(hint)
            break
    sink.report("GW101", Span.point(name, line, col), problem, notes=notes)
