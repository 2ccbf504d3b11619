"""Node tree → AST, checking structure on the way (GW2xx).

One walk over the tree: each part of the format is checked where it is built, against the key
sets and enums of grammar/workflow.schema.json (read through `schema.shape()`), with the
curated messages SPEC.md asks for. A part that does not fit is reported and left out of the
AST, so that the reference checks still run on the rest of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .ast import EnvVar, IODecl, Job, JobInput, Name, Output, Param, Trigger, Value, Workflow, WorkflowInput
from .catalogue import all_param_names, catalogue
from .diagnostics import Edit, Fix, Sink
from .expr import Expr, looks_like_expression, parse
from .limits import DEFAULT_LIMITS, Limits
from .nodes import AnyNode, Map, Scalar, Seq, typed_value
from .schema import (
    GITHUB_ACTIONS_KEYS,
    JOB_KEY_HINTS,
    StructureReporter,
    describe,
    quote_list,
    rename_fix,
    shape,
    suggest,
    yaml_quote,
)
from .source import SourceFile, Span

_CONTEXT_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


_ENV_NAME_OK = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_DEFAULTS_WRONG = {"image", "username", "password", "script", "args", "command"}
_TRIGGER_GHA = frozenset({"push", "pull_request", "schedule", "workflow_dispatch", "manual",
                          "release", "tags", "pull_request_target", "workflow_call"})


class Builder:
    """Builds one Workflow from one document's root node."""

    def __init__(self, root: AnyNode, file: str, sink: Sink, limits: Limits = DEFAULT_LIMITS,
                 source: SourceFile | None = None) -> None:
        self.root = root
        self.file = file
        self.sink = sink
        self.limits = limits
        self.shape = shape()
        self.r = StructureReporter(sink, file)
        self.source = source
        self.valid_names: set[str] = set()
        self.root_keys: dict[str, tuple[Scalar, AnyNode]] = {}
        #: The keys of `jobs` as written (`needs` entries that YAML typed are checked against them).
        self.job_names: set[str] = set()
        #: Job headers indented one level too deep, found inside another job (GW210).
        self.misplaced_jobs: list[Scalar] = []

    # ---- helpers -----------------------------------------------------------------------

    def value(self, node: AnyNode) -> Value:
        """A Value of a scalar (typed) or a collection (value None)."""
        return Value(node.value if isinstance(node, Scalar) else None, node, self.file)

    def name(self, key: Scalar) -> Name:
        """A Name of a map key."""
        return Name(key.text, key, self.file)

    def string(self, node: AnyNode, what: str, free_text: bool = True) -> Value | None:
        """A string value, or None with GW203 (a quoting fix for free text only)."""
        if isinstance(node, Scalar):
            v = node.value
            if node.is_str:
                return Value(v, node, self.file)
        self.r.wrong_type(node, "a string", what, free_text=free_text)
        return None

    def mapping(self, node: AnyNode, what: str, allow_null: bool = True) -> Map | None:
        """A map (None for an empty value when allowed), or None with GW203."""
        if isinstance(node, Map):
            return node
        if allow_null and isinstance(node, Scalar) and node.value is None and node.style == "":
            return None
        self.r.wrong_type(node, "a map", what)
        return None

    def check_name(self, key: Scalar, what: str, present: Iterable[str] = ()) -> bool:
        """SPEC.md §3: names of jobs, inputs and outputs (GW208)."""
        text = key[0]
        if text in self.valid_names:  # names repeat across jobs (`repo`, `data`, `msg`)
            return True
        sh = self.shape
        if sh.name_re.match(text) and len(text) <= sh.name_max:
            self.valid_names.add(text)
            return True
        span = key.span(self.file)
        if not text:
            msg = f"{what} name is empty"
        elif "." in text:
            msg = f"{what} name \"{text}\" contains `.`, which makes references ambiguous"
        elif len(text) > sh.name_max:
            msg = f"{what} name \"{text[:20]}…\" is {len(text)} characters long; the limit is {sh.name_max}"
        else:
            msg = f"{what} name \"{text}\" is not valid"
        fixed = "".join(c if c.isalnum() or c in "_-" else "-" for c in text).strip("-_")[: sh.name_max]
        fix = (rename_fix(span, text, fixed) if fixed and fixed != text and sh.name_re.match(fixed)
               and fixed not in set(present) else None)
        self.sink.report("GW208", span, msg,
                         notes=("names use letters, digits, `_` and `-`, start with a letter or "
                                f"digit, and have at most {sh.name_max} characters",), fix=fix)
        return False

    # ---- top level ---------------------------------------------------------------------

    def build(self) -> Workflow | None:
        """Check and build the whole file; None when the top level is not a map."""
        root = self.root
        if not isinstance(root, Map):
            self.r.wrong_type(root, "a map", "a workflow",
                              notes=("a workflow is a map with at least a `jobs:` key",))
            return None
        wf = Workflow(self.file, root)
        self.root_keys = root.by_key
        for key, value in root.pairs:
            text = key.text
            if text == "jobs":
                wf.jobs_node = value
                self.jobs(value, wf)
            elif text == "inputs":
                self.workflow_inputs(value, wf)
            elif text == "defaults":
                self.defaults(value, wf)
            elif text == "on":
                wf.trigger = self.trigger(value)
                if wf.trigger is not None:
                    wf.trigger.key = key
            elif text == "context":
                self.context(key, value, wf)
            else:
                self.unknown_top_key(key, value)
        if "jobs" not in root.by_key:
            self.r.missing_key(Span(self.file, root.line, root.column, root.line, root.column + 1),
                               "jobs", "the workflow", notes=("a workflow needs at least one job",))
        return wf

    def unknown_top_key(self, key: Scalar, value: AnyNode) -> None:
        text = key.text
        span = key.span(self.file)
        if text == "name":
            self.sink.report("GW206", span, "`name:` is not supported in a Gradient workflow",
                             notes=("the Gradient docs: \"using `name:` will fail\"; the workflow's "
                                    "name is given when it is created (gwfc: the file name or --name)",),
                             fix=self.delete_entry_fix(key, value, "remove `name:`"))
        elif text in GITHUB_ACTIONS_KEYS or text == "env":
            hint = ("use `defaults: {env: …}` for variables of every job" if text == "env"
                    else "Gradient does not support this keyword")
            self.sink.report("GW205", span, f"\"{text}\" is GitHub Actions syntax, not Gradient",
                             notes=(hint,))
        elif isinstance(value, Map) and ("uses" in value or "with" in value) and not text.startswith(("x-", ".")):
            self.sink.report("GW201", span,
                             f"unknown top-level key \"{text}\"; it looks like a job: indent it under `jobs:`",
                             notes=(f"the top level allows {quote_list(self.shape.top_keys)}",))
        else:
            self.r.unknown_key(key, self.shape.top_keys, "the top level", present=self.root_keys)

    def delete_entry_fix(self, key: Scalar, value: AnyNode, message: str) -> Fix | None:
        """A fix deleting a block-style `key: value` entry: its whole lines (None when the
        entry shares a line with something else, as in a flow map)."""
        if key.column != 1 and not self.line_is_blank_before(key):
            return None
        end_line = value.end_line if value.end_column > 1 else value.end_line - 1
        return Fix(message, (Edit(Span(self.file, key.line, 1, end_line + 1, 1), ""),))

    def line_is_blank_before(self, key: Scalar) -> bool:
        return self.source_line(key.line)[: key.column - 1].strip() == ""

    def source_line(self, line: int) -> str:
        return self.source.line_text(line) if self.source is not None else ""

    # ---- jobs --------------------------------------------------------------------------

    def jobs(self, node: AnyNode, wf: Workflow) -> None:
        if isinstance(node, Scalar) and node.value is None and node.style == "":
            self.sink.report("GW209", node.span(self.file), "`jobs` is empty; a workflow needs at least one job")
            return
        jobs = self.mapping(node, "`jobs`", allow_null=False)
        if jobs is None:
            return
        if not jobs.pairs:
            self.sink.report("GW209", jobs.span(self.file), "`jobs` is empty; a workflow needs at least one job")
            return
        if len(jobs.pairs) > self.limits.jobs:
            self.sink.report("GW110", jobs.span(self.file),
                             f"the workflow has {len(jobs.pairs):,} jobs, more than the limit of {self.limits.jobs:,}",
                             notes=("raise `limits.jobs` in gwfc.toml if this is legitimate",))
            return
        self.job_names = set(jobs.by_key)
        for key, value in jobs.pairs:
            valid = self.check_name(key, "job", present=jobs.by_key)
            if key.text in ("workflow", "context"):
                self.sink.report("GW220", key.span(self.file),
                                 f"a job cannot be named \"{key.text}\": `{key.text}.…` is a reference",
                                 notes=("rename the job",))
                valid = False
            job = self.job(key, value)
            if job is not None and valid:
                wf.jobs[key.text] = job
            elif job is not None:
                wf.dropped[key.text] = job
        for header in self.misplaced_jobs:  # reported (GW210): references to it are explained
            if header.text not in wf.jobs:
                wf.dropped.setdefault(header.text, Job(self.name(header), header, self.file))

    def job(self, key: Scalar, node: AnyNode) -> Job | None:
        name = key.text
        if not isinstance(node, Map):
            if isinstance(node, Scalar) and node.value is None:
                self.sink.report("GW202", key.span(self.file), f"job \"{name}\" is empty",
                                 notes=("a job needs at least `uses:` and `with:`",))
            else:
                self.r.wrong_type(node, "a map", f"job \"{name}\"")
            return None
        job = Job(self.name(key), node, self.file)
        where = f"job \"{name}\""
        for k, v in node.pairs:
            text = k.text
            if text == "uses":
                job.uses = self.string(v, "`uses`", free_text=False)
            elif text == "with":
                job.with_key = k
                job.with_node = v
                self.params(v, job)
            elif text == "needs":
                job.needs_key = k
                self.needs(v, job)
            elif text == "inputs":
                self.job_inputs(v, job)
            elif text == "outputs":
                self.outputs(v, job)
            elif text == "env":
                job.env = self.env(v, f"the env of {where}")
            elif text == "resources":
                self.job_resources(v, job)
            else:
                if self.unknown_job_key(k, v, job):
                    break  # a job header indented too deep: the keys after it are that job's
        if "uses" not in node.by_key:
            notes = ["a job names its action with `uses:`: " + quote_list(catalogue())]
            if "with" in node.by_key:
                params = set()
                w = node.get("with")
                if isinstance(w, Map):
                    params = set(w.by_key)
                guess = [a for a, spec in catalogue().items() if params and params <= set(spec.params)]
                if len(guess) == 1:
                    notes.append(f"its `with:` parameters fit `{guess[0]}`")
            self.r.missing_key(key.span(self.file), "uses", where, notes=notes)
        return job

    def unknown_job_key(self, key: Scalar, value: AnyNode, job: Job) -> bool:
        """Report a key a job does not take; True when it is a job header indented one level
        too deep (GW210 for a key with no value), whose keys follow it."""
        text = key.text
        span = key.span(self.file)
        where = f"job \"{job.name.text}\""
        params = all_param_names()
        action = job.action or (node_text(job.node.get("uses")) if isinstance(job.node, Map) else "")
        if text in params and (text != "name" or action == "create-model@v1"):
            owners = params[text]
            if action in catalogue() and action in owners:
                owner = f"a parameter of `{action}`"
            elif len(owners) == 1:
                owner = f"a parameter of `{owners[0]}`"
            else:
                owner = "an action parameter"
            self.sink.report("GW207", span, f"\"{text}\" is {owner}: move it under `with:`",
                             notes=(f"{where} has keys {quote_list(self.shape.job_keys)}; the action's "
                                    "parameters go in its `with:` map",))
            return False
        if text == "name":
            self.sink.report("GW206", span, "`name:` is not supported in a Gradient workflow",
                             notes=("the Gradient docs: \"using `name:` will fail\"; the job's name is "
                                    "its key under `jobs:`",))
            return False
        if text in GITHUB_ACTIONS_KEYS:
            note = ("use `script@v1` with `script:` for shell commands" if text in ("run", "steps")
                    else "Gradient does not support this keyword")
            self.sink.report("GW205", span, f"\"{text}\" is GitHub Actions syntax, not Gradient",
                             notes=(note,))
            return False
        if isinstance(value, Map) and "type" in value and node_text(value.get("type")) in self.shape.kinds:
            self.sink.report("GW201", span,
                             f"unknown key \"{text}\" in {where}; it looks like an input or output "
                             "definition: put it under `inputs:` or `outputs:`",
                             notes=(f"{where} allows {quote_list(self.shape.job_keys)}",))
            return False
        if isinstance(value, Scalar) and value.value is None and value.style == "" \
                and suggest(text, self.shape.job_keys) is None and text not in JOB_KEY_HINTS:
            # `  UploadModel:` with nothing after it, inside a job: a job header indented one
            # level too deep (its keys land in this job: the loader reports them as duplicates).
            self.sink.report("GW210", span,
                             f"\"{text}\" inside {where} has no value: if it is a job, it is indented one "
                             "level too deep",
                             notes=(f"move \"{text}\" left so that it lines up with \"{job.name.text}\"",
                                    f"{where} allows {quote_list(self.shape.job_keys)}"))
            self.misplaced_jobs.append(key)
            return True
        if isinstance(value, Map) and ("uses" in value or len(set(value.by_key) & set(self.shape.job_keys)) >= 2):
            self.sink.report("GW210", span,
                             f"\"{text}\" inside {where} looks like a job: it is indented one level too deep",
                             notes=(f"move \"{text}\" left so that it lines up with \"{job.name.text}\"",))
            return False
        present = job.node.by_key if isinstance(job.node, Map) else {}
        self.r.unknown_key(key, self.shape.job_keys, where, hints=JOB_KEY_HINTS, present=present)
        return False

    def params(self, node: AnyNode, job: Job) -> None:
        w = self.mapping(node, f"the `with` of job \"{job.name.text}\"")
        if w is None:
            return
        for k, v in w.pairs:
            name = self.name(k)
            if isinstance(v, Scalar):
                val = Value(v.value, v, self.file)
                if v.is_str:
                    stripped = val.value.strip()
                    if looks_like_expression(stripped):  # blanks around it: GW332 (checks/values)
                        val.expr = parse(stripped)
                job.params[k.text] = Param(name, val)
            elif isinstance(v, Seq):
                items = [Value(i.value if isinstance(i, Scalar) else None, i, self.file) for i in v.items]
                job.params[k.text] = Param(name, Value(None, v, self.file), "list", items)
            else:
                job.params[k.text] = Param(name, Value(None, v, self.file), "map")

    def needs(self, node: AnyNode, job: Job) -> None:
        job.needs_node = node
        if isinstance(node, Seq):
            job.needs_form = "list"
            for item in node.items:
                # Quoting is the fix only when it names a job (`needs: [yes]` with a job `yes`).
                v = self.string(item, "an entry of `needs`",
                                free_text=isinstance(item, Scalar) and item.text in self.job_names)
                if v is not None:
                    job.needs.append(Name(v.value, item, self.file))
                elif isinstance(item, Scalar):
                    job.broken_needs.add(item.text)
        elif isinstance(node, Scalar) and node.value is None:
            job.needs_form = "null"
        elif isinstance(node, Scalar) and node.is_str:
            job.needs_form = "string"
            span = node.span(self.file)
            self.sink.report("GW408", span, "`needs` is a list; a single name is read as a one-item list",
                             fix=Fix("write it as a list", (Edit(span, f"[{node.text}]"),)))
            job.needs.append(Name(node.text, node, self.file))
        else:
            self.r.wrong_type(node, "a list of job names", "`needs`")

    def job_inputs(self, node: AnyNode, job: Job) -> None:
        m = self.mapping(node, f"the inputs of job \"{job.name.text}\"")
        if m is None:
            return
        for k, v in m.pairs:
            ok = self.check_name(k, "input", present=m.by_key)
            name = self.name(k)
            if isinstance(v, Scalar) and v.is_str:
                text = v.text
                val = Value(text, v, self.file)
                stripped = text.strip()
                if len(stripped) > self.limits.reference_length:
                    self.sink.report("GW111", val.span,
                                     f"the reference is {len(stripped):,} characters long, more than the "
                                     f"limit of {self.limits.reference_length:,}")
                else:
                    val.expr = parse(stripped)
                if ok:
                    job.inputs[k.text] = JobInput(name, ref=val)
            elif isinstance(v, Map):
                decl = self.decl(v, f"input \"{k.text}\" of job \"{job.name.text}\"", "job-input")
                if decl is not None and ok:
                    job.inputs[k.text] = JobInput(name, decl=decl)
                else:
                    job.broken_inputs.add(k.text)
            else:
                self.r.wrong_type(v, "a reference (`JOB.outputs.NAME`, `workflow.inputs.NAME`) or a "
                                  "definition (`{type: …}`)", f"input \"{k.text}\"")

    def outputs(self, node: AnyNode, job: Job) -> None:
        m = self.mapping(node, f"the outputs of job \"{job.name.text}\"")
        if m is None:
            return
        for k, v in m.pairs:
            ok = self.check_name(k, "output", present=m.by_key)
            if not (isinstance(v, Map) and ok):
                job.broken_outputs.add(k.text)
            if isinstance(v, Scalar) and v.is_str:
                self.sink.report("GW320", v.span(self.file),
                                 f"output \"{k.text}\" is written as a reference; outputs are declared, "
                                 "not referenced",
                                 notes=("declare it, e.g. `{type: volume}`, and let the consuming job "
                                        f"reference it as `{job.name.text}.outputs.{k.text}`",))
                continue
            if not isinstance(v, Map):
                self.r.wrong_type(v, "a definition (`{type: volume|dataset|string}`)", f"output \"{k.text}\"")
                continue
            decl = self.decl(v, f"output \"{k.text}\" of job \"{job.name.text}\"", "output")
            if decl is not None and ok:
                job.outputs[k.text] = Output(self.name(k), decl)
            else:
                job.broken_outputs.add(k.text)

    def resources_map(self, node: AnyNode, what: str) -> tuple[Map | None, bool]:
        """`resources` as a map, and whether it names an instance type; `resources: C5` is
        GW203 with the fix `{instance-type: C5}` (and counts as naming one: no GW322 too)."""
        if isinstance(node, Scalar) and node.is_str and node.text.strip():
            span = node.span(self.file)
            name = node.text.strip()
            # Plain when YAML 1.1 reads it back as this string (not `yes`, `null`…).
            plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", name) and typed_value(name, "", None) == name
            text = "{instance-type: " + (name if plain else yaml_quote(name)) + "}"
            self.sink.report("GW203", span, f"{what} must be a map, not a string",
                             notes=(f"an instance type is named under `instance-type`: `resources: {text}`",),
                             fix=Fix(f"write {text}", (Edit(span, text),)))
            return None, True
        return self.mapping(node, what), False

    def job_resources(self, node: AnyNode, job: Job) -> None:
        m, named = self.resources_map(node, f"the resources of job \"{job.name.text}\"")
        job.instance_type_given |= named
        if m is None:
            return
        for k, v in m.pairs:
            if k.text == "instance-type":
                job.instance_type_given = True
                job.instance_type = self.instance_type(v)
            elif k.text == "container-registries":
                self.sink.report("GW215", k.span(self.file),
                                 "job-level `container-registries` was removed from the docs; set it in "
                                 "`defaults.resources.container-registries`",
                                 notes=("documented and dropped on 2021-12-14 (\"Drop job level overrides "
                                        "for workflow registries\")",))
                job.registries = self.string_list(v, "`container-registries`")
            else:
                self.r.unknown_key(k, self.shape.job_resources_keys, "`resources`", present=m.by_key,
                                   hints={"instance_type": "instance-type", "instanceType": "instance-type",
                                          "machine": "instance-type", "machine-type": "instance-type"})

    def instance_type(self, node: AnyNode) -> Value | None:
        v = self.string(node, "`instance-type`", free_text=False)
        if v is not None and not v.value.strip():
            self.sink.report("GW204", v.span, "`instance-type` is empty",
                             notes=("name a machine type such as C5 or P4000",))
            return None
        if v is not None and (_has_control(v.value) or any(c.isspace() for c in v.value)):
            self.sink.report("GW204", v.span, f"{v.value!r} is not a machine type name",
                             notes=("machine type names have no blanks or control characters",))
            return None
        return v

    def plain_name(self, node: AnyNode, what: str) -> Value | None:
        """A string that names something (a registry, a branch, a cluster): no control characters."""
        v = self.string(node, what)
        if v is not None and (not v.value or _has_control(v.value)):
            self.sink.report("GW204", v.span, f"{what} {v.value!r} is not a name",
                             notes=("names are not empty and hold no control characters",))
            return None
        return v

    def string_list(self, node: AnyNode, what: str) -> list[Value]:
        if isinstance(node, Seq):
            out = []
            for item in node.items:
                v = self.plain_name(item, f"an entry of {what}")
                if v is not None:
                    out.append(v)
            return out
        if isinstance(node, Scalar) and node.value is None:
            return []
        self.r.wrong_type(node, "a list of strings", what)
        return []

    # ---- definitions -------------------------------------------------------------------

    def decl(self, node: Map, where: str, role: str) -> IODecl | None:
        """An input/output definition. role: workflow-input, job-input or output."""
        sh = self.shape
        type_node = node.get("type")
        kind = ""
        type_value: Value | None = None
        with_node: AnyNode | None = None
        misplaced: list[tuple[Scalar, AnyNode]] = []
        unknown = False
        for k, v in node.pairs:
            if k.text == "type":
                continue
            if k.text == "with":
                with_node = v
            elif k.text in ("ref", "id", "value"):
                misplaced.append((k, v))
            else:
                unknown = True
                self.r.unknown_key(k, sh.io_keys, where, present=node.by_key)
        if type_node is None:
            if not unknown:  # one error per location: an unknown key already explains it
                self.r.missing_key(node.span(self.file), "type", where,
                                   notes=(f"the type is one of {quote_list(sh.kinds)}",))
            return None
        type_value = self.string(type_node, "`type`", free_text=False)
        if type_value is None:
            return None
        kind = type_value.value
        if kind not in sh.kinds:
            close = suggest(kind, sh.kinds)
            span = type_value.span
            notes = [f"the type is one of {quote_list(sh.kinds)}"]
            if "." in kind and isinstance(parse(kind), Expr):
                notes.append("a reference is written as the input's value itself: "
                             f"`NAME: {kind}`")
            model_types = ("Tensorflow", "ONNX", "Custom", "TensorRT")
            model = suggest(kind, model_types) or next((m for m in model_types if m.lower() in kind.lower()), None)
            if model and not close:
                notes.append(f"\"{model}\" is a model type: it goes in a `create-model@v1` job's "
                             f"`with: {{type: {model}}}`; the model itself is a dataset")
            if close:
                self.sink.report("GW211", span, f"unknown type \"{kind}\"; did you mean \"{close}\"?",
                                 notes=notes, fix=rename_fix(span, kind, close))
            else:
                self.sink.report("GW211", span, f"unknown type \"{kind}\"", notes=notes)
            return None
        decl = IODecl(kind, type_value, node, self.file)
        for k, v in misplaced:
            span = k.span(self.file)
            vspan = v.span(self.file)
            fix = None
            belongs = (k.text in ("ref", "id") and kind == "dataset") or \
                (k.text == "value" and kind == "string" and role != "output")
            if belongs and with_node is None and isinstance(v, Scalar) and v.style in ("", "'", '"') \
                    and vspan.end_line == span.line:
                fix = Fix(f"move `{k.text}` under `with:`",
                          (Edit(Span(self.file, span.line, span.column, vspan.end_line, vspan.end_column),
                                f"with: {{{k.text}: {yaml_quote(v.text)}}}"),))
            self.sink.report("GW212", span, f"`{k.text}` belongs under `with:` in {where}",
                             notes=(f"write `with: {{{k.text}: …}}`",), fix=fix)
            if with_node is None and isinstance(v, Scalar) and kind in ("dataset", "string"):
                # Build as if it were written under `with:`, so that references still resolve.
                self.with_entry(decl, k, v, where)
        if with_node is not None:
            decl.has_with = True
            self.decl_with(decl, with_node, where, role)
        elif kind == "dataset" and role != "workflow-input" and decl.dataset is None:
            self.sink.report("GW221", node.span(self.file), f"{where} is a dataset but names none",
                             notes=("add `with: {ref: DATASET}`",))
        if kind == "volume" and role == "workflow-input":
            self.sink.report("GW219", type_value.span,
                             f"{where} is a volume: nothing feeds a workflow-level volume, it starts empty",
                             notes=("declare the volume as an output of the job that fills it",))
        return decl

    def decl_with(self, decl: IODecl, node: AnyNode, where: str, role: str) -> None:
        kind = decl.kind
        sh = self.shape
        if kind == "volume" or (kind == "string" and role == "output"):
            if not (isinstance(node, Scalar) and node.value is None):
                self.sink.report("GW221", node.span(self.file),
                                 f"{where} is a {kind} {'output' if role == 'output' else 'input'}; it takes no `with:`",
                                 notes=("remove `with:`",))
            return
        m = self.mapping(node, f"the `with` of {where}")
        if m is None:
            if kind == "dataset" and role != "workflow-input":
                self.sink.report("GW221", node.span(self.file), f"{where} is a dataset but names none",
                                 notes=("add `with: {ref: DATASET}`",))
            return
        allowed = sh.dataset_with_keys if kind == "dataset" else sh.string_with_keys
        unknown = False
        for k, v in m.pairs:
            if k.text in allowed:
                self.with_entry(decl, k, v, where)
            else:
                unknown = True
                self.r.unknown_key(k, allowed, f"the `with` of {where}", present=m.by_key,
                                   hints={"name": "ref", "dataset": "ref", "version": "ref"}
                                   if kind == "dataset" else {"default": "value"})
        if kind == "dataset" and decl.dataset is None and not unknown and ("ref" not in m.by_key and "id" not in m.by_key):
            self.sink.report("GW221", m.span(self.file), f"{where} is a dataset but names none",
                             notes=("add `ref: DATASET` under `with:`",))

    def with_entry(self, decl: IODecl, key: Scalar, node: AnyNode, where: str) -> None:
        text = key.text
        if text in ("ref", "id"):
            if decl.kind != "dataset":
                self.r.unknown_key(key, self.shape.string_with_keys, f"the `with` of {where}")
                return
            v = self.string(node, f"`{text}`")
            if v is None:
                return
            if decl.dataset is not None:
                self.sink.report("GW213", key.span(self.file),
                                 f"{where} gives both `{decl.dataset_key}` and `{text}`",
                                 notes=("`id` is the older spelling of `ref`; keep one",))
                return
            decl.dataset, decl.dataset_key = v, text
        elif text == "value":
            if decl.kind != "string":
                self.r.unknown_key(key, self.shape.dataset_with_keys, f"the `with` of {where}")
                return
            decl.value = self.string(node, "`value`")

    # ---- env, defaults, inputs, trigger, context ---------------------------------------

    def env(self, node: AnyNode, what: str) -> dict[str, EnvVar]:
        out: dict[str, EnvVar] = {}
        if isinstance(node, Seq):  # `- A=1`, as docker-compose and Kubernetes lists are written
            first = next((i.text for i in node.items if isinstance(i, Scalar) and "=" in i.text), None)
            example = ""
            if first is not None:
                name, _, value = first.partition("=")
                example = f", e.g. `{name.strip()}: {yaml_quote(value)}`"
            self.r.wrong_type(node, "a map", what, notes=(f"write each variable as `NAME: value`{example}",))
            return out
        m = self.mapping(node, what)
        if m is None:
            return out
        for k, v in m.pairs:
            text = k.text
            if not text or "=" in text or _has_control(text):
                self.sink.report("GW223", k.span(self.file),
                                 f"environment variable name {text!r} cannot be set in an environment",
                                 notes=("names cannot be empty or hold `=` or control characters",))
                continue
            if text[0].isdigit() or not _ENV_NAME_OK.issuperset(text):
                self.sink.report("GW214", k.span(self.file),
                                 f"environment variable \"{text}\" cannot be read by a shell as `${text}`",
                                 notes=("env names match `[A-Za-z_][A-Za-z0-9_]*`",))
            val = self.string(v, f"the value of \"{text}\"")
            if val is None:
                continue
            if val.value.strip().startswith("secret:"):  # blanks around it: GW332 (checks/values)
                val.expr = parse(val.value.strip())
            out[text] = EnvVar(self.name(k), val)
        return out

    def defaults(self, node: AnyNode, wf: Workflow) -> None:
        m = self.mapping(node, "`defaults`")
        if m is None:
            return
        sh = self.shape
        for k, v in m.pairs:
            text = k.text
            if text == "env":
                wf.env = self.env(v, "`defaults.env`")
            elif text == "resources":
                r, named = self.resources_map(v, "`defaults.resources`")
                wf.instance_type_given |= named
                if r is None:
                    continue
                for rk, rv in r.pairs:
                    if rk.text == "instance-type":
                        wf.instance_type_given = True
                        wf.instance_type = self.instance_type(rv)
                    elif rk.text == "container-registries":
                        wf.registries = self.string_list(rv, "`container-registries`")
                    else:
                        self.r.unknown_key(rk, sh.defaults_resources_keys, "`defaults.resources`", present=r.by_key,
                                           hints={"instance_type": "instance-type"})
            elif text == "clusterId":
                wf.cluster_id = self.plain_name(v, "`clusterId`")
            elif text in _DEFAULTS_WRONG:
                self.sink.report("GW222", k.span(self.file),
                                 f"`defaults.{text}` does not exist: `{text}` is an action parameter",
                                 notes=("set it in each job's `with:`; `defaults` takes "
                                        + quote_list(sh.defaults_keys),))
            else:
                self.r.unknown_key(k, sh.defaults_keys, "`defaults`", present=m.by_key,
                                   hints={"cluster": "clusterId", "clusterID": "clusterId",
                                          "cluster-id": "clusterId", "instance-type": "resources.instance-type"})

    def workflow_inputs(self, node: AnyNode, wf: Workflow) -> None:
        m = self.mapping(node, "the workflow `inputs`")
        if m is None:
            return
        for k, v in m.pairs:
            ok = self.check_name(k, "input")
            if not isinstance(v, Map):
                wf.broken_inputs.add(k.text)
                if isinstance(v, Scalar) and v.is_str and "." in v.text:
                    self.sink.report("GW203", v.span(self.file),
                                     f"workflow input \"{k.text}\" must be a definition, not a reference",
                                     notes=("workflow inputs are declared: `{type: dataset, with: {ref: …}}` "
                                            "or `{type: string, with: {value: …}}`",))
                else:
                    self.r.wrong_type(v, "a definition (`{type: dataset|string}`)", f"workflow input \"{k.text}\"")
                continue
            decl = self.decl(v, f"workflow input \"{k.text}\"", "workflow-input")
            if decl is not None and ok:
                wf.inputs[k.text] = WorkflowInput(self.name(k), decl)
            else:
                wf.broken_inputs.add(k.text)

    def trigger(self, node: AnyNode) -> Trigger | None:
        """SPEC.md §9: `on: {github: {branches: {only: BRANCH}}}`."""
        trig = Trigger(node)
        if not isinstance(node, Map):
            if isinstance(node, Scalar) and node.value is None:
                return None
            self.sink.report("GW216", node.span(self.file),
                             f"`on` must be a map like `{{github: {{branches: {{only: main}}}}}}`, not {describe(node)}",
                             notes=("GitHub Actions trigger lists are not Gradient syntax",))
            return None
        for k, v in node.pairs:
            if k.text == "github":
                self.trigger_github(v, trig)
            elif k.text in _TRIGGER_GHA:
                self.sink.report("GW216", k.span(self.file),
                                 f"`on.{k.text}` is GitHub Actions syntax; Gradient triggers on pushes with "
                                 "`on: {github: {branches: {only: BRANCH}}}`")
            else:
                self.r.unknown_key(k, ("github",), "`on`")
        return trig

    def trigger_github(self, node: AnyNode, trig: Trigger) -> None:
        m = self.mapping(node, "`on.github`", allow_null=False)
        if m is None:
            return
        for k, v in m.pairs:
            if k.text != "branches":
                self.r.unknown_key(k, ("branches",), "`on.github`")
                continue
            if isinstance(v, Scalar) and v.is_str:
                self.sink.report("GW216", v.span(self.file),
                                 "`branches` as a string is not Gradient syntax",
                                 notes=("write `branches: {only: main}`",))
                continue
            b = self.mapping(v, "`on.github.branches`", allow_null=False)
            if b is None:
                continue
            for bk, bv in b.pairs:
                if bk.text not in self.shape.branch_keys:
                    self.r.unknown_key(bk, ("only",), "`on.github.branches`")
                    continue
                if bk.text == "include":
                    self.sink.report("GW217", bk.span(self.file),
                                     "`branches.include` is not documented; the documented form is `only: BRANCH`")
                if isinstance(bv, Seq):
                    if bk.text == "only":
                        self.sink.report("GW217", bv.span(self.file),
                                         "`only` is documented as one branch name; a list may not be honoured")
                    trig.branches.extend(self.string_list(bv, f"`{bk.text}`"))
                else:
                    s = self.plain_name(bv, f"`{bk.text}`")
                    if s is not None:
                        trig.branches.append(s)

    def context(self, key: Scalar, node: AnyNode, wf: Workflow) -> None:
        """The undocumented top-level `context:` block (SPEC.md §2)."""
        self.sink.report("GW218", key.span(self.file),
                         "`context:` is undocumented; gwfc uses its values for `context.*` references")
        wf.context_node = node
        stack: list[tuple[str, AnyNode]] = [("", node)]
        while stack:
            prefix, n = stack.pop()
            leaf: Value | None
            if isinstance(n, Map):
                for k, v in reversed(n.pairs):
                    if not _CONTEXT_KEY.match(k.text):
                        self.sink.report("GW204", k.span(self.file), f"{k.text!r} is not a context key",
                                         notes=("context paths are names: letters, digits, `_` and `-`",))
                        continue
                    stack.append((f"{prefix}.{k.text}" if prefix else k.text, v))
            elif isinstance(n, Scalar) and n.value is None and prefix == "":
                continue
            elif prefix == "":
                self.r.wrong_type(n, "a map", "`context`", notes=("e.g. `context: {event: {github: {url: …}}}`",))
            elif not (isinstance(n, Scalar) and n.is_str):
                self.r.wrong_type(n, "a map or a string", f"`context.{prefix}`", free_text=False)
            else:
                leaf = self.string(n, f"`context.{prefix}`")
                if leaf is not None and prefix:
                    wf.context[prefix] = leaf


def node_text(node: AnyNode | None) -> str:
    """The text of a scalar node, else ''."""
    return node.text if isinstance(node, Scalar) else ""


def build(root: AnyNode, file: str, sink: Sink, limits: Limits = DEFAULT_LIMITS,
          source: SourceFile | None = None) -> Workflow | None:
    """Check the structure of a loaded document and build its AST (`source` lets fixes see
    the text around what they change)."""
    return Builder(root, file, sink, limits, source).build()
