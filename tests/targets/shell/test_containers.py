"""docker and podman cannot run containers on this machine: their command lines are tested as
text, by running run.sh with a fake `docker`/`podman` first on PATH that records its argv
(and the secret variables it was given) and plays the container's part for string outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .helpers import PATH, compile_text, latest_run, run_script, statuses

FAKE = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
record = {{"argv": [os.path.basename(sys.argv[0])] + args,
          "env": {{k: os.environ.get(k) for k in ("TOKEN", "LIT")}}}}
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as f:
    f.write(json.dumps(record) + "\\n")
for i, a in enumerate(args):
    if a == "-v" and args[i + 1].endswith(":/outputs"):
        for name in os.environ.get("FAKE_WRITE", "").split(","):
            if name:
                open(os.path.join(args[i + 1][: -len(":/outputs")], name), "w").write("fake")
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""

WF = """
    inputs:
      who: {type: string, with: {value: world}}
      data: {type: dataset, with: {ref: pics}}
    jobs:
      a:
        uses: container@v1
        with:
          image: python:3.12-slim
          command: python3
          args: [-c, "print('$(not run)')", "two words"]
        env:
          LIT: "it's $LIT"
          TOKEN: secret:token
        inputs:
          who: workflow.inputs.who
          data: workflow.inputs.data
        outputs:
          s: {type: string}
          v: {type: volume}
      b:
        needs: [a]
        uses: script@v1
        with: {image: "bash:5", script: "cat /inputs/s"}
        inputs:
          s: a.outputs.s
          v: a.outputs.v
      c:
        uses: container@v1
        with: {image: "busybox:1.36"}
    """


@pytest.fixture(name="fake")
def _fake(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("docker", "podman"):
        (bin_dir / name).write_text(FAKE)
        (bin_dir / name).chmod(0o755)
    (tmp_path / ".gwfc" / "datasets" / "pics" / "v1").mkdir(parents=True)
    return {"PATH": f"{bin_dir}:{PATH}", "FAKE_LOG": str(tmp_path / "calls.jsonl"), "FAKE_WRITE": "s",
            "GWFC_SECRET_TOKEN": "t0ps3cret"}


def calls(tmp_path: Path) -> dict[str, dict[str, object]]:
    out = {}
    for line in (tmp_path / "calls.jsonl").read_text().splitlines():
        rec = json.loads(line)
        name = next(a for a in rec["argv"] if a.startswith("gwfc-")).rsplit("-", 1)[-1]
        out[name] = rec
    return out


@pytest.mark.parametrize("runtime", ["docker", "podman"])
def test_container_command_lines(tmp_path: Path, fake: dict[str, str], runtime: str) -> None:
    script = compile_text(WF, tmp_path / "out")
    out = run_script(script, "--runtime", runtime, cwd=tmp_path, env=fake)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    state = (tmp_path / ".gwfc").resolve()
    steps = state / "runs" / "wf" / run.name / "steps"
    rid = run.name
    got = calls(tmp_path)
    assert got["a"]["argv"] == [
        runtime, "run", "--rm", "--name", f"gwfc-wf-{rid}-a",
        "-v", f"{steps}/a/inputs/who:/inputs/who:ro",
        "-v", f"{state}/datasets/pics/v1:/inputs/data:ro",
        "-v", f"{steps}/a/outputs:/outputs",
        "-e", "LIT=it's $LIT",
        "-e", "TOKEN",
        "--entrypoint", "python3", "python:3.12-slim", "-c", "print('$(not run)')", "two words",
    ]
    assert got["a"]["env"] == {"TOKEN": "t0ps3cret", "LIT": None}  # the secret by environment only
    assert got["b"]["argv"] == [
        runtime, "run", "--rm", "--name", f"gwfc-wf-{rid}-b",
        "-v", f"{steps}/b/inputs/s:/inputs/s:ro",
        "-v", f"{steps}/a/outputs/v:/inputs/v:ro",
        "-v", f"{steps}/b/files/gwfc/script.sh:/gwfc/script.sh:ro",
        "--entrypoint", "bash", "bash:5", "/gwfc/script.sh",
    ]
    assert got["c"]["argv"] == [runtime, "run", "--rm", "--name", f"gwfc-wf-{rid}-c", "busybox:1.36"]
    assert (steps / "b" / "files" / "gwfc" / "script.sh").read_text() == "cat /inputs/s"
    assert statuses(run) == {"a": "ok", "b": "ok", "c": "ok"}
    assert "t0ps3cret" not in json.dumps([c["argv"] for c in got.values()])


def test_container_failure_and_env_choice(tmp_path: Path, fake: dict[str, str]) -> None:
    script = compile_text(WF, tmp_path / "out")
    out = run_script(script, cwd=tmp_path, env={**fake, "GWFC_RUNTIME": "docker", "FAKE_EXIT": "125"})
    assert out.returncode == 1
    run = latest_run(tmp_path / ".gwfc")
    assert statuses(run) == {"a": "failed", "b": "skipped", "c": "failed"}
    assert (run / "steps" / "a" / "status").read_text() == "failed exit status 125\n"


def test_dry_run_prints_container_command_lines(tmp_path: Path) -> None:
    script = compile_text(WF, tmp_path / "out")
    (tmp_path / ".gwfc" / "datasets" / "pics" / "v1").mkdir(parents=True)
    # no docker on this PATH: a dry run needs none
    out = run_script(script, "--runtime", "podman", "--dry-run", cwd=tmp_path,
                     env={"PATH": "/usr/bin:/bin", "GWFC_SECRET_TOKEN": "t0ps3cret"})
    assert out.returncode == 0, out.stderr
    assert "podman run --rm" in out.stdout and "--entrypoint python3 python:3.12-slim" in out.stdout
    assert "environment: TOKEN" in out.stdout and "t0ps3cret" not in out.stdout
    missing = run_script(script, "--runtime", "podman", cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert missing.returncode == 1 and "podman is not installed" in missing.stderr


def test_host_runtime_cannot_run_an_image_entrypoint(tmp_path: Path) -> None:
    from .helpers import need_bwrap

    need_bwrap()
    script = compile_text(WF, tmp_path / "out")
    (tmp_path / ".gwfc" / "datasets" / "pics" / "v1").mkdir(parents=True)
    out = run_script(script, cwd=tmp_path, env={"GWFC_SECRET_TOKEN": "x"})
    assert out.returncode == 1
    assert 'job "c" has no command or args' in out.stderr and "--runtime docker or podman" in out.stderr
