"""`gwfc run` and `gwfc dataset` end to end, as a user types them (plain output: not a terminal)."""

from __future__ import annotations

import os
import re
import shutil
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


def test_run_refuses_secrets_that_share_a_variable(tmp_path: Path) -> None:
    """QA d03: `secret:my-key` and `secret:my_key` both read GWFC_SECRET_MY_KEY; the run is refused
    (GW501 at the second reference) before anything is written."""
    wf = tmp_path / "wf.yaml"
    wf.write_text(textwrap.dedent("""
        defaults:
          env:
            A: secret:my-key
        jobs:
          show:
            uses: container@v1
            with: {image: bash:5, args: [bash, -c, 'echo "$A|$B"']}
            env:
              B: secret:my_key
        """))
    out = gwfc("run", str(wf), cwd=tmp_path, env={"GWFC_SECRET_MY_KEY": "envval"})
    assert out.returncode == 1, out.stdout + out.stderr
    assert 'wf.yaml:10:10: error[GW501]: secret "my_key" and "my-key" both become "GWFC_SECRET_MY_KEY"' in out.stderr
    assert "rename one of them" in out.stderr and "envval" not in out.stdout + out.stderr
    assert not (tmp_path / ".gwfc").exists()


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
    assert bad.returncode == 2 and "not a dataset name" in bad.stderr
    out = gwfc("dataset", "ls", cwd=tmp_path)
    assert out.stdout.split("\n")[1].split() == ["pics", "v2", "v1", "v2", "a=v1", "b=v2"]


