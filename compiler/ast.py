"""Typed dataclasses of the workflow format (SPEC.md §2–§9), spans kept.

`build.py` makes them from the node tree, tolerating structural errors (a part that does not
fit is reported and left out), so that `resolve.py` can check references even in a file with
structure problems. Values that can hold a reference carry the parsed `Expr`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .expr import Expr, ExprError
from .nodes import AnyNode, Scalar
from .source import Span

KINDS = ("dataset", "volume", "string")


@dataclass(slots=True)
class Name:
    """A name as written (a map key or a list item) and where (its node, in `file`)."""

    text: str
    node: AnyNode
    file: str

    @property
    def span(self) -> Span:
        """Where the name is written."""
        return self.node.span(self.file)


@dataclass(slots=True)
class Value:
    """A value in the workflow: its typed value, node and parsed expression.

    `expr` is set when the text is a reference form (`secret:…`, `context.…`, or any string in
    a place that takes a reference): an `Expr`, or an `ExprError` when it does not parse.
    Spans are computed on demand: most values never need one.
    """

    value: Any
    node: AnyNode
    file: str
    expr: Expr | ExprError | None = None

    @property
    def span(self) -> Span:
        """Where the value is written."""
        return self.node.span(self.file)

    @property
    def style(self) -> str:
        """'' for plain scalars, else the quote or block indicator ('' for collections)."""
        node = self.node
        return node.style if isinstance(node, Scalar) else ""

    @property
    def is_str(self) -> bool:
        """Whether the value is a string (YAML 1.1 typing)."""
        return self.value.__class__ is str

    @property
    def text(self) -> str:
        """The value as written."""
        node = self.node
        return node.text if isinstance(node, Scalar) else str(self.value)


@dataclass(slots=True)
class IODecl:
    """An input or output definition: `{type: KIND, with: {ref|id|value}}`."""

    kind: str
    #: The `type` value as written.
    type_value: Value
    node: AnyNode
    file: str
    #: Dataset reference (`ref` or `id`), for datasets.
    dataset: Value | None = None
    #: Which key named the dataset: "ref" or "id".
    dataset_key: str = ""
    #: String value, for string inputs.
    value: Value | None = None
    #: Whether `with` was given.
    has_with: bool = False

    @property
    def span(self) -> Span:
        """The whole definition."""
        return self.node.span(self.file)


@dataclass(slots=True)
class JobInput:
    """A job input: a reference (`JOB.outputs.X`, `workflow.inputs.X`) or an inline definition."""

    name: Name
    ref: Value | None = None
    decl: IODecl | None = None


@dataclass(slots=True)
class Output:
    """A job output definition."""

    name: Name
    decl: IODecl


@dataclass(slots=True)
class EnvVar:
    """One environment variable; `value.expr` is a secret Expr for `secret:NAME`."""

    name: Name
    value: Value


@dataclass(slots=True)
class Param:
    """One `with` parameter of a job's action.

    `value` is the parameter's value; for a list (`args`) `items` holds its elements, for a map
    `value.value` is None and `shape` says so. The actions check compares `shape` with the
    catalogue's parameter type.
    """

    name: Name
    value: Value
    #: "scalar", "list" or "map".
    shape: str = "scalar"
    items: list[Value] | None = None


@dataclass(slots=True)
class Job:
    """One job of the workflow."""

    name: Name
    node: AnyNode
    file: str
    uses: Value | None = None
    with_key: AnyNode | None = None
    with_node: AnyNode | None = None
    params: dict[str, Param] = field(default_factory=dict)
    needs: list[Name] = field(default_factory=list)
    #: How `needs` was written: "list", "string" (one name), "null" or "" (absent or wrong).
    needs_form: str = ""
    needs_key: AnyNode | None = None
    needs_node: AnyNode | None = None
    inputs: dict[str, JobInput] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    env: dict[str, EnvVar] = field(default_factory=dict)
    instance_type: Value | None = None
    #: The job has an `instance-type` key (even one that did not build).
    instance_type_given: bool = False
    #: Outputs and inputs that are written but did not build (reported already): references to
    #: them are not reported again.
    broken_outputs: set[str] = field(default_factory=set)
    broken_inputs: set[str] = field(default_factory=set)
    #: `needs` entries that are not strings (`needs: [yes]`, GW203): as written.
    broken_needs: set[str] = field(default_factory=set)
    #: The job-level `container-registries` (deprecated; GW215).
    registries: list[Value] = field(default_factory=list)

    @property
    def span(self) -> Span:
        """The whole job (its map)."""
        return self.node.span(self.file)

    @property
    def action(self) -> str:
        """The `uses` text, or "" when missing or not a string."""
        u = self.uses
        return u.value if u is not None and isinstance(u.value, str) else ""


@dataclass(slots=True)
class WorkflowInput:
    """A top-level input."""

    name: Name
    decl: IODecl


@dataclass(slots=True)
class Trigger:
    """The `on:` block, as far as gwfc understands it."""

    node: AnyNode
    branches: list[Value] = field(default_factory=list)
    #: The `on` key itself (where notes about the trigger point).
    key: AnyNode | None = None


@dataclass(slots=True)
class Workflow:
    """A whole workflow file."""

    file: str
    node: AnyNode
    jobs: dict[str, Job] = field(default_factory=dict)
    jobs_node: AnyNode | None = None
    inputs: dict[str, WorkflowInput] = field(default_factory=dict)
    #: Workflow inputs that are written but did not build (reported already).
    broken_inputs: set[str] = field(default_factory=set)
    #: Jobs left out of `jobs` for an invalid name (GW208, GW220): what they reference and
    #: their names in other jobs' `needs` are explained already.
    dropped: dict[str, Job] = field(default_factory=dict)
    env: dict[str, EnvVar] = field(default_factory=dict)
    instance_type: Value | None = None
    #: `defaults.resources` has an `instance-type` key (even one that did not build).
    instance_type_given: bool = False
    registries: list[Value] = field(default_factory=list)
    cluster_id: Value | None = None
    trigger: Trigger | None = None
    #: Values of the top-level `context:` block, by dotted path (`event.github.url`).
    context: dict[str, Value] = field(default_factory=dict)
    context_node: AnyNode | None = None
