"""The structure of a workflow: grammar/workflow.schema.json and curated structure messages.

The JSON Schema is the published contract (editors read it through yaml-language-server). The
checker in build.py walks the node tree once and takes its key sets, enums and name pattern
from this schema, so the two cannot drift; a test runs jsonschema and the checker side by side
over the corpus and mutated files and asserts they agree on what is valid. (jsonschema itself
takes seconds on a 5,000-job file and reports one error per failed keyword, so it is not the
checker.)

Curated messages follow cfn-lint: one error per location, at the offending key or value, with
a "did you mean" when a name is close (difflib) and the list of allowed keys when it is short.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

from .diagnostics import Edit, Fix, Sink
from .nodes import AnyNode, Map, Scalar, Seq
from .source import Span


@lru_cache(maxsize=1)
def workflow_schema() -> dict[str, Any]:
    """grammar/workflow.schema.json, parsed."""
    text = resources.files("gwfc.grammar").joinpath("workflow.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def schema_text() -> str:
    """The schema file as shipped (what `gwfc schema` prints)."""
    return resources.files("gwfc.grammar").joinpath("workflow.schema.json").read_text(encoding="utf-8")


def _definition(name: str) -> dict[str, Any]:
    return workflow_schema()["definitions"][name]  # type: ignore[no-any-return]


class Shape:
    """Key sets, enums and patterns of the format, read from the schema once."""

    def __init__(self) -> None:
        schema = workflow_schema()
        defs = schema["definitions"]
        self.top_keys: tuple[str, ...] = tuple(schema["properties"])
        self.job_keys: tuple[str, ...] = tuple(defs["job"]["properties"])
        self.defaults_keys: tuple[str, ...] = tuple(defs["defaults"]["properties"])
        self.defaults_resources_keys: tuple[str, ...] = tuple(
            defs["defaults"]["properties"]["resources"]["properties"])
        self.job_resources_keys: tuple[str, ...] = tuple(defs["job"]["properties"]["resources"]["properties"])
        self.io_keys: tuple[str, ...] = tuple(defs["inputDefinition"]["properties"])
        self.kinds: tuple[str, ...] = tuple(defs["kind"]["enum"])
        self.actions: tuple[str, ...] = tuple(defs["job"]["properties"]["uses"]["enum"])
        self.dataset_with_keys: tuple[str, ...] = tuple(defs["datasetWith"]["properties"])
        self.string_with_keys: tuple[str, ...] = tuple(defs["stringWith"]["properties"])
        self.name_re = re.compile(defs["name"]["pattern"])
        self.name_max = int(defs["name"]["maxLength"])
        self.secret_re = re.compile(defs["secret"]["pattern"])
        branches = defs["on"]["properties"]["github"]["properties"]["branches"]
        self.branch_keys: tuple[str, ...] = tuple(branches["properties"])


@lru_cache(maxsize=1)
def shape() -> Shape:
    """The format's shape, read from the schema (cached)."""
    return Shape()


# Keys people write that belong to GitHub Actions (SPEC.md §2).
GITHUB_ACTIONS_KEYS = frozenset({
    "runs-on", "steps", "if", "strategy", "timeout-minutes", "permissions", "concurrency",
    "continue-on-error", "services", "container", "run", "working-directory",
})

