"""User text reaches the container as written: `{{ }}` is never left for Argo to read,
`$(…)`/`$$` never for Kubernetes to expand, quotes, newlines and non-ASCII text survive, and no
secret value is ever written."""

from __future__ import annotations

import json
import re

import pytest
from gwfc.compiler.ir import IR, ContextRef, SecretRef

from ...conftest import ROOT
from .helpers import (
    Compiled,
    compile_ir,
    compile_text,
    input_origin,
    ir_of,
    job_tasks,
    kube_expand,
    parameters,
    pod_files,
    view,
)

TEMPLATING = (ROOT / "golden" / "templating" / "workflow.yaml").read_text(encoding="utf-8")

#: Every `{{ … }}` Argo would see in the generated file must be one gwfc wrote on purpose.
OWN_TAGS = re.compile(r"\{\{(?:workflow\.parameters\.[-\w]+|workflow\.name|inputs\.parameters\.key"
                      r"|tasks\.[-\w]+\.outputs\.(?:parameters|artifacts)\.[-\w]+"
                      r"|=sprig\.b64enc\((?:workflow\.parameters\['[-\w]+'\]"
                      r"|tasks\['[-\w]+'\]\.outputs\.parameters\['[-\w]+'\])\)"
                      r"|=sprig\.contains\(':', workflow\.parameters\['[-\w]+'\]\) \? [^{}]*)\}\}")


def assert_no_user_tags(c: Compiled) -> None:
    """Argo substitutes every `{{` in the document: all of them must be gwfc's own."""
    stray = [m.group(0) for m in re.finditer(r"\{\{.*?\}\}", c.text) if not OWN_TAGS.fullmatch(m.group(0))]
    assert not stray, stray
    assert c.text.count("{{") == len(re.findall(r"\{\{.*?\}\}", c.text))


def assert_reaches_container(ir: IR, c: Compiled) -> None:
    """For every step: the argv, the env and the files the container gets are the IR's, byte
    for byte (after Kubernetes' expansion and gwfc's decoder)."""
    tasks = job_tasks(c)
    params = parameters(c)
    for step in ir.steps:
        v = view(c, tasks[step.name])
        run = step.run
        argv = [*(run.command or ()), *(run.args or ())]
        assert (v.argv or []) == argv, step.name
        if run.command is not None:
            assert v.command_given
        for e in run.env:
            got = v.env[e.name]
            if isinstance(e.value, SecretRef):
                assert got == ("secret", e.value.secret)
            elif isinstance(e.value, ContextRef):  # a parameter, described by its context path
                kind, text = got
                m = re.fullmatch(r"\{\{workflow\.parameters\.([-\w]+)\}\}", text)
                assert kind == "template" and m, got
                assert params[m.group(1)]["description"] == f"context.{e.value.context}"
            else:
                assert got == e.value, (step.name, e.name)
        for path, content in run.files:
            assert v.files[path] == content
        for inp in step.inputs:
            if inp.source.kind == "string":
                assert input_origin(c, tasks[step.name], f"/inputs/{inp.name}") == ("text", inp.source.value)


@pytest.mark.parametrize("strings", ["parameters", "artifacts"])
def test_templating_case_reaches_the_container_unchanged(strings: str) -> None:
    ir = ir_of(TEMPLATING, "templating", dedent=False)
    c = compile_ir(ir, strings=strings)
    assert_no_user_tags(c)
    assert_reaches_container(ir, c)
    tasks = job_tasks(c)
    # the workflow input with `{{` is fixed in the file (GW533), the other stays a parameter
    assert input_origin(c, tasks["make"], "/inputs/greeting") == ("text", "hi {{workflow.name}} $(HOME) $$")
    assert input_origin(c, tasks["make"], "/inputs/plain") == ("wfparam", "plain")
    assert "GW533" in c.codes()
    # args only, with `{{`: args[0] becomes the command (GW532)
    assert "GW532" in c.codes()
    assert view(c, tasks["shout"]).argv == ["bash", "-c", "cat /inputs/r; echo '{{workflow.name}}'"]


HOSTILE_ARG = "it's \"dq\" `tick` $(HOME) $$ $x ${y} \\back ü 🚀 中文\nline2\n\ttab  "


