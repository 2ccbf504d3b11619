"""`gwfc graph`: the job DAG as Mermaid or Graphviz DOT, each edge labelled with what flows
along it (the output and input names and the kind); `needs` without data are dashed.
Workflow inputs and inline datasets are nodes of their own."""

from __future__ import annotations

from dataclasses import dataclass

from .ir import IR


@dataclass(frozen=True, slots=True)
class Edge:
    """One arrow: source node, target node, label ('' for a bare `needs`)."""

    src: str
    dst: str
    label: str
    data: bool


def graph_parts(ir: IR) -> tuple[list[tuple[str, str, str]], list[Edge]]:
    """Nodes (id, label, shape: step|input|dataset|string) and edges, in a stable order."""
    nodes: list[tuple[str, str, str]] = []
    ids: dict[str, str] = {}
    for i, s in enumerate(ir.steps):
        ids[s.name] = f"s{i}"
        nodes.append((f"s{i}", f"{s.name}\n{s.uses}", "step"))
    extra: dict[tuple[str, str], str] = {}
    edges: list[Edge] = []
    for s in ir.steps:
        labels: dict[str, list[str]] = {}
        for inp in s.inputs:
            src = inp.source
            if src.kind == "step":
                key = ids[src.step]
                text = f"{src.output}: {inp.kind}" if src.output == inp.name else f"{src.output} → {inp.name}: {inp.kind}"
            else:
                ident = (src.kind, src.input or src.ref or inp.name + "@" + s.name)
                if ident not in extra:
                    extra[ident] = f"x{len(extra)}"
                    if src.kind == "workflow":
                        wi = next((w for w in ir.inputs if w.name == src.input), None)
                        nodes.append((extra[ident], f"workflow.inputs.{src.input}\n{wi.kind if wi else inp.kind}", "input"))
                    elif src.kind == "dataset":
                        nodes.append((extra[ident], f"dataset {src.ref}", "dataset"))
                    else:
                        nodes.append((extra[ident], f"string {inp.name}", "string"))
                key = extra[ident]
                text = f"{inp.name}: {inp.kind}"
            labels.setdefault(key, []).append(text)
        for key, texts in labels.items():
            edges.append(Edge(key, ids[s.name], ", ".join(texts), True))
        for dep in s.after:
            if ids[dep] not in labels:
                edges.append(Edge(ids[dep], ids[s.name], "", False))
    return nodes, edges


def _mm(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("\n", "<br/>")


def to_mermaid(ir: IR) -> str:
    """Mermaid `flowchart` text."""
    nodes, edges = graph_parts(ir)
    lines = ["flowchart TD"]
    shapes = {"step": ('["', '"]'), "input": ('(["', '"])'), "dataset": ('[("', '")]'), "string": ('>"', '"]')}
    for ident, label, shape in nodes:
        a, b = shapes[shape]
        lines.append(f"    {ident}{a}{_mm(label)}{b}")
    for e in edges:
        if e.data:
            lines.append(f'    {e.src} -- "{_mm(e.label)}" --> {e.dst}')
        else:
            lines.append(f"    {e.src} -.-> {e.dst}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(ir: IR) -> str:
    """Graphviz DOT text."""
    nodes, edges = graph_parts(ir)
    shapes = {"step": "box", "input": "ellipse", "dataset": "cylinder", "string": "note"}
    lines = [f"digraph {_dot(ir.name)} {{", "    rankdir=TB;", '    node [fontname="Helvetica"];',
             '    edge [fontname="Helvetica", fontsize=10];']
    for ident, label, shape in nodes:
        lines.append(f"    {ident} [label={_dot(label)}, shape={shapes[shape]}];")
    for e in edges:
        if e.data:
            lines.append(f"    {e.src} -> {e.dst} [label={_dot(e.label)}];")
        else:
            lines.append(f"    {e.src} -> {e.dst} [style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"
