"""The Argo Workflows target (DESIGN.md, Backends: argo; docs/targets/argo.md)."""

from __future__ import annotations

from typing import Any

from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.ir import IR, Placement
from gwfc.targets.base import SUPPORT_FIELDS, Bundle, EmitContext

from .build import Builder
from .dump import dump_yaml
from .options import ArgoOptions

#: How each IR field is expressed (docs/targets/argo.md has the table).
MATRIX: dict[str, str] = {f: "mapped" for f in SUPPORT_FIELDS}
MATRIX.update({"trigger": "info", "cluster_id": "info"})


class ArgoTarget:
    """An Argo `Workflow` (or `WorkflowTemplate`) with a DAG: `workflow.yaml`."""

    name = "argo"
    options_model = ArgoOptions
    matrix = MATRIX
    files = ("workflow.yaml",)

    def _builder(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext, sink: Sink) -> Builder:
        opts = options if isinstance(options, ArgoOptions) else ArgoOptions()
        return Builder(ir, placement, opts, ctx.profile, ctx.inputs, ctx.context, sink, ctx.option_span)

    def support(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext) -> None:
        """Report GW5xx diagnostics: the same pass as emit(), its document discarded."""
        self._builder(ir, placement, options, ctx, ctx.sink).document()

    def emit(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext) -> Bundle:
        """`workflow.yaml`; byte-identical for the same IR, placement, options and context."""
        doc = self._builder(ir, placement, options, ctx, Sink()).document()
        bundle = Bundle()
        bundle.add("workflow.yaml", dump_yaml(doc))
        return bundle