def test_hostile_text_without_braces_is_written_plainly() -> None:
    """No `{{`: no decoder either; quotes, newlines, unicode, `$()` and `$$` survive YAML and
    Kubernetes' expansion (the files with `$$` or `$(` through the prepare container)."""
    wf = {
        "jobs": {
            "a": {"uses": "container@v1",
                  "with": {"image": "bash:5", "command": "bash", "args": ["-c", HOSTILE_ARG, "$(A)"]},
                  "env": {"A": HOSTILE_ARG, "B": "$(A)", "C": "$$"},
                  "inputs": {"s": {"type": "string", "with": {"value": HOSTILE_ARG}}}},
            "b": {"uses": "script@v1", "with": {"image": "bash:5", "script": HOSTILE_ARG + "\necho '$(A)' $$\n"}},
        }
    }
    ir = ir_of(json.dumps(wf, ensure_ascii=False), "hostile", dedent=False)
    c = compile_ir(ir)
    for t in c.templates.values():
        assert "--busybox" not in t.get("initContainers", [{}])[0].get("args", [])
        assert t.get("container", {}).get("command", [""])[0] != "/gwfc/bin/busybox"
    assert_reaches_container(ir, c)


def test_every_workflow_reaches_its_containers_unchanged() -> None:
    from .corpus import all_workflows

    for name, ir in all_workflows():
        c = compile_ir(ir)
        try:
            assert_no_user_tags(c)
            assert_reaches_container(ir, c)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_no_secret_value_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "zq_DISTINCTIVE_secret_name_83"
    value = "s3cr3t-value-that-must-not-leak"
    # wherever gwfc run would look for a value: none of it may reach the Argo file
    monkeypatch.setenv(f"GWFC_SECRET_{secret.upper()}", value)
    monkeypatch.setenv(secret, value)
    c = compile_text(f"""
        defaults:
          env:
            TOKEN: secret:{secret}
        jobs:
          clone:
            uses: git-checkout@v1
            with:
              url: https://example.com/r.git
              username: me
              password: secret:{secret}
            outputs:
              repo: {{type: volume}}
          use:
            needs: [clone]
            uses: container@v1
            with: {{image: bash:5, args: [bash, -c, "echo $TOKEN"]}}
            inputs:
              repo: clone.outputs.repo
        """, secret_name="team-secrets")
    assert value not in c.text
    uses = [(m.start(), m.group(0)) for m in re.finditer(re.escape(secret), c.text)]
    assert uses
    refs = []
    for t in c.templates.values():
        for e in t.get("container", {}).get("env", []):
            if secret in str(e):
                assert set(e) == {"name", "valueFrom"}, e
                assert e["valueFrom"] == {"secretKeyRef": {"name": "team-secrets", "key": secret}}
                refs.append(e["name"])
    assert sorted(refs) == ["GWFC_GIT_PASSWORD", "TOKEN", "TOKEN"]
    # besides the secretKeyRefs, the name appears once: the annotation listing the keys to create
    assert c.doc["metadata"]["annotations"]["gwfc/secret-keys"] == secret
    assert len(uses) == len(refs) + 1


@pytest.mark.parametrize("tag", ["{{workflow.name}}", "{{inputs.parameters.x}}", "{{=sprig.upper('x')}}"])
@pytest.mark.parametrize("where", ["command", "arg", "env", "script"])
def test_a_tag_anywhere_survives(tag: str, where: str) -> None:
    text = f"say {tag} and $(HOME) $$ \"q\" 'q'\nü"
    job: dict[str, object] = {"uses": "container@v1", "with": {"image": "bash:5", "command": "bash",
                                                                "args": ["-c", "env"]}}
    if where == "command":
        job["with"] = {"image": "bash:5", "command": text, "args": ["x"]}
    elif where == "arg":
        job["with"] = {"image": "bash:5", "command": "printf", "args": ["%s", text]}
    elif where == "env":
        job["env"] = {"V": text}
    else:
        job = {"uses": "script@v1", "with": {"image": "bash:5", "script": text}}
    ir = ir_of(json.dumps({"jobs": {"a": job}}, ensure_ascii=False), "tag", dedent=False)
    c = compile_ir(ir)
    assert_no_user_tags(c)
    assert_reaches_container(ir, c)
    assert tag not in c.text


# ---- `$` in text that reaches the executor through ARGO_TEMPLATE ---------------------------

