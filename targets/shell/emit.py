"""IR → run.sh (DESIGN.md, Backends: shell).

The script is rendered from Jinja2 templates (templates/run.sh.j2 and the engine partials in
templates/engine/) with `StrictUndefined`. Every interpolated value goes through the `q`
filter (`shlex.quote`), and the environment's `finalize` refuses any value that did not, so
no text of the workflow can become shell code: scripts, args, env values and input values
reach the jobs byte for byte. The engine partials hold no interpolation at all.

The output is deterministic: it depends on the IR and the options only (no time, no path of
the build machine: the workflow file appears by its base name).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from gwfc.compiler.ir import IR, ContextRef, IRValue, SecretRef, Step

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Quoted(str):
    """Text already quoted for bash: the only kind of value the templates may print."""

    __slots__ = ()


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
    quoted = shlex.quote(value)
    return Quoted(quoted if quoted.startswith("'") else f"'{quoted}'")


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
    return env


def secret_variable(name: str) -> str:
    """The environment variable that gives secret NAME to `gwfc run` and run.sh."""
    return "GWFC_SECRET_" + re.sub(r"[^A-Z0-9_]", "_", name.upper())


def display_name(path: str) -> str:
    """The workflow file as the script names it: its base name, in safe characters."""
    base = PurePosixPath(path.replace("\\", "/")).name or "workflow"
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)


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
            a, b = names.get(s.step, s.step), s.output
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
        "after": [names.get(a, a) for a in step.after],
    }


def render(ir: IR, options: Options, names: dict[str, str], dir_name: str,
           inputs: dict[str, str] | None = None, context: dict[str, str] | None = None) -> str:
    """The text of run.sh. `names` maps job names to the script's words; `inputs` and
    `context` are compile-time values that replace the workflow's defaults."""
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
        secrets=[(s, secret_variable(s)) for s in ir.secrets],
    )
