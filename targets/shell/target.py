"""The shell target: a bash script that runs the workflow on this machine (DESIGN.md,
Backends: shell; docs/targets/shell.md).

`support()` reports what the script cannot keep (GW5xx) and `emit()` renders run.sh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.ir import IR, Placement, SecretRef, Step
from gwfc.compiler.source import Span
from gwfc.targets.base import Bundle, EmitContext, map_names, shell_word

from . import emit
from .runtimes import RUNTIMES
from .store import valid_name

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A version (`3`, `v3`): the local store numbers the versions it commits itself.
_VERSION_WORD = re.compile(r"v?\d+")


@dataclass(frozen=True, slots=True)
class ShellOptions:
    """Options of the shell target (`--set KEY=VALUE`, `[targets.shell]`): the defaults that
    run.sh uses when neither its flags nor its environment variables say otherwise."""

    #: host (bubblewrap, no image), docker or podman; GWFC_RUNTIME or --runtime at run time.
    runtime: str = field(default="host", metadata={"choices": RUNTIMES})
    #: Jobs run at once; 0 is one per CPU.
    jobs: int = 0
    #: The local state directory (datasets, models, runs).
    state: str = ".gwfc"
    #: Seconds before a job is stopped; 0 is no limit.
    timeout: int = 0


class ShellTarget:
    """Compile a workflow into `run.sh`."""

    name = "shell"
    options_model = ShellOptions
    files = ("run.sh",)
    matrix: ClassVar[dict[str, str]] = {
        "name": "mapped",            # runs/<name>/ in the state directory
        "source": "mapped",          # named in the script's header and job comments
        "inputs": "mapped",          # defaults in the script; --input overrides
        "context": "mapped",         # defaults in the script; --context overrides
        "context_used": "mapped",    # checked before any job starts
        "trigger": "info",           # GW502: a local run has no trigger
        "cluster_id": "info",        # GW502
        "registries": "info",        # GW502: docker/podman use their own logins
        "secrets": "mapped",         # GWFC_SECRET_<NAME> or --secrets-file at run time
        "spans": "mapped",           # the positions of its notes
        "steps.name": "mapped",
        "steps.span": "mapped",      # job comments; diagnostics
        "steps.action": "mapped",    # job comments; part of the resume hash
        "steps.run.image": "mapped",  # docker/podman; the host runtime reports GW511
        "steps.run.command": "mapped",
        "steps.run.args": "mapped",
        "steps.run.files": "mapped",
        "steps.run.env": "mapped",
        "steps.run.mounts": "mapped",
        "steps.run.shell": "mapped",  # the shell is the image's (container) or this machine's (host)
        "steps.op": "mapped",        # register-model: the local model store; git-clone: local sources
        "steps.inputs": "mapped",
        "steps.outputs": "mapped",
        "steps.needs": "mapped",
        "steps.after": "mapped",
        "steps.resources": "info",   # GW502: everything runs on this machine
    }

    # ---- support ----------------------------------------------------------------------

    def support(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext) -> None:
        """Report what run.sh cannot keep (errors) and what it does not use (infos)."""
        sink = ctx.sink
        top = Span.point(ir.source_file, 1, 1)
        names = self.job_words(ir, sink)
        self.secret_variables(ir, sink)
        for step in ir.steps:
            self._step(step, sink, top)
        spans = {s.name: s.span for s in ir.steps}
        for job, message in emit.unsafe(ir, names, ctx.context):
            if job is None:
                sink.report("GW504", top, message)
            else:
                sink.report("GW504", spans.get(job) or top, f"job \"{job}\": {message}")
        for text in [*(i.default or "" for i in ir.inputs), *(v for _, v in ir.context),
                     *ctx.inputs.values(), *ctx.context.values()]:
            if "\x00" in text:
                sink.report("GW504", top, "a workflow input or context value holds a NUL character, "
                            "which bash cannot pass on")
                break
        for name in ctx.inputs:
            if all(i.name != name for i in ir.inputs):
                known = ", ".join(f'"{i.name}"' for i in ir.inputs) or "none"
                sink.report("GW604", Span.point("--input", 1, 1),
                            f"the workflow has no input \"{name}\"", notes=(f"its inputs are {known}",))
        if ir.trigger_branches is not None:
            sink.report("GW502", ir.span_of("trigger") or top,
                        "the `on: github` trigger has no meaning for a local run; "
                        "run.sh runs when you start it")
        if ir.cluster_id:
            sink.report("GW502", ir.span_of("cluster_id") or top,
                        f"clusterId \"{ir.cluster_id}\" is not used: run.sh runs on this machine")
        if ir.registries:
            sink.report("GW502", ir.span_of("registries") or top,
                        "container registries are not configured by run.sh: docker and "
                        "podman pull with their own logins (docker login)")
        typed = [s for s in ir.steps if s.instance_type]
        if typed:
            kinds = sorted({s.instance_type for s in typed})
            sink.report("GW502", typed[0].span or top,
                        f"instance types ({', '.join(kinds)}) are not used: every job runs on this machine")
        for step in ir.steps:
            if step.op is not None and step.op.kind == "register-model":
                sink.report("GW503", step.span or top,
                            f"job \"{step.name}\" registers its model in the local store "
                            "(<state>/models/<name>/<version>/ with model.json), not in a Gradient registry")
        if getattr(options, "runtime", "host") == "host":
            images = sorted({s.run.image for s in ir.steps if s.run.image})
            if images:
                first = next(s for s in ir.steps if s.run.image)
                sink.report("GW511", first.span or top,
                            f"the host runtime runs the jobs on this machine without their images "
                            f"({', '.join(images)})",
                            notes=("the tools the jobs call must be installed here",
                                   "choose docker or podman when the script runs: --runtime docker "
                                   "or GWFC_RUNTIME=docker"))

    def job_words(self, ir: IR, sink: Sink) -> dict[str, str]:
        """Job name → the word run.sh uses (a file name, a case label); collisions are GW501."""
        return map_names(((s.name, s.span) for s in ir.steps), shell_word, "job", "shell", sink)

    def secret_variables(self, ir: IR, sink: Sink) -> dict[str, str]:
        """Secret name → the environment variable run.sh reads its value from
        (`GWFC_SECRET_<NAME>`). Names that share a variable (`my-key`, `my_key`, `My_Key`) are
        GW501 once per name, at its first reference after the name it collides with (SPEC.md
        §3: reported, never merged)."""
        top = Span.point(ir.source_file, 1, 1)
        first: dict[str, Span] = {}  # each name at its first reference, in the IR's order
        for step in ir.steps:
            for e in step.run.env:
                if isinstance(e.value, SecretRef):
                    first.setdefault(e.value.secret, e.span or step.span or top)
            for _, v in step.op.params if step.op is not None else ():
                if isinstance(v, SecretRef):
                    first.setdefault(v.secret, step.span or top)
        for name in ir.secrets:
            first.setdefault(name, top)
        refs: list[tuple[str, Span | None]] = list(first.items())
        return map_names(refs, emit.secret_variable, "secret", "shell", sink)

    def _step(self, step: Step, sink: Sink, top: Span) -> None:
        span = step.span or top

        def lost(message: str) -> None:
            sink.report("GW504", span, f"job \"{step.name}\": {message}")

        for e in step.run.env:
            if isinstance(e.value, SecretRef) and not _ENV_NAME.fullmatch(e.name):
                lost(f"the secret in \"{e.name}\" needs a variable name of letters, digits and '_'")
        for o in step.outputs:
            if o.kind != "dataset":
                continue
            if not o.dataset:
                lost(f"dataset output \"{o.name}\" names no dataset")
                continue
            # NAME:TAG tags the new version (as on Argo); a version cannot be chosen (SPEC.md §5).
            name, _, label = o.dataset.partition(":")
            if not valid_name(name):
                sink.report("GW504", o.span or span,
                            f"job \"{step.name}\": dataset output \"{o.name}\" writes \"{name}\", which is not a "
                            "name the local dataset store can hold",
                            notes=("a name is `/`-separated parts of letters, digits, '.', '_' and '-', none of "
                                   "them a version such as v2, nor \"tags\"",))
            elif _VERSION_WORD.fullmatch(label):
                sink.report("GW504", o.span or span,
                            f"job \"{step.name}\": dataset output \"{o.name}\" names version \"{label}\" of "
                            f"\"{name}\", but the local store numbers the versions it commits (and "
                            f"\"{name}:{label}\" already means its version {label.lstrip('v')})",
                            notes=(f"write \"{name}\" for a new version, or \"{name}:TAG\" (a word such as "
                                   "\"best\") to tag it",))
        for text in _strings(step):
            if "\x00" in text:
                lost("a value holds a NUL character, which bash cannot pass on")
                break
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                lost("a value is not valid Unicode text (a lone surrogate)")
                break

    # ---- emit ---------------------------------------------------------------------------

    def emit(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext) -> Bundle:
        """run.sh (mode 0755). Deterministic: the same IR and options give the same bytes."""
        names = self.job_words(ir, Sink())
        opts = emit.Options(runtime=options.runtime, jobs=options.jobs, state=options.state,
                            timeout=options.timeout)
        text = emit.render(ir, opts, names, emit.run_dir_name(ir.name), inputs=ctx.inputs, context=ctx.context)
        bundle = Bundle()
        bundle.add("run.sh", text, 0o755)
        return bundle


def _strings(step: Step) -> list[str]:
    """Every text of a step that reaches run.sh."""
    r = step.run
    out: list[str] = [r.image, *(r.command or ()), *(r.args or ())]
    for path, content in r.files:
        out += [path, content]
    for e in r.env:
        out.append(e.name)
        if isinstance(e.value, str):
            out.append(e.value)
    for i in step.inputs:
        out += [i.source.value, i.source.ref]
    for o in step.outputs:
        out.append(o.dataset)
    return out
