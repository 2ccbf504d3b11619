"""Helpers for the Argo target's tests: compile a workflow, run the Argo oracle, and read the
generated YAML the way Kubernetes and Argo would (what a container finally sees)."""

from __future__ import annotations

import base64
import copy
import json
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


#: What the kubelet can substitute into ARGO_TEMPLATE, Argo's init container's env variable
#: that holds the template: the variables defined before it (ARGO_CONTAINER_NAME) and the
#: service variables of the namespace.
ARGO_TEMPLATE_ENV = {"ARGO_CONTAINER_NAME": "init", "KUBERNETES_SERVICE_HOST": "10.96.0.1",
                     "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_PORT": "tcp://10.96.0.1:443"}


def executor_template(template: dict[str, Any]) -> dict[str, Any]:
    """The template as Argo's executor reads it: serialised to JSON into the env variable
    ARGO_TEMPLATE of the init container, whose value the kubelet expands (`$$` → `$`,
    `$(NAME)` → the value of a variable defined before it)."""
    text = json.dumps(template, ensure_ascii=False)
    return json.loads(kube_expand(text, ARGO_TEMPLATE_ENV))  # type: ignore[no-any-return]


def prepare_pairs(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, data) pairs of the gwfc-prepare init container, as its shell gets them: data is
    base64 text, or `@FILE` (a file of base64 staged by Argo)."""
    out: list[tuple[str, str]] = []
    for c in template.get("initContainers", []):
        if c["name"] != "gwfc-prepare":
            continue
        env = {"ARGO_CONTAINER_NAME": c["name"], "ARGO_TEMPLATE": json.dumps(template)}
        args = [kube_expand(a, env) for a in c.get("args", [])]
        if args[:1] == ["--busybox"]:
            args = args[1:]
        assert len(args) % 2 == 0
        out += list(zip(args[::2], args[1::2], strict=True))
    return out


def prepared_files(template: dict[str, Any]) -> dict[str, str]:
    """Files the gwfc-prepare init container writes from text in its arguments (path → text)."""
    return {path: _b64d(data) for path, data in prepare_pairs(template) if not data.startswith("@")}


def decoded_files(template: dict[str, Any]) -> dict[str, str]:
    """Files the gwfc-prepare init container decodes from a file Argo staged (path → file)."""
    return {path: data[1:] for path, data in prepare_pairs(template) if data.startswith("@")}


_EXPR_B64 = re.compile(r"\{\{=sprig\.b64enc\((?:workflow\.parameters\['(?P<wf>[-\w]+)'\]"
                       r"|tasks\['(?P<task>[-\w]+)'\]\.outputs\.parameters\['(?P<out>[-\w]+)'\])\)\}\}\Z")


def resolve_argo(text: str, params: dict[str, str], outputs: dict[tuple[str, str], str]) -> str:
    """What Argo makes of a `raw.data` gwfc wrote, for given workflow parameters and task
    output parameters (the tags gwfc writes there, and text without tags)."""
    if (m := _EXPR_B64.match(text)):
        value = params[m.group("wf")] if m.group("wf") else outputs[(m.group("task"), m.group("out"))]
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    if (m := _PARAM_REF.match(text)):
        return outputs[(m.group(1), m.group(2))]
    if (m := _WF_REF.match(text)):
        return params[m.group(1)]
    assert "{{" not in text, text
    return text


def pod_files(c: Compiled, task: str, params: dict[str, str] | None = None,
              outputs: dict[tuple[str, str], str] | None = None) -> dict[str, str]:
    """The files gwfc places in the pod of `task` (path in the pod → text), followed through
    Argo and Kubernetes: the task's `raw.data` arguments resolved (workflow parameters and
    output parameters as given, default values otherwise), the template handed to the
    executor through ARGO_TEMPLATE (expanded by the kubelet), raw artifacts written, then the
    prepare container's files decoded. An input at /inputs/<name> is at /gwfc/in/inputs/<name>."""
    tk = c.tasks[task]
    t = copy.deepcopy(c.templates[tk["template"]])
    values = {n: str(p["value"]) for n, p in parameters(c).items() if "value" in p}
    values.update(params or {})
    args = {a["name"]: a for a in tk.get("arguments", {}).get("artifacts", [])}
    for a in t.get("inputs", {}).get("artifacts", []):
        if "raw" in args.get(a["name"], {}):
            a["raw"] = {"data": resolve_argo(args[a["name"]]["raw"]["data"], values, outputs or {})}
    files = {a["path"]: a["raw"]["data"] for a in executor_template(t).get("inputs", {}).get("artifacts", [])
             if "raw" in a}
    for path, data in prepare_pairs(t):
        files[path] = _b64d(files[data[1:]] if data.startswith("@") else data)
    return files


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
    for a in executor_template(t).get("inputs", {}).get("artifacts", []):
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
    decoded = decoded_files(t)
    arts = {a["path"]: a for a in t.get("inputs", {}).get("artifacts", [])}
    args = {a["name"]: a for a in v.task.get("arguments", {}).get("artifacts", [])}
    if stage in prepared:
        assert stage not in arts
        return ("text", prepared[stage])
    if stage in decoded:  # a run-time value Argo staged in base64
        assert stage not in arts
        data = args[arts[decoded[stage]]["name"]]["raw"]["data"]
        mm = _EXPR_B64.match(data)
        assert mm, data
        return ("wfparam", mm.group("wf")) if mm.group("wf") else ("param", mm.group("task"), mm.group("out"))
    if stage not in arts:
        assert mounts[stage]["subPath"] == "in" + path
        return ("empty",)
    a = args[arts[stage]["name"]]
    if "raw" in a:
        data = a["raw"]["data"]
        # raw.data reaches the executor through ARGO_TEMPLATE: neither Argo nor the kubelet
        # may find anything to substitute in it
        assert "{{" not in data and "$$" not in data and "$(" not in data, data
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