def test_only_runs_one_job_with_earlier_results(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text((Path(__file__).parents[3] / "golden" / "hello" / "workflow.yaml").read_text())
    assert gwfc("run", str(wf), cwd=tmp_path).returncode == 0
    out = gwfc("run", str(wf), "--only", "report", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert statuses(latest_run(tmp_path / ".gwfc")) == {"greet": "kept", "report": "ok", "shout": "kept"}


# ---- QA: runs of other workflows, usage errors, flags that crashed ----------------------------

HELLO = (Path(__file__).parents[3] / "golden" / "hello" / "workflow.yaml").read_text()


def test_runs_of_another_workflow_file_are_refused(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "wf.yaml").write_text(HELLO)
    assert gwfc("run", "a/wf.yaml", cwd=tmp_path).returncode == 0
    run = latest_run(tmp_path / ".gwfc")
    assert (tmp_path / ".gwfc" / "runs" / "wf" / "source").read_text() == str((tmp_path / "a" / "wf.yaml").resolve())
    for extra in (["--only", "report"], ["--from", "shout"], ["--resume"], []):
        out = gwfc("run", "b/wf.yaml", *extra, cwd=tmp_path)
        assert out.returncode == 2, (extra, out.stdout, out.stderr)
        assert "a/wf.yaml" in out.stderr and "--state" in out.stderr and "--name" in out.stderr, out.stderr
        assert out.stdout == ""
    assert latest_run(tmp_path / ".gwfc") == run
    assert statuses(run) == {"greet": "ok", "report": "ok", "shout": "ok"}
    out = gwfc("run", "b/wf.yaml", "--name", "wf-b", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # names that differ only in '.' and '_' have directories of their own
    (tmp_path / "a.b.yaml").write_text(HELLO)
    (tmp_path / "a_b.yaml").write_text(HELLO)
    assert gwfc("run", "a.b.yaml", cwd=tmp_path).returncode == 0
    out = gwfc("run", "a_b.yaml", "--only", "report", cwd=tmp_path)
    assert out.returncode == 1 and 'needs the results of job "greet"' in out.stderr
    assert (tmp_path / ".gwfc" / "runs" / "a.b" / "latest").is_file()
    assert not (tmp_path / ".gwfc" / "runs" / "a_b").exists()


def test_run_sh_refuses_the_runs_of_another_workflow(tmp_path: Path) -> None:
    from .helpers import compile_text, run_script

    script = compile_text(HELLO, tmp_path / "out")
    runs = tmp_path / ".gwfc" / "runs" / "wf"
    runs.mkdir(parents=True)
    (runs / "workflow").write_text("other")
    out = run_script(script, cwd=tmp_path)
    assert out.returncode == 2 and 'runs of the workflow "other"' in out.stderr and "--state" in out.stderr
    (runs / "workflow").write_text("wf")
    out = run_script(script, "--workflow-file", "/x/wf.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (runs / "source").read_text() == "/x/wf.yaml"
    out = run_script(script, "--workflow-file", "/y/wf.yaml", "--resume", cwd=tmp_path)
    assert out.returncode == 2 and "runs of /x/wf.yaml, not of /y/wf.yaml" in out.stderr


def test_unknown_jobs_of_only_and_from_are_usage_errors(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(HELLO)
    assert gwfc("run", str(wf), cwd=tmp_path).returncode == 0
    for flag in ("--only", "--from"):
        out = gwfc("run", str(wf), flag, "repot", cwd=tmp_path)
        assert out.returncode == 2, out.stdout + out.stderr
        assert out.stderr.startswith(f"gwfc: error: {flag} repot: the workflow has no job \"repot\"; "
                                     "did you mean \"report\"?"), out.stderr
        assert "run.sh" not in out.stderr and "GW511" not in out.stderr
        assert out.stdout == ""


@pytest.mark.parametrize("args, message", [
    (["--state", "afile"], "--state afile: not a directory"),
    (["--state", "/proc/x/y"], "--state /proc/x/y: cannot create the directory"),
    (["--input", "who=bin\udcff"], "--input who=bin\\xff: not UTF-8 text"),
    (["--context", "a=\udcff"], "--context a=\\xff: not UTF-8 text"),
    (["--only", "\udcff"], "--only \\xff: not UTF-8 text"),
    (["--secrets-file", "nothere"], "no such secrets file: nothere"),
    (["--secrets-file", "binary"], "--secrets-file binary: holds a NUL byte"),
    (["--secrets-file", "."], "--secrets-file .: not a file"),
    (["--inputs", "nothere"], "no such inputs file: nothere"),
    (["--name", "a b"], "--name"),
], ids=["state-file", "state-proc", "input-bytes", "context-bytes", "only-bytes", "secrets-missing",
        "secrets-binary", "secrets-dir", "inputs-missing", "name"])
def test_bad_flags_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    wf = setup(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "binary").write_bytes(b"key=a\0b\n")
    out = gwfc("run", str(wf), *args, "--debug", cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith("gwfc: error: ") and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert not (tmp_path / ".gwfc").exists()


def test_stdin_is_not_a_workflow_file(tmp_path: Path) -> None:
    out = gwfc("run", "-", cwd=tmp_path)
    assert out.returncode == 2 and "not standard input" in out.stderr


def test_dataset_flags_are_usage_errors(tmp_path: Path) -> None:
    setup(tmp_path)
    (tmp_path / "afile").write_text("x")
    cases = [
        (["add", "pics", "afile"], "DIR afile: not a directory"),
        (["add", "pics", "nothere"], "DIR nothere: no such directory"),
        (["add", "pics", "src", "--state", "afile"], "--state afile: not a directory"),
        (["ls", "--state", "afile"], "--state afile: not a directory"),
        (["add", "pics", "src", "--tag", "v1"], "reads as a version"),
        (["add", "pics", "src", "--tag", "2"], "reads as a version"),
        (["add", "pics", "src", "--tag", "latest"], "reads as a version"),
        (["add", "pics", "src", "--tag", "a/b"], "starting with a letter or digit"),
        (["add", "p\udcff", "src"], "NAME p\\xff: not UTF-8 text"),
    ]
    for args, message in cases:
        out = gwfc("dataset", *args, cwd=tmp_path)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert message in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
        assert "latest" not in out.stderr or "latest" in args or "version" in out.stderr
    assert not (tmp_path / ".gwfc").exists()
    # a FIFO in the directory is refused, not read forever
    os.mkfifo(tmp_path / "src" / "pipe")
    out = gwfc("dataset", "add", "pics", str(tmp_path / "src"), cwd=tmp_path, timeout=20)
    assert out.returncode == 2 and "src/pipe is a FIFO" in out.stderr and "Errno" not in out.stderr, out.stderr
    (tmp_path / "src" / "pipe").unlink()
    # the store itself cannot be added into itself
    assert gwfc("dataset", "add", "pics", "src", cwd=tmp_path).returncode == 0
    out = gwfc("dataset", "add", "all", ".", cwd=tmp_path, timeout=20)
    assert out.returncode == 2 and "cannot be copied into itself" in out.stderr


def test_a_refused_run_leaves_no_state_and_no_summary(tmp_path: Path) -> None:
    wf = setup(tmp_path)
    out = gwfc("run", str(wf), cwd=tmp_path)
    assert out.returncode == 1 and "--input who=VALUE" in out.stderr
    assert not (tmp_path / ".gwfc").exists()
    hello = tmp_path / "hello.yaml"
    hello.write_text(HELLO)
    assert gwfc("run", str(hello), cwd=tmp_path).returncode == 0
    run = latest_run(tmp_path / ".gwfc", "hello")
    assert {p.name for p in (tmp_path / ".gwfc" / "runs" / "hello").iterdir()} == {"latest", run.name, "source",
                                                                                    "workflow"}
    assert (run / "run.sh").is_file() and (run / "status").read_text() == "ok\n"
    # a value missing when continuing: run.sh's errors only, not the last run's table
    out = gwfc("run", str(hello), "--only", "report", "--runtime", "podman", cwd=tmp_path,
               env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 1 and "podman is not installed" in out.stderr
    assert out.stdout == ""


def test_run_ids_sort_as_runs_started() -> None:
    from gwfc.targets.shell.runner import new_run_id

    ids = [new_run_id() for _ in range(300)]
    assert ids == sorted(ids) and len(set(ids)) == 300
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6}", ids[0])


def test_run_sh_run_ids_have_microseconds(tmp_path: Path) -> None:
    from .helpers import compile_text, run_script

    script = compile_text(HELLO, tmp_path / "out")
    assert run_script(script, cwd=tmp_path).returncode == 0
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-\d+", latest_run(tmp_path / ".gwfc").name)


def test_a_cached_job_is_never_shown_running(tmp_path: Path) -> None:
    # hashing the inputs takes a while (a slow sha256sum): long enough to be seen if the
    # status said `running` before the job was found unchanged
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real = shutil.which("sha256sum")
    (bin_dir / "sha256sum").write_text(f"#!/bin/sh\nsleep 0.3\nexec {real} \"$@\"\n")
    (bin_dir / "sha256sum").chmod(0o755)
    hello = tmp_path / "hello.yaml"
    hello.write_text(HELLO)
    assert gwfc("run", str(hello), cwd=tmp_path).returncode == 0
    from .helpers import PATH

    out = gwfc("run", str(hello), "--resume", cwd=tmp_path, env={"PATH": f"{bin_dir}:{PATH}"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n\n")[0].splitlines()
    assert sorted(line.split()[1] for line in lines if line.startswith("cached")) == ["greet", "report", "shout"]
    assert not [line for line in lines if line.startswith("running")], lines


def test_live_table_fits_the_terminal_with_running_jobs_first() -> None:
    import io

    from gwfc.targets.shell.progress import LiveDisplay
    from gwfc.targets.shell.runner import JobState
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True, width=80, height=12)
    display = LiveDisplay(console)
    states = {f"job{i:02d}": JobState("ok", "", 1.0) for i in range(30)}
    states["job25"] = JobState("running")
    states["job28"] = JobState("failed", "exit status 1 " + "x" * 200, 2.0)
    display.states = states
    with console.capture() as cap:
        console.print(display._render())
    lines = cap.get().rstrip("\n").split("\n")
    assert len(lines) <= 11, lines
    assert "job25" in lines[2] and "running" in lines[2]
    assert "job28" in lines[3]
    assert "more" in lines[-1]
