"""The names a workflow defines, and where: jobs, their outputs and inputs, workflow inputs.

Built from the AST when the file parses (exact), else from the indentation outline of the
text being edited, so that completion, hover and go-to-definition still work in a broken file.
Spans are gwfc's (1-based lines, code-point columns) in the text as it is now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gwfc.compiler import expr as X
from gwfc.compiler.ast import IODecl, Workflow
from gwfc.compiler.source import Span

from .outline import Entry, flow_items, flow_keys, scan, unquote

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


def from_entries(entries: list[Entry], file: str) -> Symbols:
    """The symbols of an outline."""
    out = Symbols()
    jobs = out.jobs
    for e in entries:
        if e.block:
            continue
        path = e.path
        n = len(path)
        key = e.key
        if n == 0 or (path[0] != "jobs" and path[0] != "inputs"):
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
            elif key == "with":
                job.params.extend(flow_keys(e.value))
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
