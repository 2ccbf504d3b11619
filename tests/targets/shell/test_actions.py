"""The actions on the shell target (issue #8), run for real on the host runtime:
git-checkout@v1 from a repository made here (file:// and git:// from `git daemon` on
localhost, at a ref), s3-download@v1 from a local S3 server (moto's server mode, with the aws
CLI), create-model@v1 into the local model store."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import PATH, compile_text, latest_run, need_bwrap, output, run_script


@pytest.fixture(autouse=True)
def _bwrap() -> None:
    need_bwrap()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    end = time.monotonic() + 15
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited: {proc.stderr.read() if proc.stderr else ''!r}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on port {port}")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository with two commits: v1.0 (hello.txt = one) and main (hello.txt = two)."""
    repo = tmp_path / "served" / "project"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "hello.txt").write_text("one\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    git(repo, "tag", "v1.0")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "hello.txt").write_text("two\n")
    git(repo, "commit", "-qam", "two")
    return repo, first


@pytest.fixture(name="daemon")
def _daemon(repo: tuple[Path, str]) -> Iterator[str]:
    port = free_port()
    base = repo[0].parent
    proc = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={base}",
                             "--listen=127.0.0.1", f"--port={port}", str(base)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, proc, "git daemon")
        yield f"git://127.0.0.1:{port}/project"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_git_checkout_by_file_and_git_urls_at_refs(tmp_path: Path, repo: tuple[Path, str], daemon: str) -> None:
    path, first = repo
    wf = f"""
        jobs:
          by-file-at-tag:
            uses: git-checkout@v1
            with: {{url: "file://{path}", ref: v1.0}}
            outputs: {{repo: {{type: volume}}}}
          by-git-at-commit:
            uses: git-checkout@v1
            with: {{url: "{daemon}", ref: "{first}"}}
            outputs: {{repo: {{type: volume}}}}
          by-git-head:
            uses: git-checkout@v1
            with: {{url: "{daemon}", path: /outputs/repo/sub}}
            outputs: {{repo: {{type: volume}}}}
          read:
            needs: [by-file-at-tag, by-git-at-commit, by-git-head]
            uses: script@v1
            with:
              image: bash:5
              script: cat /inputs/a/hello.txt /inputs/b/hello.txt /inputs/c/sub/hello.txt > /outputs/r
            inputs:
              a: by-file-at-tag.outputs.repo
              b: by-git-at-commit.outputs.repo
              c: by-git-head.outputs.repo
            outputs: {{r: {{type: string}}}}
        """
    out = run_script(compile_text(wf, tmp_path / "out"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    assert output(run, "read", "r") == b"one\none\ntwo\n"
    assert git(run / "steps" / "by-git-at-commit" / "outputs" / "repo", "rev-parse", "HEAD") == first


@pytest.fixture(name="s3")
def _s3(tmp_path: Path) -> Iterator[str]:
    """A local S3 server (moto) holding s3://bucket/data/{a.txt,sub/b.txt}."""
    try:
        import boto3
        import moto.server  # noqa: F401
    except ImportError:
        pytest.fail("moto[server] is not installed: pip install -e '.[test]' (the test extra has it)")
    if shutil.which("aws", path=PATH) is None:
        pytest.fail("the aws CLI is not installed: pip install -e '.[test]' (the test extra has awscli)")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, proc, "moto server")
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket="bucket")
        client.put_object(Bucket="bucket", Key="data/a.txt", Body=b"alpha\n")
        client.put_object(Bucket="bucket", Key="data/sub/b.txt", Body=b"beta\n")
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_s3_download_from_a_local_server(tmp_path: Path, s3: str) -> None:
    common = f"access-key: testing, secret-access-key: secret:s3key, region: us-east-1, endpoint: '{s3}'"
    wf = f"""
        jobs:
          folder:
            uses: s3-download@v1
            with: {{url: "s3://bucket/data/", {common}}}
            outputs: {{d: {{type: volume}}}}
          file:
            uses: s3-download@v1
            with: {{url: "s3://bucket/data/a.txt", {common}}}
            outputs: {{f: {{type: volume}}}}
          read:
            needs: [folder, file]
            uses: script@v1
            with: {{image: bash:5, script: cat /inputs/d/a.txt /inputs/d/sub/b.txt /inputs/f/a.txt > /outputs/r}}
            inputs: {{d: folder.outputs.d, f: file.outputs.f}}
            outputs: {{r: {{type: string}}}}
        """
    out = run_script(compile_text(wf, tmp_path / "out"), "--jobs", "2", cwd=tmp_path,
                     env={"GWFC_SECRET_S3KEY": "testing"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert output(latest_run(tmp_path / ".gwfc"), "read", "r") == b"alpha\nbeta\nalpha\n"


MODEL = """
    jobs:
      Train:
        uses: script@v1
        with:
          image: bash:5
          script: |
            mkdir -p /outputs/model/variables
            printf 'weights' > /outputs/model/saved_model.pb
            printf 'v' > /outputs/model/variables/data
        outputs:
          model: {type: dataset, with: {ref: my-model}}
      Register:
        needs: [Train]
        uses: create-model@v1
        with: {name: my-model, type: Tensorflow}
        inputs:
          model: Train.outputs.model
        outputs:
          model-id: {type: string}
      Announce:
        needs: [Register]
        uses: script@v1
        with: {image: bash:5, script: 'echo "registered $(cat /inputs/model-id)" > /outputs/a'}
        inputs:
          model-id: Register.outputs.model-id
        outputs:
          a: {type: string}
    """


def test_create_model_registers_into_the_model_store(tmp_path: Path) -> None:
    script = compile_text(MODEL, tmp_path / "out")
    out = run_script(script, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    model_id = output(run, "Register", "model-id").decode()
    assert re.fullmatch(r"my-model-[0-9a-f]{12}", model_id)
    assert output(run, "Announce", "a") == f"registered {model_id}\n".encode()
    version = tmp_path / ".gwfc" / "models" / "my-model" / "v1"
    meta = json.loads((version / "model.json").read_text())
    assert meta == {"name": "my-model", "type": "Tensorflow", "id": model_id, "version": "v1", "workflow": "wf",
                    "run": run.name, "step": "Register", "files": ["saved_model.pb", "variables/data"]}
    assert (version / "files" / "variables" / "data").read_text() == "v"
    # the same files give the same id; a second run registers a second version
    assert run_script(script, cwd=tmp_path).returncode == 0
    again = json.loads((tmp_path / ".gwfc" / "models" / "my-model" / "v2" / "model.json").read_text())
    assert again["id"] == model_id and again["run"] != run.name
