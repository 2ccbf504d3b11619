"""Argo identifiers for the workflow's names (DESIGN.md, Names): task and template names are
lower-case DNS labels that do not begin with a digit, parameters and image pull secrets get
names Kubernetes accepts. Two names that map to one identifier, or a name that takes one gwfc
uses itself, are GW501 errors, never merged. Input and output names are used as written (Argo
accepts `[A-Za-z0-9_-]`), except in the names of gwfc's own tasks.

Argo's limits (workflow/validate/validate.go): task and template names match
`[a-zA-Z0-9][-a-zA-Z0-9]*`, at most 128 characters, and a task with `dependencies` must not
begin with a digit; parameter and artifact names match `[-a-zA-Z0-9_]+`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.ir import IR, ContextRef
from gwfc.compiler.source import Span
from gwfc.targets.base import dns_label, map_names

TARGET = "Argo"
#: The DAG template (no job can be called `workflow`, SPEC.md §11).
ENTRYPOINT = "workflow"
#: The template that copies a committed dataset version to its `latest` (or tag) key.
COMMIT_TEMPLATE = "gwfc-commit"
#: The template that copies a dataset version when the run starts (SPEC.md §5).
SNAPSHOT_TEMPLATE = "gwfc-snapshot"
RESERVED = {ENTRYPOINT: "the DAG template", COMMIT_TEMPLATE: "the dataset commit template",
            SNAPSHOT_TEMPLATE: "the dataset snapshot template"}
#: Argo's longest task or template name.
FIELD_MAX = 128
#: Name of the extra output artifact of create-model (the registered model).
MODEL_ARTIFACT = "gwfc-model"

_PARAM_BAD = re.compile(r"[^-A-Za-z0-9_]+")


def task_name(name: str) -> str:
    """The task and template name of a job: a DNS label (`Prepare_Data` → `prepare-data`),
    `j-` in front when it would begin with a digit (`2nd` → `j-2nd`: Argo refuses tasks that
    begin with a digit and have dependencies)."""
    label = dns_label(name)
    return f"j-{label}" if label[0].isdigit() else label


def fit(name: str, limit: int = FIELD_MAX) -> str:
    """A name cut to `limit` characters; a cut name ends in a hash of the whole name, so two
    different long names stay different."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[:limit - len(digest) - 1].rstrip('-')}-{digest}"


def param_name(name: str) -> str:
    """An Argo parameter name (`[-A-Za-z0-9_]+`)."""
    return _PARAM_BAD.sub("-", name) or "x"


def context_param(path: str) -> str:
    """The parameter of a context value: `event.github.url` → `context-event-github-url`."""
    return param_name("context-" + path.replace(".", "-"))


def where(ir: IR, span: Span | None) -> Span:
    """A span for a diagnostic: the given one, else the top of the source file."""
    return span or Span.point(ir.source_file or "<ir>", 1, 1)


@dataclass(slots=True)
class Commit:
    """A task that copies the version a step wrote to a dataset's `latest` (or tag) key."""

    task: str
    step: str
    output: str
    key: str


@dataclass(slots=True)
class Names:
    """Every identifier the generated workflow uses for a name of the IR."""

    #: Step → task and template name.
    task: dict[str, str] = field(default_factory=dict)
    #: Workflow input → parameter name.
    param: dict[str, str] = field(default_factory=dict)
    #: Context path → parameter name.
    context: dict[str, str] = field(default_factory=dict)
    #: Container registry → image pull secret name.
    registry: dict[str, str] = field(default_factory=dict)


def context_paths(ir: IR) -> list[str]:
    """Context paths the steps read: the IR's list and any found in env (sorted)."""
    paths = set(ir.context_used)
    for s in ir.steps:
        paths.update(e.value.context for e in s.run.env if isinstance(e.value, ContextRef))
    return sorted(paths)


