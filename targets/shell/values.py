"""Values from outside a workflow (DESIGN.md, Values from outside; SPEC.md §9, §10):
workflow inputs from `--input NAME=VALUE` and `--inputs FILE`, and context values from
`--context`, the workflow's `context:` block, or the git repository the workflow lives in.

Problems are GW604 diagnostics in a sink; nothing here raises for a user error.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.expr import GITHUB_CONTEXT, valid_secret_name
from gwfc.compiler.ir import IR
from gwfc.compiler.loader import load
from gwfc.compiler.nodes import Map, Scalar
from gwfc.compiler.source import Span

#: How many malformed lines of a secrets file are named one by one.
MAX_REPORTED = 10


def secrets_file_problems(data: bytes) -> list[int]:
    """The numbers of the lines of a secrets file that run.sh could not read as a secret
    (templates/engine/values.sh, gw_load_secrets_file, reads the same way): after a `\r`
    at its end, a line that is blank or starts with `#` (after blanks) is skipped, `export `
    before NAME is allowed; any other line needs a NAME (blanks around it allowed) and `=`."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    bad: list[int] = []
    for n, line in enumerate(lines, 1):
        line = line.removesuffix(b"\r")
        stripped = line.lstrip()
        if not stripped or stripped.startswith(b"#"):
            continue
        line = re.sub(rb"\Aexport\s+", b"", stripped)
        key, sep, _ = line.partition(b"=")
        if not sep or not valid_secret_name(key.rstrip().decode("latin-1")):
            bad.append(n)
    return bad


def _known(ir: IR) -> str:
    return ", ".join(f"\"{i.name}\"" for i in ir.inputs) or "none"


def input_flags(pairs: list[str], ir: IR, sink: Sink) -> dict[str, str]:
    """`--input NAME=VALUE` items; an unknown NAME or a missing `=` is GW604."""
    kinds = {i.name: i.kind for i in ir.inputs}
    out: dict[str, str] = {}
    for p in pairs:
        name, sep, value = p.partition("=")
        span = Span.point("--input", 1, 1)
        if not sep or not name:
            sink.report("GW604", span, f"--input takes NAME=VALUE, not \"{p}\"")
        elif name not in kinds:
            sink.report("GW604", span, f"the workflow has no input \"{name}\"", notes=(f"its inputs are {_known(ir)}",))
        elif kinds[name] == "volume":
            sink.report("GW604", span, f"input \"{name}\" is a volume: it takes no value")
        else:
            out[name] = value
    return out


def inputs_file(path: Path, ir: IR, sink: Sink) -> dict[str, str]:
    """The Gradient inputs file (SPEC.md §10): YAML or JSON, per input `{ref|id: DATASET}`
    or `{value: STRING}`, as a bare map or wrapped in `inputs:`. Problems are GW604."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        sink.report("GW604", Span.point(name, 1, 1), f"cannot read the inputs file: {exc.strerror or exc}")
        return {}
    doc = load(data, name, sink)
    if doc is None or doc.root is None:
        return {}
    root = doc.root
    if not isinstance(root, Map):
        sink.report("GW604", root.span(name), "an inputs file is a map of input names")
        return {}
    kinds = {i.name: i.kind for i in ir.inputs}
    wrapped = root.get("inputs")
    # `inputs:` wraps the map, unless the workflow has an input named "inputs" given here.
    if len(root.pairs) == 1 and isinstance(wrapped, Map) and not ("inputs" in kinds and _is_entry(wrapped)):
        root = wrapped
    out: dict[str, str] = {}
    for key, node in root.pairs:
        iname = key.text
        if iname not in kinds:
            sink.report("GW604", key.span(name), f"the workflow has no input \"{iname}\"",
                        notes=(f"its inputs are {_known(ir)}",))
            continue
        kind = kinds[iname]
        if not isinstance(node, Map):
            want = "{ref: DATASET}" if kind == "dataset" else "{value: TEXT}"
            sink.report("GW604", node.span(name), f"input \"{iname}\" takes a map such as {want}")
            continue
        keys = set(node.keys())
        if kind == "dataset":
            allowed = {"ref", "id"}
            if keys >= allowed:
                sink.report("GW604", node.span(name), f"input \"{iname}\" gives both `ref` and `id`; keep one")
                continue
            field_name = "ref" if "ref" in keys else "id" if "id" in keys else ""
        elif kind == "string":
            allowed = {"value"}
            field_name = "value" if "value" in keys else ""
        else:
            sink.report("GW604", key.span(name), f"input \"{iname}\" is a volume: it takes no value")
            continue
        for extra in sorted(keys - allowed):
            k = node.key_node(extra)
            sink.report("GW604", (k or node).span(name), f"input \"{iname}\" ({kind}) takes no \"{extra}\"",
                        notes=(f"a {kind} input takes " + ("`ref` (or `id`)" if kind == "dataset" else "`value`"),))
        if not field_name:
            continue
        v = node.get(field_name)
        if not isinstance(v, Scalar) or not v.is_str:
            sink.report("GW604", (v or node).span(name), f"input \"{iname}\": `{field_name}` must be a string; quote it")
            continue
        out[iname] = v.value
    return out


def _is_entry(m: Map) -> bool:
    return set(m.keys()) <= {"ref", "id", "value"}


@dataclass(slots=True)
class ContextValues:
    """Context values for a run: those given, and those found in git (with notes)."""

    values: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def context_values(ir: IR, given: dict[str, str], workflow_file: Path | None) -> ContextValues:
    """Values for the context paths the workflow reads: `--context`, else the workflow's
    `context:` block (run.sh has it), else the git repository of the workflow file for
    `event.github.url` (its top as a `file://` URL) and `event.github.ref` (its HEAD)."""
    out = ContextValues({k.removeprefix("context."): v for k, v in given.items()})
    block = dict(ir.context)
    missing = [p for p in ir.context_used if p not in out.values and p not in block and p in GITHUB_CONTEXT]
    if not missing or workflow_file is None:
        return out
    repo = git_repository(workflow_file.resolve().parent)
    if repo is None:
        return out
    top, head = repo
    for p in missing:
        value = f"file://{top}" if p == "event.github.url" else head
        out.values[p] = value
        out.notes.append(f"context.{p} is {value} (the git repository of {workflow_file.name}); "
                         f"--context {p}=VALUE sets it")
    return out


def git_repository(where: Path) -> tuple[str, str] | None:
    """(top directory, HEAD commit) of the git repository holding `where`, or None."""
    try:
        top = subprocess.run(["git", "-C", str(where), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=False)
        if top.returncode != 0:
            return None
        head = subprocess.run(["git", "-C", top.stdout.strip(), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=False)
        if head.returncode != 0:
            return None
    except OSError:
        return None
    return top.stdout.strip(), head.stdout.strip()
