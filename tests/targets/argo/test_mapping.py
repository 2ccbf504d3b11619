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
from gwfc.targets.argo.dump import dump_yaml
from gwfc.targets.argo.resources import memory_quantity
from gwfc.targets.base import SUPPORT_FIELDS, EmitContext, get_target, parse_options

from ...conftest import ROOT
from .helpers import compile_ir, compile_text, input_origin, ir_of, job_tasks, load_yaml, name_problems, parameters

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
    # 0.9 of the machine is requested (request-fraction), the limit is the whole machine
    assert res["requests"] == {"cpu": f"{int(row.cpus * 900)}m", "memory": memory_quantity(row.memory_mib * 9 // 10),
                               "nvidia.com/gpu": "1"}
    assert res["limits"] == {"memory": f"{row.memory_mib // 1024}Gi", "nvidia.com/gpu": "1"}
    assert "nvidia.com/gpu: '1'" in c.text  # strings, as Kubernetes wants
    # GPU nodes are commonly tainted with the resource's name; a CPU job gets no toleration
    assert t["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert "tolerations" not in compile_text("jobs:\n" + _job("a", "    resources: {instance-type: C5}\n")).templates["a"]
    assert compile_text("jobs:\n" + _job("a", "    resources: {instance-type: P4000}\n"),
                        gpu_resource="amd.com/gpu").templates["a"]["tolerations"][0]["key"] == "amd.com/gpu"
    t = compile_text("jobs:\n" + _job("a", "    resources: {instance-type: P4000}\n"), request_fraction="1").templates["a"]
    assert f"cpu: '{int(row.cpus)}'" in dump_yaml(t)


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
    assert t["a"]["container"]["resources"]["requests"] == {"cpu": "450m", "memory": "1382Mi"}
    assert t["a"]["container"]["resources"]["limits"] == {"memory": "1536Mi"}
    assert t["b"]["container"]["resources"]["limits"]["amd.com/gpu"] == "2"
    local = EmitContext(profile=make_profile("local"))
    doc = load_yaml(target.emit(ir, trivial_placement(ir), ArgoOptions(), local).files["workflow.yaml"].text)
    b = next(x for x in doc["spec"]["templates"] if x["name"] == "b")
    assert b["container"]["resources"] == {"requests": {"cpu": "900m", "memory": "921Mi"}, "limits": {"memory": "1Gi"}}


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


def test_fs_group_lets_a_non_root_image_write_the_claim() -> None:
    ir = ir_of((ROOT / "examples" / "hello.yaml").read_text(), "hello", dedent=False)
    assert "securityContext" not in compile_ir(ir, volumes="pvc").doc["spec"]
    assert compile_ir(ir, volumes="pvc", fs_group="1000").doc["spec"]["securityContext"] == {"fsGroup": 1000}


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
    assert arts[0]["gcs"] == {"key": "team/store/datasets/test-two/{{workflow.name}}-job-1.tgz"}


# ---- values from outside ------------------------------------------------------------------

def test_inputs_and_context_are_parameters_with_defaults() -> None:
    ir = ir_of((ROOT / "examples" / "train.yaml").read_text(), "train", dedent=False)
    params = parameters(compile_ir(ir))
    assert set(params) == {"context-event-github-url", "context-event-github-ref"}
    assert "value" not in params["context-event-github-url"]  # given when the workflow is submitted
    assert params["context-event-github-ref"]["value"] == ""  # optional: git-checkout's default branch
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
    assert d.severity is Severity.INFO and "gwfc/models/my-model/<workflow name>-register.tgz" in d.message
    t = c.templates[job_tasks(c)["Register"]]
    model = next(a for a in t["outputs"]["artifacts"] if a["name"] == "gwfc-model")
    assert model["path"] == "/gwfc/in/inputs/model"  # where Argo staged the `model` input
    assert model["s3"] == {"key": "gwfc/models/my-model/{{workflow.name}}-register.tgz"}
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
    assert sorted(p.name for p in out.iterdir()) == [".gwfc-bundle", "workflow.yaml"]
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
    assert out["s3"]["key"] == "gwfc/datasets/team/images/{{workflow.name}}-make.tgz"


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


# ---- names Argo accepts --------------------------------------------------------------------

def test_long_names_are_cut_with_a_hash_and_stay_unique() -> None:
    job = "j" * 63
    outs = ["o" * 62 + "a", "o" * 62 + "b"]
    tag = "t" * 80
    text = f"jobs:\n  {job}:\n    uses: container@v1\n    with: {{image: bash:5, args: [echo]}}\n    outputs:\n"
    text += "".join(f"      {o}: {{type: dataset, with: {{ref: 'ds{i}:{tag}'}}}}\n" for i, o in enumerate(outs))
    text += f"  reader:\n    needs: [{job}]\n" + JOB + f"    inputs:\n      x: {job}.outputs.{outs[0]}\n"
    c = compile_text(text)
    assert c.codes() == []
    commits = [n for n, t in c.tasks.items() if t["template"] == "gwfc-commit"]
    assert len(commits) == 4 and len(set(commits)) == 4
    assert all(len(n) <= 128 for n in commits)
    assert any(len(n) == 128 for n in commits)  # cut, ending in a hash
    assert name_problems(c.doc) == []
    # stable: the same names every time
    assert [n for n, t in compile_text(text).tasks.items() if t["template"] == "gwfc-commit"] == commits


def test_a_commit_task_named_like_a_job_is_gw501() -> None:
    c = compile_text("""
        jobs:
          make:
            uses: container@v1
            with: {image: bash:5, args: [echo]}
            outputs:
              d: {type: dataset, with: {ref: ds}}
          make-commit-d:
            uses: container@v1
            with: {image: bash:5, args: [echo]}
        """)
    assert c.codes() == ["GW501"]
    assert len(set(c.tasks)) == len(c.tasks) == 3


def test_job_names_that_begin_with_a_digit() -> None:
    c = compile_text("jobs:\n" + _job("1st") + _job("2nd", "    needs: [1st]\n"))
    assert c.codes() == []
    assert set(c.tasks) == {"j-1st", "j-2nd"}
    assert c.tasks["j-2nd"]["dependencies"] == ["j-1st"]
    assert c.templates["j-2nd"]["metadata"]["annotations"]["gwfc/job"] == "2nd"
    assert name_problems(c.doc) == []
    c = compile_text("jobs:\n" + _job("2nd") + _job("j-2nd"))
    assert c.codes() == ["GW501"]


def test_every_generated_name_is_one_argo_and_kubernetes_accept() -> None:
    from .corpus import all_workflows

    for name, ir in all_workflows():
        for opts in ({}, {"volumes": "pvc", "strings": "artifacts"}):
            problems = name_problems(compile_ir(ir, **opts).doc)
            assert not problems, (name, problems)


# ---- env names -----------------------------------------------------------------------------

def test_env_names_kubernetes_refuses() -> None:
    c = compile_text("""
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [env]}
            env:
              ÄPFEL: x
              MY VAR: y
              1ST: z
              my.var-2: ok
        """)
    found = [(d.code, d.severity, d.message.split(":")[0]) for d in c.diags]
    assert found == [("GW504", Severity.ERROR, 'env "ÄPFEL" of job "a"'),
                     ("GW536", Severity.WARNING, 'env "MY VAR" of job "a"'),
                     ("GW536", Severity.WARNING, 'env "1ST" of job "a"')]
    assert all(d.span.line > 1 for d in c.diags)


# ---- resources -----------------------------------------------------------------------------

def test_requests_leave_room_on_the_machine() -> None:
    text = "jobs:\n" + _job("a", "    resources: {instance-type: V100}\n")
    row = make_profile("default").lookup("V100")
    assert row is not None and (row.cpus, row.memory_mib) == (8, 30 * 1024)
    res = compile_text(text).templates["a"]["container"]["resources"]
    assert res == {"requests": {"cpu": "7200m", "memory": "27Gi", "nvidia.com/gpu": "1"},
                   "limits": {"memory": "30Gi", "nvidia.com/gpu": "1"}}
    res = compile_text(text, request_fraction="1").templates["a"]["container"]["resources"]
    assert res["requests"] == {"cpu": "8", "memory": "30Gi", "nvidia.com/gpu": "1"}
    res = compile_text(text, request_fraction="0.75").templates["a"]["container"]["resources"]
    assert res["requests"] == {"cpu": "6", "memory": "23040Mi", "nvidia.com/gpu": "1"}


# ---- option values -------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value", "rule"), [
    ("name", "Foo_Bar", "DNS-1123 subdomain"), ("name", "a" * 64, "at most 63"),
    ("generate-name", "Bad_Name_", "DNS-1123 subdomain"), ("namespace", "My_NS", "DNS-1123 label"),
    ("service-account", "a b", "DNS-1123 subdomain"), ("secret-name", "X_y", "DNS-1123 subdomain"),
    ("pvc-size", "lots", "quantity"), ("pvc-size", "0", "positive"), ("pvc-storage-class", "Fast SSD", "subdomain"),
    ("artifact-repository", "My Repo", "ConfigMap name"), ("artifact-repository-key", "a/b", "ConfigMap key"),
    ("artifact-prefix", "p/{{x}}", "key prefix"), ("artifact-prefix", "$(HOME)", "key prefix"),
    ("helper-image", "busy box", "image"), ("node-selector-label", "bad label!", "label key"),
    ("gpu-resource", "x y", "extended resource"), ("gpu-resource", "gpu", "extended resource"),
    ("request-fraction", "1.5", "at most 1"), ("request-fraction", "lots", "at most 1"),
    ("fs-group", "-1", "group id"), ("fs-group", "2147483648", "group id"), ("fs-group", "١٢", "group id"),
])
def test_option_values_kubernetes_refuses_are_gw603(key: str, value: str, rule: str) -> None:
    c = compile_ir(ir_of("jobs:\n" + _job("a")), **{key.replace("-", "_"): value})
    (d,) = c.diags
    assert d.code == "GW603" and d.severity is Severity.ERROR
    assert f'option "{key}"' in d.message and repr(value) in d.message and rule in d.message
    assert d.span.file == "--set"


