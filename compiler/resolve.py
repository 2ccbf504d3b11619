"""Names, references, needs and the job graph (SPEC.md §4, §5, §11).

`resolve(workflow, source, sink)` checks every `needs` entry and every job input reference,
binds each input to what it reads (a job's output, a workflow input, an inline definition),
finds dependency cycles (with the whole path), and orders the jobs. The result, a
`Resolution`, is what the lints in `compiler/checks/` and the lowering to IR read.
Everything is linear in the size of the workflow.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from . import expr as X
from .ast import Job, JobInput, Name, Workflow
from .catalogue import catalogue
from .diagnostics import Edit, Fix, Sink
from .nodes import Scalar
from .scalarpos import locate
from .schema import quote_list, rename_fix, suggest
from .source import SourceFile, Span

#: Binding sources.
FROM_STEP = "step"          # JOB.outputs.NAME
FROM_WORKFLOW = "workflow"  # workflow.inputs.NAME
FROM_INLINE = "inline"      # {type: dataset|string, with: …}
FROM_VOLUME = "beta-volume" # the 2021 beta inline {type: volume} (SPEC.md §5)


@dataclass(slots=True)
class Binding:
    """What one job input reads."""

    job: str
    input: str
    kind: str
    source: str
    #: For FROM_STEP (and FROM_VOLUME): the producing job and its output.
    producer: str = ""
    output: str = ""
    #: For FROM_WORKFLOW: the workflow input's name.
    workflow_input: str = ""


@dataclass(slots=True)
class Resolution:
    """The checked graph of a workflow."""

    #: job → input name → binding (only inputs that resolved).
    bindings: dict[str, dict[str, Binding]] = field(default_factory=dict)
    #: job → jobs it depends on (its valid `needs`, in order, deduplicated).
    needs: dict[str, list[str]] = field(default_factory=dict)
    #: (producer, output) → readers (job, input).
    readers: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    #: Jobs in a stable topological order (declaration order breaks ties); None with a cycle.
    order: list[str] | None = None
    #: Jobs that some reference to them failed to resolve (GW303 …): their unused outputs
    #: are explained already.
    explained: set[str] = field(default_factory=set)


class Resolver:
    """Checks one workflow's references and graph."""

    def __init__(self, wf: Workflow, source: SourceFile, sink: Sink) -> None:
        self.wf = wf
        self.source = source
        self.file = source.name
        self.sink = sink
        self.res = Resolution()
        self.lower_names = {name.lower(): name for name in wf.jobs}
        self.needs_sets: dict[str, set[str]] = {}
        self.needs_fixed: set[tuple[str, str]] = set()

    def run(self) -> Resolution:
        """Resolve needs, then references, then order the graph."""
        for job in self.wf.jobs.values():
            self.check_needs(job)
        for job in self.wf.jobs.values():
            self.res.bindings[job.name.text] = {}
            for inp in job.inputs.values():
                self.bind(job, inp)
        if any(isinstance(job.node, Scalar) for job in self.wf.dropped.values()):
            # A job header indented too deep (GW210): what its keys read is not known.
            self.res.explained.update(self.wf.jobs)
        for job in self.wf.dropped.values():  # its reads are not checked, but they are reads
            for inp in job.inputs.values():
                e = inp.ref.expr if inp.ref is not None else None
                if isinstance(e, X.Expr) and e.kind == X.JOB_OUTPUT:
                    self.res.explained.add(e.parts[0])
        self.res.order = self.order()
        return self.res

    # ---- needs -------------------------------------------------------------------------

    def close_job(self, name: str) -> str | None:
        """A job name close to `name` (across case first)."""
        if name.lower() in self.lower_names:
            return self.lower_names[name.lower()]
        return suggest(name, self.wf.jobs)

    def check_needs(self, job: Job) -> None:
        seen: set[str] = set()
        valid: list[str] = []
        me = job.name.text
        for entry in job.needs:
            name = entry.text
            span = entry.span
            if name == me:
                self.sink.report("GW402", span, f"job \"{me}\" needs itself",
                                 notes=("remove it from `needs`",))
                continue
            if name not in self.wf.jobs and name in self.wf.dropped:
                continue  # its name is reported (GW208, GW220)
            if name not in self.wf.jobs:
                close = self.close_job(name)
                if close and any(n.text == close for n in job.needs):
                    self.sink.report("GW401", span, f"`needs` names the unknown job \"{name}\"; \"{close}\" is "
                                     "listed already: remove this entry",
                                     fix=self.remove_item_fix(job, entry, f"remove \"{name}\""))
                elif close:
                    self.sink.report("GW401", span, f"`needs` names the unknown job \"{name}\"; did you mean \"{close}\"?",
                                     notes=("job names are case-sensitive" if close.lower() == name.lower()
                                            else f"jobs are {quote_list(self.wf.jobs)}",),
                                     fix=rename_fix(span, name, close))
                else:
                    self.sink.report("GW401", span, f"`needs` names the unknown job \"{name}\"",
                                     notes=(f"jobs are {quote_list(self.wf.jobs)}",))
                continue
            if name in seen:
                self.sink.report("GW403", span, f"`needs` lists \"{name}\" twice",
                                 fix=self.remove_item_fix(job, entry, f"remove the second \"{name}\""))
                continue
            seen.add(name)
            valid.append(name)
        self.res.needs[me] = valid
        self.needs_sets[me] = seen

    # ---- references --------------------------------------------------------------------

    def ref_span(self, inp: JobInput, part: int | None = None, whole_rest: bool = False) -> Span:
        """The span of a reference, or of one part of it."""
        val = inp.ref
        assert val is not None
        e = val.expr
        text = val.value
        lead = len(text) - len(text.lstrip())
        if not isinstance(e, X.Expr) or part is None:
            stripped = text.strip()
            return locate(self.source, val.node, lead, max(len(stripped), 1))
        start = e.offsets[part]
        length = (len(e.text) - start) if whole_rest else len(e.parts[part])
        return locate(self.source, val.node, lead + start, max(length, 1))

    def bind(self, job: Job, inp: JobInput) -> None:
        me = job.name.text
        name = inp.name.text
        if inp.decl is not None:
            decl = inp.decl
            if decl.kind == "volume":
                self.bind_beta_volume(job, inp)
            else:
                self.res.bindings[me][name] = Binding(me, name, decl.kind, FROM_INLINE)
            return
        val = inp.ref
        if val is None:
            return
        text = val.value
        stripped = text.strip()
        if text != stripped:
            span = val.span
            self.sink.report("GW332", span, "the reference has blanks before or after it",
                             notes=("a reference is the whole value",),
                             fix=Fix("remove the blanks", (Edit(span, stripped),)))
        e = val.expr
        if e is None:  # too long: reported by the builder (GW111); its job's outputs are explained
            self.res.explained.add(stripped.split(".", 1)[0])
            return
        if isinstance(e, X.ExprError):
            if self.not_a_reference(job, inp, stripped):
                return
            lead = len(text) - len(text.lstrip())
            span = locate(self.source, val.node, lead + e.offset, max(e.end - e.offset, 1))
            self.sink.report("GW301", span, e.message,
                             notes=("a job input is `JOB.outputs.NAME` or `workflow.inputs.NAME`",))
            return
        kind = e.kind
        if kind == X.JOB_OUTPUT:
            self.bind_job_output(job, inp, e)
        elif kind == X.WORKFLOW_INPUT:
            self.bind_workflow_input(job, inp, e)
        elif kind == X.SECRET:
            self.sink.report("GW308", self.ref_span(inp),
                             f"a secret cannot be an input; put `{name}: {stripped}` under the job's `env:`",
                             notes=("then read it as the environment variable `$" + name.upper().replace("-", "_") + "`",))
        elif kind == X.CONTEXT:
            self.sink.report("GW307", self.ref_span(inp),
                             "a context value cannot be an input; context values go in `with:` parameters "
                             "(e.g. git-checkout's `url`)")
        elif kind == X.JOB_INPUT:
            self.job_input_ref(job, inp, e)
        elif kind == X.OUTPUT_SUBPATH:
            sub = "/".join(e.parts[3:])
            self.sink.report("GW306", self.ref_span(inp, 3, whole_rest=True),
                             f"outputs are one level: reference `{'.'.join(e.parts[:3])}` and read "
                             f"`/inputs/{name}/{sub}` in the job",
                             fix=Fix(f"reference {'.'.join(e.parts[:3])}",
                                     (Edit(self.ref_span(inp), ".".join(e.parts[:3])),)))
            self.res.explained.add(e.job)
        elif kind == X.WORKFLOW_OTHER:
            self.workflow_other(inp, e, stripped)
        else:  # OTHER_PATH
            self.other_path(job, inp, e)

    def bind_beta_volume(self, job: Job, inp: JobInput) -> None:
        """The 2021 beta inline `{type: volume}` input (SPEC.md §5): the target of a checkout job,
        or a read-only mount of the same-named volume of a job this one depends on."""
        me = job.name.text
        name = inp.name.text
        assert inp.decl is not None
        span = inp.decl.type_value.span
        spec = catalogue().get(job.action)
        if spec is not None and spec.target:
            self.res.bindings[me][name] = Binding(me, name, "volume", FROM_VOLUME, producer=me, output=name)
            self.sink.report("GW330", span,
                             f"an inline volume input on a `{spec.name}` job is the 2021 beta form of its target",
                             notes=(f"declare it under `outputs:` (`{name}: {{type: volume}}`) and let other jobs "
                                    f"reference `{me}.outputs.{name}`",))
            return
        producer = self.beta_producer(me, name)
        if producer is None:
            self.sink.report("GW331", span,
                             f"inline volume input \"{name}\" of job \"{me}\" is not produced by any job it depends on",
                             notes=("a volume is created by the job that declares it as an output; reference it as "
                                    "`JOB.outputs.NAME` and list JOB in `needs`",))
            return
        self.res.bindings[me][name] = Binding(me, name, "volume", FROM_VOLUME, producer=producer, output=name)
        self.res.readers.setdefault((producer, name), []).append((me, name))
        self.sink.report("GW330", span,
                         f"inline volume input \"{name}\" is the 2021 beta form of a shared volume",
                         notes=(f"reference it as `{producer}.outputs.{name}` (declared under \"{producer}\"'s "
                                "`outputs:`)",))

    def beta_producer(self, me: str, name: str) -> str | None:
        """The nearest job `me` depends on (through `needs`, transitively) that creates the
        volume: it declares a same-named volume output, or it is a checkout job with the
        same-named beta inline volume (jobs that only mount it are passed through)."""
        seen = {me}
        queue = list(self.res.needs.get(me, ()))
        i = 0
        while i < len(queue):
            j = queue[i]
            i += 1
            if j in seen:
                continue
            seen.add(j)
            other = self.wf.jobs[j]
            out = other.outputs.get(name)
            if out is not None and out.decl.kind == "volume":
                return j
            inp = other.inputs.get(name)
            spec = catalogue().get(other.action)
            if inp is not None and inp.decl is not None and inp.decl.kind == "volume" and spec is not None \
                    and spec.target:
                return j
            queue.extend(self.res.needs.get(j, ()))
        return None

    def not_a_reference(self, job: Job, inp: JobInput, text: str) -> bool:
        """GW307 for URLs, paths and bare words, with the form that was likely meant."""
        if not ("://" in text or "/" in text or "." not in text or " " in text):
            return False
        notes = []
        if "://" in text:
            what = "a URL"
            if text.endswith(".git") or "github.com" in text or "gitlab" in text:
                notes.append("clone it in a job that `uses: git-checkout@v1` with `url:` and a volume "
                             "output, then reference that output")
            elif text.startswith("s3://"):
                notes.append("download it in a job that `uses: s3-download@v1`, then reference its output")
        elif "/" in text:
            what = "a path"
            notes.append("a path inside an input is read from `/inputs/NAME/…` in the job; "
                         "reference the job output or dataset that holds it")
        else:
            what = "a plain word"
            producers = [j for j, other in self.wf.jobs.items() if text in other.outputs]
            if producers:
                notes.append(f"did you mean `{producers[0]}.outputs.{text}`?")
        self.sink.report("GW307", self.ref_span(inp), f"input \"{inp.name.text}\" is {what}, not a reference",
                         notes=["a job input is `JOB.outputs.NAME`, `workflow.inputs.NAME` or a definition "
                                "`{type: …, with: …}`", *notes])
        return True

    def bind_job_output(self, job: Job, inp: JobInput, e: X.Expr) -> None:
        me = job.name.text
        parts = e.parts
        producer_name = parts[0]
        out_name = parts[2]
        producer = self.wf.jobs.get(producer_name)
        if producer is None and producer_name in self.wf.dropped:
            return  # its name is reported (GW208, GW220)
        if producer is None:
            span = self.ref_span(inp, 0)
            close = self.close_job(producer_name)
            if close:
                self.res.explained.add(close)  # its outputs are read, through the misspelt name
                self.sink.report("GW302", span, f"unknown job \"{producer_name}\"; did you mean \"{close}\"?",
                                 fix=rename_fix(span, producer_name, close))
            else:
                self.sink.report("GW302", span, f"unknown job \"{producer_name}\"",
                                 notes=(f"jobs are {quote_list(self.wf.jobs)}",))
            return
        if producer_name == me:
            self.sink.report("GW337", self.ref_span(inp),
                             f"job \"{me}\" reads its own output \"{out_name}\"",
                             notes=(f"a job writes `/outputs/{out_name}` itself; it is not an input",))
            return
        # Reported whether or not the output exists; not when the entry is there as a non-string.
        if producer_name not in self.needs_sets[me] and producer_name not in job.broken_needs:
            self.missing_needs(job, inp, producer_name)
        out = producer.outputs.get(out_name)
        if out is None and out_name in producer.broken_outputs:
            self.res.explained.add(producer_name)
            return  # declared, but its definition is wrong: reported there
        if out is None:
            self.res.explained.add(producer_name)
            span = self.ref_span(inp, 2)
            outs = list(producer.outputs)
            close = suggest(out_name, outs) or _unique_prefix(out_name, outs)
            notes = [f"job \"{producer_name}\" declares outputs {quote_list(outs)}" if outs
                     else f"job \"{producer_name}\" declares no outputs"]
            beta = producer.inputs.get(out_name)
            if beta is not None and beta.decl is not None and beta.decl.kind == "volume":
                notes.append(f"\"{out_name}\" is an inline volume input of \"{producer_name}\" (the 2021 beta "
                             "form); declare it under its `outputs:`")
            if close:
                self.sink.report("GW303", span,
                                 f"job \"{producer_name}\" has no output \"{out_name}\"; did you mean \"{close}\"?",
                                 notes=notes, fix=rename_fix(span, out_name, close))
            else:
                self.sink.report("GW303", span, f"job \"{producer_name}\" has no output \"{out_name}\"", notes=notes)
            return
        self.res.bindings[me][inp.name.text] = Binding(me, inp.name.text, out.decl.kind, FROM_STEP,
                                                       producer=producer_name, output=out_name)
        self.res.readers.setdefault((producer_name, out_name), []).append((me, inp.name.text))

    def remove_item_fix(self, job: Job, entry: Name, message: str) -> Fix | None:
        """A fix removing one entry of a `needs` list: in a flow list with its comma, in a block
        list its whole line (None when the entry shares its line with other text)."""
        node = job.needs_node
        item = entry.node
        if job.needs_form != "list" or node is None or item.line != item.end_line:
            return None
        text = self.source.text
        start = self.source.offset(item.line, item.column)
        end = self.source.offset(item.end_line, item.end_column)
        if text[self.source.offset(node.line, node.column)] == "[":
            before = text.rfind(",", self.source.offset(node.line, node.column), start)
            if before >= 0:  # `, b`: from the comma before it
                return Fix(message, (Edit(self.source.span(before, end), ""),))
            after = text.find(",", end)
            close = text.find("]", end)
            if 0 <= after < close:  # the first item: up to the next item
                nxt = after + 1
                while nxt < len(text) and text[nxt] in " \t":
                    nxt += 1
                return Fix(message, (Edit(self.source.span(start, nxt), ""),))
            return None
        line = self.source.line_text(item.line)
        if line[: item.column - 1].strip() != "-" or line[item.end_column - 1:].split("#", 1)[0].strip():
            return None
        return Fix(message, (Edit(Span(self.file, item.line, 1, item.line + 1, 1), ""),))

    def missing_needs(self, job: Job, inp: JobInput, producer: str) -> None:
        """GW309 with a fix that adds the producer to `needs` (on the first reference only, so
        that applying every fix adds it once)."""
        me = job.name.text
        span = self.ref_span(inp, 0)
        fix = None
        first = (me, producer) not in self.needs_fixed
        self.needs_fixed.add((me, producer))
        if first and job.needs_form == "list" and job.needs_node is not None and job.needs:
            last = job.needs[-1].node
            node = job.needs_node
            if self.source.text[self.source.offset(node.line, node.column)] == "[":  # a flow list
                at = Span(self.file, last.end_line, last.end_column, last.end_line, last.end_column)
                fix = Fix(f"add \"{producer}\" to `needs`", (Edit(at, f", {producer}"),))
            else:  # block list: a new item under the last, its dash where the last one's is
                dash = self.source.line_text(last.line).rfind("-", 0, last.column - 1)
                indent = " " * max(dash, 0)
                at = Span(self.file, last.end_line, last.end_column, last.end_line, last.end_column)
                fix = Fix(f"add \"{producer}\" to `needs`", (Edit(at, f"\n{indent}- {producer}"),))
        elif first and job.needs_form == "list" and job.needs_node is not None \
                and self.source.text[self.source.offset(job.needs_node.line, job.needs_node.column)] == "[":
            at = job.needs_node.span(self.file)  # an empty flow list: `[]`
            fix = Fix(f"add \"{producer}\" to `needs`", (Edit(at, f"[{producer}]"),))
        # `needs: a`: GW408's fix makes it a list first (two fixes on one span would clash).
        elif first and job.needs_form == "null" and job.needs_key is not None:
            key = job.needs_key  # `needs:` with nothing (or ~, null) after it
            rest = self.source.line_text(key.line)[key.end_column:]
            code = rest.split(" #", 1)[0]
            if code.strip() in ("", "~", "null", "Null", "NULL"):
                at = Span(self.file, key.line, key.end_column + 1, key.line, key.end_column + 1 + len(code))
                fix = Fix(f"add \"{producer}\" to `needs`", (Edit(at, f" [{producer}]"),))
        elif first and not job.needs_form and job.needs_key is None and job.node.line > job.name.node.line:
            name_node = job.name.node
            indent = " " * (job.node.column - 1)  # where the job's own keys start
            at = Span(self.file, name_node.end_line, name_node.end_column + 1, name_node.end_line,
                      name_node.end_column + 1)
            fix = Fix(f"add `needs: [{producer}]`", (Edit(at, f"\n{indent}needs: [{producer}]"),))
        self.sink.report("GW309", span,
                         f"job \"{me}\" reads an output of \"{producer}\" but does not list it in `needs`",
                         notes=("the docs: \"You must specify job-1 in the needs section to reference them "
                                "here\"; being an ancestor through another job is not enough",),
                         fix=fix)

    def bind_workflow_input(self, job: Job, inp: JobInput, e: X.Expr) -> None:
        wi = self.wf.inputs.get(e.name)
        if wi is None and e.name in self.wf.broken_inputs:
            return  # defined, but its definition is wrong: reported there
        if wi is None:
            span = self.ref_span(inp, 2)
            close = suggest(e.name, self.wf.inputs)
            defined = [*self.wf.inputs, *sorted(self.wf.broken_inputs - set(self.wf.inputs))]
            notes = [f"workflow inputs are {quote_list(defined)}" if defined
                     else "the workflow has no top-level `inputs:`"]
            if close:
                self.sink.report("GW304", span, f"unknown workflow input \"{e.name}\"; did you mean \"{close}\"?",
                                 notes=notes, fix=rename_fix(span, e.name, close))
            else:
                self.sink.report("GW304", span, f"unknown workflow input \"{e.name}\"", notes=notes)
            return
        me = job.name.text
        self.res.bindings[me][inp.name.text] = Binding(me, inp.name.text, wi.decl.kind, FROM_WORKFLOW,
                                                       workflow_input=e.name)

    def workflow_other(self, inp: JobInput, e: X.Expr, text: str) -> None:
        """GW301 for `workflow.x…` other than `workflow.inputs.NAME` (`workflow.input.data`)."""
        fix = None
        msg = f"\"{text}\" is not a workflow reference; expected `workflow.inputs.NAME`"
        if len(e.parts) == 3 and suggest(e.parts[1], ("inputs",)):
            target = f"workflow.inputs.{e.parts[2]}"
            msg += f"; did you mean `{target}`?"
            fix = Fix(f"reference {target}", (Edit(self.ref_span(inp), target),))
        self.sink.report("GW301", self.ref_span(inp), msg, fix=fix)

    def looks_like_workflow(self, word: str) -> bool:
        """`workflows`, `Workflow`, `worflow`: a misspelt `workflow` (and no job of that name)."""
        return word not in self.wf.jobs and suggest(word, ("workflow",)) is not None

    def job_input_ref(self, job: Job, inp: JobInput, e: X.Expr) -> None:
        """GW305: `JOB.inputs.X` — say where X came from, when that is known."""
        other = self.wf.jobs.get(e.job)
        if other is None and self.looks_like_workflow(e.job):
            target = f"workflow.inputs.{e.name}"
            self.sink.report("GW301", self.ref_span(inp, 0),
                             f"\"{e.job}\" is not a job; did you mean `{target}`?",
                             notes=("workflow inputs are referenced as `workflow.inputs.NAME`",),
                             fix=Fix(f"reference {target}", (Edit(self.ref_span(inp), target),)))
            return
        if other is None:
            span = self.ref_span(inp, 0)
            close = self.close_job(e.job)
            if close:
                self.sink.report("GW302", span, f"unknown job \"{e.job}\"; did you mean \"{close}\"?",
                                 notes=("a job's inputs are not passed on: reference the output that produced "
                                        "it",), fix=rename_fix(span, e.job, close))
            else:
                self.sink.report("GW302", span, f"unknown job \"{e.job}\"",
                                 notes=(f"jobs are {quote_list(self.wf.jobs)}",))
            return
        notes = ["a job's inputs are not passed on"]
        fix = None
        if other is not None:
            upstream = other.inputs.get(e.name)
            if upstream is not None and upstream.ref is not None and isinstance(upstream.ref.expr, X.Expr) \
                    and upstream.ref.expr.kind in (X.JOB_OUTPUT, X.WORKFLOW_INPUT):
                target = upstream.ref.expr.text
                notes.append(f"\"{e.job}\" reads it from `{target}`: reference that")
                fix = Fix(f"reference {target}", (Edit(self.ref_span(inp), target),))
            elif e.name in other.outputs:
                target = f"{e.job}.outputs.{e.name}"
                notes.append(f"did you mean `{target}`?")
                fix = Fix(f"reference {target}", (Edit(self.ref_span(inp), target),))
        self.sink.report("GW305", self.ref_span(inp, 1),
                         f"`{e.text}` reads another job's input; reference the output that produced it",
                         notes=notes, fix=fix)
        self.res.explained.add(e.job)

    def other_path(self, job: Job, inp: JobInput, e: X.Expr) -> None:
        """A dotted path of no known form: `job.output.x`, `job.x`, …"""
        notes = ["a job input is `JOB.outputs.NAME` or `workflow.inputs.NAME`"]
        fix = None
        if len(e.parts) == 3:
            close = suggest(e.parts[1], ("outputs", "inputs"))
            if close == "outputs" or (close is None and e.parts[0] in self.wf.jobs):
                span = self.ref_span(inp, 1)
                fix = rename_fix(span, e.parts[1], "outputs")
                notes.append(f"did you mean `{e.parts[0]}.outputs.{e.parts[2]}`?")
        elif len(e.parts) == 2 and e.parts[0] in self.wf.jobs:
            notes.append(f"did you mean `{e.parts[0]}.outputs.{e.parts[1]}`?")
        elif len(e.parts) == 2 and e.parts[0] in ("inputs", "input") and e.parts[1] in self.wf.inputs:
            target = f"workflow.inputs.{e.parts[1]}"  # `inputs.data`: GitHub's spelling of a workflow input
            notes.append(f"did you mean `{target}`?")
            fix = Fix(f"reference {target}", (Edit(self.ref_span(inp), target),))
        self.sink.report("GW301", self.ref_span(inp), f"\"{e.text}\" is not a reference gwfc knows",
                         notes=notes, fix=fix)

    # ---- graph -------------------------------------------------------------------------

    def edges(self) -> dict[str, list[str]]:
        """job → the jobs it depends on: its `needs` and the producers it reads from."""
        deps: dict[str, list[str]] = {}
        for name in self.wf.jobs:
            d = list(self.res.needs.get(name, ()))
            seen = set(d)
            for b in self.res.bindings.get(name, {}).values():
                if b.source == FROM_STEP and b.producer not in seen:
                    seen.add(b.producer)
                    d.append(b.producer)
            deps[name] = d
        return deps

    def order(self) -> list[str] | None:
        """Kahn's algorithm, declaration order breaking ties; cycles reported (GW404)."""
        deps = self.edges()
        names = list(self.wf.jobs)
        position = {n: i for i, n in enumerate(names)}
        indegree = {n: len(deps[n]) for n in names}
        dependants: dict[str, list[str]] = {n: [] for n in names}
        for n in names:
            for d in deps[n]:
                dependants[d].append(n)
        import heapq

        ready = [position[n] for n in names if indegree[n] == 0]
        heapq.heapify(ready)
        out: list[str] = []
        while ready:
            n = names[heapq.heappop(ready)]
            out.append(n)
            for m in dependants[n]:
                indegree[m] -= 1
                if indegree[m] == 0:
                    heapq.heappush(ready, position[m])
        if len(out) == len(names):
            return out
        self.report_cycles(deps, {n for n in names if indegree[n] > 0})
        return None

    def report_cycles(self, deps: dict[str, list[str]], stuck: set[str]) -> None:
        """One GW404 per strongly connected component, with one cycle's whole path."""
        for comp in _sccs(deps, stuck):
            if len(comp) == 1 and comp[0] not in deps[comp[0]]:
                continue
            members = set(comp)
            start = min(comp, key=list(self.wf.jobs).index)
            path = _cycle_path(start, deps, members)
            closing, target = path[-2], path[-1]
            job = self.wf.jobs[closing]
            span = next((n.span for n in job.needs if n.text == target), job.name.span)
            hops = ", ".join(f"\"{a}\" needs \"{b}\"" for a, b in itertools.pairwise(path))
            self.sink.report("GW404", span, "dependency cycle: " + " → ".join(path),
                             notes=(hops, "no job of the cycle can ever start; remove one of these `needs`"))


