"""What QA found in run.sh: the host sandbox's capabilities, text of the IR that reached the
script outside a quoted word, secret masking that changed the log's bytes, status lines, and
docker mounts of local paths that `-v` cannot take."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.ir import IR, trivial_placement
from gwfc.targets.base import EmitContext
from gwfc.targets.shell import ShellOptions, ShellTarget
from gwfc.targets.shell.emit import TEMPLATES, UnsafeText

from .helpers import LINT, compile_ir, compile_text, gwfc, latest_run, lower, need_bwrap, run_script, statuses


@pytest.fixture(name="bwrap")
def _bwrap() -> None:
    need_bwrap()


# ---- the host sandbox keeps no capabilities ---------------------------------------------------

@pytest.fixture(name="host_dir")
def _host_dir() -> Iterator[Path]:
    """A directory of this machine that a job sees (read-only) under /var: /tmp is the job's own."""
    d = Path(tempfile.mkdtemp(prefix="gwfc-test-", dir="/var/tmp"))
    (d / "f").write_text("host\n")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.usefixtures("bwrap")
def test_a_job_cannot_remount_its_inputs_or_the_host_writable(tmp_path: Path, host_dir: Path) -> None:
    store = tmp_path / ".gwfc" / "datasets" / "ds" / "v1"
    store.mkdir(parents=True)
    (store / "f").write_text("data\n")
    wf = {
        "jobs": {
            "inputs": {"uses": "script@v1",
                       "with": {"image": "bash:5",
                                "script": "mount -o remount,rw,bind /inputs/x && echo x > /inputs/x/f"},
                       "inputs": {"x": {"type": "dataset", "with": {"ref": "ds"}}}},
            "host": {"uses": "script@v1",
                     "with": {"image": "bash:5",
                              "script": f"mount -o remount,rw,bind /var && echo x > {host_dir}/f"}},
            "tmpfs": {"uses": "script@v1",
                      "with": {"image": "bash:5",
                               "script": "mount -t tmpfs none /inputs && echo x > /inputs/x"}},
        }
    }
    out = run_script(compile_text(wf, tmp_path / "out"), cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    assert statuses(run) == {"host": "failed", "inputs": "failed", "tmpfs": "failed"}
    assert (store / "f").read_text() == "data\n"
    assert (host_dir / "f").read_text() == "host\n"
    for job in ("inputs", "host"):
        assert "denied" in (run / "steps" / job / "log").read_text()


@pytest.mark.usefixtures("bwrap")
def test_a_job_has_no_capabilities_and_no_terminal(tmp_path: Path) -> None:
    script = "grep -E '^Cap(Prm|Eff|Bnd|Amb):' /proc/self/status > /outputs/caps; " \
             "{ : < /dev/tty && echo tty || echo none; } > /outputs/tty 2>/dev/null"
    wf = {"jobs": {"a": {"uses": "script@v1", "with": {"image": "bash:5", "script": script},
                         "outputs": {"caps": {"type": "string"}, "tty": {"type": "string"}}}}}
    out = run_script(compile_text(wf, tmp_path / "out"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    caps = (run / "steps" / "a" / "outputs" / "caps").read_text().split("\n")
    assert [line.split()[1] for line in caps if line] == ["0000000000000000"] * 4
    assert (run / "steps" / "a" / "outputs" / "tty").read_text() == "none\n"


# ---- text of the IR never becomes code --------------------------------------------------------

OK = """
    inputs:
      msg: {type: string, with: {value: hi}}
    jobs:
      a:
        uses: script@v1
        with: {image: bash:5, script: 'cat /inputs/m > /outputs/o'}
        inputs:
          m: workflow.inputs.msg
        outputs:
          o: {type: string}
    """


def edited(change: Any) -> IR:
    """The IR of OK, its JSON edited by `change(d)` (as `gwfc compile --from-ir` would read it,
    without the schema's check)."""
    d = lower(OK).to_json()
    change(d)
    return IR.from_json(json.loads(json.dumps(d)))


def inject(marker: Path) -> str:
    return f"\ntouch {marker}\n\r\x1b[2J\x85\u2028touch {marker}\n"


def _name(d: dict[str, Any], text: str) -> None:
    d["name"] = text


def _source(d: dict[str, Any], text: str) -> None:
    d["source"] = "wf" + text + ".yaml"


def _job(d: dict[str, Any], text: str) -> None:
    d["steps"][0]["name"] = "a" + text


def _uses(d: dict[str, Any], text: str) -> None:
    d["steps"][0]["action"]["uses"] = "script@v1" + text


def _span(d: dict[str, Any], text: str) -> None:
    d["steps"][0]["span"]["file"] = "wf" + text


COMMENT_PLACES = {"name": _name, "source": _source, "job": _job, "uses": _uses, "span": _span}


@pytest.mark.usefixtures("bwrap")
@pytest.mark.parametrize("place", sorted(COMMENT_PLACES))
def test_text_in_comments_and_names_cannot_end_a_line(tmp_path: Path, place: str) -> None:
    marker = tmp_path / "INJECTED"
    ir = edited(lambda d: COMMENT_PLACES[place](d, inject(marker)))
    script = compile_ir(ir, tmp_path / "out")
    text = script.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            assert not re.search(r"[\x00-\x1f\x7f\x85\u2028]", line), line
    lint = subprocess.run(["bash", str(LINT), "-S", "style", str(script)], capture_output=True, text=True,
                          check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    out = run_script(script, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not marker.exists()
    out = run_script(script, "--dry-run", cwd=tmp_path)
    assert out.returncode == 0 and not marker.exists()


def _output(d: dict[str, Any], text: str) -> None:
    step = d["steps"][0]
    step["outputs"][0]["name"] = "o" + text
    step["run"]["mounts"][-1]["output"] = "o" + text


def _input(d: dict[str, Any], text: str) -> None:
    d["inputs"][0]["name"] = "msg" + text
    d["steps"][0]["inputs"][0]["source"]["input"] = "msg" + text


def _port(d: dict[str, Any], text: str) -> None:
    step = d["steps"][0]
    step["inputs"][0]["name"] = "m" + text
    step["run"]["mounts"][0]["input"] = "m" + text


def _secret(d: dict[str, Any], text: str) -> None:
    d["secrets"] = ["key" + text]
    d["steps"][0]["run"]["env"].append({"name": "K", "value": {"secret": "key" + text}})


def _context(d: dict[str, Any], text: str) -> None:
    d["context"] = {"event.x" + text: "v"}


def _after(d: dict[str, Any], text: str) -> None:
    d["steps"][0]["after"] = ["b" + text]


def _file(d: dict[str, Any], text: str) -> None:
    d["steps"][0]["run"]["files"][0]["path"] = "/gwfc/../../x" + text


IDENTIFIERS = {"output": _output, "input": _input, "port": _port, "secret": _secret, "context": _context,
               "after": _after, "file": _file}


@pytest.mark.parametrize("place", sorted(IDENTIFIERS))
@pytest.mark.parametrize("text", ["\ntouch INJECTED\n", "')\ntouch INJECTED\n#", "]=x; touch INJECTED #"],
                         ids=["newline", "quote", "bracket"])
def test_identifiers_are_checked_when_the_script_is_written(place: str, text: str) -> None:
    ir = edited(lambda d: IDENTIFIERS[place](d, text))
    target = ShellTarget()
    ctx = EmitContext(sink=Sink())
    target.support(ir, trivial_placement(ir), ShellOptions(), ctx)
    if place != "after":  # an IR fact that the front end guarantees: only emit checks it
        assert any(d.code == "GW504" for d in ctx.sink.items), [(d.code, d.message) for d in ctx.sink.items]
    with pytest.raises(UnsafeText):
        target.emit(ir, trivial_placement(ir), ShellOptions(), EmitContext(sink=Sink()))


def test_options_in_the_header_comment_are_sanitized(tmp_path: Path) -> None:
    marker = tmp_path / "INJECTED"
    script = compile_ir(lower(OK), tmp_path / "out", state=f".gwfc\ntouch {marker}\n")
    assert re.search(r"^# .*touch", script.read_text(), re.M)
    subprocess.run(["bash", str(script), "--help"], capture_output=True, check=False, cwd=tmp_path)
    assert not marker.exists()


def test_comment_filter_is_used_in_comments_only() -> None:
    for path in [TEMPLATES / "run.sh.j2", *sorted((TEMPLATES / "engine").glob("*.sh"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "|comment" in line:
                assert line.lstrip().startswith("#"), f"{path.name}: {line}"


def test_from_ir_with_newlines_writes_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "INJECTED"

    def change(d: dict[str, Any]) -> None:
        d["name"] = f"n\ntouch {marker}\n"
        d["steps"][0]["action"]["uses"] = f"script@v1\ntouch {marker}\n"
        d["steps"][0]["name"] = f"a\ntouch {marker}\n"

    d = lower(OK).to_json()
    change(d)
    (tmp_path / "ir.json").write_text(json.dumps(d))
    out = gwfc("compile", "--from-ir", str(tmp_path / "ir.json"), "--target", "shell", "-o", str(tmp_path / "b"),
               cwd=tmp_path)
    script = tmp_path / "b" / "run.sh"
    if script.exists():
        run_script(script, "--dry-run", cwd=tmp_path)
    else:
        assert out.returncode != 0
    assert not marker.exists()


# ---- secrets are masked byte for byte, and fast -----------------------------------------------

MASK_WF = """
    jobs:
      talk:
        uses: container@v1
        with:
          image: bash:5
          args: [bash, -c, 'printf "x\\0y %s z\\nA%sA\\naxb\\n%s" "$TOKEN" "$TOKEN" "$OTHER"; seq 1 $N']
        env:
          TOKEN: secret:token
          OTHER: secret:other
          N: "NUMBER"
    """


@pytest.mark.usefixtures("bwrap")
def test_masking_keeps_the_log_byte_for_byte(tmp_path: Path) -> None:
    secret = "a.b*c[d]^$\\/&|'\"x"
    env = {"GWFC_SECRET_TOKEN": secret, "GWFC_SECRET_OTHER": "line one\nline\ttwo"}
    script = compile_text(MASK_WF.replace("NUMBER", "0"), tmp_path / "a")
    out = run_script(script, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    log = (latest_run(tmp_path / ".gwfc") / "steps" / "talk" / "log").read_bytes()
    assert log == b"x\0y *** z\nA***A\naxb\n***\n***"  # NUL kept, no newline added, each line masked


@pytest.mark.usefixtures("bwrap")
def test_masking_is_fast(tmp_path: Path) -> None:
    script = compile_text(MASK_WF.replace("NUMBER", "200000"), tmp_path / "a")
    start = time.monotonic()
    out = run_script(script, cwd=tmp_path, env={"GWFC_SECRET_TOKEN": "199999", "GWFC_SECRET_OTHER": "o"})
    took = time.monotonic() - start
    assert out.returncode == 0, out.stdout + out.stderr
    log = (latest_run(tmp_path / ".gwfc") / "steps" / "talk" / "log").read_bytes()
    assert log.endswith(b"\n199998\n***\n200000\n") and log.count(b"\n") == 200003
    assert took < 2.0, took  # the former read loop took 2.3 s for the masking alone


# ---- status lines -----------------------------------------------------------------------------

@pytest.mark.usefixtures("bwrap")
def test_status_files_have_no_trailing_blank(tmp_path: Path) -> None:
    out = run_script(compile_text(OK, tmp_path / "a"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    run = latest_run(tmp_path / ".gwfc")
    assert (run / "steps" / "a" / "status").read_bytes() == b"ok\n"
    assert (run / "status").read_bytes() == b"ok\n"
    out = run_script(compile_text(OK, tmp_path / "a"), "--resume", cwd=tmp_path)
    assert (run / "steps" / "a" / "status").read_bytes() == b"cached unchanged\n"
    assert "running" not in out.stdout.split("\n\n")[0]


# ---- docker's -v cannot take ':' or ',' -------------------------------------------------------

def test_container_mounts_refuse_colons_and_commas(tmp_path: Path) -> None:
    repo = tmp_path / "re:po,x"
    repo.mkdir()
    wf = {"jobs": {"co": {"uses": "git-checkout@v1", "with": {"url": f"file://{repo}"},
                          "outputs": {"repo": {"type": "volume"}}}}}
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text("#!/bin/sh\necho ran >> \"$FAKE_LOG\"\n")
    (bin_dir / "docker").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_LOG": str(tmp_path / "calls")}
    out = run_script(compile_text(wf, tmp_path / "out"), "--runtime", "docker", cwd=tmp_path, env=env)
    assert out.returncode == 1
    log = (latest_run(tmp_path / ".gwfc") / "steps" / "co" / "status").read_text()
    assert "':' or ','" in log and "re:po,x" in log
    assert not (tmp_path / "calls").exists()
