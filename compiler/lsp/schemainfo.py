"""What the format says about a place in a workflow: its keys, their descriptions, its values.

Read from grammar/workflow.schema.json (the published contract, `schema.workflow_schema()`) and,
for the `with` parameters of a job, from the action catalogue (`catalogue.catalogue()`), which
has the same parameters and says more (required, secret-only, allowed values). The path is the
keys from the top (`("jobs", "train", "outputs", "model")`); names of jobs, inputs and outputs
follow the schema's `additionalProperties`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from gwfc.compiler.catalogue import ActionSpec, catalogue
from gwfc.compiler.config import Config
from gwfc.compiler.profiles import InstanceType
from gwfc.compiler.schema import workflow_schema

from .symbols import Symbols


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key the schema allows at a place."""

    name: str
    description: str = ""
    required: bool = False
    #: "object", "array", "string", … ("" when the schema does not say).
    type: str = ""
    secret: bool = False
    deprecated: bool = False


def _deref(s: dict[str, Any]) -> dict[str, Any]:
    defs = workflow_schema()["definitions"]
    seen = 0
    while "$ref" in s and seen < 20:
        s = defs[s["$ref"].rsplit("/", 1)[-1]]
        seen += 1
    return s


def _description(s: dict[str, Any]) -> str:
    """A schema's description, following `$ref` when it has none of its own."""
    seen = 0
    while seen < 20:
        if s.get("description"):
            return str(s["description"])
        if "$ref" not in s:
            return ""
        s = _deref({"$ref": s["$ref"]})
        seen += 1
    return ""


def _type(s: dict[str, Any]) -> str:
    s = _deref(s)
    t = s.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "")
    if t:
        return str(t)
    if "enum" in s:
        return "string"
    for branch in s.get("anyOf", ()):
        bt = _type(branch)
        if bt:
            return bt
    return ""


def _step(s: dict[str, Any], key: str) -> dict[str, Any] | None:
    s = _deref(s)
    props = s.get("properties", {})
    if key in props:
        return props[key]  # type: ignore[no-any-return]
    extra = s.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    for branch in (*s.get("anyOf", ()), *s.get("oneOf", ())):
        b = _deref(branch)
        if b.get("type") == "object" or "properties" in b:
            found = _step(b, key)
            if found is not None:
                return found
    return None


def _action_of(path: tuple[str, ...], symbols: Symbols | None) -> ActionSpec | None:
    if len(path) >= 2 and path[0] == "jobs" and symbols is not None:
        job = symbols.jobs.get(path[1])
        if job is not None:
            return catalogue().get(job.action)
    return None


def _io_kind(path: tuple[str, ...], symbols: Symbols | None) -> str:
    """The `type` of the input or output definition at `path` (`("inputs", N)` or a job's)."""
    if symbols is None:
        return ""
    if len(path) == 2 and path[0] == "inputs":
        wi = symbols.inputs.get(path[1])
        return wi.kind if wi is not None else ""
    if len(path) == 4 and path[0] == "jobs" and path[2] in ("inputs", "outputs"):
        job = symbols.jobs.get(path[1])
        if job is not None:
            table = job.outputs if path[2] == "outputs" else job.inputs
            io = table.get(path[3])
            return io.kind if io is not None else ""
    return ""


def schema_at(path: tuple[str, ...], symbols: Symbols | None = None) -> dict[str, Any] | None:
    """The schema of the value at `path`, or None where the schema says nothing."""
    defs = workflow_schema()["definitions"]
    s: dict[str, Any] | None = workflow_schema()
    for i, key in enumerate(path):
        if s is None:
            return None
        prefix = path[:i]
        if key == "with" and len(prefix) == 2 and prefix[0] == "jobs":
            spec = _action_of(prefix, symbols)
            name = f"with-{spec.name.split('@')[0]}" if spec is not None else ""
            s = defs.get(name, _step(s, key))
            continue
        if key == "with" and ((len(prefix) == 2 and prefix[0] == "inputs") or len(prefix) == 4):
            kind = _io_kind(prefix, symbols)
            s = defs.get({"dataset": "datasetWith", "string": "stringWith"}.get(kind, ""), _step(s, key))
            continue
        s = _step(s, key)
    return _deref(s) if s is not None else None


def keys_at(path: tuple[str, ...], symbols: Symbols | None = None) -> list[KeyInfo]:
    """The keys allowed in the map at `path` (its `with` parameters for a job's `with`)."""
    if len(path) == 3 and path[0] == "jobs" and path[2] == "with":
        spec = _action_of(path[:2], symbols)
        if spec is not None:
            return [KeyInfo(p.name, p.description, p.required, "array" if p.type == "string-list" else "string",
                            p.secret, bool(p.alias_of)) for p in spec.params.values()]
    s = schema_at(path, symbols)
    if s is None:
        return []
    s = _deref(s)
    props: dict[str, Any] = dict(s.get("properties", {}))
    required = set(s.get("required", ()))
    for branch in (*s.get("anyOf", ()), *s.get("oneOf", ())):
        b = _deref(branch)
        props.update(b.get("properties", {}))
        required |= set(b.get("required", ()))
    return [KeyInfo(k, _description(v), k in required, _type(v), deprecated=bool(_deref(v).get("deprecated")))
            for k, v in props.items()]


