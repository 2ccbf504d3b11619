"""Checks of single values: `${{ … }}` (GW310), secret names in env (GW333), dataset
references (GW334), instance types (GW321, GW322)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import expr as X
from ..ast import Value, Workflow
from ..diagnostics import Edit, Fix
from ..scalarpos import find_all, locate
from ..schema import suggest
from . import Context

_DATASET_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)?(?::[A-Za-z0-9][A-Za-z0-9_.-]*)?\Z")
_INTERP = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)


def check(ctx: Context) -> None:
    """Run the value checks."""
    blanks(ctx)
    interpolations(ctx)
    env_secrets(ctx)
    dataset_refs(ctx)
    instance_types(ctx)


def string_values(wf: Workflow) -> Iterator[Value]:
    """Every string value a workflow author wrote in a place gwfc reads."""
    for ev in wf.env.values():
        yield ev.value
    for wi in wf.inputs.values():
        if wi.decl.dataset is not None:
            yield wi.decl.dataset
        if wi.decl.value is not None:
            yield wi.decl.value
    yield from wf.context.values()
    for job in wf.jobs.values():
        for p in job.params.values():
            if p.items is not None:
                yield from p.items
            else:
                yield p.value
        for ev in job.env.values():
            yield ev.value
        for inp in job.inputs.values():
            if inp.ref is not None:
                yield inp.ref
            elif inp.decl is not None:
                if inp.decl.dataset is not None:
                    yield inp.decl.dataset
                if inp.decl.value is not None:
                    yield inp.decl.value


def _suggestion(inner: str) -> tuple[str, str | None]:
    """What to write instead of `${{ inner }}`: a note, and a replacement for a whole value."""
    m = re.fullmatch(r"secrets\.([A-Za-z_][A-Za-z0-9_-]*)", inner)
    if m:
        return (f"a Gradient secret is `secret:{m.group(1)}` as an `env` value, read as `${m.group(1)}`",
                f"secret:{m.group(1)}")
    m = re.fullmatch(r"env\.([A-Za-z_][A-Za-z0-9_]*)", inner)
    if m:
        return f"read the variable as `${m.group(1)}` (set it under `env:`)", None
    m = re.fullmatch(r"(?:needs|jobs)\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", inner)
    if m:
        return (f"declare an input `{m.group(2)}: {m.group(1)}.outputs.{m.group(2)}` and read "
                f"`/inputs/{m.group(2)}`"), None
    m = re.fullmatch(r"(?:inputs|github\.event\.inputs)\.([A-Za-z0-9_-]+)", inner)
    if m:
        return (f"declare an input `{m.group(1)}: workflow.inputs.{m.group(1)}` and read "
                f"`/inputs/{m.group(1)}`"), None
    e = X.parse(inner) if inner else None
    if isinstance(e, X.Expr) and (e.kind in (X.CONTEXT, X.WORKFLOW_INPUT, X.JOB_OUTPUT)
                                  or (e.kind == X.SECRET and X.valid_secret_name(e.name))):
        # already Gradient's own form, wrapped in GitHub's braces
        return f"Gradient reads `{inner}` written bare, as the whole value", inner
    if inner.startswith("github."):
        return "GitHub-triggered runs expose `context.event.github.url` and `.ref` as whole `with` values", None
    return "read inputs from `/inputs/NAME` and values from `env:` as `$NAME`", None


def interpolations(ctx: Context) -> None:
    """GW310 at the exact column of every `${{`, also inside quoted and block scalars."""
    for v in string_values(ctx.wf):
        if not v.is_str or "${{" not in v.value:
            continue
        matches = list(_INTERP.finditer(v.value))
        spans = find_all(ctx.source, v.node, "${{")
        for i, span in enumerate(spans):
            inner = matches[i].group(1) if i < len(matches) else ""
            note, replacement = _suggestion(inner)
            fix = None
            if replacement and len(matches) == 1 and matches[0].group(0) == v.value.strip():
                fix = Fix(f"write {replacement}", (Edit(v.span, replacement),))
            ctx.sink.report("GW310", span,
                            "`${{` is not Gradient syntax: the text reaches the container as written",
                            notes=("Gradient has no `${{ }}` interpolation", note), fix=fix)


def blanks(ctx: Context) -> None:
    """GW332 for `secret:` and `context.` values with blanks around them (in `with` and `env`;
    job-input references are checked by the resolver)."""
    values = [ev.value for ev in ctx.wf.env.values()]
    for job in ctx.wf.jobs.values():
        values.extend(ev.value for ev in job.env.values())
        values.extend(p.value for p in job.params.values() if p.shape == "scalar")
    for v in values:
        if v.expr is None or not v.is_str or v.value == v.value.strip():
            continue
        stripped = v.value.strip()
        ctx.sink.report("GW332", v.span, f"blanks around `{stripped}`: it is read as the reference, "
                        "but Gradient compares the whole value",
                        notes=("a reference is the whole value",),
                        fix=Fix("remove the blanks", (Edit(v.span, stripped),)))


def env_secrets(ctx: Context) -> None:
    """GW333/GW301 for `secret:` env values."""
    envs = list(ctx.wf.env.values())
    for job in ctx.wf.jobs.values():
        envs.extend(job.env.values())
    for ev in envs:
        e = ev.value.expr
        if isinstance(e, X.ExprError):
            ctx.sink.report("GW301", locate(ctx.source, ev.value.node, e.offset, max(e.end - e.offset, 1)),
                            e.message, notes=("a secret is written `secret:NAME`",))
        elif isinstance(e, X.Expr) and not X.valid_secret_name(e.name):
            ctx.sink.report("GW333", locate(ctx.source, ev.value.node, e.offsets[0], len(e.name)),
                            f"\"{e.name}\" is not a valid secret name",
                            notes=("secret names match `[A-Za-z_][A-Za-z0-9_-]*`",))


def dataset_refs(ctx: Context) -> None:
    """GW334: `name`, `name:version|tag`, `team/name[:…]`."""
    decls = [wi.decl for wi in ctx.wf.inputs.values()]
    for job in ctx.wf.jobs.values():
        decls.extend(inp.decl for inp in job.inputs.values() if inp.decl is not None)
        decls.extend(out.decl for out in job.outputs.values())
    for d in decls:
        v = d.dataset
        if v is None or not v.is_str or _DATASET_REF.match(v.value):
            continue
        ctx.sink.report("GW334", v.span, f"\"{v.value}\" is not a dataset reference",
                        notes=("a dataset is `name`, `name:VERSION`, `name:TAG` or a 15-character id, "
                               "optionally with a namespace (`team/name`)",))


def instance_types(ctx: Context) -> None:
    """GW321 (unknown name, a warning: clusters define their own) and GW322 (none at all)."""
    wf = ctx.wf
    profile = ctx.profile
    seen: set[str] = set()
    values = [wf.instance_type] + [j.instance_type for j in wf.jobs.values()]
    for v in values:
        if v is None or not v.is_str or v.value in profile.table:
            continue
        if profile.known(v.value):  # the name in another case: targets map it; Gradient may not
            row = profile.lookup(v.value)
            assert row is not None
            ctx.sink.report("GW321", v.span, f"instance type \"{v.value}\" is written \"{row.name}\"",
                            notes=("machine type names are case-sensitive on Gradient",),
                            fix=Fix(f"write {row.name}", (Edit(v.span, row.name),)))
            continue
        close = suggest(v.value, profile.table)
        msg = f"unknown instance type \"{v.value}\""
        fix = None
        multi = re.fullmatch(r"(.+)x([0-9]+)", v.value)
        if multi and multi.group(1) in profile.table:
            # `V100x4`: the single-GPU machine is known, this count of it is not (A100x4 is no
            # spelling of it).
            close = None
            msg += f"; gwfc's table has no {multi.group(2)}-GPU \"{multi.group(1)}\" machine"
        if close:
            # A name, not a fix: a near name is another machine (V100x4 is not A100x4).
            msg += f"; did you mean \"{close}\"?"
        if v.value not in seen or close:
            ctx.sink.report("GW321", v.span, msg,
                            notes=("self-hosted clusters define their own machine types; add it to "
                                   "`[instance-types]` in gwfc.toml so targets can map it",), fix=fix)
        seen.add(v.value)
    if wf.instance_type is None and not wf.instance_type_given:
        for job in wf.jobs.values():
            if job.instance_type is None and not job.instance_type_given:
                ctx.sink.report("GW322", job.name.span,
                                f"job \"{job.name.text}\" has no instance type; Gradient picked a default machine",
                                notes=("set `resources: {instance-type: C5}` on the job or in `defaults`",))
