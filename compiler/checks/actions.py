"""Action checks (SPEC.md §6, §7, §9): every job's `uses` and `with` against the catalogue.

Unknown actions and versions (GW311), unknown, missing and mistyped parameters (GW312,
GW313, GW203), secret-only parameters (GW314), `secret:` where Gradient does not substitute
it (GW315), `context.` values (GW316, GW317), git-checkout's `branch` (GW327), create-model's
type and contract (GW328, GW329, GW318, GW336), and the one place git-checkout and
s3-download write to (GW319, GW335).
"""

from __future__ import annotations

import difflib
import posixpath
import re

from .. import expr as X
from ..ast import Job, Param, Value
from ..catalogue import ActionSpec, ParamSpec, catalogue
from ..diagnostics import Edit, Fix
from ..nodes import Map, Scalar, Seq
from ..scalarpos import locate
from ..schema import describe, quote_list, rename_fix, suggest, yaml_quote
from ..source import Span
from . import Context

_BUILD_KEYS = {"dockerfile", "context", "build_args", "build-args", "build", "ports", "env", "environment",
               "containerRegistry", "registry"}
_SECRET_IN_TEXT = re.compile(r"secret:[A-Za-z_][A-Za-z0-9_-]*")


def check(ctx: Context) -> None:
    """Run the action checks over every job."""
    wf = ctx.wf
    has_trigger = wf.trigger is not None
    for job in wf.jobs.values():
        spec = check_uses(ctx, job)
        if spec is None:
            continue
        check_params(ctx, job, spec)
        check_context_values(ctx, job, has_trigger)
        if spec.contract_inputs or spec.contract_outputs:
            check_contract(ctx, job, spec)
        if spec.target:
            check_target(ctx, job, spec)


def check_uses(ctx: Context, job: Job) -> ActionSpec | None:
    """GW311; the catalogue entry of a known action."""
    if job.uses is None or not job.uses.is_str:
        return None
    name = job.uses.value
    actions = catalogue()
    spec = actions.get(name)
    if spec is not None:
        return spec
    span = job.uses.span
    base, _, version = name.partition("@")
    bases = {a.split("@")[0]: a for a in actions}
    notes = [f"the actions are {quote_list(actions)}"]
    if base in bases and version:
        ctx.sink.report("GW311", span, f"`{base}` has no version \"{version}\"; the only version is v1",
                        notes=notes, fix=rename_fix(span, name, bases[base]))
        return None
    target = bases.get(base) or bases.get(base.lower())
    if target is None:
        close = suggest(base, bases)
        target = bases[close] if close else None
    if target is not None:
        ctx.sink.report("GW311", span, f"unknown action \"{name}\"; did you mean \"{target}\"?",
                        notes=notes, fix=rename_fix(span, name, target))
    else:
        ctx.sink.report("GW311", span, f"unknown action \"{name}\"", notes=notes)
    return None


def _where(job: Job) -> str:
    return f"job \"{job.name.text}\""