# ---- Argo's and Kubernetes' rules for names (workflow/validate/validate.go, apimachinery) ---

_FIELD = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
_PARAM = re.compile(r"[-a-zA-Z0-9_]+")
_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


def _qualified(key: str) -> bool:
    prefix, slash, name = key.rpartition("/")
    return (not slash or (len(prefix) <= 253 and bool(_SUBDOMAIN.fullmatch(prefix)))) \
        and len(name) <= 63 and bool(_QUALIFIED.fullmatch(name))


def name_problems(doc: dict[str, Any]) -> list[str]:
    """Every name of a generated resource that Argo or the Kubernetes API server would refuse,
    including the rules validate-argo.py does not re-implement: a task with dependencies that
    begins with a digit, volume and container names (DNS labels), annotation keys, env names
    (the rule before Kubernetes 1.32), workflow names at most 63 characters."""
    out: list[str] = []
    meta = doc["metadata"]
    if "name" in meta and (len(meta["name"]) > 63 or not _SUBDOMAIN.fullmatch(meta["name"])):
        out.append(f"metadata.name {meta['name']!r}")
    if "generateName" in meta and not _SUBDOMAIN.fullmatch(meta["generateName"].rstrip("-") + "a"):
        out.append(f"metadata.generateName {meta['generateName']!r}")
    if "namespace" in meta and (len(meta["namespace"]) > 63 or not _LABEL.fullmatch(meta["namespace"])):
        out.append(f"metadata.namespace {meta['namespace']!r}")
    out += [f"annotation {k!r}" for k in meta.get("annotations", {}) if not _qualified(k)]
    for p in doc["spec"].get("arguments", {}).get("parameters", []):
        if not _PARAM.fullmatch(p["name"]):
            out.append(f"parameter {p['name']!r}")
    for s in doc["spec"].get("imagePullSecrets", []):
        if len(s["name"]) > 253 or not _SUBDOMAIN.fullmatch(s["name"]):
            out.append(f"image pull secret {s['name']!r}")
    for t in doc["spec"]["templates"]:
        if len(t["name"]) > 128 or not _FIELD.fullmatch(t["name"]):
            out.append(f"template {t['name']!r}")
        for task in t.get("dag", {}).get("tasks", []):
            n = task["name"]
            if len(n) > 128 or not _FIELD.fullmatch(n):
                out.append(f"task {n!r}")
            if task.get("dependencies") and n[0].isdigit():
                out.append(f"task {n!r} begins with a digit and has dependencies")
            for a in task.get("arguments", {}).get("artifacts", []) + task.get("arguments", {}).get("parameters", []):
                if not _PARAM.fullmatch(a["name"]):
                    out.append(f"argument {a['name']!r} of task {n!r}")
        for io in ("inputs", "outputs"):
            for kind in ("parameters", "artifacts"):
                for a in t.get(io, {}).get(kind, []):
                    if not _PARAM.fullmatch(a["name"]):
                        out.append(f"{io}.{kind} {a['name']!r} of {t['name']!r}")
        for k in t.get("metadata", {}).get("annotations", {}):
            if not _qualified(k):
                out.append(f"annotation {k!r} of {t['name']!r}")
        for k in t.get("nodeSelector", {}):
            if not _qualified(k):
                out.append(f"node selector {k!r} of {t['name']!r}")
        for v in t.get("volumes", []):
            if len(v["name"]) > 63 or not _LABEL.fullmatch(v["name"]):
                out.append(f"volume {v['name']!r} of {t['name']!r}")
        for ctr in [*t.get("initContainers", []), *([t["container"]] if "container" in t else [])]:
            if "name" in ctr and (len(ctr["name"]) > 63 or not _LABEL.fullmatch(ctr["name"])):
                out.append(f"container {ctr['name']!r} of {t['name']!r}")
            for e in ctr.get("env", []):
                if not _ENV_NAME.fullmatch(e["name"]):
                    out.append(f"env {e['name']!r} of {t['name']!r}")
            for r in ctr.get("resources", {}).get("requests", {}):
                if not _qualified(r):
                    out.append(f"resource {r!r} of {t['name']!r}")
    for claim in doc["spec"].get("volumeClaimTemplates", []):
        if not _LABEL.fullmatch(claim["metadata"]["name"]):
            out.append(f"claim {claim['metadata']['name']!r}")
    return out
