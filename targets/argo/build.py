"""IR → an Argo Workflow (or WorkflowTemplate) as Python data (docs/targets/argo.md).

One pass does both jobs of the target: `support()` runs it for its diagnostics, `emit()` for
its document, so what is reported is exactly what is generated. The data is built in the key
order it is written in and serialised by dump.py.

Shape: a `dag` template (`workflow`, the entrypoint) with one task per step, `dependencies`
from the IR's `after` edges and `failFast: false` (SPEC.md §10: a failed step stops its
dependants, independent branches finish, the run fails); one container template per step; the
`gwfc-commit` template when datasets are written, the `gwfc-snapshot` template when a dataset
read by name must be fixed when the run starts (before the run's own commits move it).
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gwfc.compiler.diagnostics import Severity, Sink
from gwfc.compiler.ir import IR, ContextRef, EnvEntry, Mount, Placement, SecretRef, Step, StepInput, StepOutput
from gwfc.compiler.profiles import Profile
from gwfc.compiler.source import Span
from gwfc.targets.base import dns_label

from . import data as D
from .literal import (
    BUSYBOX,
    EXEC_SCRIPT,
    GWFC_DIR,
    PREPARE_SCRIPT,
    STAGE_DIR,
    b64,
    b64_expression,
    expandable,
    kube_escape,
    shell_name,
    templated,
)
from .names import (
    COMMIT_TEMPLATE,
    ENTRYPOINT,
    FIELD_MAX,
    MODEL_ARTIFACT,
    SNAPSHOT_TEMPLATE,
    TARGET,
    Commit,
    Names,
    OwnTasks,
    assign,
    commit_tasks,
    where,
)
from .options import ArgoOptions, fraction, invalid_options
from .resources import container_resources, label_value

API_VERSION = "argoproj.io/v1alpha1"
#: The emptyDir of gwfc's files in a pod (staged inputs, prepared files, outputs, busybox).
GWFC_VOLUME = "gwfc"
#: The run's PersistentVolumeClaim (volumes=pvc).
PVC_VOLUME = "gwfc-data"
PREPARE_CONTAINER = "gwfc-prepare"
#: A template beyond this size (as JSON) risks Kubernetes' 128 KiB limit on one environment
#: string: Argo passes each template to its executor in the env variable ARGO_TEMPLATE.
EMBED_LIMIT = 96 * 1024

INFO, WARNING, ERROR = Severity.INFO, Severity.WARNING, Severity.ERROR
#: Env names every Kubernetes accepts (IsEnvVarName before 1.32); later versions accept any
#: printable ASCII but `=` (RelaxedEnvironmentVariableValidation: beta and on in 1.32, GA 1.34).
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_PRINTABLE = re.compile(r"[\x20-\x7e]+")
#: A new code (to be registered): an env name only Kubernetes 1.32 and later accept.
GW_ENV_RELAXED = "GW536"


@dataclass(slots=True)
class Snapshot:
    """A task that copies a dataset version when the run starts, for steps that read the
    dataset by name (`latest`, a tag, a workflow input) while the run also commits it."""

    task: str
    #: The key read (an Argo expression for a workflow input).
    key: str
    #: The static key, or None for a workflow input (its dataset is known when the run starts).
    fixed: str | None


@dataclass(slots=True)
class _Parts:
    """What one step's template and task collect while its run record is mapped."""

    in_artifacts: list[dict[str, Any]] = field(default_factory=list)
    arguments: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    #: Files the prepare container writes: (path in the gwfc volume, its argument: the text
    #: in base64, or `@FILE`, a file of base64 that Argo staged).
    prepare: list[tuple[str, str]] = field(default_factory=list)
    #: gwfc's own tasks the step waits for (dataset snapshots).
    waits: list[str] = field(default_factory=list)
    busybox: bool = False
    out_params: list[dict[str, Any]] = field(default_factory=list)
    out_artifacts: list[dict[str, Any]] = field(default_factory=list)
    gwfc_mounted: bool = False

    def mount(self, volume: str, path: str, sub: str = "", read_only: bool = False) -> None:
        m: dict[str, Any] = {"name": volume, "mountPath": path}
        if sub:
            m["subPath"] = sub
        if read_only:
            m["readOnly"] = True
        self.mounts.append(m)


