"""The names a workflow defines, and where: jobs, their outputs and inputs, workflow inputs.

Built from the AST when the file parses (exact), else from the indentation outline of the
text being edited, so that completion, hover and go-to-definition still work in a broken file.
Spans are gwfc's (1-based lines, code-point columns) in the text as it is now.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from gwfc.compiler import expr as X
from gwfc.compiler.ast import IODecl, Workflow
from gwfc.compiler.source import Span

from .outline import BLOCK_RE, KEY_RE, Entry, enclosing, flow_entries, flow_items, scan, split_line, strip_comment, unquote

_FLOW_TYPE = re.compile(r"""\btype\s*:\s*["']?([A-Za-z0-9_^-]+)""")


@dataclass(slots=True)
class IOInfo:
    """An output, a job input, or a workflow input."""

    name: str
    span: Span
    #: dataset, volume, string ("" when unknown, or for a reference input).
    kind: str = ""
    #: For a job input: the reference as written ("" for an inline definition).
    ref: str = ""
    #: The dataset (`ref`/`id`) or string value of a definition, when known.
    detail: str = ""


@dataclass(slots=True)
class JobInfo:
    """One job."""

    name: str
    span: Span
    action: str = ""
    needs: list[str] = field(default_factory=list)
    outputs: dict[str, IOInfo] = field(default_factory=dict)
    inputs: dict[str, IOInfo] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    instance_type: str = ""


@dataclass(slots=True)
class Symbols:
    """Everything that has a name in one workflow."""

    jobs: dict[str, JobInfo] = field(default_factory=dict)
    inputs: dict[str, IOInfo] = field(default_factory=dict)
    #: Line of the `on:` trigger (0: none) and the branches it names.
    trigger_line: int = 0
    branches: list[str] = field(default_factory=list)
    #: The values of the `context:` block, by dotted path (`event.github.url`).
    context: dict[str, str] = field(default_factory=dict)

    def readers(self, job: str, output: str) -> list[tuple[str, str]]:
        """(job, input) pairs that reference `job.outputs.output`."""
        want = f"{job}.outputs.{output}"
        return [(j.name, i.name) for j in self.jobs.values() for i in j.inputs.values()
                if i.ref.strip() == want]

    def workflow_readers(self, name: str) -> list[tuple[str, str]]:
        """(job, input) pairs that reference `workflow.inputs.name`."""
        want = f"workflow.inputs.{name}"
        return [(j.name, i.name) for j in self.jobs.values() for i in j.inputs.values()
                if i.ref.strip() == want]

    def kind_of(self, ref: str) -> tuple[str, IOInfo | None]:
        """What a reference names: (description, the definition) or ("", None)."""
        e = X.parse(ref.strip())
        if isinstance(e, X.ExprError):
            return "", None
        if e.kind == X.JOB_OUTPUT:
            job = self.jobs.get(e.job)
            out = job.outputs.get(e.name) if job is not None else None
            return ("output", out) if out is not None else ("", None)
        if e.kind == X.WORKFLOW_INPUT:
            wi = self.inputs.get(e.name)
            return ("workflow input", wi) if wi is not None else ("", None)
        return "", None


# ---- from the AST --------------------------------------------------------------------------

def _decl_detail(decl: IODecl) -> str:
    if decl.dataset is not None:
        return f"{decl.dataset_key or 'ref'}: {decl.dataset.text}"
    if decl.value is not None:
        return f"value: {decl.value.text}"
    return ""


