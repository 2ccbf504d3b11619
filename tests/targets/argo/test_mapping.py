"""Concept-by-concept mapping (docs/targets/argo.md): names, resources, options, values from
outside, support diagnostics, determinism, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gwfc.compiler.diagnostics import Severity, Sink
from gwfc.compiler.ir import trivial_placement
from gwfc.compiler.profiles import InstanceType, make_profile
from gwfc.targets.argo import ArgoOptions, ArgoTarget
from gwfc.targets.base import SUPPORT_FIELDS, EmitContext, get_target, parse_options

from ...conftest import ROOT
from .helpers import compile_ir, compile_text, input_origin, ir_of, job_tasks, load_yaml, parameters

JOB = """
    uses: container@v1
    with: {image: bash:5, args: [echo, hi]}
"""


def _job(name: str, extra: str = "") -> str:
    return f"  {name}:" + JOB.replace("\n    ", "\n    ") + extra


# ---- the target object ---------------------------------------------------------------------

def test_registered_and_matrix_covers_every_ir_field() -> None:
    t = get_target("argo")
    assert isinstance(t, ArgoTarget)
    assert set(t.matrix) == set(SUPPORT_FIELDS)
    assert set(t.matrix.values()) <= {"mapped", "info", "error"}
    assert t.matrix["trigger"] == "info" and t.matrix["cluster_id"] == "info"
    assert t.files == ("workflow.yaml",)


def test_options_parse_like_set_and_toml() -> None:
    sink = Sink()
    o = parse_options(ArgoOptions, {"kind": "WorkflowTemplate", "service-account": "runner", "volumes": "pvc",
                                    "pvc_size": "50Gi", "strings": "artifacts"}, sink, "--set")
    assert not sink.items
    assert (o.kind, o.service_account, o.volumes, o.pvc_size, o.strings) == (
        "WorkflowTemplate", "runner", "pvc", "50Gi", "artifacts")
    parse_options(ArgoOptions, {"kind": "Pod", "volume": "pvc"}, sink, "--set")
    assert sorted(d.code for d in sink.items) == ["GW602", "GW603"]


# ---- names ---------------------------------------------------------------------------------

def test_names_that_collide_are_gw501_never_merged() -> None:
    c = compile_text("jobs:\n" + _job("Train") + _job("train") + _job("Train_2") + _job("train-2"))
    gw501 = [d for d in c.diags if d.code == "GW501"]
    assert len(gw501) == 2 and all(d.severity is Severity.ERROR for d in gw501)
    assert '"train" and "Train"' in gw501[0].message and '"train"' in gw501[0].message
    assert gw501[0].span.line == 5  # the second job
    assert len(c.tasks) == 4  # emit() still gives every job a task of its own


def test_a_job_named_like_the_entrypoint_is_gw501() -> None:
    c = compile_text("jobs:\n" + _job("WORKFLOW") + _job("b"))
    assert [d.code for d in c.diags] == ["GW501"]
    assert "DAG template" in c.diags[0].message


def test_job_names_become_dns_labels() -> None:
    c = compile_text("jobs:\n" + _job("Prepare_Data") + _job("b", "    needs: [Prepare_Data]\n"))
    assert set(c.tasks) == {"prepare-data", "b"}
    assert c.tasks["b"]["dependencies"] == ["prepare-data"]
    assert c.templates["prepare-data"]["metadata"]["annotations"]["gwfc/job"] == "Prepare_Data"


def test_input_and_context_parameters_must_not_collide() -> None:
    c = compile_text("""
        context:
          event: {github: {url: https://example.com/a.git}}
        inputs:
          context-event-github-url: {type: string, with: {value: x}}
        jobs:
          a:
            uses: git-checkout@v1
            with: {url: context.event.github.url}
            outputs: {repo: {type: volume}}
        """)
    assert "GW501" in c.codes()


def test_registries_become_image_pull_secrets() -> None:
    c = compile_text("""
        defaults:
          resources:
            container-registries: [My_Registry, other]
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [echo]}
        """)
    assert c.doc["spec"]["imagePullSecrets"] == [{"name": "my-registry"}, {"name": "other"}]


# ---- resources -----------------------------------------------------------------------------

def test_instance_type_from_the_profile() -> None:
    c = compile_text("jobs:\n" + _job("a", "    resources: {instance-type: P4000}\n"))
    t = c.templates["a"]
    row = make_profile("default").lookup("P4000")
    assert row is not None and row.gpus == 1
    assert t["nodeSelector"] == {"gwfc/instance-type": "P4000"}
    res = t["container"]["resources"]
    assert res["requests"] == {"cpu": str(int(row.cpus)), "memory": f"{row.memory_mib // 1024}Gi",
                               "nvidia.com/gpu": "1"}
    assert res["limits"] == {"memory": f"{row.memory_mib // 1024}Gi", "nvidia.com/gpu": "1"}
    assert "nvidia.com/gpu: '1'" in c.text and f"cpu: '{int(row.cpus)}'" in c.text  # strings, as Kubernetes wants


def test_resources_fractions_custom_rows_and_local_profile() -> None:
    ir = ir_of("jobs:\n" + _job("a", "    resources: {instance-type: tiny}\n")
               + _job("b", "    resources: {instance-type: A100x2}\n"))
    profile = make_profile("default", {"tiny": InstanceType("tiny", 0.5, 1536)})
    sink = Sink()
    ctx = EmitContext(profile=profile, sink=sink)
    target = ArgoTarget()
    text = target.emit(ir, trivial_placement(ir), ArgoOptions(gpu_resource="amd.com/gpu"), ctx).files["workflow.yaml"].text
    doc = load_yaml(text)
    t = {x["name"]: x for x in doc["spec"]["templates"]}
    assert t["a"]["container"]["resources"]["requests"] == {"cpu": "500m", "memory": "1536Mi"}
    assert t["b"]["container"]["resources"]["limits"]["amd.com/gpu"] == "2"
    local = EmitContext(profile=make_profile("local"))
    doc = load_yaml(target.emit(ir, trivial_placement(ir), ArgoOptions(), local).files["workflow.yaml"].text)
    b = next(x for x in doc["spec"]["templates"] if x["name"] == "b")
    assert b["container"]["resources"] == {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}


def test_unknown_instance_type_keeps_the_selector_without_resources() -> None:
    c = compile_text("jobs:\n" + _job("a", "    resources: {instance-type: my-cluster-gpu}\n"))
    assert c.codes() == ["GW531"]
    assert c.templates["a"]["nodeSelector"] == {"gwfc/instance-type": "my-cluster-gpu"}
    assert "resources" not in c.templates["a"]["container"]
    c = compile_text("jobs:\n" + _job("a", "    resources: {instance-type: C5}\n"), node_selector_label="")
    assert "nodeSelector" not in c.templates["a"]


# ---- options -------------------------------------------------------------------------------

def test_workflow_template_and_metadata_options() -> None:
    ir = ir_of("jobs:\n" + _job("a"), "My_Flow")
    c = compile_ir(ir)
    assert c.doc["kind"] == "Workflow" and c.doc["metadata"]["generateName"] == "my-flow-"
    c = compile_ir(ir, kind="WorkflowTemplate", namespace="ml", service_account="runner",
                   artifact_repository="repo", artifact_repository_key="main")
    assert c.doc["kind"] == "WorkflowTemplate"
    assert c.doc["metadata"]["name"] == "my-flow" and "generateName" not in c.doc["metadata"]
    assert c.doc["metadata"]["namespace"] == "ml"
    spec = c.doc["spec"]
    assert spec["serviceAccountName"] == "runner"
    assert spec["artifactRepositoryRef"] == {"configMap": "repo", "key": "main"}
    assert compile_ir(ir, name="fixed").doc["metadata"] == {"name": "fixed", "annotations": c.doc["metadata"]["annotations"]}
    assert compile_ir(ir, generate_name="x-").doc["metadata"]["generateName"] == "x-"


def test_pvc_options() -> None:
    c = compile_ir(ir_of((ROOT / "examples" / "hello.yaml").read_text(), "hello", dedent=False),
                   volumes="pvc", pvc_size="2Gi", pvc_storage_class="fast", pvc_access_mode="ReadWriteOnce")
    (claim,) = c.doc["spec"]["volumeClaimTemplates"]
    assert claim == {"metadata": {"name": "gwfc-data"},
                     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}},
                              "storageClassName": "fast"}}
    assert c.doc["spec"]["volumeClaimGC"] == {"strategy": "OnWorkflowCompletion"}
    assert input_origin(c, "report", "/inputs/loud") == ("pvc", "shout/loud")


def test_artifact_storage_kind() -> None:
    c = compile_ir(ir_of((ROOT / "examples" / "canonical.yaml").read_text(), "canonical", dedent=False),
                   artifact_storage="gcs", artifact_prefix="team/store")
    arts = c.templates["job-1"]["outputs"]["artifacts"]
    assert arts[0]["gcs"] == {"key": "team/store/datasets/test-two/{{workflow.name}}.tgz"}


# ---- values from outside ------------------------------------------------------------------

def test_inputs_and_context_are_parameters_with_defaults() -> None:
    ir = ir_of((ROOT / "examples" / "train.yaml").read_text(), "train", dedent=False)
    params = parameters(compile_ir(ir))
    assert set(params) == {"context-event-github-url", "context-event-github-ref"}
    assert all("value" not in p for p in params.values())  # given when the workflow is submitted
    c = compile_ir(ir, context={"event.github.url": "https://example.com/r.git"})
    assert parameters(c)["context-event-github-url"]["value"] == "https://example.com/r.git"
    c = compile_text("""
        context:
          event: {github: {url: https://example.com/block.git, ref: main}}
        inputs:
          who: {type: string}
          data: {type: dataset, with: {ref: ds:v2}}
        jobs:
          a:
            uses: git-checkout@v1
            with: {url: context.event.github.url, ref: context.event.github.ref}
            outputs: {repo: {type: volume}}
          b:
            uses: container@v1
            with: {image: bash:5, args: [cat, /inputs/who]}
            inputs: {who: workflow.inputs.who, data: workflow.inputs.data}
        """, inputs={"who": "there"})
    p = parameters(c)
    assert p["context-event-github-url"]["value"] == "https://example.com/block.git"
    assert p["context-event-github-ref"]["value"] == "main"
    assert p["who"]["value"] == "there" and p["data"]["value"] == "ds:v2"


def test_bad_input_values_are_gw604() -> None:
    text = """
        inputs:
          data: {type: dataset, with: {ref: ds}}
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [ls, /inputs/data]}
            inputs: {data: workflow.inputs.data}
        """
    assert compile_text(text, inputs={"data": "not a ref!"}).codes() == ["GW604"]
    assert compile_text(text, inputs={"nope": "x"}).codes() == ["GW604"]


# ---- support diagnostics -------------------------------------------------------------------

def test_metadata_is_info_and_kept_as_annotations() -> None:
    c = compile_text("""
        on:
          github:
            branches:
              only: main
        defaults:
          clusterId: cl123
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [echo]}
        """)
    assert c.codes() == ["GW502", "GW502"]
    assert all(d.severity is Severity.INFO for d in c.diags)
    notes = c.doc["metadata"]["annotations"]
    assert notes["gwfc/on-github-branches"] == "main" and notes["gwfc/cluster-id"] == "cl123"


def test_create_model_is_stored_as_an_artifact() -> None:
    ir = ir_of((ROOT / "examples" / "train.yaml").read_text(), "train", dedent=False)
    c = compile_ir(ir)
    (d,) = [d for d in c.diags if d.code == "GW503"]
    assert d.severity is Severity.INFO and "gwfc/models/my-model/<workflow name>.tgz" in d.message
    t = c.templates[job_tasks(c)["Register"]]
    model = next(a for a in t["outputs"]["artifacts"] if a["name"] == "gwfc-model")
    assert model["path"] == "/gwfc/in/inputs/model"  # where Argo staged the `model` input
    assert model["s3"] == {"key": "gwfc/models/my-model/{{workflow.name}}.tgz"}
    assert any(a["path"] == model["path"] for a in t["inputs"]["artifacts"])


def test_what_argo_cannot_express() -> None:
    c = compile_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: 'bash:{{x}}', args: [echo]}\n")
    assert [(d.code, d.severity) for d in c.diags] == [("GW504", Severity.ERROR)]
    c = compile_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: bash:5}\n    env: {A: '{{x}}'}\n")
    assert "GW504" in c.codes()  # no command to run the decoder with


def test_examples_have_no_argo_errors_or_warnings() -> None:
    from .corpus import own_workflows

    for name, ir in own_workflows():
        c = compile_ir(ir)
        bad = [d for d in c.diags if d.severity is not Severity.INFO and "templating" not in name]
        assert not bad, (name, [(d.code, d.message) for d in bad])


# ---- determinism and the CLI ---------------------------------------------------------------

def test_deterministic_within_and_across_processes(tmp_path: Path) -> None:
    ir = ir_of((ROOT / "golden" / "templating" / "workflow.yaml").read_text(), "t", dedent=False)
    assert compile_ir(ir).text == compile_ir(ir).text
    outs = []
    for seed in ("1", "2"):
        r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "compile", "golden/train/workflow.yaml",
                            "--target", "argo", "--set", "volumes=pvc"], cwd=ROOT, capture_output=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, timeout=60)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]


def test_cli_writes_the_bundle_with_namespace_alias(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "compile", "examples/hello.yaml", "--target",
                        "argo", "--namespace", "ml", "--set", "kind=WorkflowTemplate", "-o", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["workflow.yaml"]
    doc = load_yaml((out / "workflow.yaml").read_text())
    assert doc["kind"] == "WorkflowTemplate" and doc["metadata"]["namespace"] == "ml"


@pytest.mark.parametrize("text", ["jobs:\n" + _job("Train") + _job("train")])
def test_cli_refuses_errors(text: str, tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(text)
    r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "compile", str(wf), "--target", "argo"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "GW501" in r.stderr and not r.stdout


def test_dataset_output_with_a_tag_is_committed_to_latest_and_the_tag() -> None:
    c = compile_text("""
        jobs:
          make:
            uses: container@v1
            with: {image: bash:5, args: [touch, /outputs/d/x]}
            outputs:
              d: {type: dataset, with: {ref: team/images:nightly}}
        """)
    commits = {t["name"]: t for t in c.tasks.values() if t["template"] == "gwfc-commit"}
    keys = {n: t["arguments"]["parameters"][0]["value"] for n, t in commits.items()}
    assert keys == {"make-commit-d": "gwfc/datasets/team/images/latest.tgz",
                    "make-tag-nightly-d": "gwfc/datasets/team/images/nightly.tgz"}
    out = c.templates["make"]["outputs"]["artifacts"][0]
    assert out["s3"]["key"] == "gwfc/datasets/team/images/{{workflow.name}}.tgz"


def test_co_location_groups_are_reported() -> None:
    from gwfc.compiler.ir import Placement

    ir = ir_of("jobs:\n" + _job("a") + _job("b", "    needs: [a]\n"))
    placement = Placement(groups=(("a", "g"), ("b", "g")), pools=(("a", "default"), ("b", "default")))
    ctx = EmitContext(sink=Sink())
    target = ArgoTarget()
    target.support(ir, placement, ArgoOptions(), ctx)
    assert [d.code for d in ctx.sink.items] == ["GW535"]
    doc = load_yaml(target.emit(ir, placement, ArgoOptions(), ctx).files["workflow.yaml"].text)
    assert [t["name"] for t in doc["spec"]["templates"][0]["dag"]["tasks"]] == ["a", "b"]


def test_large_templates_are_reported() -> None:
    big = "echo " + "x" * 120_000
    c = compile_text(f"jobs:\n  a:\n    uses: script@v1\n    with: {{image: bash:5, script: {big}}}\n")
    assert c.codes() == ["GW534"]
    assert compile_text("jobs:\n" + _job("a")).codes() == []


def test_from_ir_gives_the_same_file() -> None:
    from gwfc.compiler.ir import IR

    ir = ir_of((ROOT / "golden" / "templating" / "workflow.yaml").read_text(), "t", dedent=False)
    assert compile_ir(IR.from_json(ir.to_json())).text == compile_ir(ir).text


def test_names_gwfc_uses_for_its_own_artifacts_are_gw501() -> None:
    c = compile_text("""
        jobs:
          a:
            uses: script@v1
            with: {image: bash:5, script: cat /inputs/gwfc-file-0}
            inputs:
              gwfc-file-0: {type: string, with: {value: x}}
        """)
    assert c.codes() == ["GW501"]