def check_params(ctx: Context, job: Job, spec: ActionSpec) -> None:
    sink = ctx.sink
    for pname, param in job.params.items():
        pspec = spec.params.get(pname)
        if pspec is None:
            unknown_param(ctx, job, spec, param)
            continue
        if not check_param_type(ctx, param, pspec):
            continue
        if pspec.secret:
            check_secret_param(ctx, param, pspec, spec)
        elif param.shape == "scalar" and not pspec.command:
            # Commands (script) are never substituted: check_secret_in_command reports them.
            e = param.value.expr
            if isinstance(e, X.Expr) and e.kind == X.SECRET and pspec.literal:
                sink.report("GW315", param.value.span,
                            f"`secret:` in `{pname}` of `{spec.name}` is not substituted: the text reaches "
                            "the job as written",
                            notes=(f"`{pname}` is used as written; secrets are substituted in `env` values "
                                   "and secret parameters",))
            elif isinstance(e, X.Expr) and e.kind == X.SECRET:
                sink.report("GW315", param.value.span,
                            f"`secret:` in `{pname}` of `{spec.name}` is undocumented; gwfc reads it as a "
                            "secret, Gradient may have passed the text as written",
                            notes=("secrets are documented in `env` values and in secret parameters "
                                   "(git-checkout `password`, s3-download `secret-access-key`)",))
            elif isinstance(e, X.ExprError):
                sink.report("GW301", locate(ctx.source, param.value.node, e.offset, max(e.end - e.offset, 1)),
                            e.message)
        if pspec.enum and param.shape == "scalar" and param.value.is_str:
            check_enum(ctx, param, pspec)
        if pspec.program and param.shape == "scalar" and param.value.is_str:
            check_program(ctx, param, job)
        if pspec.alias_of:
            note = (f"`{pspec.alias_of}` is also given; it wins" if pspec.alias_of in job.params
                    else f"gwfc treats it as `{pspec.alias_of}`")
            sink.report("GW327", param.name.span,
                        f"`{pname}` is not a documented parameter of `{spec.name}`; write `{pspec.alias_of}`",
                        notes=(note,), fix=None if pspec.alias_of in job.params
                        else rename_fix(param.name.span, pname, pspec.alias_of))
        if pspec.command or pspec.type == "string-list":
            check_secret_in_command(ctx, param, spec)
    missing = [p for p in spec.required if p not in job.params]
    with_is_map = job.with_node is None or isinstance(job.with_node, Map) or (
        isinstance(job.with_node, Scalar) and job.with_node.value is None)
    if missing and with_is_map:
        names = " and ".join(f"`{p}`" for p in missing)
        plural = "parameters" if len(missing) > 1 else "parameter"
        if job.with_key is None:
            at = job.name.span
            msg = f"{_where(job)} uses `{spec.name}` but has no `with:`; it requires the {plural} {names}"
        else:
            at = job.with_key.span(ctx.file)
            msg = f"`{spec.name}` requires the {plural} {names}"
        notes = tuple(f"`{p}`: {spec.params[p].description}" for p in missing if spec.params[p].description)
        sink.report("GW313", at, msg, notes=notes)


def check_program(ctx: Context, param: Param, job: Job) -> None:
    """GW338: `command: python3 -u` names a program called "python3 -u" (no shell splits it)."""
    words = param.value.value.split()
    if len(words) < 2:
        return
    rest = ", ".join(f'"{w}"' for w in words[1:])
    args = "put them first in `args`" if "args" in job.params else f"add `args: [{rest}]`"
    ctx.sink.report("GW338", param.value.span,
                    f"`{param.name.text}` is one program, and no shell splits it: the container would run a "
                    f"program named \"{param.value.value.strip()}\"",
                    notes=(f"write `{param.name.text}: {words[0]}` and pass {rest} as arguments: {args}",))


def unknown_param(ctx: Context, job: Job, spec: ActionSpec, param: Param) -> None:
    name = param.name.text
    span = param.name.span
    notes = [f"`{spec.name}` takes {quote_list(spec.params)}"]
    if (name in ("outputs", "inputs", "needs", "env", "resources", "uses", "with") and name != "env") \
            or (name == "env" and spec.name != "container@v1"):
        msg = f"`{name}` is a job key, not a parameter of `{spec.name}`: move it out of `with:`"
        ctx.sink.report("GW312", span, msg, notes=notes)
        return
    if spec.name == "container@v1" and name in _BUILD_KEYS:
        notes.append("`container@v1` runs an existing image; build and push the image first "
                     "(set registries in `defaults.resources.container-registries`); environment "
                     "variables go in the job's `env:` map")
        ctx.sink.report("GW312", span, f"`container@v1` has no parameter `{name}`", notes=notes)
        return
    if spec.target and name in ("image", "script", "args", "command"):
        notes.append(f"`{spec.name}` only fetches data; run commands in a separate `script@v1` job "
                     "that reads its output")
        ctx.sink.report("GW312", span, f"`{spec.name}` has no parameter `{name}`", notes=notes)
        return
    close = suggest(name, spec.params)
    if close and close in job.params:
        ctx.sink.report("GW312", span, f"`{spec.name}` has no parameter `{name}`; `{close}` is given already: "
                        "remove this one", notes=notes)
    elif close:
        ctx.sink.report("GW312", span, f"`{spec.name}` has no parameter `{name}`; did you mean `{close}`?",
                        notes=notes, fix=rename_fix(span, name, close))
    else:
        owners = [a for a, s in catalogue().items() if name in s.params]
        if owners:
            notes.append(f"`{name}` is a parameter of {quote_list(owners)}")
        ctx.sink.report("GW312", span, f"`{spec.name}` has no parameter `{name}`", notes=notes)


