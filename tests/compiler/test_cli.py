"""The command line: exit codes, output formats and their contracts, suppression, stdin,
default file discovery, configuration, and the internal-error path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ..conftest import ROOT, SHARED

GOOD = "jobs:\n  a:\n    uses: container@v1\n    with: {image: bash:5}\n    resources: {instance-type: C5}\n"
WARN = GOOD + "    outputs:\n      s: {type: string}\n"
BAD = "jobs:\n  a:\n    uses: container@v1\n    with: {image: bash:5}\n    needs: [b]\n    resources: {instance-type: C5}\n"


def gwfc(*args: str, stdin: str | None = None, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, **(env or {})}
    e.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=e)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("good.yaml", GOOD), ("warn.yaml", WARN), ("bad.yaml", BAD)):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out


def test_exit_codes(files: dict[str, Path]) -> None:
    assert gwfc("check", str(files["good.yaml"])).returncode == 0
    assert gwfc("check", str(files["warn.yaml"])).returncode == 0
    assert gwfc("check", "--strict", str(files["warn.yaml"])).returncode == 1
    assert gwfc("check", str(files["bad.yaml"])).returncode == 1
    assert gwfc("check", "/nonexistent/file.yaml").returncode == 2
    assert gwfc("check", "--format", "xml", str(files["good.yaml"])).returncode == 2
    assert gwfc("nonsense").returncode == 2


def test_text_output_has_position_caret_and_notes(files: dict[str, Path]) -> None:
    out = gwfc("check", str(files["bad.yaml"])).stdout
    assert f"{files['bad.yaml']}:5:13: error[GW401]: `needs` names the unknown job \"b\"" in out
    assert " 5 |     needs: [b]" in out
    assert "   |             ^" in out
    assert "= note: jobs are \"a\"" in out
    assert "\x1b[" not in out  # no colour without a terminal
    assert out.rstrip().endswith("1 error in 1 file")


def test_all_files_sorted_in_one_run(files: dict[str, Path]) -> None:
    out = gwfc("check", "--format", "json", str(files["warn.yaml"]), str(files["bad.yaml"])).stdout
    diags = json.loads(out)
    keys = [(d["file"], d["line"], d["column"]) for d in diags]
    assert keys == sorted(keys) and len({d["file"] for d in diags}) == 2


def test_json_contract(files: dict[str, Path]) -> None:
    (d,) = json.loads(gwfc("check", "--format", "json", str(files["bad.yaml"])).stdout)
    assert set(d) == {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "notes",
                      "fingerprint"}  # no "fix": there is no close job name to suggest
    assert (d["code"], d["severity"], d["line"], d["column"], d["end_line"], d["end_column"]) == \
        ("GW401", "error", 5, 13, 5, 14)
    assert isinstance(d["notes"], list) and len(d["fingerprint"]) == 16


def test_fix_edits_in_json(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text(GOOD.replace("uses: container@v1", "uses: container@v1\n    need: [a]"), encoding="utf-8")
    (d,) = [x for x in json.loads(gwfc("check", "--format", "json", str(p)).stdout) if x["code"] == "GW201"]
    assert d["fix"] == {"message": 'replace "need" with "needs"',
                        "edits": [{"file": str(p), "line": 4, "column": 5, "end_line": 4, "end_column": 9,
                                   "text": "needs"}]}


def test_fingerprint_survives_lines_added_above(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text(BAD, encoding="utf-8")
    fp1 = json.loads(gwfc("check", "--format", "json", str(p)).stdout)[0]["fingerprint"]
    p.write_text("# a comment\n\n" + BAD, encoding="utf-8")
    fp2 = json.loads(gwfc("check", "--format", "json", str(p)).stdout)[0]["fingerprint"]
    assert fp1 == fp2


def test_sarif_is_valid(files: dict[str, Path]) -> None:
    corpus = sorted((SHARED / "corpus" / "gradient").glob("*.yaml"))[:40]
    out = gwfc("check", "--format", "sarif", str(files["bad.yaml"]), *map(str, corpus)).stdout
    log = json.loads(out)
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
    r = next(x for x in run["results"] if x["ruleId"] == "GW401")
    assert r["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 13,
                                                               "endLine": 5, "endColumn": 14}


def test_github_annotations(files: dict[str, Path]) -> None:
    out = gwfc("check", "--format", "github", str(files["bad.yaml"])).stdout
    assert out.startswith(f"::error file={files['bad.yaml']},line=5,col=13,endLine=5,endColumn=14,title=GW401::")
    assert "\n" not in out.rstrip("\n")  # notes are escaped into the one line


def test_ignore_flag_and_prefix(files: dict[str, Path]) -> None:
    assert gwfc("check", "--strict", "--ignore", "GW405", str(files["warn.yaml"])).returncode == 0
    assert gwfc("check", "--strict", "--ignore", "GW40", str(files["warn.yaml"])).returncode == 0
    assert gwfc("check", "--ignore", "GW401", str(files["bad.yaml"])).returncode == 0


def test_ignore_comments(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text(BAD.replace("needs: [b]", "needs: [b]  # gwfc: ignore[GW401]"), encoding="utf-8")
    assert gwfc("check", str(p)).returncode == 0
    p.write_text(BAD.replace("    needs: [b]", "    # gwfc: ignore[GW401]\n    needs: [b]"), encoding="utf-8")
    assert gwfc("check", str(p)).returncode == 0
    p.write_text(BAD.replace("    needs: [b]", "    # gwfc: ignore[GW999]\n    needs: [b]"), encoding="utf-8")
    assert gwfc("check", str(p)).returncode == 1
    p.write_text("# gwfc: ignore-file[GW4]\n" + BAD, encoding="utf-8")
    assert gwfc("check", str(p)).returncode == 0


def test_stdin_with_filename() -> None:
    r = gwfc("check", "-", "--stdin-filename", ".gradient/workflows/w.yaml", "--format", "json", stdin=BAD)
    assert r.returncode == 1
    assert json.loads(r.stdout)[0]["file"] == ".gradient/workflows/w.yaml"


def test_directory_and_default_discovery(tmp_path: Path) -> None:
    wdir = tmp_path / ".gradient" / "workflows"
    wdir.mkdir(parents=True)
    (wdir / "a.yaml").write_text(GOOD, encoding="utf-8")
    (wdir / "b.yml").write_text(BAD, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sub = tmp_path / "sub"
    sub.mkdir()
    r = gwfc("check", "--format", "json", cwd=sub)
    assert r.returncode == 1
    assert {Path(d["file"]).name for d in json.loads(r.stdout)} == {"b.yml"}
    r2 = gwfc("check", "--format", "json", str(tmp_path / ".gradient"))
    assert json.loads(r2.stdout) == json.loads(r.stdout) or r2.returncode == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert gwfc("check", cwd=empty).returncode in (1, 2)


def test_config_discovery_and_errors(tmp_path: Path, files: dict[str, Path]) -> None:
    (tmp_path / "gwfc.toml").write_text('[check]\nignore = ["GW405"]\nstrict = true\n', encoding="utf-8")
    assert gwfc("check", str(files["warn.yaml"]), cwd=tmp_path).returncode == 0
    (tmp_path / "gwfc.toml").write_text('[check]\nignor = ["GW405"]\n', encoding="utf-8")
    r = gwfc("check", "--format", "json", str(files["good.yaml"]), cwd=tmp_path)
    (d,) = json.loads(r.stdout)
    assert (d["code"], d["line"]) == ("GW602", 2) and "did you mean \"ignore\"" in d["message"]
    assert r.returncode == 1
    (tmp_path / "gwfc.toml").write_text('[limits]\njobs = "many"\n', encoding="utf-8")
    (d,) = json.loads(gwfc("check", "--format", "json", str(files["good.yaml"]), cwd=tmp_path).stdout)
    assert d["code"] == "GW603"
    (tmp_path / "gwfc.toml").write_text('[check\n', encoding="utf-8")
    (d,) = json.loads(gwfc("check", "--format", "json", str(files["good.yaml"]), cwd=tmp_path).stdout)
    assert d["code"] == "GW601"


def test_config_instance_types_and_pyproject(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text(GOOD.replace("C5", "MyGPU"), encoding="utf-8")
    r = gwfc("check", "--format", "json", str(p), cwd=tmp_path)
    assert [d["code"] for d in json.loads(r.stdout)] == ["GW321"]
    (tmp_path / "pyproject.toml").write_text('[tool.gwfc.instance-types.MyGPU]\ncpus = 8\nmemory = "32GiB"\ngpus = 1\n',
                                             encoding="utf-8")
    r = gwfc("check", "--format", "json", str(p), cwd=tmp_path)
    assert json.loads(r.stdout) == []


def test_internal_error_exits_3_with_a_short_message(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from gwfc.compiler import cli, pipeline

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "build", boom)
    monkeypatch.setattr(sys, "argv", ["gwfc", "check", str(files["good.yaml"])])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 3
    captured = capsys.readouterr()
    assert "internal error" in captured.err and "Traceback" not in captured.err
    assert "GW901" in captured.out
    monkeypatch.setattr(sys, "argv", ["gwfc", "check", "--debug", str(files["good.yaml"])])
    with pytest.raises(SystemExit):
        cli.main()
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_ir_and_graph_commands(files: dict[str, Path]) -> None:
    r = gwfc("ir", str(ROOT / "examples" / "hello.yaml"))
    assert r.returncode == 0 and json.loads(r.stdout)["gwfc-ir"] == 1
    r = gwfc("ir", str(files["bad.yaml"]))
    assert r.returncode == 1 and r.stdout == "" and "GW401" in r.stderr
    r = gwfc("graph", str(ROOT / "examples" / "hello.yaml"), "--format", "dot")
    assert r.returncode == 0 and r.stdout.startswith('digraph "hello"')


def test_schema_command_prints_the_shipped_schema() -> None:
    r = gwfc("schema")
    assert json.loads(r.stdout)["title"] == "Gradient Workflow"
    r = gwfc("schema", "--ir")
    assert json.loads(r.stdout)["title"].startswith("gwfc IR")


def test_compile_unknown_target_is_usage_error(files: dict[str, Path]) -> None:
    assert gwfc("compile", str(files["good.yaml"]), "--target", "nope").returncode == 2


def test_workflow_names(tmp_path: Path) -> None:
    from gwfc.compiler.pipeline import workflow_name

    assert workflow_name("dir/My Flow (v2).yaml") == "My-Flow-v2"
    assert workflow_name("evil\ntouch X #'.yaml") == "evil-touch-X"
    assert workflow_name("-") == "workflow" and workflow_name(".yaml") == "workflow"
    p = tmp_path / "w.yaml"
    p.write_text(GOOD, encoding="utf-8")
    r = gwfc("ir", str(p), "--name", "bad\nname")
    assert r.returncode == 2 and "--name" in r.stderr
    assert json.loads(gwfc("ir", str(p), "--name", "ok.name-1").stdout)["name"] == "ok.name-1"


def test_only_real_comments_suppress(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    # inside a quoted value and inside a script: data, not comments
    p.write_text(GOOD.replace("with: {image: bash:5}", "with: {image: bash:5, args: [\"echo '# gwfc: ignore[GW310]' ${{ x }}\"]}"),
                 encoding="utf-8")
    assert "GW310" in [d["code"] for d in json.loads(gwfc("check", "--format", "json", str(p)).stdout)]
    p.write_text("jobs:\n  a:\n    uses: script@v1\n    resources: {instance-type: C5}\n    with:\n      image: x\n"
                 "      script: |\n        # gwfc: ignore[GW310]\n        echo ${{ x }}\n", encoding="utf-8")
    assert "GW310" in [d["code"] for d in json.loads(gwfc("check", "--format", "json", str(p)).stdout)]
    # a real comment still works, and `ignore[]` ignores nothing
    p.write_text("jobs:\n  a:\n    uses: script@v1\n    resources: {instance-type: C5}\n    with:\n      image: x\n"
                 "      # gwfc: ignore[GW310]\n      script: echo ${{ x }}\n", encoding="utf-8")
    assert json.loads(gwfc("check", "--format", "json", str(p)).stdout) == []
    p.write_text(p.read_text().replace("ignore[GW310]", "ignore[]"), encoding="utf-8")
    assert "GW310" in [d["code"] for d in json.loads(gwfc("check", "--format", "json", str(p)).stdout)]


def test_bad_ignore_patterns_are_usage_errors(files: dict[str, Path]) -> None:
    for pattern in ("", "G", "GW999", "nonsense"):
        r = gwfc("check", "--ignore", pattern, str(files["bad.yaml"]))
        assert r.returncode == 2 and "--ignore" in r.stderr, pattern


def test_compile_output_never_replaces_what_gwfc_did_not_write(files: dict[str, Path], tmp_path: Path) -> None:
    good = str(files["good.yaml"])
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    r = gwfc("compile", good, "--target", "shell", "-o", str(keep))
    assert r.returncode == 2 and "not written by gwfc" in r.stderr and "Traceback" not in r.stderr
    assert [p.name for p in keep.iterdir()] == ["notes.txt"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("mine")
    r = gwfc("compile", good, "--target", "shell", "-o", str(a_file))
    assert r.returncode == 2 and "not a directory" in r.stderr and a_file.read_text() == "mine"
    link = tmp_path / "link"
    link.symlink_to(keep)
    r = gwfc("compile", good, "--target", "shell", "-o", str(link))
    assert r.returncode == 2 and (keep / "notes.txt").exists() and link.is_symlink()
    # A new directory, then the same one again: an earlier bundle is replaced whole.
    out = tmp_path / "out"
    assert gwfc("compile", good, "--target", "shell", "-o", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [".gwfc-bundle", "run.sh"]
    (out / "stale.txt").write_text("old")
    assert gwfc("compile", good, "--target", "shell", "-o", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [".gwfc-bundle", "run.sh"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert gwfc("compile", good, "--target", "shell", "-o", str(empty)).returncode == 0


def test_ir_output_writes_into_a_pipe_without_replacing_it(files: dict[str, Path], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    r = gwfc("ir", str(files["good.yaml"]), "-o", str(fifo))
    out, _ = reader.communicate(timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads(out)["gwfc-ir"] == 1 and fifo.is_fifo()
    r = gwfc("ir", str(files["good.yaml"]), "-o", str(tmp_path))
    assert r.returncode == 2 and "is a directory" in r.stderr


def test_version_flag_and_plain_usage_errors_under_no_color() -> None:
    for flag in ("--version", "-V", "version"):
        r = gwfc(flag)
        assert r.returncode == 0 and r.stdout.startswith("gwfc ") and r.stdout.count("\n") == 1
    # FORCE_COLOR makes rich style as on a terminal; NO_COLOR must win over it, bold and dim included.
    r = gwfc("check", "--bogus", env={"FORCE_COLOR": "1", "COLUMNS": "80"})
    assert r.returncode == 2 and "\x1b[" in r.stderr
    r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", "--bogus"], capture_output=True,
                       text=True, env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "1", "COLUMNS": "80"})
    assert r.returncode == 2 and "--bogus" in r.stderr and "\x1b[" not in r.stderr


def test_an_ir_of_another_version_says_so(tmp_path: Path) -> None:
    ir = tmp_path / "v99.json"
    ir.write_text('{"gwfc-ir": 99}')
    r = gwfc("compile", str(ir), "--from-ir", "--target", "shell")
    assert r.returncode == 2 and "version 99" in r.stderr and "reads version 1" in r.stderr


def test_misspelt_context_flag_is_gw604(tmp_path: Path) -> None:
    wf = ROOT / "examples" / "train.yaml"
    r = gwfc("compile", str(wf), "--target", "argo", "--context", "event.github.rul=x")
    assert r.returncode == 1 and "GW604" in r.stderr and "did you mean `event.github.url`" in r.stderr
    r = gwfc("compile", str(ROOT / "examples" / "hello.yaml"), "--target", "argo",
             "--context", "context.event.github.ref=main")  # a GitHub path the workflow does not read: fine
    assert r.returncode == 0, r.stderr


def test_config_that_is_a_directory(files: dict[str, Path], tmp_path: Path) -> None:
    r = gwfc("check", str(files["good.yaml"]), "--config", str(tmp_path))
    assert r.returncode == 2 and "a directory, not a file" in r.stderr