def key_info(path: tuple[str, ...], key: str, symbols: Symbols | None = None) -> KeyInfo | None:
    """What the schema (or the catalogue) says about `key` in the map at `path`."""
    for k in keys_at(path, symbols):
        if k.name == key:
            return k
    parent = schema_at(path, symbols)
    if parent is not None:
        extra = _deref(parent).get("additionalProperties")
        if isinstance(extra, dict):
            return KeyInfo(key, _description(extra), False, _type(extra))
    return None


def values_at(path: tuple[str, ...], key: str, symbols: Symbols | None = None) -> list[tuple[str, str]]:
    """The values the schema lists for `key` in the map at `path`: (value, description)."""
    if len(path) == 3 and path[0] == "jobs" and path[2] == "with":
        spec = _action_of(path[:2], symbols)
        if spec is not None and key in spec.params:
            p = spec.params[key]
            return [(v, "") for v in p.enum]  # not `p.warn`: those only earn a warning (TensorRT)
    s = schema_at((*path, key), symbols)
    if s is None:
        return []
    if "enum" in s:
        desc = _description(s) if key == "type" else ""
        return [(str(v), desc) for v in s["enum"]]
    if "examples" in s:
        return [(str(v), "") for v in s["examples"]]
    return []


def action_markdown(spec: ActionSpec) -> str:
    """A hover text for an action: summary, parameters, contract, docs link."""
    lines = [f"**{spec.name}** — {spec.summary}", ""]
    for p in spec.params.values():
        flags = [w for w, on in (("required", p.required), ("secret only", p.secret),
                                 (f"alias of `{p.alias_of}`", bool(p.alias_of))) if on]
        extra = f" ({', '.join(flags)})" if flags else ""
        lines.append(f"- `{p.name}`{extra}: {p.description}")
    if spec.contract_inputs or spec.contract_outputs:
        lines.append("")
        io = [f"input `{n}` ({k})" for n, k in spec.contract_inputs] + \
             [f"output `{n}` ({k})" for n, k in spec.contract_outputs]
        lines.append("Requires " + ", ".join(io) + ".")
    if spec.docs:
        lines += ["", f"[Gradient actions reference]({spec.docs})"]
    return "\n".join(lines)


def instance_types(config: Config | None) -> dict[str, InstanceType]:
    """The machine types a workflow can name: the built-in table and the rows of gwfc.toml,
    as the profile of the configuration gives them."""
    return dict((config or Config()).profile().table)


@lru_cache(maxsize=1)
def _sources() -> dict[str, str]:
    """The abbreviations of the sources in grammar/instance-types.json (`MACH`, `CORPUS`, …)."""
    data = json.loads(resources.files("gwfc.grammar").joinpath("instance-types.json").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.get("sources", {}).items()}


def _number(x: float) -> str:
    return f"{x:g}"


def row_summary(row: InstanceType) -> str:
    """`4 CPUs, 8 GiB, no GPU` (one line, for a completion item)."""
    gpus = f"{row.gpus} × {row.gpu_kind or 'GPU'}" if row.gpus else "no GPU"
    return f"{_number(row.cpus)} CPUs, {_number(row.memory_gib)} GiB, {gpus}"


def instance_markdown(name: str, config: Config | None) -> str | None:
    """Hover text of an instance type: its row in the profile (clamped by the `local`
    profile) and where the row comes from; None when the name is unknown."""
    cfg = config or Config()
    row = cfg.profile().lookup(name)
    if row is None:
        return None
    where = row.source or "the built-in table"
    notes = [f"{k}: {v}" for k, v in _sources().items() if re.search(rf"\b{re.escape(k)}\b", where)]
    if notes:
        where += " — " + "; ".join(notes)
    lines = [f"**{row.name}** — instance type" + (f" (written `{name}`)" if row.name != name else ""), "",
             f"- CPUs: {_number(row.cpus)}", f"- memory: {_number(row.memory_gib)} GiB",
             f"- GPUs: {row.gpus}" + (f" × {row.gpu_kind}" if row.gpus and row.gpu_kind else ""),
             f"- source: {where}"]
    if cfg.profile_name != "default":
        lines.append(f"- profile: `{cfg.profile_name}` (rows clamped to it)")
    return "\n".join(lines)