def check_param_type(ctx: Context, param: Param, pspec: ParamSpec) -> bool:
    """GW203 for a parameter of the wrong type; whether the value can be checked further."""
    r = ctx.reporter
    what = f"`{pspec.name}`"
    if pspec.type == "string-list":
        if param.shape != "list":
            notes = []
            if param.shape == "scalar" and param.value.is_str:
                notes.append("write a list: `[bash, -c, \"…\"]`, one argument per item")
            r.wrong_type(param.value.node, "a list of strings", what, notes=notes)
            return False
        ok = True
        for i, item in enumerate(param.items or []):
            node = item.node
            if isinstance(node, Scalar) and item.is_str:
                continue
            ok = False
            if isinstance(node, Seq) and all(x.end_line == node.line for x in node.items):
                # `- -` or `- - -c`: YAML reads a `- ` after the item's dash as a nested list (the
                # classic case of SPEC.md §1). Quote exactly what was written on that line.
                line = ctx.source.line_text(node.line)
                raw = line[node.column - 1:].split(" #", 1)[0].rstrip()
                quoted = yaml_quote(raw)
                span = Span(ctx.file, node.line, node.column, node.line, node.column + len(raw))
                ctx.sink.report("GW203", span, f"{what}[{i}] must be a string, not a list",
                                notes=(f"`- {raw}` is read as a nested list: a `- ` after the item's dash starts "
                                       f"a new list; quote the item: `- {quoted}`",),
                                fix=Fix(f"quote the item as {quoted}", (Edit(span, quoted),)))
                continue
            r.wrong_type(node, "a string", f"{what}[{i}]")
        return ok
    if param.shape != "scalar" or not param.value.is_str:
        notes = []
        if pspec.name == "script" and param.shape == "list":
            notes.append("write the script as one block: `script: |-` followed by its lines")
        if param.shape == "scalar":
            r.wrong_type(param.value.node, "a string", what, notes=notes)
        else:
            ctx.sink.report("GW203", param.value.span, f"{what} must be a string, not {describe(param.value.node)}",
                            notes=tuple(notes))
        return False
    return True


def check_secret_name(ctx: Context, value: Value, e: X.Expr) -> bool:
    """GW333 for a secret name outside `[A-Za-z_][A-Za-z0-9_-]*`."""
    if X.valid_secret_name(e.name):
        return True
    ctx.sink.report("GW333", locate(ctx.source, value.node, e.offsets[0], len(e.name)),
                    f"\"{e.name}\" is not a valid secret name",
                    notes=("secret names match `[A-Za-z_][A-Za-z0-9_-]*`",))
    return False


def check_secret_param(ctx: Context, param: Param, pspec: ParamSpec, spec: ActionSpec) -> None:
    """GW314: secret-only parameters must be `secret:NAME`."""
    e = param.value.expr
    if isinstance(e, X.Expr) and e.kind == X.SECRET:
        check_secret_name(ctx, param.value, e)
        return
    if isinstance(e, X.ExprError):
        ctx.sink.report("GW301", locate(ctx.source, param.value.node, e.offset, max(e.end - e.offset, 1)),
                        e.message)
        return
    ctx.sink.report("GW314", param.value.span,
                    f"`{pspec.name}` of `{spec.name}` must be a secret (`secret:NAME`), not a literal value",
                    notes=("create a Gradient secret and write `secret:NAME`; a literal would also be "
                           "written into logs and generated files",))