@pytest.mark.parametrize(("key", "value"), [
    ("name", "my.flow-1"), ("generate-name", "my-flow-"), ("namespace", "ml"), ("service-account", "runner"),
    ("secret-name", "team.secrets"), ("pvc-size", "1.5Gi"), ("pvc-size", "5e9"), ("artifact-prefix", "team/gwfc"),
    ("node-selector-label", "node.kubernetes.io/instance-type"), ("node-selector-label", ""),
    ("gpu-resource", "amd.com/gpu"), ("fs-group", "0"), ("fs-group", "1000"), ("helper-image", "registry.example.com:5000/busybox@sha256:" + "a" * 64),
])
def test_good_option_values_pass(key: str, value: str) -> None:
    assert compile_ir(ir_of("jobs:\n" + _job("a")), **{key.replace("-", "_"): value}).codes() == []


def test_bad_option_values_fail_the_cli() -> None:
    r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "compile", "examples/hello.yaml", "--target",
                        "argo", "--namespace", "My_NS"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "GW603" in r.stderr and "My_NS" in r.stderr and not r.stdout


# ---- context parameters, annotations, registries -------------------------------------------

def test_optional_context_parameters_default_to_empty() -> None:
    c = compile_text("""
        jobs:
          a:
            uses: git-checkout@v1
            with: {url: context.event.github.url, ref: context.event.github.ref}
            outputs: {repo: {type: volume}}
        """)
    p = parameters(c)
    assert p["context-event-github-ref"]["value"] == ""  # git-checkout's ref is optional
    assert "value" not in p["context-event-github-url"]  # its url is not: Argo asks for it
    # a context value that a required parameter also reads is not optional
    c = compile_text("""
        jobs:
          a:
            uses: git-checkout@v1
            with: {url: https://example.com/r.git, ref: context.event.github.ref}
            outputs: {repo: {type: volume}}
          b:
            uses: s3-download@v1
            with: {url: context.event.github.ref, access-key: k, secret-access-key: secret:S3}
            outputs: {data: {type: volume}}
        """)
    assert "value" not in parameters(c)["context-event-github-ref"]