class Builder:
    """Builds the document for one IR; diagnostics go to `sink`."""

    def __init__(self, ir: IR, placement: Placement, options: ArgoOptions, profile: Profile,
                 inputs: dict[str, str], context: dict[str, str], sink: Sink,
                 option_span: Callable[[str], Span] | None = None) -> None:
        self.ir, self.placement, self.o, self.profile, self.sink = ir, placement, options, profile, sink
        self.option_span = option_span or (lambda key: Span.point("--set", 1, 1))
        self.names: Names = assign(ir, sink)
        #: (producer, output) → consumers.
        self.readers: dict[tuple[str, str], list[str]] = {}
        for s in ir.steps:
            for i in s.inputs:
                if i.source.kind == "step":
                    self.readers.setdefault((i.source.step, i.source.output), []).append(s.name)
        self.values = self._input_values(inputs)
        ctx_block = dict(ir.context)
        self.context_values = {p: context.get(p, ctx_block.get(p)) for p in self.names.context}
        self.optional_context = _optional_context(ir)
        #: Values fixed at compile time because they hold `{{` (GW533).
        self.baked: dict[str, str] = {}
        self.baked_context: dict[str, str] = {}
        self._bake()
        self.uses_pvc = False
        self._unknown_types: set[str] = set()
        #: step → every step it runs after (transitively).
        self.ancestors = _ancestors(ir)
        #: (step, dataset output) → the (label, key) pairs its commit tasks write.
        self.commit_keys = self._commit_keys()
        self.own = OwnTasks(ir, self.names, sink)
        #: Snapshots by what they read: ("key", KEY) or ("input", PARAM).
        self.snapshots: dict[tuple[str, str], Snapshot] = {}
        self.share = fraction(options.request_fraction) or Decimal("0.9")

    # ---- values from outside -------------------------------------------------------------

    def _input_values(self, given: dict[str, str]) -> dict[str, str | None]:
        known = {i.name: i for i in self.ir.inputs}
        for name in given:
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
                hint = f"; did you mean \"{close[0]}\"?" if close else ""
                self.sink.report("GW604", Span.point("--input", 1, 1), f"--input \"{name}\": the workflow has no "
                                 f"input \"{name}\"{hint}", notes=(f"its inputs are {', '.join(known) or 'none'}",),
                                 severity=ERROR)
        out: dict[str, str | None] = {}
        for wi in self.ir.inputs:
            value = given.get(wi.name, wi.default)
            if wi.kind == "dataset" and value is not None and not _dataset_ref(value):
                self.sink.report("GW604", where(self.ir, wi.span), f"\"{value}\" is not a dataset reference "
                                 f"(input \"{wi.name}\")", notes=("a dataset is `name`, `name:VERSION` or "
                                                                  "`team/name:VERSION`",), severity=ERROR)
            out[wi.name] = value
        return out

    def _bake(self) -> None:
        for wi in self.ir.inputs:
            value = self.values.get(wi.name)
            if wi.kind == "string" and value is not None and templated(value):
                self.baked[wi.name] = value
                self.sink.report("GW533", where(self.ir, wi.span),
                                 f"the value of input \"{wi.name}\" holds `{{{{`; it is fixed in the generated "
                                 "workflow, not an Argo parameter", severity=INFO,
                                 notes=("Argo would read it as a template; a value given when the workflow is "
                                        "submitted cannot be protected",))
        for path, value in self.context_values.items():
            if value is not None and templated(value):
                self.baked_context[path] = value
                self.sink.report("GW533", where(self.ir, None),
                                 f"the value of context.{path} holds `{{{{`; it is fixed in the generated "
                                 "workflow, not an Argo parameter", severity=INFO)

    def _commit_keys(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        prefix = self.o.artifact_prefix
        out: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for step in self.ir.steps:
            for o in step.outputs:
                if o.kind == "dataset":
                    dataset, version = D.dataset_parts(o.dataset or o.name)
                    keys = [(D.LATEST, D.dataset_key(prefix, dataset, D.LATEST))]
                    if version != D.LATEST:
                        keys.append((version, D.dataset_key(prefix, dataset, version)))
                    out[(step.name, o.name)] = keys
        return out

    def _parameters(self) -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = []
        for wi in self.ir.inputs:
            if wi.kind == "volume" or wi.name in self.baked:
                continue
            what = "dataset reference NAME[:VERSION]" if wi.kind == "dataset" else wi.kind
            p: dict[str, Any] = {"name": self.names.param[wi.name],
                                 "description": f"workflow input \"{wi.name}\" ({what})"}
            if self.values.get(wi.name) is not None:
                p["value"] = self.values[wi.name]
            params.append(p)
        for path, pname in self.names.context.items():
            if path in self.baked_context:
                continue
            p = {"name": pname, "description": f"context.{path}"}
            value = self.context_values.get(path)
            if value is not None:  # it lands in env values, where Kubernetes reads `$`
                p["value"] = kube_escape(value)
            elif path in self.optional_context:  # an optional parameter of the action
                p["value"] = ""
            params.append(p)
        return params

    # ---- the document --------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The whole resource."""
        ir, o = self.ir, self.o
        self._report_options()
        self._report_metadata()
        members = self.placement.members()
        if any(len(m) > 1 for m in members.values()):
            self.sink.report("GW535", where(ir, None), "co-location groups are not used on Argo yet: each step "
                             "runs in a pod of its own", severity=INFO)
        templates: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        for step in ir.steps:
            template, task = self._step(step)
            templates.append(template)
            tasks.append(task)
        commits = commit_tasks(ir, self.names, self.commit_keys, self.own)
        tasks = self._snapshot_tasks() + self._with_commits(tasks, commits)
        dag = {"name": ENTRYPOINT, "dag": {"failFast": False, "tasks": tasks}}
        templates.insert(0, dag)
        if commits:
            templates.append(self._commit_template())
        if self.snapshots:
            templates.append(self._snapshot_template())

        spec: dict[str, Any] = {"entrypoint": ENTRYPOINT}
        params = self._parameters()
        if params:
            spec["arguments"] = {"parameters": params}
        if o.service_account:
            spec["serviceAccountName"] = o.service_account
        if o.fs_group:
            spec["securityContext"] = {"fsGroup": int(o.fs_group)}
        if self.names.registry:
            spec["imagePullSecrets"] = [{"name": n} for n in dict.fromkeys(self.names.registry.values())]
        if o.artifact_repository:
            ref = {"configMap": o.artifact_repository}
            if o.artifact_repository_key:
                ref["key"] = o.artifact_repository_key
            spec["artifactRepositoryRef"] = ref
        if self.uses_pvc:
            pvc: dict[str, Any] = {"accessModes": [o.pvc_access_mode],
                                   "resources": {"requests": {"storage": o.pvc_size}}}
            if o.pvc_storage_class:
                pvc["storageClassName"] = o.pvc_storage_class
            spec["volumeClaimTemplates"] = [{"metadata": {"name": PVC_VOLUME}, "spec": pvc}]
            spec["volumeClaimGC"] = {"strategy": "OnWorkflowCompletion"}
        spec["templates"] = templates
        return {"apiVersion": API_VERSION, "kind": o.kind, "metadata": self._metadata(), "spec": spec}

    def _metadata(self) -> dict[str, Any]:
        ir, o = self.ir, self.o
        meta: dict[str, Any] = {}
        if o.name:
            meta["name"] = o.name
        elif o.kind == "WorkflowTemplate":
            meta["name"] = dns_label(ir.name)
        else:
            meta["generateName"] = o.generate_name or dns_label(ir.name, 57) + "-"
        if o.namespace:
            meta["namespace"] = o.namespace
        # the file's name only: the same file compiles to the same text from any directory
        source = re.split(r"[\\/]", ir.source_file)[-1]
        notes: dict[str, str] = {"gwfc/workflow": ir.name, "gwfc/source": source}
        if ir.trigger_branches is not None:
            notes["gwfc/on-github-branches"] = ",".join(ir.trigger_branches)
        if ir.cluster_id:
            notes["gwfc/cluster-id"] = ir.cluster_id
        if ir.secrets:
            notes["gwfc/secret"] = o.secret_name
            notes["gwfc/secret-keys"] = ",".join(ir.secrets)
        meta["annotations"] = notes
        return meta

    def _report_options(self) -> None:
        """GW603 for option values Kubernetes or Argo would refuse (the CLI has already
        checked their types and choices)."""
        for key, value, rule in invalid_options(self.o):
            self.sink.report("GW603", self.option_span(key), f"option \"{key}\": {value!r} is not {rule}",
                             notes=(f"set it with --set {key}=… or under [targets.argo] in gwfc.toml",))

    def _report_metadata(self) -> None:
        ir = self.ir
        if ir.trigger_branches is not None:
            self.sink.report("GW502", where(ir, ir.span_of("trigger")),
                             "the `on: github` trigger is not mapped: it is kept as the annotation "
                             "gwfc/on-github-branches", severity=INFO,
                             notes=("submit the workflow from CI or an Argo Events sensor, and pass "
                                    "context.event.github.* as parameters",))
        if ir.cluster_id:
            self.sink.report("GW502", where(ir, ir.span_of("cluster_id")),
                             f"clusterId \"{ir.cluster_id}\" is not mapped: it is kept as the annotation "
                             "gwfc/cluster-id", severity=INFO,
                             notes=("the namespace and the Argo installation choose where the workflow runs",))

    def _commit_after(self, c: Commit, commits: list[Commit]) -> list[str]:
        """What a commit waits for besides its producer: the commits of the same key by
        producers it runs after (so the key ends at the last version; producers with no
        `needs` path between them are GW406), and the snapshots of that key (taken before it
        moves)."""
        deps: list[str] = []
        for i, other in enumerate(commits):
            if other.key == c.key and other is not c and (
                    other.step in self.ancestors[c.step] or (other.step == c.step and i < commits.index(c))):
                deps.append(other.task)
        deps += [s.task for s in self.snapshots.values() if s.fixed is None or s.fixed == c.key]
        return deps

    def _with_commits(self, tasks: list[dict[str, Any]], commits: list[Commit]) -> list[dict[str, Any]]:
        """The step tasks, each followed by the commit tasks of its datasets."""
        by_step: dict[str, list[Commit]] = {}
        for c in commits:
            by_step.setdefault(c.step, []).append(c)
        out: list[dict[str, Any]] = []
        for step, task in zip(self.ir.steps, tasks, strict=True):
            out.append(task)
            for c in by_step.get(step.name, []):
                producer = self.names.task[step.name]
                out.append({"name": c.task, "template": COMMIT_TEMPLATE,
                            "dependencies": [producer, *self._commit_after(c, commits)],
                            "arguments": {"parameters": [{"name": "key", "value": c.key}],
                                          "artifacts": [{"name": "data", "from":
                                                         f"{{{{tasks.{producer}.outputs.artifacts.{c.output}}}}}"}]}})
        return out

    def _snapshot_tasks(self) -> list[dict[str, Any]]:
        return [{"name": s.task, "template": SNAPSHOT_TEMPLATE,
                 "arguments": {"parameters": [{"name": "key", "value": s.key}]}} for s in self.snapshots.values()]

    def _snapshot(self, step: Step, ident: tuple[str, str], key: str, fixed: str | None, label: str) -> str:
        """The task of the snapshot of `key` (made on first use); `step` waits for it."""
        snap = self.snapshots.get(ident)
        if snap is None:
            task = self.own.take(f"{SNAPSHOT_TEMPLATE}-{dns_label(label, FIELD_MAX)}",
                                 f"the snapshot task of {label}", step.span)
            snap = self.snapshots[ident] = Snapshot(task, key, fixed)
        return snap.task

    def _racing_commit(self, step: Step, key: str | None) -> bool:
        """Whether a commit of this run to `key` (None: to any key) could land before `step`
        starts: its producer is neither the step nor one that runs after it."""
        for (producer, _), keys in self.commit_keys.items():
            if key is not None and all(k != key for _, k in keys):
                continue
            if producer != step.name and step.name not in self.ancestors[producer]:
                return True
        return False

    def _snapshot_template(self) -> dict[str, Any]:
        stage = f"{GWFC_DIR}/in/data"
        return {
            "name": SNAPSHOT_TEMPLATE,
            "metadata": {"annotations": {"gwfc/role": "copy a dataset version when the run starts, before the "
                                                      "run's own commits move its key"}},
            # optional: a missing dataset fails the steps that read it, not the commits
            "inputs": {"parameters": [{"name": "key"}],
                       "artifacts": [{"name": "data", "path": stage, "optional": True,
                                      **D.location(self.o.artifact_storage, "{{inputs.parameters.key}}")}]},
            "outputs": {"artifacts": [{"name": "data", "path": stage, "optional": True}]},
            "container": {"image": self.o.helper_image, "command": ["true"],
                          "volumeMounts": [{"name": GWFC_VOLUME, "mountPath": GWFC_DIR}]},
            "volumes": [{"name": GWFC_VOLUME, "emptyDir": {}}],
        }

    def _commit_template(self) -> dict[str, Any]:
        stage = f"{GWFC_DIR}/in/data"
        return {
            "name": COMMIT_TEMPLATE,
            "metadata": {"annotations": {"gwfc/role": "copy a dataset version to its latest or tag key"}},
            "inputs": {"parameters": [{"name": "key"}], "artifacts": [{"name": "data", "path": stage}]},
            "outputs": {"artifacts": [{"name": "data", "path": stage,
                                       **D.location(self.o.artifact_storage, "{{inputs.parameters.key}}")}]},
            "container": {"image": self.o.helper_image, "command": ["true"],
                          "volumeMounts": [{"name": GWFC_VOLUME, "mountPath": GWFC_DIR}]},
            "volumes": [{"name": GWFC_VOLUME, "emptyDir": {}}],
        }

    # ---- one step ------------------------------------------------------------------------

    def _step(self, step: Step) -> tuple[dict[str, Any], dict[str, Any]]:
        name = self.names.task[step.name]
        parts = _Parts()
        run = step.run
        for i, (path, content) in enumerate(run.files):
            self._file(parts, step, i, path, content)
        # Directories of inputs (read-only) and of string outputs are sub-paths of the gwfc
        # volume as a whole: no file is ever the source of a mount (Argo's init container
        # mirrors every mount, and Kubernetes would create a missing source as a directory).
        inputs = [m for m in run.mounts if m.input and step.input(m.input) is not None]
        for d in sorted({posixpath.dirname(m.path) for m in inputs}):
            ro = all(m.read_only for m in inputs if posixpath.dirname(m.path) == d)
            parts.mount(GWFC_VOLUME, d, "in" + d, ro)
        for d in sorted({posixpath.dirname(m.path) for m in run.mounts
                         if m.output and (o := step.output(m.output)) is not None and o.kind == "string"}):
            parts.mount(GWFC_VOLUME, d, "out" + d)
        for m in run.mounts:
            if m.input and (inp := step.input(m.input)) is not None:
                self._input(parts, step, inp, m)
            elif m.output and (out := step.output(m.output)) is not None:
                self._output(parts, step, out, m)
        if step.op is not None and step.op.kind == "register-model":
            self._model(parts, step)
        container = self._container(parts, step)
        self._check_reserved(step, parts)

        template: dict[str, Any] = {"name": name,
                                    "metadata": {"annotations": {"gwfc/job": step.name, "gwfc/uses": step.uses}}}
        if parts.in_artifacts:
            template["inputs"] = {"artifacts": parts.in_artifacts}
        outputs: dict[str, Any] = {}
        if parts.out_params:
            outputs["parameters"] = parts.out_params
        if parts.out_artifacts:
            outputs["artifacts"] = parts.out_artifacts
        if outputs:
            template["outputs"] = outputs
        selector = self._node_selector(step)
        if selector:
            template["nodeSelector"] = selector
        row = self.profile.lookup(step.instance_type) if step.instance_type else None
        if row is not None and row.gpus:
            # GPU nodes are commonly tainted `<gpu-resource>:NoSchedule` (EKS, AKS, the NVIDIA
            # operator); a pod that requests GPUs tolerates it (harmless where there is none).
            template["tolerations"] = [{"key": self.o.gpu_resource, "operator": "Exists", "effect": "NoSchedule"}]
        if parts.prepare or parts.busybox:
            template["initContainers"] = [self._prepare(parts)]
        template["container"] = container
        if any(m["name"] == GWFC_VOLUME for m in parts.mounts):
            template["volumes"] = [{"name": GWFC_VOLUME, "emptyDir": {}}]
        size = len(json.dumps(template, ensure_ascii=False).encode("utf-8"))
        if size > EMBED_LIMIT:
            self.sink.report("GW534", where(self.ir, step.span),
                             f"the template of job \"{step.name}\" is {size // 1024} KiB", severity=WARNING,
                             notes=("Argo passes a template to its executor in one environment variable, which "
                                    "Kubernetes limits to 128 KiB; put large files and values in a dataset",))

        task: dict[str, Any] = {"name": name, "template": name}
        deps = [self.names.task[a] for a in step.after if a in self.names.task] + list(dict.fromkeys(parts.waits))
        if deps:
            task["dependencies"] = deps
        if parts.arguments:
            task["arguments"] = {"artifacts": parts.arguments}
        return template, task

    def _check_reserved(self, step: Step, parts: _Parts) -> None:
        """GW501 for an input or output whose name gwfc uses for an artifact of its own
        (`gwfc-file-N`, `gwfc-model`): two artifacts of one name cannot coexist."""
        for what, arts in (("input", parts.in_artifacts), ("output", parts.out_artifacts)):
            seen: set[str] = set()
            for a in arts:
                if a["name"] in seen:
                    self.sink.report("GW501", where(self.ir, step.span),
                                     f"{what} \"{a['name']}\" of job \"{step.name}\" has the name of an artifact "
                                     f"gwfc adds on {TARGET}", severity=ERROR,
                                     notes=("names starting with `gwfc-` are reserved on Argo; rename it",))
                seen.add(a["name"])

    def _gwfc_dir(self, parts: _Parts) -> None:
        """Mount the gwfc volume at /gwfc (listed first: the other mounts nest in it or in
        its sub-paths)."""
        if not parts.gwfc_mounted:
            parts.gwfc_mounted = True
            parts.mounts.insert(0, {"name": GWFC_VOLUME, "mountPath": GWFC_DIR})

    def _file(self, parts: _Parts, step: Step, i: int, path: str, content: str) -> None:
        """A file of the run record (script@v1's script), byte for byte: an Argo raw artifact,
        or, when Argo or Kubernetes would change it (`{{`, `$$`, `$(`), written by the prepare
        container."""
        if not _altered(content) and not _altered(path):
            parts.in_artifacts.append({"name": f"gwfc-file-{i}", "path": path, "raw": {"data": content}})
            if path.startswith(GWFC_DIR + "/"):
                self._gwfc_dir(parts)
            return
        if not path.startswith(GWFC_DIR + "/"):
            self.sink.report("GW504", where(self.ir, step.span),
                             f"file {path} of job \"{step.name}\" holds `{{{{`, `$$` or `$(` and lies outside "
                             f"{GWFC_DIR}: gwfc cannot place it on {TARGET} unchanged", severity=ERROR)
            return
        self._gwfc_dir(parts)
        parts.prepare.append((path, b64(content)))

    def _input(self, parts: _Parts, step: Step, inp: StepInput, m: Mount) -> None:
        """An input, seen read-only at /inputs/<name>: staged in the gwfc volume (Argo loads
        artifacts there, the prepare container writes the values Argo or Kubernetes would
        change), or a read-only sub-path of the run's PVC."""
        o, src = self.o, inp.source
        stage = f"{GWFC_DIR}/in{m.path}"
        self._gwfc_dir(parts)

        def artifact(argument: dict[str, Any]) -> None:
            parts.in_artifacts.append({"name": inp.name, "path": stage})
            parts.arguments.append({"name": inp.name, **argument})

        def directory() -> None:
            # Makes Kubernetes create the directory in the volume before any container starts:
            # /inputs is read-only, so a mount point in it must already exist.
            parts.mount(GWFC_VOLUME, stage, "in" + m.path)

        def prepared(text: str) -> None:
            parts.prepare.append((stage, b64(text)))

        def decoded(ref: str) -> None:
            # A run-time value: Argo stages it in base64 (its own templating and Kubernetes'
            # expansion of ARGO_TEMPLATE cannot touch that), the prepare container decodes it.
            staged = f"{STAGE_DIR}/{inp.name}"
            parts.in_artifacts.append({"name": inp.name, "path": staged})
            parts.arguments.append({"name": inp.name, "raw": {"data": b64_expression(ref)}})
            parts.prepare.append((stage, "@" + staged))

        def dataset(key: str, ident: tuple[str, str], fixed: str | None, label: str) -> None:
            if self._racing_commit(step, fixed):
                snap = self._snapshot(step, ident, key, fixed, label)
                parts.waits.append(snap)
                artifact({"from": f"{{{{tasks.{snap}.outputs.artifacts.data}}}}"})
            else:
                artifact(D.location(o.artifact_storage, key))

        if src.kind == "step":
            producer = self.names.task.get(src.step, src.step)
            if inp.kind == "string":
                if o.strings == "parameters":
                    decoded(f"tasks['{producer}'].outputs.parameters['{src.output}']")
                else:
                    artifact({"from": f"{{{{tasks.{producer}.outputs.artifacts.{src.output}}}}}"})
            elif o.volumes == "pvc":
                self.uses_pvc = True
                directory()
                parts.mount(PVC_VOLUME, m.path, f"{producer}/{src.output}", True)
            else:
                artifact({"from": f"{{{{tasks.{producer}.outputs.artifacts.{src.output}}}}}"})
        elif src.kind == "workflow":
            if inp.kind == "string":
                if src.input in self.baked:
                    prepared(self.baked[src.input])
                else:
                    decoded(f"workflow.parameters['{self.names.param.get(src.input, src.input)}']")
            elif inp.kind == "dataset":
                param = self.names.param.get(src.input, src.input)
                dataset(D.dataset_param_key(o.artifact_prefix, param), ("input", param), None, f"input-{param}")
            else:  # a workflow-level volume: an empty directory (SPEC.md §5)
                directory()
        elif src.kind == "dataset":
            name, version = D.dataset_parts(src.ref)
            key = D.dataset_key(o.artifact_prefix, name, version)
            dataset(key, ("key", key), key, f"{name}-{version}")
        elif _altered(src.value):  # an inline string
            prepared(src.value)
        else:
            artifact({"raw": {"data": src.value}})

    def _output(self, parts: _Parts, step: Step, out: StepOutput, m: Mount) -> None:
        """An output at /outputs/<name>: a string file (in the gwfc sub-path of its
        directory), a volume or dataset directory (a gwfc or PVC sub-path), exported as Argo
        outputs: strings always, datasets always (a new version), volumes when read."""
        o = self.o
        name = self.names.task[step.name]
        if out.kind == "string":
            if o.strings == "parameters":
                parts.out_params.append({"name": out.name, "valueFrom": {"path": m.path}})
            else:
                parts.out_artifacts.append({"name": out.name, "path": m.path, "archive": {"none": {}}})
            return
        if o.volumes == "pvc":
            self.uses_pvc = True
            parts.mount(PVC_VOLUME, m.path, f"{name}/{out.name}")
        else:
            parts.mount(GWFC_VOLUME, m.path, "out" + m.path)
        if out.kind == "dataset":
            dataset, _ = D.dataset_parts(out.dataset or out.name)
            key = D.dataset_key(o.artifact_prefix, dataset, D.run_version(name))
            parts.out_artifacts.append({"name": out.name, "path": m.path, **D.location(o.artifact_storage, key)})
        elif o.volumes == "artifacts" and self.readers.get((step.name, out.name)):
            parts.out_artifacts.append({"name": out.name, "path": m.path})

    def _model(self, parts: _Parts, step: Step) -> None:
        """create-model: the `model` input is stored in the artifact repository (GW503)."""
        assert step.op is not None
        model = step.op.get("name")
        model_name = model if isinstance(model, str) else "model"
        inp = step.input("model")
        mount = next((m for m in step.run.mounts if m.input == "model"), None)
        if inp is None or mount is None:
            return
        on_pvc = inp.source.kind == "step" and self.o.volumes == "pvc"
        path = mount.path if on_pvc else f"{GWFC_DIR}/in{mount.path}"
        key = D.model_key(self.o.artifact_prefix, model_name, self.names.task[step.name])
        parts.out_artifacts.append({"name": MODEL_ARTIFACT, "path": path, **D.location(self.o.artifact_storage, key)})
        shown = key.replace(D.RUN_NAME, "<workflow name>")
        self.sink.report("GW503", where(self.ir, step.span),
                         f"create-model \"{step.name}\" stores model \"{model_name}\" in the workflow's artifact "
                         f"repository as {shown}, not in a model registry", severity=INFO,
                         notes=("its id (the model name and a content hash) is the output \"model-id\"",
                                "to register it elsewhere (MLflow, a cloud registry), replace the job with a "
                                "container that calls that registry"))

    def _env(self, parts: _Parts, step: Step) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """Kubernetes env entries, and (name, value) pairs that must go through EXEC_SCRIPT."""
        merged: dict[str, EnvEntry] = {}
        for e in step.run.env:  # a later entry (the action's own variables) wins
            merged.pop(e.name, None)
            merged[e.name] = e
        env: list[dict[str, Any]] = []
        wrapped: list[tuple[str, str]] = []
        for e in merged.values():
            v = e.value
            baked = isinstance(v, ContextRef) and v.context in self.baked_context
            if not (templated(v) if isinstance(v, str) else baked):  # a Kubernetes env entry
                self._check_env_name(step, e)
            if isinstance(v, SecretRef):
                env.append({"name": e.name, "valueFrom": {"secretKeyRef": {"name": self.o.secret_name,
                                                                          "key": v.secret}}})
                continue
            if isinstance(v, ContextRef):
                if v.context not in self.baked_context:
                    param = self.names.context.get(v.context, v.context)
                    env.append({"name": e.name, "value": f"{{{{workflow.parameters.{param}}}}}"})
                    continue
                v = self.baked_context[v.context]
            if templated(v):
                wrapped.append((e.name, v))
                if not shell_name(e.name):
                    self.sink.report("GW504", where(self.ir, e.span or step.span),
                                     f"env \"{e.name}\" holds `{{{{` and is not a shell variable name: gwfc cannot "
                                     f"pass it on {TARGET} unchanged", severity=ERROR,
                                     notes=("rename the variable to letters, digits and `_`",))
            else:
                env.append({"name": e.name, "value": kube_escape(v)})
        return env, wrapped

    def _check_env_name(self, step: Step, e: EnvEntry) -> None:
        """Kubernetes' rule for env names: printable ASCII always; `[-._a-zA-Z][-._a-zA-Z0-9]*`
        before 1.32 (RelaxedEnvironmentVariableValidation)."""
        span = where(self.ir, e.span or step.span)
        if not _PRINTABLE.fullmatch(e.name):
            self.sink.report("GW504", span, f"env \"{e.name}\" of job \"{step.name}\": Kubernetes accepts only "
                             "printable ASCII in env names", severity=ERROR,
                             notes=("rename the variable to letters, digits and `_`",))
        elif not _ENV_NAME.fullmatch(e.name):
            self.sink.report(GW_ENV_RELAXED, span, f"env \"{e.name}\" of job \"{step.name}\": Kubernetes before "
                             "1.32 accepts only env names of the form [-._a-zA-Z][-._a-zA-Z0-9]*", severity=WARNING,
                             notes=("Kubernetes 1.32 and later accept any printable ASCII but `=` "
                                    "(RelaxedEnvironmentVariableValidation)",
                                    "rename the variable to letters, digits and `_`"))

    def _container(self, parts: _Parts, step: Step) -> dict[str, Any]:
        run = step.run
        if templated(run.image):
            self.sink.report("GW504", where(self.ir, step.span), f"the image of job \"{step.name}\" holds `{{{{`, "
                             f"which {TARGET} would read as a template", severity=ERROR)
        c: dict[str, Any] = {"image": run.image}
        env, wrapped = self._env(parts, step)
        argv_parts = [*(run.command or ()), *(run.args or ())]
        if wrapped or any(templated(a) for a in argv_parts):
            if not argv_parts:
                self.sink.report("GW504", where(self.ir, step.span),
                                 f"job \"{step.name}\" has an env value with `{{{{` and no command: the image's own "
                                 f"entrypoint cannot be run through gwfc's decoder on {TARGET}", severity=ERROR,
                                 notes=("give the container a `command` or `args`",))
            elif run.command is None:
                self.sink.report("GW532", where(self.ir, step.span),
                                 f"job \"{step.name}\" holds `{{{{` in its args or env: gwfc's decoder runs args[0] "
                                 "as the command, without the image's entrypoint", severity=WARNING,
                                 notes=(f"{TARGET} would read `{{{{` as a template, so the text travels encoded",
                                        "give `command` if the image's entrypoint matters"))
            parts.busybox = True
            self._gwfc_dir(parts)
            c["command"] = [kube_escape(a) for a in (BUSYBOX, "sh", "-c", EXEC_SCRIPT, "gwfc-exec")]
            c["args"] = [str(len(wrapped)), *(b64(f"{n}={v}") for n, v in wrapped), *(b64(a) for a in argv_parts)]
        else:
            if run.command is not None:
                c["command"] = [kube_escape(a) for a in run.command]
            if run.args:
                c["args"] = [kube_escape(a) for a in run.args]
        if env:
            c["env"] = env
        row = self.profile.lookup(step.instance_type) if step.instance_type else None
        if row is not None:
            c["resources"] = container_resources(row, self.o.gpu_resource, self.share)
        if parts.mounts:
            c["volumeMounts"] = parts.mounts
        return c

    def _prepare(self, parts: _Parts) -> dict[str, Any]:
        args = ["--busybox"] if parts.busybox else []
        for path, data in parts.prepare:
            args += [kube_escape(path), kube_escape(data)]
        return {"name": PREPARE_CONTAINER, "image": self.o.helper_image,
                "command": [kube_escape(a) for a in ("sh", "-c", PREPARE_SCRIPT, PREPARE_CONTAINER)],
                "args": args, "volumeMounts": [{"name": GWFC_VOLUME, "mountPath": GWFC_DIR}]}

    def _node_selector(self, step: Step) -> dict[str, str]:
        it = step.instance_type
        if not it:
            return {}
        if self.profile.lookup(it) is None and it not in self._unknown_types:
            self._unknown_types.add(it)
            self.sink.report("GW531", where(self.ir, step.span),
                             f"instance type \"{it}\" is not in the profile: no resource requests on {TARGET}",
                             severity=INFO, notes=("add it under [instance-types] in gwfc.toml",))
        if not self.o.node_selector_label:
            return {}
        if not label_value(it):
            self.sink.report("GW531", where(self.ir, step.span),
                             f"instance type \"{it}\" cannot be a node label value: no node selector",
                             severity=INFO)
            return {}
        return {self.o.node_selector_label: it}


def _altered(text: str) -> bool:
    """Whether Argo (`{{`) or Kubernetes' expansion of ARGO_TEMPLATE (`$$`, `$(`) would change
    `text` on its way to the executor."""
    return templated(text) or expandable(text)


def _ancestors(ir: IR) -> dict[str, set[str]]:
    """step → every step it runs after, directly or not."""
    after = {s.name: s.after for s in ir.steps}
    out: dict[str, set[str]] = {}

    def visit(name: str) -> set[str]:
        if name not in out:
            out[name] = set()  # a cycle (never in a valid IR) stops here
            acc: set[str] = set()
            for a in after.get(name, ()):
                acc.add(a)
                acc |= visit(a)
            out[name] = acc
        return out[name]

    for s in ir.steps:
        visit(s.name)
    return out


def _optional_context(ir: IR) -> set[str]:
    """Context paths read only as optional parameters of actions (git-checkout's `ref`): their
    parameter gets the default `''`, so that Argo does not demand a value at submit time."""
    from gwfc.compiler.catalogue import catalogue

    actions = catalogue()
    optional: set[str] = set()
    required: set[str] = set()
    for step in ir.steps:
        spec = actions.get(step.uses)
        in_params: Counter[str] = Counter()
        for key, value in step.params:
            for v in value if isinstance(value, tuple) else (value,):
                if not isinstance(v, ContextRef):
                    continue
                in_params[v.context] += 1
                param = spec.params.get(key) if spec else None
                if param is not None and param.alias_of and spec is not None:
                    param = spec.params.get(param.alias_of, param)
                (required if param is None or param.required else optional).add(v.context)
        # an env entry beyond the one each parameter gives its action is the job's own env
        in_env = Counter(e.value.context for e in step.run.env if isinstance(e.value, ContextRef))
        required.update(p for p, n in in_env.items() if n > in_params[p])
    return optional - required


_DATASET_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)?(?::[A-Za-z0-9][A-Za-z0-9_.-]*)?")


def _dataset_ref(value: str) -> bool:
    """Whether a value is a dataset reference (SPEC.md §5)."""
    return bool(_DATASET_REF.fullmatch(value))
