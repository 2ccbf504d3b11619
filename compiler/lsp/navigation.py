"""Hover and go-to-definition.

Both start from the `Cursor` (what is under the position) and the `Symbols` (where each name is
defined). A reference `JOB.outputs.NAME` leads to that output's definition, its `JOB` part and
each `needs` entry to the job; hover shows the kind and the place of what a reference names, the
schema's or the catalogue's description of a key, and an action's parameters.
"""

from __future__ import annotations

import re

from gwfc.compiler import expr as X
from gwfc.compiler.catalogue import ParamSpec, catalogue
from gwfc.compiler.source import Span
from lsprotocol import types as lsp

from .analysis import View
from .cursor import ITEM, KEY, VALUE, Cursor
from .schemainfo import action_markdown, instance_markdown, key_info, schema_at, values_at
from .symbols import IOInfo, JobInfo, Symbols


def reference_at(cur: Cursor) -> tuple[X.Expr, int, int] | None:
    """The reference under the cursor: (expression, index of the part under the cursor, lead
    blanks), for the value of a job input."""
    if cur.role != VALUE or len(cur.path) != 3 or cur.path[0] != "jobs" or cur.path[2] != "inputs":
        return None
    text = cur.text
    lead = len(text) - len(text.lstrip())
    e = X.parse(text.strip())
    if isinstance(e, X.ExprError):
        return None
    off = cur.offset - lead
    part = 0
    for i, start in enumerate(e.offsets):
        if start <= off:
            part = i
    return e, part, lead


def is_needs(cur: Cursor) -> bool:
    """Whether the cursor is on a `needs` entry of a job."""
    return cur.key == "needs" and cur.role in (VALUE, ITEM) and len(cur.path) == 2 and cur.path[0] == "jobs"


def _line(span: Span) -> str:
    return f"line {span.line}"


def _kind(kind: str) -> str:
    return f"**{kind}**" if kind else "an"


def job_markdown(job: JobInfo) -> str:
    """Hover text of a job."""
    lines = [f"**job** `{job.name}`" + (f" — `{job.action}`" if job.action else "") + f" ({_line(job.span)})"]
    if job.needs:
        lines.append("- needs: " + ", ".join(f"`{n}`" for n in job.needs))
    if job.inputs:
        lines.append("- inputs: " + ", ".join(
            f"`{i.name}` ← `{i.ref}`" if i.ref else f"`{i.name}` ({i.kind or 'inline'})" for i in job.inputs.values()))
    if job.outputs:
        lines.append("- outputs: " + ", ".join(f"`{o.name}` ({o.kind or '?'})" for o in job.outputs.values()))
    if job.instance_type:
        lines.append(f"- instance type: `{job.instance_type}`")
    return "\n".join(lines)