def from_workflow(wf: Workflow) -> Symbols:
    """The symbols of a built workflow."""
    out = Symbols()
    if wf.trigger is not None:
        node = wf.trigger.key if wf.trigger.key is not None else wf.trigger.node
        out.trigger_line = node.line
        out.branches = [str(b.value) for b in wf.trigger.branches]
    out.context = {k: str(v.value) for k, v in wf.context.items()}
    for name, wi in wf.inputs.items():
        out.inputs[name] = IOInfo(name, wi.name.span, wi.decl.kind, detail=_decl_detail(wi.decl))
    for name, job in wf.jobs.items():
        info = JobInfo(name, job.name.span, job.action, [n.text for n in job.needs],
                       params=list(job.params),
                       instance_type=str(job.instance_type.value) if job.instance_type is not None else "")
        for oname, o in job.outputs.items():
            info.outputs[oname] = IOInfo(oname, o.name.span, o.decl.kind, detail=_decl_detail(o.decl))
        for iname, i in job.inputs.items():
            if i.decl is not None:
                info.inputs[iname] = IOInfo(iname, i.name.span, i.decl.kind, detail=_decl_detail(i.decl))
            else:
                ref = i.ref.value if i.ref is not None and isinstance(i.ref.value, str) else ""
                info.inputs[iname] = IOInfo(iname, i.name.span, ref=ref)
        out.jobs[name] = info
    return out


# ---- from the text -------------------------------------------------------------------------

def _key_span(file: str, e: Entry) -> Span:
    return Span(file, e.line, e.column, e.line, max(e.key_end, e.column + 1))


def _flow_kind(value: str) -> str:
    m = _FLOW_TYPE.search(value) if value.startswith("{") else None
    return m.group(1) if m else ""


def from_text(text: str, file: str) -> Symbols:
    """The symbols read from the text by indentation (for a file that does not parse)."""
    return from_entries(scan(text), file)


def _expanded(entries: list[Entry]) -> Iterator[Entry]:
    """The entries, each followed by those of its one-line flow map (`prep: {uses: x,
    outputs: {data: {type: volume}}}`), as if written in block style."""
    for e in entries:
        yield e
        if e.key is not None and not e.block and e.value[:1] == "{":
            yield from flow_entries(e)


def _top_level(out: Symbols, e: Entry) -> None:
    """An entry under `on:` or `context:`."""
    path, key = e.path, e.key
    if path[0] == "on":
        if path == ("on", "github", "branches") and key == "only":
            out.branches.extend(t for t, _ in flow_items(e.value, e.value_column))
        elif path == ("on", "github", "branches", "only") and key is None and e.item:
            out.branches.extend(t for t, _ in flow_items(e.value, e.value_column))
    elif key is not None and e.value and e.value[:1] not in ("{", "["):
        out.context[".".join((*path[1:], key))] = unquote(e.value)[0]


def from_entries(entries: list[Entry], file: str) -> Symbols:
    """The symbols of an outline."""
    out = Symbols()
    jobs = out.jobs
    for e in _expanded(entries):
        if e.block:
            continue
        path = e.path
        n = len(path)
        key = e.key
        if n == 0:
            if key == "on":
                out.trigger_line = e.line
            continue
        if path[0] == "on" or path[0] == "context":
            _top_level(out, e)
            continue
        if path[0] != "jobs" and path[0] != "inputs":
            continue
        if path[0] == "inputs":
            if n == 1 and key is not None:
                out.inputs[key] = IOInfo(key, _key_span(file, e), _flow_kind(e.value))
            elif n == 2 and key == "type" and path[1] in out.inputs:
                out.inputs[path[1]].kind = unquote(e.value)[0]
            elif n == 3 and path[2] == "with" and key in ("ref", "id", "value") and path[1] in out.inputs:
                out.inputs[path[1]].detail = f"{key}: {unquote(e.value)[0]}"
            continue
        if n == 1:
            if key is not None:
                jobs[key] = JobInfo(key, _key_span(file, e))
            continue
        job = jobs.get(path[1])
        if job is None:
            continue
        if n == 2:
            if key == "uses":
                job.action = unquote(e.value)[0]
            elif key == "needs":
                job.needs.extend(t for t, _ in flow_items(e.value, e.value_column))
            continue
        section = path[2]
        if n == 3:
            if section == "needs" and key is None and e.item:
                job.needs.extend(t for t, _ in flow_items(e.value, e.value_column))
            elif key is None:
                pass
            elif section == "outputs":
                job.outputs[key] = IOInfo(key, _key_span(file, e), _flow_kind(e.value))
            elif section == "inputs":
                ref = "" if e.value.startswith("{") or not e.value else unquote(e.value)[0]
                job.inputs[key] = IOInfo(key, _key_span(file, e), _flow_kind(e.value), ref=ref)
            elif section == "with":
                job.params.append(key)
            elif section == "resources" and key == "instance-type":
                job.instance_type = unquote(e.value)[0]
            continue
        if section not in ("outputs", "inputs"):
            continue
        table = job.outputs if section == "outputs" else job.inputs
        io = table.get(path[3])
        if io is None:
            continue
        if n == 4 and key == "type":
            io.kind = unquote(e.value)[0]
        elif n == 5 and path[4] == "with" and key in ("ref", "id", "value"):
            io.detail = f"{key}: {unquote(e.value)[0]}"
    return out