def test_source_annotation_does_not_depend_on_the_directory(tmp_path: Path) -> None:
    outs = []
    for cwd, path in ((ROOT, "golden/hello/workflow.yaml"), (ROOT / "golden" / "hello", "workflow.yaml"),
                      (tmp_path, str(ROOT / "golden" / "hello" / "workflow.yaml"))):
        r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "compile", path, "--target", "argo"],
                           cwd=cwd, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] == outs[2]
    assert load_yaml(outs[0])["metadata"]["annotations"]["gwfc/source"] == "workflow.yaml"


def test_registry_collisions_point_at_the_registries() -> None:
    c = compile_text("""
        defaults:
          resources:
            container-registries: [My_Registry, my-registry]
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [echo]}
        """)
    (d,) = c.diags
    assert d.code == "GW501" and d.span.file == "wf.yaml" and d.span.line == 4


def test_commit_tasks_of_outputs_with_one_label_are_told_apart() -> None:
    c = compile_text("""
        jobs:
          make:
            uses: container@v1
            with: {image: bash:5, args: [echo]}
            outputs:
              a_b: {type: dataset, with: {ref: one}}
              a-b: {type: dataset, with: {ref: two}}
        """)
    assert c.codes() == []
    commits = sorted(n for n, t in c.tasks.items() if t["template"] == "gwfc-commit")
    assert len(commits) == 2 and commits[0] == "make-commit-a-b" and commits[1].startswith("make-commit-a-b-")
    assert name_problems(c.doc) == []