# Job-level keys that are hints for a known key (seen in public workflows).
JOB_KEY_HINTS = {
    "environment": "env",
    "output": "outputs",
    "input": "inputs",
    "need": "needs",
    "depends_on": "needs",
    "depends-on": "needs",
    "dependencies": "needs",
    "resource": "resources",
    "instance-type": "resources.instance-type",
    "instance_type": "resources.instance-type",
    "containerRegistry": "defaults.resources.container-registries",
    "container-registries": "defaults.resources.container-registries",
    "action": "uses",
    "use": "uses",
}


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to `word` ("did you mean"), across case, or None."""
    cands = list(candidates)
    lower = {c.lower(): c for c in cands}
    if word.lower() in lower and lower[word.lower()] != word:
        return lower[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.75)
    return lower[match[0]] if match else None


def quote_list(items: Iterable[str], limit: int = 10) -> str:
    """`a`, `b` and `c` — for messages listing alternatives."""
    xs = [f"\"{i}\"" for i in items]
    if len(xs) > limit:
        xs = [*xs[:limit], "…"]
    if not xs:
        return "none"
    if len(xs) == 1:
        return xs[0]
    return ", ".join(xs[:-1]) + " and " + xs[-1]


def rename_fix(span: Span, old: str, new: str) -> Fix:
    """A fix that replaces a misspelt name."""
    return Fix(f"replace \"{old}\" with \"{new}\"", (Edit(span, new),))


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar holding `text` exactly (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def describe(node: AnyNode | None) -> str:
    """How a message names what was found: `a list`, `the number 5`, `null`."""
    if node is None:
        return "nothing"
    if isinstance(node, Map):
        return "a map"
    if isinstance(node, Seq):
        return "a list"
    kind = node.kind_name
    if kind == "null":
        return "null"
    if kind == "boolean":
        return f"the boolean {node.text}"
    if kind == "number":
        return f"the number {node.text}"
    if kind == "date":
        return f"the date {node.text}"
    return "a string"


class StructureReporter:
    """Curated structure diagnostics for one file."""

    def __init__(self, sink: Sink, file: str) -> None:
        self.sink = sink
        self.file = file

    def unknown_key(self, key: Scalar, allowed: Iterable[str], where: str,
                    hints: dict[str, str] | None = None, present: Iterable[str] = ()) -> None:
        """GW201 with a did-you-mean and the allowed keys. `present`: the keys of the same map,
        so that a rename is not offered onto a key that is already there."""
        text = key.text
        allowed = list(allowed)
        span = key.span(self.file)
        hint = (hints or {}).get(text)
        close = suggest(text, allowed)
        notes = [f"{where} allows {quote_list(allowed)}"]
        fix = None
        target = hint if hint and "." not in hint else close if not hint else None
        if target is not None and target in set(present):
            msg = f"unknown key \"{text}\" in {where}; \"{target}\" is given already: remove this one"
        elif hint and "." not in hint:
            msg = f"unknown key \"{text}\" in {where}; did you mean \"{hint}\"?"
            fix = rename_fix(span, text, hint)
        elif hint:
            msg = f"unknown key \"{text}\" in {where}; it belongs at `{hint}`"
        elif close:
            msg = f"unknown key \"{text}\" in {where}; did you mean \"{close}\"?"
            fix = rename_fix(span, text, close)
        else:
            msg = f"unknown key \"{text}\" in {where}"
        self.sink.report("GW201", span, msg, notes=notes, fix=fix)

    def wrong_type(self, node: AnyNode, expected: str, what: str, notes: Iterable[str] = (),
                   free_text: bool = True) -> None:
        """GW203: `what` must be `expected`, with "quote it" for scalars that YAML typed.

        The quoting fix is offered only for free text (`free_text`): quoting `uses: 5` or a
        `needs` entry `5` would only trade this error for another.
        """
        found = describe(node)
        span = node.span(self.file)
        fix = None
        extra = list(notes)
        if expected == "a string" and isinstance(node, Scalar) and node.tag not in (None, "!"):
            short = node.tag.replace("tag:yaml.org,2002:", "!!")
            extra.insert(0, f"the tag `{short}` makes it {found}: remove the tag")
        elif expected == "a string" and isinstance(node, Scalar):
            quoted = yaml_quote(node.text)
            if node.text:
                extra.insert(0, f"YAML 1.1 reads `{node.text}` as {found}; quote it: {quoted}")
                if free_text:
                    fix = Fix(f"quote the value as {quoted}", (Edit(span, quoted),))
            else:
                extra.insert(0, "an empty value is null in YAML")
        self.sink.report("GW203", span, f"{what} must be {expected}, not {found}", notes=extra, fix=fix)

    def missing_key(self, at: Span, key: str, where: str, notes: Iterable[str] = ()) -> None:
        """GW202."""
        self.sink.report("GW202", at, f"{where} is missing the required key \"{key}\"", notes=tuple(notes))
