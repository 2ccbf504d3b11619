"""Helpers for the Argo target's tests: compile a workflow, run the Argo oracle, and read the
generated YAML the way Kubernetes and Argo would (what a container finally sees)."""

from __future__ import annotations

import base64
import os
import posixpath
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from gwfc.compiler.diagnostics import Diagnostic, Sink
from gwfc.compiler.ir import IR, trivial_placement
from gwfc.compiler.pipeline import Options, check_bytes
from gwfc.targets.argo import ArgoOptions, ArgoTarget
from gwfc.targets.argo.literal import BUSYBOX
from gwfc.targets.base import EmitContext, parse_options

from ...conftest import ROOT, SHARED

VALIDATOR = SHARED / "tools" / "validate-argo.py"
TARGET = ArgoTarget()


def oracle_python() -> str:
    """The interpreter for the oracle (it installs its own deps into the one that runs it)."""
    env = os.environ.get("GWFC_ORACLE_PYTHON")
    if env:
        return env
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def validate(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run validate-argo.py once on many files (exit 0: all valid)."""
    return subprocess.run([oracle_python(), str(VALIDATOR), *map(str, paths)], capture_output=True, text=True,
                          timeout=300)


def ir_of(text: str, name: str = "wf", dedent: bool = True) -> IR:
    """The IR of a workflow given as text (it must have no errors)."""
    if dedent:
        text = textwrap.dedent(text)
    r = check_bytes(text.encode("utf-8"), f"{name}.yaml", Options(want_ir=True))
    errors = [(d.code, d.message) for d in r.diagnostics if d.severity.name == "ERROR"]
    assert r.ir is not None and not errors, errors
    return r.ir


@dataclass
class Compiled:
    """A compiled workflow: its text, the document read back, the target's diagnostics."""

    text: str
    doc: dict[str, Any]
    diags: list[Diagnostic] = field(default_factory=list)

    def codes(self) -> list[str]:
        return [d.code for d in self.diags]

    @property
    def templates(self) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in self.doc["spec"]["templates"]}

    @property
    def tasks(self) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in self.templates["workflow"]["dag"]["tasks"]}


def compile_ir(ir: IR, inputs: dict[str, str] | None = None, context: dict[str, str] | None = None,
               **options: str) -> Compiled:
    """Run support() and emit() as `gwfc compile` does; options as `--set` keys (`_` for `-`)."""
    sink = Sink()
    opts = parse_options(ArgoOptions, {k.replace("_", "-"): v for k, v in options.items()}, sink, "--set")
    assert not sink.items, [d.message for d in sink.items]
    ctx = EmitContext(sink=sink, inputs=dict(inputs or {}), context=dict(context or {}))
    placement = trivial_placement(ir)
    TARGET.support(ir, placement, opts, ctx)
    text = TARGET.emit(ir, placement, opts, ctx).files["workflow.yaml"].text
    return Compiled(text, load_yaml(text), list(sink.items))