def _readers(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return "not read by any job"
    shown = ", ".join(f"`{j}` (as `{i}`)" for j, i in pairs[:10])
    return "read by " + shown + (f" and {len(pairs) - 10} more" if len(pairs) > 10 else "")


def output_markdown(job: str, out: IOInfo, symbols: Symbols) -> str:
    """Hover text of a job output."""
    lines = [f"{_kind(out.kind)} output `{out.name}` of job `{job}`, defined at {_line(out.span)}",
             "", f"Written at `/outputs/{out.name}`; referenced as `{job}.outputs.{out.name}`; "
             + _readers(symbols.readers(job, out.name)) + "."]
    if out.detail:
        lines.append(f"Dataset: `{out.detail}`.")
    return "\n".join(lines)


def workflow_input_markdown(wi: IOInfo, symbols: Symbols) -> str:
    """Hover text of a workflow input."""
    lines = [f"{_kind(wi.kind)} workflow input `{wi.name}`, defined at {_line(wi.span)}",
             "", f"Referenced as `workflow.inputs.{wi.name}`; " + _readers(symbols.workflow_readers(wi.name)) + "."]
    lines.append(f"Value: `{wi.detail}`." if wi.detail else "No value in the file: it must be given when the "
                 "workflow runs (`gwfc run --input`).")
    return "\n".join(lines)


def reference_markdown(e: X.Expr, symbols: Symbols) -> str:
    """Hover text of a reference: what it names, its kind, where it is defined."""
    if e.kind == X.JOB_OUTPUT:
        job = symbols.jobs.get(e.job)
        if job is None:
            return f"`{e.text}`: unknown job `{e.job}`"
        out = job.outputs.get(e.name)
        if out is None:
            return f"`{e.text}`: job `{e.job}` has no output `{e.name}`"
        return f"`{e.text}`\n\n" + output_markdown(e.job, out, symbols)
    if e.kind == X.WORKFLOW_INPUT:
        wi = symbols.inputs.get(e.name)
        if wi is None:
            return f"`{e.text}`: unknown workflow input `{e.name}`"
        return f"`{e.text}`\n\n" + workflow_input_markdown(wi, symbols)
    return f"`{e.text}`"


def _job_input_markdown(job: str, inp: IOInfo, symbols: Symbols) -> str:
    text = f"input `{inp.name}` of job `{job}`, mounted read-only at `/inputs/{inp.name}`"
    if inp.ref:
        what, target = symbols.kind_of(inp.ref)
        if target is not None:
            return text + f"\n\nReads `{inp.ref.strip()}`: {_kind(target.kind)} {what} defined at {_line(target.span)}."
        return text + f"\n\nReads `{inp.ref.strip()}`."
    if inp.kind:
        return text + f"\n\nAn inline {inp.kind} definition" + (f" (`{inp.detail}`)." if inp.detail else ".")
    return text


def secret_markdown(name: str) -> str:
    """Hover text of `secret:NAME`: where its value comes from."""
    var = "GWFC_SECRET_" + re.sub(r"[^A-Z0-9_]", "_", name.upper())
    return "\n".join([
        f"**secret** `{name}`", "",
        "The value is never in the workflow. On Gradient it is filled when the job runs, from the "
        f"secret `{name}` of the team, the project or the cluster (set in Gradient's secrets "
        "settings). It is substituted in `env` values and in secret parameters "
        "(`password`, `secret-access-key`), not in `args` or `script` (GW315).",
        "",
        f"gwfc's targets: `shell` reads it when the job runs from the variable `{var}`, else from "
        f"`--secrets-file` (a line `{name}=VALUE`); `argo` from the key `{name}` of the Kubernetes "
        "Secret named by its option `secret-name` (default `gwfc-secrets`).",
    ])


_CONTEXT = {
    "event.github.url": "the URL of the GitHub repository",
    "event.github.ref": "the commit (ref) that was pushed",
}


def context_markdown(path: str, sym: Symbols) -> str:
    """Hover text of `context.PATH`: what fills it, in this workflow."""
    what = _CONTEXT.get(path)
    lines = [f"**context** `context.{path}`" + (f" — {what}" if what else ""), ""]
    if what is None:
        lines.append("Not a path Gradient fills: only `context.event.github.url` and "
                     "`context.event.github.ref` are (GW316).")
        return "\n".join(lines)
    if sym.trigger_line:
        only = f" (pushes to {', '.join(f'`{b}`' for b in sym.branches)})" if sym.branches else ""
        lines.append(f"Filled by Gradient when a GitHub push triggers the run: this workflow's `on:` trigger "
                     f"at line {sym.trigger_line}{only}.")
    else:
        lines.append("Filled by Gradient when a GitHub push triggers the run; this workflow has no `on:` trigger.")
    given = sym.context.get(path)
    if given is not None:
        lines.append(f"The `context:` block sets it for other runs: `{given}`.")
    elif not sym.trigger_line:
        lines.append("No `context:` block sets it either, so nothing fills it (GW317).")
    lines += ["", "gwfc's targets: `--context " + path + "=VALUE`, else the `context:` block, else the git "
              "repository of the workflow (`gwfc run`) or of the current folder (`run.sh`)."]
    return "\n".join(lines)


def value_markdown(view: View, cur: Cursor) -> str | None:
    """Hover text of a value that the format or the catalogue lists (create-model's `type`,
    an input's kind…), or of an instance type."""
    text = cur.text.strip()
    if not text:
        return None
    if cur.key == "instance-type" and cur.path[-1:] == ("resources",):
        return instance_markdown(text, view.config)
    values = [v for v, _ in values_at(cur.path, cur.key, view.symbols)]
    spec = _action_param(view, cur)
    warned = spec is not None and text in spec.warn
    if text not in values and not warned:
        return None
    info = key_info(cur.path, cur.key, view.symbols)
    head = f"**{text}** — a value of `{cur.key}`: one of " + ", ".join(f"`{v}`" for v in values)
    if warned:
        head += f" (`{text}` is accepted with a warning)"
    desc = info.description if info is not None else ""
    return head + (f"\n\n{desc}" if desc else "")


def _action_param(view: View, cur: Cursor) -> ParamSpec | None:
    path = cur.path
    if len(path) == 3 and path[0] == "jobs" and path[2] == "with":
        job = view.symbols.jobs.get(path[1])
        spec = catalogue().get(job.action) if job is not None else None
        return spec.params.get(cur.key) if spec is not None else None
    return None


def hover_text(view: View, cur: Cursor) -> tuple[str, Span] | None:
    """The hover's Markdown and the span it describes."""
    sym = view.symbols
    file = view.file
    path = cur.path
    if not cur.text and cur.role != VALUE:
        return None
    span = cur.span(file)
    ref = reference_at(cur)
    if ref is not None:
        e, _, lead = ref
        return reference_markdown(e, sym), cur.span(file, lead, lead + len(e.text))
    if is_needs(cur):
        job = sym.jobs.get(cur.text.strip())
        return (job_markdown(job), span) if job is not None else None
    if cur.role == KEY:
        if path == ("jobs",) and cur.key in sym.jobs:
            return job_markdown(sym.jobs[cur.key]), span
        if len(path) == 3 and path[0] == "jobs" and path[2] == "outputs":
            job = sym.jobs.get(path[1])
            if job is not None and cur.key in job.outputs:
                return output_markdown(job.name, job.outputs[cur.key], sym), span
        if len(path) == 3 and path[0] == "jobs" and path[2] == "inputs":
            job = sym.jobs.get(path[1])
            if job is not None and cur.key in job.inputs:
                return _job_input_markdown(job.name, job.inputs[cur.key], sym), span
        if path == ("inputs",) and cur.key in sym.inputs:
            return workflow_input_markdown(sym.inputs[cur.key], sym), span
        info = key_info(path, cur.key, sym)
        if info is None or not info.description:
            return None
        flags = [w for w, on in (("required", info.required), ("secret only: `secret:NAME`", info.secret),
                                 ("deprecated", info.deprecated)) if on]
        head = f"**{cur.key}**" + (f" ({', '.join(flags)})" if flags else "")
        return f"{head}\n\n{info.description}", span
    if cur.role == VALUE and cur.key == "uses" and len(path) == 2 and path[0] == "jobs":
        spec = catalogue().get(cur.text.strip())
        return (action_markdown(spec), span) if spec is not None else None
    if cur.role == VALUE and cur.key == "type" and ((len(path) == 2 and path[0] == "inputs") or
                                                    (len(path) == 4 and path[0] == "jobs")):
        s = schema_at((*path, "type"), sym)
        desc = s.get("description", "") if s is not None else ""
        return (f"**{cur.text}**\n\n{desc}", span) if desc and cur.text else None
    if cur.role in (VALUE, ITEM):
        text = cur.text.strip()
        form = X.parse(text) if text.startswith(("secret:", "context.")) else None
        if isinstance(form, X.Expr):
            lead = len(cur.text) - len(cur.text.lstrip())
            rng = cur.span(file, lead, lead + len(text))
            if form.kind == X.SECRET:
                return secret_markdown(form.name), rng
            if form.kind == X.CONTEXT:
                return context_markdown(form.context_path, sym), rng
    if cur.role == VALUE:
        found = value_markdown(view, cur)
        if found is not None:
            return found, span
    return None


def hover(view: View, pos: lsp.Position) -> lsp.Hover | None:
    """textDocument/hover."""
    found = hover_text(view, view.cursor(pos))
    if found is None:
        return None
    text, span = found
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
                     range=view.index.range(span))