def _unique_prefix(word: str, names: list[str]) -> str | None:
    """The one name that `word` abbreviates or extends (`repo` → `repository`), or None."""
    if len(word) < 3:
        return None
    low = word.lower()
    hits = [n for n in names if len(n) >= 3 and (n.lower().startswith(low) or low.startswith(n.lower()))]
    return hits[0] if len(hits) == 1 else None


def _sccs(deps: dict[str, list[str]], nodes: set[str]) -> list[list[str]]:
    """Tarjan's strongly connected components over `nodes`, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            succ = [w for w in deps[v] if w in nodes]
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def _cycle_path(start: str, deps: dict[str, list[str]], members: set[str]) -> list[str]:
    """A cycle through `start` inside one component, as [start, …, start] (BFS, shortest)."""
    prev: dict[str, str] = {}
    queue = [start]
    seen = {start}
    i = 0
    while i < len(queue):
        v = queue[i]
        i += 1
        for w in deps[v]:
            if w not in members:
                continue
            if w == start:
                path = [start]
                node = v
                chain = []
                while node != start:
                    chain.append(node)
                    node = prev[node]
                path.extend(reversed(chain))
                path.append(start)
                return path
            if w not in seen:
                seen.add(w)
                prev[w] = v
                queue.append(w)
    return [start, start]


def resolve(wf: Workflow, source: SourceFile, sink: Sink) -> Resolution:
    """Check references and the graph of a built workflow."""
    return Resolver(wf, source, sink).run()
