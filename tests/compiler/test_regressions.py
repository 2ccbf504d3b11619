"""Regressions found by QA of the front end: each case once wrong, now right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .helpers import check_text, codes, find, where

T = "    resources: {instance-type: C5}\n"


def test_no_cascade_after_a_broken_definition() -> None:
    r = check_text("inputs:\n  d: {type: datasets, with: {ref: x}}\njobs:\n  a:\n    uses: container@v1\n"
                   "    with: {image: x}\n" + T + "    inputs:\n      d: workflow.inputs.d\n", dedent=False)
    assert codes(r) == ["GW211"]
    r = check_text("jobs:\n  c:\n    uses: git-checkout@v1\n    with: {url: 'https://x/y.git'}\n" + T
                   + "    outputs:\n      repo: {type: volume^^}\n  b:\n    uses: container@v1\n    with: {image: x}\n"
                   + T + "    needs: [c]\n    inputs:\n      repo: c.outputs.repo\n", dedent=False)
    assert codes(r) == ["GW211"]


def test_context_suggestions_only_for_spellings() -> None:
    base = ("on: {github: {branches: {only: main}}}\njobs:\n  a:\n    uses: git-checkout@v1\n" + T
            + "    with: {url: 'https://x/y.git', ref: context.event.github.%s}\n    outputs: {r: {type: volume}}\n"
            "  b:\n    uses: container@v1\n    with: {image: x}\n" + T + "    needs: [a]\n    inputs: {r: a.outputs.r}\n")
    (d,) = find(check_text(base % "sha", dedent=False), "GW316")
    assert d.fix is None and "did you mean" not in d.message
    (d,) = find(check_text(base % "rfe", dedent=False), "GW316")
    assert d.fix is not None and d.fix.edits[0].text == "context.event.github.ref"


def test_instance_type_case_and_near_names() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    resources: {instance-type: a100}\n",
                   dedent=False)
    (d,) = find(r, "GW321")
    assert d.fix is not None and d.fix.edits[0].text == "A100"
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    resources: {instance-type: V100x3}\n",
                   dedent=False)
    (d,) = find(r, "GW321")
    assert d.fix is None  # a near name is another machine: named, not applied


def test_nested_list_item_gets_its_note_and_fix() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n" + T + "    with:\n      image: x\n      args:\n"
                   "        - tar\n        - - \n", dedent=False)
    (d,) = find(r, "GW203")
    assert "nested list" in d.notes[0] and d.fix is not None and d.fix.edits[0].text == '"-"'


def test_secret_in_image_stays_text_in_the_ir() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: 'secret:IMG'}\n" + T, dedent=False,
                   want_ir=True)
    assert codes(r) == ["GW315"]
    assert r.ir is not None and r.ir.steps[0].run.image == "secret:IMG"


def test_blanks_around_secret_and_context_values() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n" + T
                   + "    env:\n      Z: ' secret:W'\n      X: 'secret:Y '\n", dedent=False)
    assert [where(d) for d in find(r, "GW332")] == [(7, 10), (8, 10)]
    assert all(d.fix is not None for d in find(r, "GW332"))


def test_path_cannot_leave_outputs() -> None:
    r = check_text("jobs:\n  a:\n    uses: git-checkout@v1\n" + T + "    with: {url: 'https://x/y.git', "
                   "path: /outputs/a/../../etc/x}\n    outputs: {a: {type: volume}}\n", dedent=False)
    assert "GW319" in codes(r)


def test_command_lint_noise() -> None:
    script = ("echo ${X:-d} ${Y:=1} ${W+a} \\\\$ESC $_; printf -v K x; getopts ab OPT; (( i = 1 )); "
              "echo $K $OPT $i; cp \\\"${HOME}/inputs/abc\\\" .")
    r = check_text("jobs:\n  a:\n    uses: script@v1\n" + T + "    with:\n      image: x\n"
                   f"      script: \"{script}\"\n", dedent=False)
    assert codes(r) == []


def test_one_diagnostic_per_mistake() -> None:
    r = check_text("jobs:\n  a:\n    uses: script@v1\n" + T + "    with: [a, b]\n", dedent=False)
    assert codes(r) == ["GW203"]  # not also "missing parameters"
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n" + T
                   + "    inputs:\n      d: {type: dataset, with: {value: x}}\n", dedent=False)
    assert codes(r) == ["GW201"]


def test_messages() -> None:
    (d,) = find(check_text("context: []\njobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n" + T,
                           dedent=False), "GW203")
    assert "must be a map" in d.message
    (d,) = find(check_text("jobs:\n  a:\n    uses: 5\n    with: {image: x}\n" + T, dedent=False), "GW203")
    assert d.fix is None  # quoting `5` would only make it an unknown action
    (d,) = find(check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n" + T
                           + "    env:\n      N: !!int '5'\n", dedent=False), "GW203")
    assert "remove the tag" in d.notes[0]
    r = check_text("x-common: &c {uses: container@v1}\njobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n" + T,
                   dedent=False)
    (d,) = find(r, "GW201")
    assert "looks like a job" not in d.message


def test_control_characters_are_shown_not_sent(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_bytes(b"jobs:\n  a:\n    uses: container@v1 # \x1b[31mred\n")
    out = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", str(p)], capture_output=True,
                         text=True).stdout
    assert "\x1b" not in out and "\u241b" in out
    r = check_text("jobs:\x00\n", dedent=False)
    (d,) = r.diagnostics
    assert (d.code, where(d)) == ("GW101", (1, 6)) and "unicode string" not in d.message


def test_long_lines_are_cut_around_the_span(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text("jobs:\n  a:\n    uses: container@v1\n" + T + "    with: {image: x, args: [" + "'a', " * 4000
                 + "'${{ x }}']}\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", str(p)], capture_output=True,
                         text=True).stdout
    assert max(len(line) for line in out.splitlines()) < 400 and "^^^" in out


def test_files_and_directories(tmp_path: Path) -> None:
    p = tmp_path / "e.yaml"
    p.write_text("jobs:\n  a:\n    uses: scrip@v1\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", "--format", "json", str(p), str(p),
                          str(tmp_path / "." / "e.yaml")], capture_output=True, text=True).stdout
    assert len(json.loads(out)) == len(json.loads(subprocess.run(
        [sys.executable, "-m", "gwfc.compiler.cli", "check", "--format", "json", str(p)],
        capture_output=True, text=True).stdout))
    d = tmp_path / "foo.yaml"
    d.mkdir()
    r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", str(d)], capture_output=True, text=True)
    assert r.returncode == 2 and "no .yaml or .yml file" in r.stderr


def test_sarif_uris(tmp_path: Path) -> None:
    from gwfc.compiler.render.sarif import artifact_uri

    assert artifact_uri("dir with space/a%b.yaml") == "dir%20with%20space/a%25b.yaml"
    assert artifact_uri("/tmp/x y.yaml") == "file:///tmp/x%20y.yaml"


def test_unknown_target_table_in_config(tmp_path: Path) -> None:
    (tmp_path / "gwfc.toml").write_text("[targets.argoo]\nnamespace = 'x'\n", encoding="utf-8")
    p = tmp_path / "w.yaml"
    p.write_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n" + T, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", "--format", "json", str(p)],
                         capture_output=True, text=True, cwd=tmp_path).stdout
    (d,) = json.loads(out)
    assert d["code"] == "GW602" and "did you mean \"argo\"" in d["message"] and d["line"] == 1


# ---- QA of unseen workflows (2026-12-03) ------------------------------------------------

SCRIPT = "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n      script: |\n%s" + T


def _script(lines: str, env: str = "") -> list[str]:
    body = "".join(f"        {line}\n" for line in lines.splitlines())
    r = check_text(SCRIPT % body + env, dedent=False)
    return [d.message for d in find(r, "GW326")]


def test_parameter_expansion_keeps_the_whole_name() -> None:
    # `${NAME:-x}` once matched as `$NAM` (the regex backtracked into the name).
    assert _script('echo "${NAME:-unset}" "${FOO-x}" "${BAR:=y}" "${QUX%.txt}"') == ["`$QUX` is not set by the job's "
                                                                                     "`env`, `defaults.env` or the "
                                                                                     "command itself"]
    assert _script('echo "${QUX%.txt}"', env="    env: {QUX: d}\n") == []


def test_declare_array_assignment_and_bash_variables_define() -> None:
    assert _script('declare -A M; M[k]=v; echo "${M[k]}"\ntypeset -i N\necho "$N $EPOCHSECONDS"') == []
    assert _script('echo "$UNDEFINED_THING"')


def test_command_with_blanks_is_gw338() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: python:3, command: python3 -u, args: [t.py]}\n"
                   + T, dedent=False)
    (d,) = find(r, "GW338")
    assert "python3 -u" in d.message and "put them first in `args`" in d.notes[0]
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: python:3, command: bash, args: [-c, x]}\n"
                   + T, dedent=False)
    assert not find(r, "GW338")


def test_interpolated_gradient_reference_is_written_bare() -> None:
    r = check_text("on: {github: {branches: {only: main}}}\njobs:\n  a:\n    uses: git-checkout@v1\n"
                   "    with:\n      url: ${{ context.event.github.url }}\n    outputs: {r: {type: volume}}\n" + T,
                   dedent=False)
    (d,) = find(r, "GW310")
    assert d.fix is not None and d.fix.edits[0].text == "context.event.github.url"


def _refs(inputs: str, outputs: str = "{repository: {type: volume}}") -> list[tuple[str, str, str | None]]:
    r = check_text("inputs:\n  data: {type: dataset, with: {ref: mnist}}\njobs:\n  Clone:\n"
                   "    uses: git-checkout@v1\n    with: {url: 'https://x/y.git'}\n"
                   f"    outputs: {outputs}\n" + T + "  Train:\n    needs: [Clone]\n    uses: script@v1\n"
                   "    with: {image: python:3, script: ls /inputs}\n" + T + f"    inputs: {{d: {inputs}}}\n",
                   dedent=False)
    return [(d.code, d.message, d.fix.edits[0].text if d.fix else None) for d in r.diagnostics if d.code < "GW4"]


def test_misspelt_workflow_references_get_the_right_form() -> None:
    assert _refs("workflows.inputs.data")[0][0::2] == ("GW301", "workflow.inputs.data")
    assert _refs("workflow.input.data")[0][0::2] == ("GW301", "workflow.inputs.data")
    assert _refs("inputs.data")[0][0::2] == ("GW301", "workflow.inputs.data")
    (code, msg, fix) = _refs("Clnoe.inputs.data")[0]
    assert code == "GW302" and fix == "Clone"


def test_unique_prefix_suggests_an_output() -> None:
    (code, msg, fix) = _refs("Clone.outputs.repo")[0]
    assert code == "GW303" and fix == "repository"
    assert _refs("Clone.outputs.repo", "{repository: {type: volume}, repos: {type: volume}}")[0][2] is None


def test_resources_as_a_string_and_env_as_a_list() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    resources: C5\n"
                   "    env:\n      - A=1\n", dedent=False)
    assert codes(r) == ["GW203", "GW203"]  # no GW322 "no instance type" as well
    res, env = r.diagnostics
    assert res.fix is not None and res.fix.edits[0].text == "{instance-type: C5}"
    assert 'e.g. `A: "1"`' in env.notes[0]


def test_create_model_input_near_model_is_renamed() -> None:
    r = check_text("jobs:\n  m:\n    uses: create-model@v1\n    with: {name: m, type: Custom}\n"
                   "    inputs: {modl: {type: dataset, with: {ref: x}}}\n    outputs: {model-id: {type: string}}\n"
                   + T, dedent=False)
    (d,) = find(r, "GW318")
    assert where(d) == (5, 14) and d.fix is not None and d.fix.edits[0].text == "model"


def test_no_cascades_after_names_and_definitions_already_reported() -> None:
    producer = ("jobs:\n  p:\n    uses: container@v1\n    with: {image: x, args: [sh, -c, 'echo 1 > /outputs/o']}\n"
                "    outputs: {o: {type: string}}\n" + T)
    long = "c" * 70
    r = check_text(producer + f"  {long}:\n    needs: [p]\n    uses: container@v1\n    with: {{image: x}}\n" + T
                   + "    inputs: {x: p.outputs.o}\n  d:\n    uses: container@v1\n    with: {image: x}\n" + T
                   + f"    needs: [{long}]\n", dedent=False)
    assert codes(r) == ["GW208"]  # not GW405 (o is read) nor GW401 (the long name is reported)
    r = check_text("jobs:\n  p:\n    uses: container@v1\n    with: {image: x, args: [sh, -c, 'echo 1 > /outputs/o']}\n"
                   "    outputs: {o: p.outputs.o}\n" + T, dedent=False)
    assert codes(r) == ["GW320"]  # not GW324 "declares no output"
    r = check_text(producer.replace("  p:", "  yes:") + "  b:\n    needs: [yes]\n    uses: container@v1\n"
                   "    with: {image: x}\n" + T + "    inputs: {x: yes.outputs.o}\n", dedent=False)
    assert codes(r) == ["GW203"]  # not GW309 "add yes to needs"
    assert r.diagnostics[0].fix is not None and r.diagnostics[0].fix.edits[0].text == '"yes"'  # it names a job
    r = check_text("jobs:\n", dedent=False)
    assert codes(r) == ["GW209"]


def test_unknown_workflow_input_lists_the_broken_ones_too() -> None:
    r = check_text("inputs:\n  raw: {type: datasets, with: {ref: m}}\njobs:\n  t:\n    uses: container@v1\n"
                   "    with: {image: x}\n" + T + "    inputs: {m: workflow.inputs.missing}\n", dedent=False)
    (d,) = find(r, "GW304")
    assert d.notes == ('workflow inputs are "raw"',)


def test_context_path_with_a_level_left_out() -> None:
    base = ("on: {github: {branches: {only: main}}}\njobs:\n  a:\n    uses: git-checkout@v1\n" + T
            + "    with: {url: 'https://x/y.git', ref: context.%s}\n    outputs: {r: {type: volume}}\n")
    (d,) = find(check_text(base % "github.ref", dedent=False), "GW316")
    assert d.fix is not None and d.fix.edits[0].text == "context.event.github.ref"
    (d,) = find(check_text(base % "github.sha", dedent=False), "GW316")
    assert d.fix is None


def test_a_duplicate_key_keeps_the_last_value_as_pyyaml_does() -> None:
    # Gradient read the file with PyYAML: the second `with` is what its server checked.
    r = check_text("jobs:\n  A:\n    uses: script@v1\n" + T + "    with:\n      script: echo a\n"
                   "    with:\n      image: bash:5\n", dedent=False)
    assert [(d.code, where(d)) for d in r.diagnostics] == [("GW105", (7, 5)), ("GW313", (7, 5))]
    assert "`script`" in r.diagnostics[1].message


def test_a_misspelt_job_in_a_reference_explains_its_unread_outputs() -> None:
    r = check_text("jobs:\n  CloneRepo:\n    uses: git-checkout@v1\n    with: {url: 'https://x/y.git'}\n" + T
                   + "    outputs: {repo: {type: volume}}\n  b:\n    uses: container@v1\n    with: {image: x}\n" + T
                   + "    needs: [CloneRepo]\n    inputs: {r: cloneRepo.outputs.repo}\n", dedent=False)
    assert codes(r) == ["GW302"]  # not GW405 on CloneRepo's repo as well


def test_a_multi_gpu_count_the_table_lacks_is_not_another_machine() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    resources: {instance-type: V100x4}\n",
                   dedent=False)
    (d,) = find(r, "GW321")
    assert "A100" not in d.message and "4-GPU \"V100\"" in d.message


def test_a_job_header_indented_too_deep_is_named_and_its_keys_stay_its_own() -> None:
    job = "    uses: container@v1\n    with: {image: x}\n" + T
    r = check_text("jobs:\n  a:\n" + job + "    outputs: {o: {type: string}}\n    b:\n" + job
                   + "    needs: [a]\n    inputs: {o: a.outputs.o}\n", dedent=False)
    got = [(d.code, where(d)) for d in r.diagnostics]
    assert got[0] == ("GW210", (7, 5)) and {c for c, _ in got[1:]} == {"GW105"}, got
    # a's own `uses`/`with` are kept (no GW402 "needs itself", no GW337 "reads its own output")
    assert "under a misplaced header" not in r.diagnostics[1].notes[0]
    assert "indented one level too deep" in r.diagnostics[1].notes[1]