def definition_span(view: View, cur: Cursor) -> Span | None:
    """Where the name under the cursor is defined."""
    sym = view.symbols
    ref = reference_at(cur)
    if ref is not None:
        e, part, _ = ref
        if e.kind == X.JOB_OUTPUT:
            job = sym.jobs.get(e.job)
            if job is None:
                return None
            if part == 0 or e.name not in job.outputs:
                return job.span
            return job.outputs[e.name].span
        if e.kind == X.WORKFLOW_INPUT:
            wi = sym.inputs.get(e.name)
            return wi.span if wi is not None else None
        return None
    if is_needs(cur):
        job = sym.jobs.get(cur.text.strip())
        return job.span if job is not None else None
    path = cur.path
    if cur.role == KEY and len(path) == 3 and path[0] == "jobs" and path[2] == "inputs":
        job = sym.jobs.get(path[1])
        inp = job.inputs.get(cur.key) if job is not None else None
        if inp is not None and inp.ref:
            target = sym.kind_of(inp.ref)[1]
            return target.span if target is not None else None
    return None


def definition(view: View, pos: lsp.Position) -> list[lsp.Location] | None:
    """textDocument/definition."""
    span = definition_span(view, view.cursor(pos))
    if span is None:
        return None
    return [lsp.Location(uri=view.uri, range=view.index.range(span))]
