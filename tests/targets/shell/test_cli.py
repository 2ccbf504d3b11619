"""`gwfc run` and `gwfc dataset` end to end, as a user types them (plain output: not a terminal)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from .helpers import gwfc, latest_run, need_bwrap, output, statuses

WF = """
    inputs:
      who: {type: string}
      data: {type: dataset}
    jobs:
      greet:
        uses: script@v1
        with:
          image: bash:5
          script: |
            printf '%s has %s files' "$(cat /inputs/who)" "$(ls /inputs/data | wc -l)" > /outputs/m
            echo "key=$KEY"
        env:
          KEY: secret:key
        inputs:
          who: workflow.inputs.who
          data: workflow.inputs.data
        outputs:
          m: {type: string}
    """


@pytest.fixture(autouse=True)
def _bwrap() -> None:
    need_bwrap()


def setup(tmp_path: Path) -> Path:
    wf = tmp_path / "wf.yaml"
    wf.write_text(textwrap.dedent(WF))
    src = tmp_path / "src"
    src.mkdir()
    for n in ("a", "b", "c"):
        (src / n).write_text(n)
    return wf


def test_run_with_an_inputs_file_and_a_dataset(tmp_path: Path) -> None:
    wf = setup(tmp_path)
    added = gwfc("dataset", "add", "team/pics", str(tmp_path / "src"), "--tag", "first", cwd=tmp_path)
    assert added.returncode == 0 and "added team/pics:v1 (tag first)" in added.stdout
    (tmp_path / "inputs.yaml").write_text("inputs:\n  who: {value: \"Ada 'the first'\\n\"}\n"
                                          "  data: {ref: 'team/pics:first'}\n")
    out = gwfc("run", str(wf), "--inputs", str(tmp_path / "inputs.yaml"), cwd=tmp_path,
               env={"GWFC_SECRET_KEY": "s3cret-value"})
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    assert output(run, "greet", "m") == b"Ada 'the first' has 3 files"
    assert (run / "steps" / "greet" / "inputs" / "who").read_bytes() == b"Ada 'the first'\n"
    assert "key=***" in (run / "steps" / "greet" / "log").read_text()
    assert "s3cret-value" not in out.stdout + out.stderr + (run / "run.sh").read_text()
    lines = out.stdout.splitlines()
    assert any(line.split()[:2] == ["greet", "ok"] for line in lines), out.stdout  # the summary table
    assert lines[-1].startswith("succeeded: 1 jobs")
    assert "info[GW511]" in out.stderr
    # --input beats the file; JSON works too
    (tmp_path / "inputs.json").write_text('{"who": {"value": "Bob"}, "data": {"id": "team/pics"}}')
    out = gwfc("run", str(wf), "--inputs", str(tmp_path / "inputs.json"), "--input", "who=Cy", cwd=tmp_path,
               env={"GWFC_SECRET_KEY": "x"})
    assert out.returncode == 0, out.stderr
    assert output(latest_run(tmp_path / ".gwfc"), "greet", "m") == b"Cy has 3 files"


def test_unknown_inputs_are_gw604(tmp_path: Path) -> None:
    wf = setup(tmp_path)
    (tmp_path / "inputs.yaml").write_text("who: {value: x}\nwho2: {value: y}\ndata: {value: z}\n")
    out = gwfc("run", str(wf), "--inputs", str(tmp_path / "inputs.yaml"), "--input", "nobody=1", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.count("GW604") == 3, out.stderr
    assert 'no input "who2"' in out.stderr and 'no input "nobody"' in out.stderr
    assert "inputs.yaml:2:1" in out.stderr
    assert not (tmp_path / ".gwfc" / "runs").exists()


def test_missing_values_fail_before_any_job(tmp_path: Path) -> None:
    wf = setup(tmp_path)
    out = gwfc("run", str(wf), cwd=tmp_path)
    assert out.returncode == 1
    assert "--input who=VALUE" in out.stderr and "--input data=DATASET" in out.stderr
    assert "GWFC_SECRET_KEY" in out.stderr
    out = gwfc("run", str(wf), "--input", "who=x", "--input", "data=nothing", cwd=tmp_path,
               env={"GWFC_SECRET_KEY": "x"})
    assert out.returncode == 1 and "gwfc dataset add nothing DIR" in out.stderr
    assert not list((tmp_path / ".gwfc" / "runs" / "wf").glob("*/steps"))


def test_dry_run_and_failure_exit_status(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text("jobs:\n  bad:\n    uses: container@v1\n    with: {image: bash:5, args: [bash, -c, 'echo oops; exit 4']}\n")
    dry = gwfc("run", str(wf), "--dry-run", "--runtime", "docker", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "docker run --rm" in dry.stdout and "bash:5" in dry.stdout
    assert not (tmp_path / ".gwfc").exists()
    out = gwfc("run", str(wf), cwd=tmp_path)
    assert out.returncode == 1
    assert "last lines of bad's log" in out.stdout and "oops" in out.stdout
    assert out.stdout.splitlines()[-1].startswith("failed: 0 succeeded, 1 failed")
    assert gwfc("run", str(wf), "--runtime", "lxc", cwd=tmp_path).returncode == 2


def test_context_from_the_git_repository_of_the_workflow(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".gradient").mkdir(parents=True)
    (repo / "hello.txt").write_text("from git\n")
    (repo / ".gradient" / "wf.yaml").write_text(textwrap.dedent("""
        jobs:
          CloneRepo:
            uses: git-checkout@v1
            with: {url: context.event.github.url, ref: context.event.github.ref}
            outputs: {repo: {type: volume}}
          Read:
            needs: [CloneRepo]
            uses: script@v1
            with: {image: bash:5, script: 'cat /inputs/repo/hello.txt > /outputs/t'}
            inputs: {repo: CloneRepo.outputs.repo}
            outputs: {t: {type: string}}
        """))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    out = gwfc("run", str(repo / ".gradient" / "wf.yaml"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"context.event.github.url is file://{repo}" in out.stderr
    assert output(latest_run(tmp_path / ".gwfc"), "Read", "t") == b"from git\n"


def test_dataset_ls(tmp_path: Path) -> None:
    setup(tmp_path)
    assert "no datasets" in gwfc("dataset", "ls", cwd=tmp_path).stdout
    for tag in ("a", "b"):
        assert gwfc("dataset", "add", "pics", str(tmp_path / "src"), "--tag", tag, cwd=tmp_path).returncode == 0
    bad = gwfc("dataset", "add", "pics/v2", str(tmp_path / "src"), cwd=tmp_path)
    assert bad.returncode == 1 and "not a dataset name" in bad.stderr
    out = gwfc("dataset", "ls", cwd=tmp_path)
    assert out.stdout.split("\n")[1].split() == ["pics", "v2", "v1", "v2", "a=v1", "b=v2"]


def test_only_runs_one_job_with_earlier_results(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text((Path(__file__).parents[3] / "golden" / "hello" / "workflow.yaml").read_text())
    assert gwfc("run", str(wf), cwd=tmp_path).returncode == 0
    out = gwfc("run", str(wf), "--only", "report", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert statuses(latest_run(tmp_path / ".gwfc")) == {"greet": "kept", "report": "ok", "shout": "kept"}
