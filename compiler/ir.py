"""The backend-neutral IR (DESIGN.md, IR): versioned, serialisable, documented by
grammar/ir.schema.json.

References are structured records (producer and output, workflow input, secret name, context
path), never strings to re-parse. Every step and reference keeps its source span, so target
diagnostics point into the YAML even from `--from-ir`. Nothing target-specific lives here.

A *value* that a workflow author wrote is one of: a literal string; `{"secret": NAME}`;
`{"context": PATH}` (filled when the workflow runs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from .source import Span

IR_VERSION = 1


@dataclass(frozen=True, slots=True)
class SecretRef:
    """`secret:NAME`: resolved by the target's secret mechanism, never written as a value."""

    secret: str


@dataclass(frozen=True, slots=True)
class ContextRef:
    """`context.PATH`: the path after `context.` (`event.github.url`)."""

    context: str


IRValue = Union[str, SecretRef, ContextRef]


def value_to_json(v: IRValue) -> Any:
    """A value as JSON: a string, {"secret": …} or {"context": …}."""
    if isinstance(v, SecretRef):
        return {"secret": v.secret}
    if isinstance(v, ContextRef):
        return {"context": v.context}
    return v


def value_from_json(d: Any) -> IRValue:
    """The inverse of value_to_json."""
    if isinstance(d, str):
        return d
    if isinstance(d, dict) and "secret" in d:
        return SecretRef(str(d["secret"]))
    if isinstance(d, dict) and "context" in d:
        return ContextRef(str(d["context"]))
    raise ValueError(f"not an IR value: {d!r}")


def span_to_json(s: Span | None) -> Any:
    """A span as {"file", "line", "column", "end_line", "end_column"} (or null)."""
    if s is None:
        return None
    return {"file": s.file, "line": s.line, "column": s.column, "end_line": s.end_line, "end_column": s.end_column}


def span_from_json(d: Any) -> Span | None:
    """The inverse of span_to_json."""
    if d is None:
        return None
    return Span(d["file"], d["line"], d["column"], d["end_line"], d["end_column"])


