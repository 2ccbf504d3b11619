"""IR → run.sh (DESIGN.md, Backends: shell).

The script is rendered from Jinja2 templates (templates/run.sh.j2 and the engine partials in
templates/engine/) with `StrictUndefined`. Every interpolated value goes through the `q`
filter (`shlex.quote`) or, in a comment, the `comment` filter (control and separator
characters replaced: a comment cannot end early); the environment's `finalize` refuses any
value that did neither, so no text of the workflow can become shell code: scripts, args, env
values and input values reach the jobs byte for byte. The engine partials hold no
interpolation at all.

Text that the script uses as a key, a `case` label or part of a file name (job words, input,
output, secret and context names, paths) is checked against a strict pattern when the script
is written (`unsafe()`, UnsafeText), whatever the IR's schema or the front end said: the
target's support check reports the same problems as GW504.

The output is deterministic: it depends on the IR and the options only (no time, no path of
the build machine: the workflow file appears by its base name).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from gwfc.compiler.ir import IR, ContextRef, IRValue, SecretRef, Step

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Quoted(str):
    """Text already quoted for bash: the only kind of value the templates may print."""

    __slots__ = ()


class UnsafeText(ValueError):
    """Text of the IR that run.sh cannot hold where it has to go (a NUL byte; a key, `case`
    label or file name that is not a plain word). The support check reports it as GW504
    first; this is the last guard."""


#: A key, `case` label and file name in run.sh: job words, input, output, secret names.
WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
#: A context path (`event.github.url`).
CONTEXT_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)*")
#: The workflow's directory under runs/: its name as the IR keeps it.
RUN_DIR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
#: Kinds the engine knows (any other would make it guess).
KINDS = ("string", "volume", "dataset")
SOURCES = ("step", "workflow", "dataset", "string")


def quote(value: Any) -> Quoted:
    """The `q` filter: one shell word that bash reads back as exactly `value`.

    `shlex.quote`, with text that it leaves bare single-quoted all the same (`'job-1'`), so
    every string in the script reads as data (ShellCheck would take `a[job-2]=job-1` for
    arithmetic). Numbers stay bare.
    """
    if isinstance(value, Quoted):
        return value
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined: raises UndefinedError naming the missing value
    if isinstance(value, int) and not isinstance(value, bool):
        return Quoted(str(value))
    if not isinstance(value, str):
        raise TypeError(f"only strings and numbers are quoted into the shell script, not {value!r}")
    if "\x00" in value:
        raise UnsafeText(f"a value holds a NUL character, which bash cannot hold: {value!r}")
    quoted = shlex.quote(value)
    return Quoted(quoted if quoted.startswith("'") else f"'{quoted}'")


def comment(value: Any) -> Quoted:
    """The `comment` filter: text for a `#` comment, never more than the rest of its line.

    Control characters (a newline ends a comment: the rest would run as code), line and
    paragraph separators and invisible format characters (bidirectional overrides) become
    `?`. Only for comments (a test holds the templates to that): it does not quote.
    """
    if isinstance(value, jinja2.Undefined):
        str(value)
    text = str(value)
    return Quoted("".join(c if c == " " or unicodedata.category(c)[0] not in "CZ" else "?" for c in text))


def _finalize(value: Any) -> Any:
    if not isinstance(value, Quoted):
        raise jinja2.TemplateError(f"a value reached the shell script without the q filter: {value!r}")
    return value


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the shell target (also used by tests), built once: it caches
    the compiled templates."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        # Bash writes `${#array[@]}`; Jinja's default comment opener `{#` would eat it.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.filters["q"] = quote
    env.filters["comment"] = comment
    return env


def secret_variable(name: str) -> str:
    """The environment variable that gives secret NAME to `gwfc run` and run.sh."""
    return "GWFC_SECRET_" + re.sub(r"[^A-Z0-9_]", "_", name.upper())


def secret_variables(secrets: tuple[str, ...]) -> list[tuple[str, str]]:
    """(secret name, its variable) for run.sh; UnsafeText when two names share a variable
    (the support check reports it as GW501 first)."""
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for name in secrets:
        var = secret_variable(name)
        if seen.setdefault(var, name) != name:
            raise UnsafeText(f"secrets {seen[var]!r} and {name!r} would both be read from {var}")
        out.append((name, var))
    return out


def run_dir_name(name: str) -> str:
    """The workflow's directory under `<state>/runs/`: its name, which the IR keeps to
    letters, digits, `.`, `_` and `-` (so two names never share a directory); any other
    name (an IR that was not checked) in safe characters."""
    if RUN_DIR.fullmatch(name):
        return name
    word = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:63].lstrip("._-")
    return word or "workflow"


def display_name(path: str) -> str:
    """The workflow file as the script names it: its base name as it is (`my flow.yaml`,
    `hé:1.yaml`). It is printed in comments only, through the `comment` filter, which keeps
    it on its line; no path of the build machine is written."""
    return PurePosixPath(path.replace("\\", "/")).name or "workflow"


def step_record_hash(step_json: dict[str, Any]) -> str:
    """A hash of a step's IR record without its source spans (what --resume compares: a
    change of the job's definition runs it again; moving it in the file does not)."""
    return hashlib.sha256(json.dumps(_without_spans(step_json), sort_keys=True,
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def _without_spans(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _without_spans(v) for k, v in d.items() if k != "span"}
    if isinstance(d, list):
        return [_without_spans(v) for v in d]
    return d


def _value(v: IRValue) -> tuple[str, str]:
    if isinstance(v, SecretRef):
        return "secret", v.secret
    if isinstance(v, ContextRef):
        return "context", v.context
    return "literal", v


def clean_path(path: str) -> bool:
    """An absolute path in the job of at least two parts, none empty, `.` or `..`, without
    control characters."""
    parts = path.split("/")
    return (path.startswith("/") and len(parts) >= 3 and not re.search(r"[\x00-\x1f\x7f]", path)
            and all(p and p not in (".", "..") for p in parts[1:]))


def unsafe(ir: IR, names: dict[str, str], context: dict[str, str] | None = None) -> list[tuple[str | None, str]]:
    """What run.sh cannot hold, as (job name or None, message): every text that becomes a key,
    a `case` label, a list of words or part of a file name is checked here, and every
    reference between them. Empty for any IR that the front end made."""
    out: list[tuple[str | None, str]] = []

    def need(ok: bool, job: str | None, message: str) -> None:
        if not ok:
            out.append((job, message))

    def word(text: object) -> bool:
        return isinstance(text, str) and WORD.fullmatch(text) is not None

    if "\x00" in ir.name:
        out.append((None, "the workflow name holds a NUL character"))
    wf_inputs = {}
    for i in ir.inputs:
        need(word(i.name), None, f"workflow input {i.name!r} is not a name run.sh can use "
             "(letters, digits, '_' and '-')")
        need(i.kind in KINDS, None, f"workflow input {i.name!r} has the unknown kind {i.kind!r}")
        wf_inputs[i.name] = i.kind
    for path in [*(k for k, _ in ir.context), *(context or {}), *ir.context_used]:
        need(isinstance(path, str) and CONTEXT_PATH.fullmatch(path) is not None, None,
             f"context path {path!r} is not a dotted name run.sh can use")
    for secret in ir.secrets:
        need(word(secret), None, f"secret name {secret!r} is not a name run.sh can use (letters, digits, '_' and '-')")
    known = {s.name for s in ir.steps}
    for step in ir.steps:
        job = step.name
        need(word(names.get(job)), job, f"the job's name becomes {names.get(job)!r}, which is not a word run.sh "
             "can use (it must start with a letter, a digit or '_')")
        for a in step.after:
            need(a in known and a != job, job, f"it waits for {a!r}, which is not another job of the workflow")
        ports_in: set[str] = set()
        for si in step.inputs:
            need(word(si.name), job, f"input {si.name!r} is not a name run.sh can use as a file name")
            need(si.kind in KINDS, job, f"input {si.name!r} has the unknown kind {si.kind!r}")
            src = si.source
            need(src.kind in SOURCES, job, f"input {si.name!r} has the unknown source {src.kind!r}")
            if src.kind == "step":
                need(src.step in known and src.step in step.after and word(src.output), job,
                     f"input {si.name!r} reads {src.step!r} output {src.output!r}, which is not an output "
                     "of a job it waits for")
            elif src.kind == "workflow":
                need(src.input in wf_inputs, job, f"input {si.name!r} reads the unknown workflow input {src.input!r}")
            ports_in.add(si.name)
        ports_out: set[str] = set()
        for o in step.outputs:
            need(word(o.name), job, f"output {o.name!r} is not a name run.sh can use as a file name")
            need(o.kind in KINDS, job, f"output {o.name!r} has the unknown kind {o.kind!r}")
            ports_out.add(o.name)
        for m in step.run.mounts:
            if m.input:
                need(m.input in ports_in and clean_path(m.path), job, f"cannot mount input {m.input!r} at {m.path!r}")
            else:
                need(m.output in ports_out and m.path == f"/outputs/{m.output}", job,
                     f"output {m.output!r} must be at /outputs/{m.output}, not {m.path!r}")
        for path, _ in step.run.files:
            need(clean_path(path) and path.split("/")[1] not in ("inputs", "outputs", "proc", "dev", "tmp", "sys"),
                 job, f"cannot place a file at {path!r}")
        refs = [e.value for e in step.run.env]
        if step.op is not None:
            refs += [v for _, v in step.op.params]
            for k, _ in step.op.params:
                need(word(k), job, f"operation parameter {k!r} is not a name run.sh can use")
        for v in refs:
            if isinstance(v, SecretRef):
                need(word(v.secret), job, f"secret name {v.secret!r} is not a name run.sh can use")
            elif isinstance(v, ContextRef):
                need(CONTEXT_PATH.fullmatch(v.context) is not None, job,
                     f"context path {v.context!r} is not a dotted name run.sh can use")
        for e in step.run.env:
            need(e.name != "" and not re.search(r"[=\x00-\x1f\x7f]", e.name), job,
                 f"environment variable name {e.name!r} holds '=' or a control character")
    return out


@dataclass(frozen=True, slots=True)
class Options:
    """What emit reads of the options (kept apart from the options dataclass)."""

    runtime: str
    jobs: int
    state: str
    timeout: int


def _step_view(step: Step, record: str, names: dict[str, str], source: str) -> dict[str, Any]:
    r = step.run
    env = []
    for e in r.env:
        kind, value = _value(e.value)
        env.append({"name": e.name, "kind": kind, "value": value})
    inputs = []
    for i in step.inputs:
        s = i.source
        if s.kind == "step":
            a, b = names[s.step], s.output
        elif s.kind == "workflow":
            a, b = s.input, ""
        elif s.kind == "dataset":
            a, b = s.ref, ""
        else:
            a, b = s.value, ""
        inputs.append({"name": i.name, "kind": i.kind, "source": s.kind, "a": a, "b": b})
    mounts = [{"path": m.path, "role": "input" if m.input else "output", "name": m.input or m.output}
              for m in r.mounts]
    op = None
    if step.op is not None:
        params = []
        for k, v in step.op.params:
            kind, value = _value(v)
            params.append({"name": k, "kind": kind, "value": value})
        op = {"kind": step.op.kind, "params": params}
    line = step.span.line if step.span is not None else 0
    return {
        "name": names[step.name],
        "uses": step.uses,
        "where": f"{source}:{line}" if line else source,
        "record": record,
        "image": r.image,
        "command": None if r.command is None else list(r.command),
        "args": None if r.args is None else list(r.args),
        "files": list(r.files),
        "env": env,
        "inputs": inputs,
        "outputs": [{"name": o.name, "kind": o.kind, "dataset": o.dataset} for o in step.outputs],
        "mounts": mounts,
        "op": op,
        "after": [names[a] for a in step.after],
    }


def render(ir: IR, options: Options, names: dict[str, str], dir_name: str,
           inputs: dict[str, str] | None = None, context: dict[str, str] | None = None) -> str:
    """The text of run.sh. `names` maps job names to the script's words; `inputs` and
    `context` are compile-time values that replace the workflow's defaults. UnsafeText when
    the IR holds what the script cannot (see `unsafe`)."""
    problems = unsafe(ir, names, context)
    if problems:
        job, message = problems[0]
        raise UnsafeText((f"job {job!r}: " if job is not None else "") + message)
    if not RUN_DIR.fullmatch(dir_name):
        raise UnsafeText(f"the run directory name {dir_name!r} is not a plain name")
    source = display_name(ir.source_file)
    steps_json = ir.to_json()["steps"]
    steps = [_step_view(s, step_record_hash(j), names, source) for s, j in zip(ir.steps, steps_json, strict=True)]
    given = inputs or {}
    wf_inputs = [{"name": i.name, "kind": i.kind, "default": given.get(i.name, i.default)} for i in ir.inputs]
    ctx = dict(ir.context)
    ctx.update(context or {})
    tmpl = environment().get_template("run.sh.j2")
    return tmpl.render(
        name=ir.name,
        dir=dir_name,
        source=source,
        options=options,
        steps=steps,
        inputs=wf_inputs,
        context=sorted(ctx.items()),
        secrets=secret_variables(ir.secrets),
    )