DOLLARS = "echo $$ $(ARGO_CONTAINER_NAME) $(HOME) $(KUBERNETES_SERVICE_HOST) ${X} $y $ $$(HOME) $(\n"
WF_DOLLARS = "$(X) $$ $(ARGO_CONTAINER_NAME) $(KUBERNETES_PORT)"
OUT_DOLLARS = "$$ $(KUBERNETES_SERVICE_HOST) $(ARGO_CONTAINER_NAME) {{workflow.name}}"
DOLLAR_WF = {
    "inputs": {"w": {"type": "string", "with": {"value": WF_DOLLARS}},
               "late": {"type": "string"}},
    "jobs": {
        "make": {"uses": "script@v1", "with": {"image": "bash:5", "script": DOLLARS},
                 "outputs": {"s": {"type": "string"}}},
        "use": {"uses": "container@v1", "needs": ["make"],
                "with": {"image": "bash:5", "command": "cat", "args": ["/inputs/s", "/inputs/c", "/inputs/w"]},
                "inputs": {"s": "make.outputs.s", "c": {"type": "string", "with": {"value": "cost $$5"}},
                           "w": "workflow.inputs.w", "late": "workflow.inputs.late"}},
    },
}


@pytest.mark.parametrize("strings", ["parameters", "artifacts"])
def test_dollar_text_survives_argo_template_expansion(strings: str) -> None:
    """Argo hands the resolved template (each raw.data) to its init container in the env
    variable ARGO_TEMPLATE, which the kubelet expands: `$$` and `$(NAME)` of a defined variable
    would change. Scripts, inline strings, workflow string inputs and string outputs passed on
    reach the pod byte for byte."""
    ir = ir_of(json.dumps(DOLLAR_WF), "dollars", dedent=False)
    c = compile_ir(ir, strings=strings)
    assert pod_files(c, "make")["/gwfc/script.sh"] == DOLLARS
    late = "$$(HOME) $(ARGO_CONTAINER_NAME) ü"
    files = pod_files(c, "use", params={"late": late}, outputs={("make", "s"): OUT_DOLLARS})
    assert files["/gwfc/in/inputs/c"] == "cost $$5"
    assert files["/gwfc/in/inputs/w"] == WF_DOLLARS  # the default in the file
    assert files["/gwfc/in/inputs/late"] == late  # a value given when the workflow is submitted
    if strings == "parameters":
        assert files["/gwfc/in/inputs/s"] == OUT_DOLLARS
    else:  # the output travels as a file in the repository: nothing reads its text
        assert "/gwfc/in/inputs/s" not in files
    # a submit-time value given at compile time (--input) is a default like the file's
    c = compile_ir(ir, inputs={"w": "$$ $(HOME)"}, strings=strings)
    files = pod_files(c, "use", params={"late": "x"}, outputs={("make", "s"): "x"})
    assert files["/gwfc/in/inputs/w"] == "$$ $(HOME)"


def test_text_without_expandable_dollars_stays_readable() -> None:
    """`$x`, `${x}` and a lone `$` are not expanded: such text is still written as raw.data."""
    c = compile_text("""
        jobs:
          a:
            uses: script@v1
            with: {image: bash:5, script: 'echo "$HOME ${X} $"'}
        """)
    (art,) = c.templates["a"]["inputs"]["artifacts"]
    assert art["raw"]["data"] == 'echo "$HOME ${X} $"'
    assert "initContainers" not in c.templates["a"]


def test_context_values_given_at_compile_time_survive_env_expansion() -> None:
    """A context value lands in an env value, which Kubernetes expands: its default is written
    with `$` doubled, so the container gets the value as given."""
    value = "https://example.com/$$/$(HOME)/$(GWFC_DEST).git"
    c = compile_text("""
        jobs:
          a:
            uses: git-checkout@v1
            with: {url: context.event.github.url}
            outputs: {repo: {type: volume}}
        """, context={"event.github.url": value})
    param = parameters(c)["context-event-github-url"]
    env = c.templates["a"]["container"]["env"]
    defined: dict[str, str] = {}
    seen = {}
    for e in env:  # the kubelet expands each value with the variables defined before it
        text = e["value"].replace("{{workflow.parameters.context-event-github-url}}", param["value"])
        seen[e["name"]] = defined[e["name"]] = kube_expand(text, defined)
    assert seen["GWFC_GIT_URL"] == value