def load_yaml(text: str) -> Any:
    """YAML → data (libyaml when present: the test suite reads thousands of lines)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def compile_text(text: str, name: str = "wf", **kw: Any) -> Compiled:
    return compile_ir(ir_of(text, name), **kw)


# ---- what Kubernetes does with command, args and env values --------------------------------

def kube_expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$$` → `$`,
    `$(NAME)` → the value of an env variable defined before, else unchanged."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                close = text.find(")", i + 2)
                if close >= 0:
                    name = text[i + 2:close]
                    out.append(env[name] if name in env else f"$({name})")
                    i = close + 1
                    continue
                out.append("$(")
                i += 2
                continue
            out.append("$" + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass
class View:
    """What the main container of one step sees."""

    #: argv (None: the image's own entrypoint/arguments).
    argv: list[str] | None
    command_given: bool
    #: env: literal values as the process gets them; secrets as ("secret", NAME); Argo
    #: templates as ("template", TEXT).
    env: dict[str, Any]
    #: Files gwfc places (path → text).
    files: dict[str, str]
    template: dict[str, Any]
    task: dict[str, Any]


def _b64d(s: str) -> str:
    return base64.b64decode(s.encode("ascii"), validate=True).decode("utf-8")


def prepared_files(template: dict[str, Any]) -> dict[str, str]:
    """Files the gwfc-prepare init container writes (path → text)."""
    out: dict[str, str] = {}
    for c in template.get("initContainers", []):
        if c["name"] != "gwfc-prepare":
            continue
        args = list(c.get("args", []))
        if args[:1] == ["--busybox"]:
            args = args[1:]
        assert len(args) % 2 == 0
        for path, data in zip(args[::2], args[1::2], strict=True):
            out[kube_expand(path, {})] = _b64d(data)
    return out


def view(c: Compiled, task: str) -> View:
    """Follow the YAML of one task to the process it starts (Kubernetes expansion, gwfc's
    decoder) and the files it finds."""
    tk = c.tasks[task]
    t = c.templates[tk["template"]]
    ctr = t["container"]
    env: dict[str, Any] = {}
    defined: dict[str, str] = {}
    for e in ctr.get("env", []):
        if "valueFrom" in e:
            env[e["name"]] = ("secret", e["valueFrom"]["secretKeyRef"]["key"])
            continue
        value = kube_expand(e["value"], defined)
        if "{{" in value:
            env[e["name"]] = ("template", value)
        else:
            env[e["name"]] = value
            defined[e["name"]] = value
    command = [kube_expand(a, defined) for a in ctr["command"]] if "command" in ctr else None
    args = [kube_expand(a, defined) for a in ctr.get("args", [])]
    argv: list[str] | None
    given = command is not None
    if command is not None and command[0] == BUSYBOX:
        k = int(args[0])
        decoded = [_b64d(a) for a in args[1:]]
        for entry in decoded[:k]:
            name, _, value = entry.partition("=")
            env[name] = value
        argv = decoded[k:]
        given = True
    elif command is None and not args:
        argv = None
    else:
        argv = [*(command or []), *args]
    files = prepared_files(t)
    for a in t.get("inputs", {}).get("artifacts", []):
        if "raw" in a:
            files[a["path"]] = a["raw"]["data"]
    return View(argv, given, env, files, t, tk)


_PARAM_REF = re.compile(r"\{\{tasks\.([^.]+)\.outputs\.parameters\.([^}]+)\}\}\Z")
_ART_REF = re.compile(r"\{\{tasks\.([^.]+)\.outputs\.artifacts\.([^}]+)\}\}\Z")
_WF_REF = re.compile(r"\{\{workflow\.parameters\.([^}]+)\}\}\Z")


def input_origin(c: Compiled, task: str, path: str) -> tuple[str, ...]:
    """Where the file or directory at `path` (an /inputs/<name>) of a task comes from:
    ("param", TASK, OUTPUT), ("artifact", TASK, OUTPUT), ("wfparam", NAME), ("text", VALUE),
    ("key", KEY), ("pvc", SUBPATH) or ("empty",). Also checks that the container sees it
    read-only."""
    v = view(c, task)
    t = v.template
    mounts = {m["mountPath"]: m for m in t["container"].get("volumeMounts", [])}
    own = mounts.get(path)
    if own is not None:
        assert own["name"] == "gwfc-data" and own.get("readOnly") is True, own
        return ("pvc", own["subPath"])
    parent = mounts[posixpath.dirname(path)]
    assert parent["name"] == "gwfc" and parent["subPath"] == "in" + posixpath.dirname(path), parent
    assert parent.get("readOnly") is True, parent
    assert mounts["/gwfc"]["name"] == "gwfc" and "subPath" not in mounts["/gwfc"]
    stage = "/gwfc/in" + path
    prepared = prepared_files(t)
    arts = {a["path"]: a for a in t.get("inputs", {}).get("artifacts", [])}
    if stage in prepared:
        assert stage not in arts
        return ("text", prepared[stage])
    if stage not in arts:
        assert mounts[stage]["subPath"] == "in" + path
        return ("empty",)
    args = {a["name"]: a for a in v.task.get("arguments", {}).get("artifacts", [])}
    a = args[arts[stage]["name"]]
    if "raw" in a:
        data = a["raw"]["data"]
        if (mm := _PARAM_REF.match(data)):
            return ("param", mm.group(1), mm.group(2))
        if (mm := _WF_REF.match(data)):
            return ("wfparam", mm.group(1))
        assert "{{" not in data
        return ("text", data)
    if "from" in a:
        mm = _ART_REF.match(a["from"])
        assert mm, a
        return ("artifact", mm.group(1), mm.group(2))
    for storage in ("s3", "gcs", "oss"):
        if storage in a:
            return ("key", a[storage]["key"])
    raise AssertionError(a)


def golden_cases() -> list[Path]:
    """The golden cases (folders with a workflow.yaml)."""
    return sorted(p.parent for p in (ROOT / "golden").glob("*/workflow.yaml"))


def job_tasks(c: Compiled) -> dict[str, str]:
    """Job name → task name, read from the templates' `gwfc/job` annotations."""
    out: dict[str, str] = {}
    for name, task in c.tasks.items():
        notes = c.templates[task["template"]].get("metadata", {}).get("annotations", {})
        if "gwfc/job" in notes:
            out[notes["gwfc/job"]] = name
    return out


def parameters(c: Compiled) -> dict[str, dict[str, Any]]:
    """spec.arguments.parameters by name."""
    return {p["name"]: p for p in c.doc["spec"].get("arguments", {}).get("parameters", [])}


_KEY_EXPR = re.compile(r"sprig\.contains\(':', (?P<a>\S+)\) \? sprig\.replace\(':', '/', (?P<b>\S+)\) : "
                       r"(?P<c>\S+) \+ '(?P<latest>/[a-z]+)'")


def eval_key(key: str, params: dict[str, dict[str, Any]]) -> str:
    """A dataset key with gwfc's one Argo expression worked out as Argo would (sprig's
    `contains` and `replace`) for the parameters' values."""
    def one(m: re.Match[str]) -> str:
        mm = _KEY_EXPR.fullmatch(m.group(1))
        assert mm, m.group(1)
        refs = {mm.group(g) for g in "abc"}
        assert len(refs) == 1, refs
        name = re.fullmatch(r"workflow\.parameters\['([^']+)'\]", refs.pop())
        assert name, refs
        value = str(params[name.group(1)]["value"])
        return value.replace(":", "/") if ":" in value else value + mm.group("latest")
    return re.sub(r"\{\{=(.*?)\}\}", one, key)