def check_secret_in_command(ctx: Context, param: Param, spec: ActionSpec) -> None:
    """GW315: `secret:NAME` inside a command or args is not substituted."""
    values = param.items if param.shape == "list" else [param.value]
    for v in values or []:
        if not v.is_str or "secret:" not in v.value:
            continue
        for m in _SECRET_IN_TEXT.finditer(v.value):
            span = locate(ctx.source, v.node, m.start(), m.end() - m.start())
            ctx.sink.report("GW315", span,
                            f"`{m.group()}` in `{param.name.text}` is not substituted: the text reaches the container as written",
                            notes=(f"put `VAR: {m.group()}` in the job's `env:` and use `$VAR`",))


def check_enum(ctx: Context, param: Param, pspec: ParamSpec) -> None:
    """GW328/GW329 for create-model's type (any enum parameter)."""
    value = param.value.value
    if value in pspec.enum:
        return
    span = param.value.span
    if value in pspec.warn:
        ctx.sink.report("GW329", span, f"`{value}` is not in the documented list of {quote_list(pspec.enum)}",
                        notes=("it appears in one tutorial only; Gradient may reject it",))
        return
    close = suggest(value, pspec.enum)
    notes = (f"`{pspec.name}` is one of {quote_list(pspec.enum)}",)
    if close:
        ctx.sink.report("GW328", span, f"unknown {pspec.name} \"{value}\"; did you mean \"{close}\"?",
                        notes=notes, fix=rename_fix(span, value, close))
    else:
        ctx.sink.report("GW328", span, f"unknown {pspec.name} \"{value}\"", notes=notes)


def check_context_values(ctx: Context, job: Job, has_trigger: bool) -> None:
    """GW316 (unknown path) and GW317 (no trigger, no context block)."""
    wf = ctx.wf
    for param in job.params.values():
        e = param.value.expr
        if not isinstance(e, X.Expr) or e.kind != X.CONTEXT:
            continue
        path = e.context_path
        if path not in X.GITHUB_CONTEXT and path not in wf.context:
            # Suggest only a spelling of url/ref: `.sha` is not a typo of `.url`.
            head, _, last = path.rpartition(".")
            near = difflib.get_close_matches(last.lower(), ("url", "ref"), n=1, cutoff=0.6) \
                if head == "event.github" else []
            close = f"{head}.{near[0]}" if near else None
            if close is None and last in ("url", "ref") and ("github" in head.split(".") or head == "event"):
                close = f"event.github.{last}"  # a level left out: `context.github.ref`
            span = locate(ctx.source, param.value.node, 0, len(e.text))
            msg = f"unknown context value `{e.text}`"
            fix = None
            if close:
                msg += f"; did you mean `context.{close}`?"
                fix = rename_fix(span, e.text, f"context.{close}")
            ctx.sink.report("GW316", span, msg,
                            notes=("GitHub-triggered runs fill in `context.event.github.url` and "
                                   "`context.event.github.ref`",), fix=fix)
            continue
        if not has_trigger and path not in wf.context:
            why = ("its `context:` block does not set it" if wf.context_node is not None
                   else "this workflow has no `on: github` trigger or `context:` block")
            ctx.sink.report("GW317", param.value.span,
                            f"`{e.text}` has a value only in GitHub-triggered runs, and {why}",
                            notes=("a CLI run fails with \"Github url is invalid\"; `gwfc run` takes it from "
                                   f"`--context {path}=VALUE` or the git repository of the file",))


