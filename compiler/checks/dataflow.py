"""Data-flow checks (SPEC.md §5): outputs nobody reads (GW405), two unordered writers of one
dataset (GW406), a job that writes again a volume another job created (GW407)."""

from __future__ import annotations

from ..catalogue import catalogue
from ..resolve import FROM_STEP, FROM_VOLUME
from . import Context


def check(ctx: Context) -> None:
    """Run the data-flow checks."""
    unused_outputs(ctx)
    dataset_writers(ctx)
    volume_rewrites(ctx)


def unused_outputs(ctx: Context) -> None:
    """GW405: a string or volume output that no job reads is discarded when the run ends."""
    res = ctx.res
    beta_read: set[tuple[str, str]] = {
        (b.producer, b.output) for per_job in res.bindings.values() for b in per_job.values()
        if b.source == FROM_VOLUME and b.producer != b.job
    }
    for name, job in ctx.wf.jobs.items():
        if name in res.explained:
            continue
        spec = catalogue().get(job.action)
        required = {n for n, _ in spec.contract_outputs} if spec else set()
        for out_name, out in job.outputs.items():
            if out.decl.kind == "dataset" or out_name in required:
                continue
            if (name, out_name) in res.readers or (name, out_name) in beta_read:
                continue
            ctx.sink.report("GW405", out.name.span,
                            f"{out.decl.kind} output \"{out_name}\" of job \"{name}\" is never read; its contents "
                            "are discarded when the run ends",
                            notes=(f"read it in another job as `{name}.outputs.{out_name}`, or remove it",))


def _dataset_name(ref: str) -> str:
    """The dataset a reference names, without its version or tag."""
    return ref.split(":", 1)[0]


def dataset_writers(ctx: Context) -> None:
    """GW406: two jobs with no `needs` path between them write one dataset."""
    writers: dict[str, list[tuple[str, str]]] = {}
    for name, job in ctx.wf.jobs.items():
        for out_name, out in job.outputs.items():
            d = out.decl
            if d.kind == "dataset" and d.dataset is not None and d.dataset.is_str:
                writers.setdefault(_dataset_name(d.dataset.value), []).append((name, out_name))
    clashes = {ds: ws for ds, ws in writers.items() if len({w[0] for w in ws}) > 1}
    if not clashes or ctx.res.order is None:
        return
    ancestors = _ancestor_bits(ctx)
    bit = {n: 1 << i for i, n in enumerate(ctx.res.order)}
    for ds, ws in clashes.items():
        reported: set[str] = set()
        for i, (a, _) in enumerate(ws):
            for b, b_out in ws[i + 1:]:
                if a == b or b in reported:
                    continue
                if ancestors[a] & bit[b] or ancestors[b] & bit[a]:
                    continue
                reported.add(b)
                out = ctx.wf.jobs[b].outputs[b_out]
                ctx.sink.report("GW406", out.decl.dataset.span if out.decl.dataset else out.name.span,
                                f"jobs \"{a}\" and \"{b}\" both write dataset \"{ds}\" and may run at the same time",
                                notes=("they would create clashing versions; order them with `needs` or write "
                                       "different datasets",))


def _ancestor_bits(ctx: Context) -> dict[str, int]:
    """Each job's ancestors as a bit set over the topological order (linear in edges)."""
    order = ctx.res.order or []
    bit = {n: 1 << i for i, n in enumerate(order)}
    deps = _deps(ctx)
    anc: dict[str, int] = {}
    for n in order:
        acc = 0
        for d in deps[n]:
            acc |= anc[d] | bit[d]
        anc[n] = acc
    return anc


def _deps(ctx: Context) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in ctx.wf.jobs:
        d = list(ctx.res.needs.get(name, ()))
        for b in ctx.res.bindings.get(name, {}).values():
            if b.source == FROM_STEP and b.producer not in d:
                d.append(b.producer)
        out[name] = d
    return out


def volume_rewrites(ctx: Context) -> None:
    """GW407: a job declares as its own output the volume it reads from another job."""
    for name, job in ctx.wf.jobs.items():
        bindings = ctx.res.bindings.get(name, {})
        for out_name, out in job.outputs.items():
            if out.decl.kind != "volume":
                continue
            b = bindings.get(out_name)
            if b is None or b.kind != "volume" or b.producer in ("", name):
                continue
            ctx.sink.report("GW407", out.name.span,
                            f"job \"{name}\" writes volume \"{out_name}\", which job \"{b.producer}\" created",
                            notes=("the docs: volumes cannot be used as an output after the job that created "
                                   "them; write a new output with another name (copy what you need into it)",))
