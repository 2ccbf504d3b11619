"""Completion: keys, values, job names and references, also in a file that does not parse.

The place is always read from the text by indentation (`cursor.text_cursor`): while a user
types, the line is seldom YAML yet. Names come from the AST when the text is checked, else from
the outline of the text (`View.symbols`).

- a key: the keys the schema allows there (a job's keys, an input or output definition's keys,
  `defaults`, …) and, in a job's `with`, the parameters of its action; keys already present are
  left out;
- a value: actions after `uses:`, kinds after `type:`, a parameter's allowed values, instance
  types; job names in `needs` (flow or block list);
- a job input: `JOB.outputs.NAME` and `workflow.inputs.NAME` references, segment by segment
  (`JOB.` → `outputs`, `JOB.outputs.` → that job's outputs, `workflow.inputs.` → the inputs).
"""

from __future__ import annotations

from gwfc.compiler.catalogue import catalogue
from lsprotocol import types as lsp

from .analysis import View
from .cursor import ITEM, KEY, NONE, VALUE, Cursor
from .navigation import job_markdown
from .outline import lines_of, sibling_keys, split_line
from .schemainfo import action_markdown, instance_types, keys_at, row_summary, values_at
from .symbols import Symbols

TRIGGER_CHARACTERS = [".", " ", "[", ","]

_KIND = lsp.CompletionItemKind


def _md(text: str) -> lsp.MarkupContent | None:
    return lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text) if text else None


class _Items:
    """Completion items that replace one span of the cursor's line."""

    def __init__(self, view: View, cur: Cursor, start: int, end: int, lead: str = "") -> None:
        self.view = view
        self.range = view.index.range(cur.span(view.file, start, end))
        self.lead = lead
        self.items: list[lsp.CompletionItem] = []

    def add(self, label: str, kind: lsp.CompletionItemKind, detail: str = "", doc: str = "",
            insert: str | None = None, sort: str = "") -> None:
        text = self.lead + (label if insert is None else insert)
        self.items.append(lsp.CompletionItem(
            label=label, kind=kind, detail=detail or None, documentation=_md(doc),
            text_edit=lsp.TextEdit(range=self.range, new_text=text),
            filter_text=label if not self.lead else self.lead + label,
            sort_text=(sort + label) if sort else None,
        ))


def _present_keys(view: View, cur: Cursor) -> set[str]:
    """Keys already in the map being typed in (its other entries: on other lines, or in the
    same one-line flow map)."""
    if cur.flow_keys is not None:
        return set(cur.flow_keys)
    lines = lines_of(view.text)
    line = lines[cur.line - 1] if 0 < cur.line <= len(lines) else ""
    column = split_line(line)[0] if line.strip() else cur.start
    return sibling_keys(lines, cur.line - 1, column)


def _key_items(view: View, cur: Cursor) -> list[lsp.CompletionItem]:
    keys = keys_at(cur.path, view.symbols)
    if not keys:
        return []
    present = _present_keys(view, cur)
    out = _Items(view, cur, 0, len(cur.text))
    indent = " " * (cur.start + 1)
    flow = cur.flow_keys is not None
    for k in keys:
        if k.name in present or k.deprecated:  # a deprecated key only earns a warning
            continue
        insert = f"{k.name}:\n{indent}" if k.type == "object" and not flow else f"{k.name}: "
        flags = [w for w, on in (("required", k.required), ("secret only", k.secret), ("deprecated", k.deprecated))
                 if on]
        out.add(k.name, _KIND.Property, ", ".join(flags) or k.type, k.description, insert,
                sort="0" if k.required else "1")
    return out.items


def _dependents(sym: Symbols, me: str) -> set[str]:
    """The jobs that run after `me` (need it, or read its outputs, directly or not): listing
    one of them in `me`'s `needs` would make a cycle."""
    after: dict[str, set[str]] = {}
    for j in sym.jobs.values():
        for n in j.needs:
            after.setdefault(n, set()).add(j.name)
        for i in j.inputs.values():
            producer = i.ref.strip().split(".", 1)[0] if ".outputs." in i.ref else ""
            if producer:
                after.setdefault(producer, set()).add(j.name)
    out: set[str] = set()
    todo = [me]
    while todo:
        for nxt in after.get(todo.pop(), ()):
            if nxt not in out:
                out.add(nxt)
                todo.append(nxt)
    return out