def check_contract(ctx: Context, job: Job, spec: ActionSpec) -> None:
    """GW318/GW336: the inputs and outputs an action requires (create-model)."""
    bindings = ctx.res.bindings.get(job.name.text, {})
    for name, kind in spec.contract_inputs:
        inp = job.inputs.get(name)
        if inp is None:
            contract = {n for n, _ in spec.contract_inputs}
            close = suggest(name, [n for n in job.inputs if n not in contract])
            if close:  # `modl:` for `model:`
                span = job.inputs[close].name.span
                ctx.sink.report("GW318", span, f"`{spec.name}` reads its {kind} input as `{name}`, not `{close}`; "
                                f"did you mean `{name}`?", fix=rename_fix(span, close, name))
                continue
            ctx.sink.report("GW318", job.name.span, f"`{spec.name}` reads the {kind} input `{name}`, which "
                            f"{_where(job)} does not declare",
                            notes=(f"add `inputs: {{{name}: PRODUCER.outputs.NAME}}` or an inline "
                                   f"`{{type: {kind}, with: {{ref: …}}}}`",))
            continue
        b = bindings.get(name)
        if inp.decl is not None and inp.decl.kind != kind:
            ctx.sink.report("GW318", inp.decl.type_value.span,
                            f"`{spec.name}` reads `{name}` as a {kind}, not a {inp.decl.kind}")
        elif b is not None and b.kind != kind:
            ctx.sink.report("GW336", inp.name.span,
                            f"`{spec.name}` reads `{name}` as a {kind}, but it is bound to a {b.kind}",
                            notes=(f"`{inp.ref.text if inp.ref else name}` is a {b.kind}",))
    for name, kind in spec.contract_outputs:
        out = job.outputs.get(name)
        if out is None:
            ctx.sink.report("GW318", job.name.span, f"`{spec.name}` writes the {kind} output `{name}`, which "
                            f"{_where(job)} does not declare",
                            notes=(f"add `outputs: {{{name}: {{type: {kind}}}}}`",))
        elif out.decl.kind != kind:
            ctx.sink.report("GW318", out.decl.type_value.span,
                            f"`{spec.name}` writes `{name}` as a {kind}, not a {out.decl.kind}")


def check_target(ctx: Context, job: Job, spec: ActionSpec) -> None:
    """GW319/GW335: git-checkout and s3-download write into one volume/dataset output or `path`."""
    targets = [o for o, out in job.outputs.items() if out.decl.kind in ("volume", "dataset")]
    beta = [i for i, inp in job.inputs.items() if inp.decl is not None and inp.decl.kind == "volume"]
    path = job.params.get("path")
    if spec.name == "s3-download@v1":
        url = job.params.get("url")
        if url is not None and url.value.is_str and not re.match(r"s3://[^/\s]+", url.value.value) \
                and not isinstance(url.value.expr, X.Expr):
            ctx.sink.report("GW335", url.value.span, "`s3-download@v1` reads an `s3://bucket/path` URL",
                            notes=("for an S3-compatible store give its URL as `endpoint:` and the bucket as "
                                   "`url: s3://bucket/…`",))
    if path is not None and path.value.is_str:
        p = path.value.value
        if ".." in p.split("/"):
            ctx.sink.report("GW319", path.value.span, "`path` must not contain `..`: it must stay under "
                            "`/outputs/<an output>`")
            return
        parts = posixpath.normpath(p).split("/")
        if len(parts) < 3 or parts[0] != "" or parts[1] != "outputs" or parts[2] not in targets:
            under_beta = len(parts) >= 3 and parts[1] == "inputs" and parts[2] in beta
            if not under_beta:
                ctx.sink.report("GW319", path.value.span,
                                f"`path` must lie under `/outputs/<an output>`; {_where(job)} writes "
                                + (quote_list(f"/outputs/{t}" for t in targets) if targets else "no volume or dataset output"),
                                notes=("the action writes into one of the job's volume or dataset outputs",))
        return
    if len(targets) + len(beta) == 1:
        return
    if job.broken_outputs or job.broken_inputs:
        return  # an output or input it might write to did not build: reported there
    if not targets and not beta:
        strings = [o for o, out in job.outputs.items() if out.decl.kind == "string"]
        notes = ["declare one, e.g. `outputs: {repo: {type: volume}}`"]
        if strings:
            notes.append(f"string outputs ({quote_list(strings)}) cannot hold files")
        ctx.sink.report("GW319", job.name.span, f"`{spec.name}` in {_where(job)} has no volume or dataset output to write into",
                        notes=notes)
    else:
        ctx.sink.report("GW319", job.name.span,
                        f"`{spec.name}` in {_where(job)} has several outputs ({quote_list(targets + beta)}) and no `path`",
                        notes=("give `path: /outputs/NAME` to say where the data goes",))

