"""`gwfc graph` (renders with Graphviz; Mermaid node and edge counts) and the IR's lowering
(order, bindings, env merging, actions, beta volumes)."""

from __future__ import annotations

import shutil
import subprocess

from gwfc.compiler.graph import to_dot, to_mermaid
from gwfc.compiler.ir import ContextRef, SecretRef, trivial_placement

from ..conftest import ROOT
from .helpers import check_text


def _ir(text: str):
    r = check_text(text, want_ir=True)
    assert r.ir is not None, [(d.code, d.message) for d in r.diagnostics]
    return r.ir


def test_dot_renders_with_graphviz() -> None:
    dot = shutil.which("dot")
    assert dot, "graphviz is required (apt-get install graphviz; .ci/bootstrap does it)"
    ir = _ir((ROOT / "examples" / "train.yaml").read_text())
    out = subprocess.run([dot, "-Tsvg"], input=to_dot(ir), capture_output=True, text=True, check=True).stdout
    assert out.startswith("<?xml") and "<svg" in out
    for step in ir.steps:
        assert f">{step.name}<" in out


def test_mermaid_nodes_and_edges() -> None:
    ir = _ir((ROOT / "examples" / "hello.yaml").read_text())
    text = to_mermaid(ir)
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes = [l for l in lines[1:] if "-->" not in l and "-.->" not in l]
    edges = [l for l in lines[1:] if "-->" in l or "-.->" in l]
    # greet, shout, report + the workflow input `who`
    assert len(nodes) == 4
    # who→greet, greet→shout (message), greet→report (message), shout→report (loud)
    assert len(edges) == 4
    assert any('"loud: volume"' in e for e in edges)
    assert any('"message: string"' in e for e in edges)


def test_needs_without_data_are_dashed() -> None:
    ir = _ir("""
        jobs:
          a:
            uses: container@v1
            with: {image: x}
          b:
            needs: [a]
            uses: container@v1
            with: {image: x}
        """)
    assert "s0 -.-> s1" in to_mermaid(ir)
    assert "s0 -> s1 [style=dashed];" in to_dot(ir)


def test_order_is_topological_and_stable() -> None:
    ir = _ir("""
        jobs:
          z:
            needs: [b]
            uses: container@v1
            with: {image: x}
          b:
            uses: container@v1
            with: {image: x}
          a:
            uses: container@v1
            with: {image: x}
        """)
    assert [s.name for s in ir.steps] == ["b", "z", "a"]
    assert trivial_placement(ir).groups == (("b", "b"), ("z", "z"), ("a", "a"))


def test_bindings_env_and_secrets() -> None:
    ir = _ir("""
        defaults:
          env: {A: "1", B: secret:TOKEN}
        inputs:
          d: {type: dataset, with: {ref: data:v2}}
        jobs:
          p:
            uses: container@v1
            with: {image: x}
            outputs:
              s: {type: string}
          c:
            needs: [p]
            uses: script@v1
            with: {image: bash:5, script: "echo hi"}
            env: {A: "2", C: "3"}
            inputs:
              s2: p.outputs.s
              d: workflow.inputs.d
              inline: {type: string, with: {value: v}}
              ds: {type: dataset, with: {ref: other}}
        """)
    c = ir.step("c")
    assert [(e.name, e.value) for e in c.run.env] == [("A", "2"), ("B", SecretRef("TOKEN")), ("C", "3")]
    kinds = {i.name: (i.kind, i.source.kind) for i in c.inputs}
    assert kinds == {"s2": ("string", "step"), "d": ("dataset", "workflow"), "inline": ("string", "string"),
                     "ds": ("dataset", "dataset")}
    assert c.input("s2").source.step == "p" and c.input("s2").source.output == "s"
    assert c.after == ("p",) and c.needs == ("p",)
    assert c.run.command == ("bash", "/gwfc/script.sh") and c.run.files == (("/gwfc/script.sh", "echo hi"),)
    assert ir.secrets == ("TOKEN",)
    assert ir.inputs[0].default == "data:v2"


def test_git_checkout_lowers_with_context_and_secret() -> None:
    ir = _ir("""
        on: {github: {branches: {only: main}}}
        jobs:
          clone:
            uses: git-checkout@v1
            with:
              url: context.event.github.url
              ref: context.event.github.ref
              username: me
              password: secret:GH_TOKEN
            outputs:
              repo: {type: volume}
          use:
            needs: [clone]
            uses: script@v1
            with: {image: bash:5, script: ls /inputs/repo}
            inputs: {repo: clone.outputs.repo}
        """)
    clone = ir.step("clone")
    assert clone.op is not None and clone.op.kind == "git-clone"
    assert clone.op.get("url") == ContextRef("event.github.url")
    assert clone.op.get("password") == SecretRef("GH_TOKEN")
    assert clone.op.dest_output == "repo"
    env = dict((e.name, e.value) for e in clone.run.env)
    assert env["GWFC_GIT_URL"] == ContextRef("event.github.url")
    assert env["GWFC_DEST"] == "/outputs/repo"
    assert "GH_TOKEN" not in "".join(clone.run.command or ())  # the secret is only referenced
    assert ir.context_used == ("event.github.ref", "event.github.url")
    assert ir.trigger_branches == ("main",)


def test_beta_inline_volumes_become_outputs_and_step_inputs() -> None:
    ir = _ir("""
        jobs:
          clone:
            uses: git-checkout@v1
            with: {url: "https://x/y.git"}
            inputs:
              repo: {type: volume}
          use:
            needs: [clone]
            uses: script@v1
            with: {image: bash:5, script: ls /inputs/repo}
            inputs:
              repo: {type: volume}
        """)
    clone, use = ir.step("clone"), ir.step("use")
    assert [(o.name, o.kind) for o in clone.outputs] == [("repo", "volume")]
    assert clone.inputs == ()
    assert use.input("repo").source.step == "clone" and use.input("repo").kind == "volume"