def _unique(wanted: dict[str, str], mapped: dict[str, str], taken: set[str]) -> dict[str, str]:
    """Give names that lost a collision a distinct identifier, so emitting can go on (the
    collision is already an error)."""
    out: dict[str, str] = {}
    for name, ident in wanted.items():
        if name in mapped:
            out[name] = mapped[name]
            continue
        i = 2
        while f"{ident}-{i}" in taken:
            i += 1
        out[name] = f"{ident}-{i}"
        taken.add(out[name])
    return out


def assign(ir: IR, sink: Sink) -> Names:
    """Map the IR's names; report GW501 for collisions."""
    names = Names()
    mapped = map_names(((s.name, s.span) for s in ir.steps), task_name, "job", TARGET, sink)
    for step in ir.steps:
        ident = mapped.get(step.name)
        if ident in RESERVED:
            sink.report("GW501", where(ir, step.span),
                        f"job \"{step.name}\" becomes \"{ident}\" on {TARGET}, the name of {RESERVED[ident]}",
                        notes=("rename the job",))
            del mapped[step.name]
    taken = set(mapped.values()) | set(RESERVED)
    names.task = _unique({s.name: task_name(s.name) for s in ir.steps}, mapped, taken)

    params = [(i.name, i.span) for i in ir.inputs if i.kind != "volume"]
    paths = context_paths(ir)
    both = map_names([*((n, where(ir, sp)) for n, sp in params), *((f"context.{p}", where(ir, None)) for p in paths)],
                     lambda n: context_param(n[len("context."):]) if n.startswith("context.") else param_name(n),
                     "workflow input or context value", TARGET, sink)
    for n, _ in params:
        names.param[n] = both.get(n, param_name(n) + "-input")
    for p in paths:
        names.context[p] = both.get(f"context.{p}", context_param(p) + "-2")

    regs = map_names(((r, where(ir, ir.span_of("registries"))) for r in ir.registries), dns_label,
                     "container registry", TARGET, sink)
    names.registry = {r: regs[r] for r in ir.registries if r in regs}
    return names


class OwnTasks:
    """Names of gwfc's own tasks (dataset commits and snapshots): valid Argo task names, unique
    among themselves and the job tasks. Taking the name of a job's task is GW501 (the user can
    rename); two own names that would be equal are told apart by a hash."""

    def __init__(self, ir: IR, names: Names, sink: Sink) -> None:
        self.ir, self.sink = ir, sink
        self.jobs = {t: s for s, t in names.task.items()}
        self.taken: set[str] = set(self.jobs) | set(RESERVED)

    def take(self, wanted: str, what: str, span: Span | None, fix: str = "rename the job") -> str:
        name = fit(wanted)
        if name in self.jobs:
            self.sink.report("GW501", where(self.ir, span),
                             f"{what} would be called \"{name}\", like the task of job \"{self.jobs[name]}\" "
                             f"on {TARGET}", notes=(fix,))
        i = 1
        while name in self.taken:
            i += 1
            name = fit(f"{wanted}-{hashlib.sha256(f'{wanted}/{i}'.encode()).hexdigest()[:6]}")
        self.taken.add(name)
        return name


def commit_tasks(ir: IR, names: Names, keys: dict[tuple[str, str], list[tuple[str, str]]],
                 own: OwnTasks) -> list[Commit]:
    """Commit tasks for dataset outputs: `keys[(step, output)]` lists (label, key) pairs, label
    `latest` or the output's tag: `<task>-commit-<output>`, `<task>-tag-<tag>-<output>`."""
    out: list[Commit] = []
    for step in ir.steps:
        for o in step.outputs:
            for label, key in keys.get((step.name, o.name), []):
                word = "commit" if label == "latest" else f"tag-{dns_label(label, FIELD_MAX)}"
                task = own.take(f"{names.task[step.name]}-{word}-{dns_label(o.name, FIELD_MAX)}",
                                f"the commit task of output \"{o.name}\" of job \"{step.name}\"", o.span,
                                "rename the job or the output")
                out.append(Commit(task, step.name, o.name, key))
    return out