def _needs_items(view: View, cur: Cursor, out: _Items, wrap: bool) -> None:
    """Job names for `needs`; `wrap`: the value is a plain scalar, so each name is inserted
    as a list (`[prep]`: a string `needs` is accepted only with a warning)."""
    me = cur.path[1]
    sym = view.symbols
    job = sym.jobs.get(me)
    listed = set(job.needs) if job is not None else set()
    listed.discard(cur.text.strip())
    later = _dependents(sym, me)
    for name, info in sym.jobs.items():
        if name == me or name in listed or name in later:
            continue
        out.add(name, _KIND.Module, info.action, job_markdown(info), insert=f"[{name}]" if wrap else None)


def _reference_items(view: View, cur: Cursor) -> list[lsp.CompletionItem]:
    text = cur.text
    off = cur.offset
    seg_start = text.rfind(".", 0, off) + 1
    nxt = text.find(".", off)
    seg_end = len(text) if nxt < 0 else nxt
    before = text[:seg_start].split(".")[:-1] if seg_start else []
    sym = view.symbols
    me = cur.path[1]
    if not before:
        out = _Items(view, cur, 0, len(text), _lead(view, cur))
        job = sym.jobs.get(me)
        needs = set(job.needs) if job is not None else set()
        for name, info in sym.jobs.items():
            if name == me:
                continue
            for o in info.outputs.values():
                out.add(f"{name}.outputs.{o.name}", _KIND.Reference, f"{o.kind or '?'} output of {name}",
                        sort="0" if name in needs else "1")
        for wi in sym.inputs.values():
            out.add(f"workflow.inputs.{wi.name}", _KIND.Reference, f"{wi.kind or '?'} workflow input", sort="0")
        return out.items
    out = _Items(view, cur, seg_start, seg_end)
    if len(before) == 1:
        if before[0] == "workflow":
            out.add("inputs", _KIND.Keyword, "workflow inputs")
        elif before[0] in sym.jobs:
            out.add("outputs", _KIND.Keyword, f"outputs of {before[0]}")
    elif len(before) == 2 and before == ["workflow", "inputs"]:
        for wi in sym.inputs.values():
            out.add(wi.name, _KIND.Variable, f"{wi.kind or '?'} workflow input", wi.detail)
    elif len(before) == 2 and before[1] == "outputs":
        producer = sym.jobs.get(before[0])
        if producer is not None:
            for o in producer.outputs.values():
                out.add(o.name, _KIND.Field, f"{o.kind or '?'} output of {producer.name}")
    return out.items


def _lead(view: View, cur: Cursor) -> str:
    """A blank to put before a value typed straight after `key:` (`key:value` is one plain
    scalar in YAML, not a key and its value)."""
    lines = lines_of(view.text) if cur.line > 0 else []
    line = lines[cur.line - 1] if 0 < cur.line <= len(lines) else ""
    before = line[: cur.start - 1]
    return " " if before.endswith(":") else ""


def _value_items(view: View, cur: Cursor) -> list[lsp.CompletionItem]:
    path = cur.path
    key = cur.key
    sym = view.symbols
    if len(path) == 2 and path[0] == "jobs" and key == "needs":
        out = _Items(view, cur, 0, len(cur.text), _lead(view, cur))
        _needs_items(view, cur, out, wrap=cur.role == VALUE)
        return out.items
    if cur.role == ITEM:
        return []
    if len(path) == 3 and path[0] == "jobs" and path[2] == "inputs":
        return _reference_items(view, cur)
    out = _Items(view, cur, 0, len(cur.text), _lead(view, cur))
    if len(path) == 2 and path[0] == "jobs" and key == "uses":
        for spec in catalogue().values():
            out.add(spec.name, _KIND.Function, spec.summary, action_markdown(spec))
        return out.items
    if key == "instance-type" and path[-1:] == ("resources",):
        for name, row in instance_types(view.config).items():
            out.add(name, _KIND.EnumMember, row_summary(row))
        return out.items
    for value, desc in values_at(path, key, sym):
        out.add(value, _KIND.EnumMember, desc)
    return out.items


def complete(view: View, pos: lsp.Position, context: lsp.CompletionContext | None = None) -> lsp.CompletionList | None:
    """textDocument/completion."""
    cur = view.cursor(pos, from_text=True)
    trigger = context.trigger_character if context is not None else None
    if cur.role == NONE:
        return None
    if cur.role == KEY:
        # A blank, `.`, `[` or `,` while typing a key: nothing to offer; but after `, ` in a
        # flow map (`{image: x, `), the next key.
        if trigger is not None and not (cur.flow_keys is not None and not cur.text and trigger in (" ", ",")):
            return None
        items = _key_items(view, cur)
    elif cur.role in (VALUE, ITEM):
        if trigger == "." and not (len(cur.path) == 3 and cur.path[2] == "inputs"):
            return None
        items = _value_items(view, cur)
    else:
        return None
    if not items:
        return None
    return lsp.CompletionList(is_incomplete=False, items=items)