@dataclass(frozen=True, slots=True)
class EnvEntry:
    """An environment variable of a step: a literal value or a secret."""

    name: str
    value: IRValue
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a step input comes from.

    kind: "step" (a step's output), "workflow" (a workflow input), "dataset" (an inline
    dataset reference, resolved before the run) or "string" (an inline string value).
    """

    kind: str
    step: str = ""
    output: str = ""
    input: str = ""
    ref: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class StepInput:
    """An input of a step, mounted read-only at /inputs/<name>."""

    name: str
    kind: str
    source: Source
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class StepOutput:
    """An output of a step, at /outputs/<name>. Datasets name the dataset they version."""

    name: str
    kind: str
    dataset: str = ""
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Mount:
    """A path the step sees: an input (read-only) or an output directory/file."""

    path: str
    input: str = ""
    output: str = ""
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    """What a step executes, whatever the target: an image, its command and args, files to
    place in the container before it starts (a script), env, mounts."""

    image: str
    #: Replaces the image's entrypoint (None: the image's own).
    command: tuple[str, ...] | None = None
    #: Arguments (None: the image's own).
    args: tuple[str, ...] | None = None
    #: Files to create in the container, path → content (script@v1's script).
    files: tuple[tuple[str, str], ...] = ()
    #: Environment: the merged `defaults.env` and job `env`, then the action's own variables.
    env: tuple[EnvEntry, ...] = ()
    mounts: tuple[Mount, ...] = ()
    #: The step needs a shell in its image (script@v1: bash).
    shell: str = ""


@dataclass(frozen=True, slots=True)
class Op:
    """An operation some targets do natively instead of running `run` (DESIGN.md, IR).

    kind: "git-clone", "s3-copy" or "register-model"; `params` holds its values; `dest` is
    the output (and sub-path) written.
    """

    kind: str
    params: tuple[tuple[str, IRValue], ...] = ()
    dest_output: str = ""
    dest_path: str = ""

    def get(self, key: str) -> IRValue | None:
        """One parameter, or None."""
        for k, v in self.params:
            if k == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Step:
    """One job, lowered."""

    name: str
    uses: str
    params: tuple[tuple[str, Any], ...]
    run: Run
    op: Op | None
    inputs: tuple[StepInput, ...]
    outputs: tuple[StepOutput, ...]
    #: Explicit `needs`.
    needs: tuple[str, ...]
    #: Every step this one waits for: `needs` and the producers of its inputs.
    after: tuple[str, ...]
    instance_type: str = ""
    span: Span | None = None

    def input(self, name: str) -> StepInput | None:
        """An input by name."""
        return next((i for i in self.inputs if i.name == name), None)

    def output(self, name: str) -> StepOutput | None:
        """An output by name."""
        return next((o for o in self.outputs if o.name == name), None)


@dataclass(frozen=True, slots=True)
class WorkflowInputIR:
    """A workflow input and its value from the file (None: given at run time)."""

    name: str
    kind: str
    default: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class IR:
    """A lowered workflow."""

    name: str
    source_file: str
    steps: tuple[Step, ...]
    inputs: tuple[WorkflowInputIR, ...] = ()
    #: Values of the top-level `context:` block by path.
    context: tuple[tuple[str, str], ...] = ()
    #: Context paths the steps read (`event.github.url`, …).
    context_used: tuple[str, ...] = ()
    #: Branches of an `on: github` trigger (None: no trigger).
    trigger_branches: tuple[str, ...] | None = None
    cluster_id: str = ""
    registries: tuple[str, ...] = ()
    #: Secret names the steps read.
    secrets: tuple[str, ...] = ()
    #: Where workflow-level metadata is written ("trigger", "cluster_id", "registries"), so
    #: that target notes about it point into the file.
    spans: tuple[tuple[str, Span], ...] = ()
    version: int = IR_VERSION

    def span_of(self, key: str) -> Span | None:
        """The span of a metadata key (None when absent)."""
        return dict(self.spans).get(key)

    def step(self, name: str) -> Step:
        """A step by name (KeyError if absent)."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    # ---- JSON ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The IR as JSON data (grammar/ir.schema.json)."""
        return {
            "gwfc-ir": self.version,
            "name": self.name,
            "source": self.source_file,
            "inputs": [{"name": i.name, "kind": i.kind, "default": i.default, "span": span_to_json(i.span)}
                       for i in self.inputs],
            "context": {k: v for k, v in self.context},
            "context_used": list(self.context_used),
            "trigger": None if self.trigger_branches is None else {"github": {"branches": list(self.trigger_branches)}},
            "cluster_id": self.cluster_id or None,
            "registries": list(self.registries),
            "secrets": list(self.secrets),
            "spans": {k: span_to_json(v) for k, v in self.spans},
            "steps": [_step_json(s) for s in self.steps],
        }

    def dumps(self) -> str:
        """Deterministic JSON text."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @staticmethod
    def from_json(d: dict[str, Any]) -> IR:
        """Read an IR back (ValueError on a wrong version; the schema check comes first)."""
        version = d.get("gwfc-ir")
        if version != IR_VERSION:
            raise ValueError(f"unsupported IR version {version!r} (this gwfc reads {IR_VERSION})")
        trig = d.get("trigger")
        return IR(
            name=d["name"],
            source_file=d["source"],
            steps=tuple(_step_from(s) for s in d["steps"]),
            inputs=tuple(WorkflowInputIR(i["name"], i["kind"], i.get("default"), span_from_json(i.get("span")))
                         for i in d.get("inputs", [])),
            context=tuple(sorted(d.get("context", {}).items())),
            context_used=tuple(d.get("context_used", [])),
            trigger_branches=None if trig is None else tuple(trig["github"]["branches"]),
            cluster_id=d.get("cluster_id") or "",
            registries=tuple(d.get("registries", [])),
            secrets=tuple(d.get("secrets", [])),
            spans=tuple((k, s) for k, v in d.get("spans", {}).items() if (s := span_from_json(v)) is not None),
        )


def _params_json(params: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in params:
        out[k] = [value_to_json(x) for x in v] if isinstance(v, tuple) else value_to_json(v)
    return out


def _params_from(d: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    out = []
    for k, v in d.items():
        out.append((k, tuple(value_from_json(x) for x in v) if isinstance(v, list) else value_from_json(v)))
    return tuple(out)


def _step_json(s: Step) -> dict[str, Any]:
    r = s.run
    return {
        "name": s.name,
        "span": span_to_json(s.span),
        "action": {"uses": s.uses, "params": _params_json(s.params)},
        "run": {
            "image": r.image,
            "command": None if r.command is None else list(r.command),
            "args": None if r.args is None else list(r.args),
            "files": [{"path": p, "content": c} for p, c in r.files],
            "env": [{"name": e.name, "value": value_to_json(e.value), "span": span_to_json(e.span)} for e in r.env],
            "mounts": [{"path": m.path, "input": m.input or None, "output": m.output or None,
                        "read_only": m.read_only} for m in r.mounts],
            "shell": r.shell or None,
        },
        "op": None if s.op is None else {
            "kind": s.op.kind,
            "params": {k: value_to_json(v) for k, v in s.op.params},
            "dest": {"output": s.op.dest_output or None, "path": s.op.dest_path or None},
        },
        "inputs": [{"name": i.name, "kind": i.kind, "source": _source_json(i.source), "span": span_to_json(i.span)}
                   for i in s.inputs],
        "outputs": [{"name": o.name, "kind": o.kind, "dataset": o.dataset or None, "span": span_to_json(o.span)}
                    for o in s.outputs],
        "needs": list(s.needs),
        "after": list(s.after),
        "resources": {"instance_type": s.instance_type or None},
    }


def _source_json(src: Source) -> dict[str, Any]:
    if src.kind == "step":
        return {"kind": "step", "step": src.step, "output": src.output}
    if src.kind == "workflow":
        return {"kind": "workflow", "input": src.input}
    if src.kind == "dataset":
        return {"kind": "dataset", "ref": src.ref}
    return {"kind": "string", "value": src.value}


def _step_from(d: dict[str, Any]) -> Step:
    r = d["run"]
    op = d.get("op")
    return Step(
        name=d["name"],
        uses=d["action"]["uses"],
        params=_params_from(d["action"]["params"]),
        run=Run(
            image=r["image"],
            command=None if r.get("command") is None else tuple(r["command"]),
            args=None if r.get("args") is None else tuple(r["args"]),
            files=tuple((f["path"], f["content"]) for f in r.get("files", [])),
            env=tuple(EnvEntry(e["name"], value_from_json(e["value"]), span_from_json(e.get("span")))
                      for e in r.get("env", [])),
            mounts=tuple(Mount(m["path"], m.get("input") or "", m.get("output") or "", bool(m.get("read_only")))
                         for m in r.get("mounts", [])),
            shell=r.get("shell") or "",
        ),
        op=None if op is None else Op(op["kind"], tuple((k, value_from_json(v)) for k, v in op["params"].items()),
                                      op["dest"].get("output") or "", op["dest"].get("path") or ""),
        inputs=tuple(StepInput(i["name"], i["kind"], Source(**{k: v for k, v in i["source"].items()}),
                               span_from_json(i.get("span"))) for i in d["inputs"]),
        outputs=tuple(StepOutput(o["name"], o["kind"], o.get("dataset") or "", span_from_json(o.get("span")))
                      for o in d["outputs"]),
        needs=tuple(d["needs"]),
        after=tuple(d["after"]),
        instance_type=(d.get("resources") or {}).get("instance_type") or "",
        span=span_from_json(d.get("span")),
    )


@dataclass(frozen=True, slots=True)
class Placement:
    """Which group (node/pod/allocation) and pool each step is placed in (DESIGN.md).

    The trivial placement, one group per step and one pool per instance type, is what
    targets get until the placement passes run (and at -O0).
    """

    groups: tuple[tuple[str, str], ...]
    pools: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = field(default=())

    def group_of(self, step: str) -> str:
        """The group of a step."""
        return dict(self.groups)[step]

    def pool_of(self, step: str) -> str:
        """The pool of a step."""
        return dict(self.pools)[step]

    def members(self) -> dict[str, list[str]]:
        """Group → its steps, in IR order."""
        out: dict[str, list[str]] = {}
        for step, group in self.groups:
            out.setdefault(group, []).append(step)
        return out


def trivial_placement(ir: IR) -> Placement:
    """One group per step, one pool per instance type (`default` for none)."""
    return Placement(
        groups=tuple((s.name, s.name) for s in ir.steps),
        pools=tuple((s.name, s.instance_type or "default") for s in ir.steps),
    )