# ---- whether an edit leaves the symbols as they were ------------------------------------

#: Keys of a job whose lines the symbols read (the job's key itself too).
_JOB_KEYS = frozenset({"uses", "needs", "inputs", "outputs", "resources"})


def _neutral_path(path: tuple[str, ...], value: str) -> bool:
    """Whether the symbols read nothing at `path` (the keys down to a line's key, or to a list
    item), given the line's value."""
    if not path:
        return False
    if path[0] in ("inputs", "on", "context"):
        return False
    if path[0] != "jobs":
        return True
    if len(path) < 3 or path[2] in _JOB_KEYS:
        return False
    # `with: {a: 1}`: the flow map's keys are the job's parameters.
    return not (len(path) == 3 and path[2] == "with" and value.startswith("{"))


def _shape(lines: list[str], index: int) -> tuple[object, ...] | None:
    """What a line means to the outline, when the symbols read nothing from it: ("blank",),
    ("block",) inside a block scalar, or the line's column, dash and key as written; None when
    the symbols may read it (a job, an output, `needs`, …) or it changes the structure (a value
    that opens a map or a block scalar)."""
    line = lines[index]
    stripped = line.lstrip(" ")
    if not stripped.strip():
        return ("blank",)
    if stripped[0] == "\t":
        return None
    column, dash, content = split_line(line)
    path, in_block = enclosing(lines, index, dash or column, dash > 0)
    if in_block:
        return ("block",)
    if content.startswith("#"):
        return ("comment", column)
    m = KEY_RE.match(content)
    if m is None:
        value = strip_comment(content)
        if not value or BLOCK_RE.match(value) or not _neutral_path(path, value):
            return None
        return ("scalar", column, dash)
    key = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
    value = strip_comment(content[m.end():]).strip()
    if not value or value[0] in "&!|>" or not _neutral_path((*path, key), value):
        return None
    return ("key", column, dash, m.group(0))


def same_symbols(old: list[str], new: list[str], limit: int = 64) -> bool:
    """Whether two versions of a text (their lines, `outline.lines_of`) have the same symbols,
    at the same places: the same number of lines, and each changed line (at most `limit`) one
    the symbols read nothing from, of the same shape in both (a script line, a `with` or `env`
    value, a comment…). Then the symbols of the older version's check answer for the newer
    one, without reading the whole text again."""
    n = len(old)
    if n != len(new):
        return False
    first = 0
    while first < n and old[first] == new[first]:
        first += 1
    if first == n:
        return True
    last = n - 1
    while old[last] == new[last]:
        last -= 1
    changed = [i for i in range(first, last + 1) if old[i] != new[i]]
    if len(changed) > limit:
        return False
    for i in changed:
        shape = _shape(old, i)
        if shape is None or shape != _shape(new, i):
            return False
    return True
