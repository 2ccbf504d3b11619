"""AST + Resolution → IR (DESIGN.md, IR). Runs only on a workflow with no errors.

Normalisations happen here, once: `defaults.env` merged under each job's `env`; the 2021
beta inline volumes become the checkout job's output and the consumers' step inputs; the
target of git-checkout and s3-download becomes an explicit output and sub-path; every
action lowers to a Run (and an Op) through compiler/actions.py.
"""

from __future__ import annotations

from typing import Any

from . import expr as X
from .actions import LOWERINGS, LowerInput
from .actions_images import ActionImages
from .ast import Job, Value, Workflow
from .catalogue import catalogue
from .ir import (
    IR,
    ContextRef,
    EnvEntry,
    IRValue,
    Mount,
    SecretRef,
    Source,
    Step,
    StepInput,
    StepOutput,
    WorkflowInputIR,
)
from .resolve import FROM_INLINE, FROM_STEP, FROM_VOLUME, FROM_WORKFLOW, Resolution
from .source import Span


def ir_value(v: Value) -> IRValue:
    """A scalar as an IR value: a secret or context reference, or its text."""
    e = v.expr
    if isinstance(e, X.Expr):
        if e.kind == X.SECRET and X.valid_secret_name(e.name):
            return SecretRef(e.name)
        if e.kind == X.CONTEXT:
            return ContextRef(e.context_path)
    return v.value if isinstance(v.value, str) else v.text


def _env(wf: Workflow, job: Job) -> tuple[EnvEntry, ...]:
    merged: dict[str, EnvEntry] = {}
    for name, ev in wf.env.items():
        merged[name] = EnvEntry(name, ir_value(ev.value), ev.value.span)
    for name, ev in job.env.items():
        merged[name] = EnvEntry(name, ir_value(ev.value), ev.value.span)
    return tuple(merged.values())


def _instance_type(job: Job, wf: Workflow) -> str:
    v = job.instance_type or wf.instance_type
    return v.value if v is not None and v.is_str else ""


def _target(job: Job) -> tuple[str, str]:
    """(output, path) that git-checkout / s3-download write into."""
    path = job.params.get("path")
    if path is not None and path.value.is_str:
        parts = path.value.value.split("/")
        if len(parts) >= 3 and parts[1] in ("outputs", "inputs"):
            return parts[2], path.value.value.replace("/inputs/", "/outputs/", 1)
    for name, out in job.outputs.items():
        if out.decl.kind in ("volume", "dataset"):
            return name, ""
    for name, inp in job.inputs.items():
        if inp.decl is not None and inp.decl.kind == "volume":
            return name, ""
    return "", ""


def lower(wf: Workflow, res: Resolution, name: str, images: ActionImages | None = None) -> IR:
    """Lower a checked workflow. `res.order` must exist (no cycle)."""
    images = images or ActionImages()
    assert res.order is not None, "lowering needs an acyclic workflow"
    position = {n: i for i, n in enumerate(res.order)}
    steps: list[Step] = []
    context_used: set[str] = set()
    secrets: set[str] = set()
    for job_name in res.order:
        job = wf.jobs[job_name]
        spec = catalogue()[job.action]
        bindings = res.bindings.get(job_name, {})
        inputs: list[StepInput] = []
        outputs: list[StepOutput] = []
        for out_name, out in job.outputs.items():
            ds = out.decl.dataset.value if out.decl.dataset is not None and out.decl.dataset.is_str else ""
            outputs.append(StepOutput(out_name, out.decl.kind, ds, out.name.span))
        for in_name, inp in job.inputs.items():
            b = bindings.get(in_name)
            if b is None:
                continue
            span = inp.ref.span if inp.ref is not None else inp.decl.span if inp.decl is not None else None
            if b.source == FROM_STEP:
                src = Source("step", step=b.producer, output=b.output)
            elif b.source == FROM_WORKFLOW:
                src = Source("workflow", input=b.workflow_input)
            elif b.source == FROM_INLINE:
                d = inp.decl
                assert d is not None
                if d.kind == "dataset":
                    src = Source("dataset", ref=d.dataset.value if d.dataset is not None else "")
                else:
                    src = Source("string", value=d.value.value if d.value is not None and d.value.is_str else "")
            elif b.source == FROM_VOLUME:
                if b.producer == job_name:  # the beta form of this checkout job's target
                    outputs.append(StepOutput(in_name, "volume", "", inp.name.span))
                    continue
                src = Source("step", step=b.producer, output=b.output)
            else:  # pragma: no cover - every source is handled above
                raise AssertionError(b.source)
            inputs.append(StepInput(in_name, b.kind, src, span))
        params: dict[str, Any] = {}
        for pname, p in job.params.items():
            pspec = spec.params.get(pname)
            if p.items is not None:
                params[pname] = tuple(i.value if i.is_str else i.text for i in p.items)
            elif pspec is not None and pspec.literal:
                params[pname] = p.value.value if p.value.is_str else p.value.text
            else:
                params[pname] = ir_value(p.value)
        for v in params.values():
            if isinstance(v, ContextRef):
                context_used.add(v.context)
            elif isinstance(v, SecretRef):
                secrets.add(v.secret)
        env = _env(wf, job)
        for e in env:
            if isinstance(e.value, SecretRef):
                secrets.add(e.value.secret)
        mounts = tuple([Mount(f"/inputs/{i.name}", input=i.name, read_only=True) for i in inputs]
                       + [Mount(f"/outputs/{o.name}", output=o.name) for o in outputs])
        dest_output, dest_path = _target(job) if spec.target else ("", "")
        run, op = LOWERINGS[spec.name](LowerInput(params, env, mounts, dest_output, dest_path), images)
        after = set(res.needs.get(job_name, ()))
        after.update(i.source.step for i in inputs if i.source.kind == "step")
        steps.append(Step(
            name=job_name,
            uses=spec.name,
            params=tuple(params.items()),
            run=run,
            op=op,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            needs=tuple(res.needs.get(job_name, ())),
            after=tuple(sorted(after, key=position.__getitem__)),
            instance_type=_instance_type(job, wf),
            span=job.name.span,
        ))
    w_inputs = []
    for in_name, wi in wf.inputs.items():
        d = wi.decl
        default: str | None = None
        if d.kind == "dataset" and d.dataset is not None:
            default = d.dataset.value
        elif d.kind == "string" and d.value is not None and d.value.is_str:
            default = d.value.value
        w_inputs.append(WorkflowInputIR(in_name, d.kind, default, wi.name.span))
    return IR(
        name=name,
        source_file=wf.file,
        steps=tuple(steps),
        inputs=tuple(w_inputs),
        context=tuple(sorted((k, v.value) for k, v in wf.context.items() if v.is_str)),
        context_used=tuple(sorted(context_used)),
        trigger_branches=None if wf.trigger is None else tuple(b.value for b in wf.trigger.branches if b.is_str),
        cluster_id=wf.cluster_id.value if wf.cluster_id is not None else "",
        registries=tuple(r.value for r in wf.registries),
        secrets=tuple(sorted(secrets)),
        spans=_metadata_spans(wf),
    )


def _metadata_spans(wf: Workflow) -> tuple[tuple[str, Span], ...]:
    out: list[tuple[str, Span]] = []
    if wf.trigger is not None:
        out.append(("trigger", (wf.trigger.key or wf.trigger.node).span(wf.file)))
    if wf.cluster_id is not None:
        out.append(("cluster_id", wf.cluster_id.span))
    if wf.registries:
        out.append(("registries", wf.registries[0].span))
    return tuple(out)
