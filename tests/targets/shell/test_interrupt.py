"""SIGINT/SIGTERM mid-run stop every job (their process groups, sandboxes included) and leave
a state that --resume finishes, without running again what had succeeded."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from .helpers import GWFC, PATH, compile_text, latest_run, need_bwrap, output, run_script, statuses, wait_for

# A sleep nobody else runs (tests may run in parallel): its processes are found by their command line.
DELAY = f"47.{os.getpid() % 10000:04d}"
WF = """
    inputs:
      delay: {type: string}
    jobs:
      quick:
        uses: script@v1
        with: {image: bash:5, script: 'echo done > /outputs/q'}
        outputs: {q: {type: string}}
      slow:
        needs: [quick]
        uses: script@v1
        with: {image: bash:5, script: 'cat /inputs/q; sleep "$(cat /inputs/d)"; echo slept > /outputs/s'}
        inputs: {q: quick.outputs.q, d: workflow.inputs.delay}
        outputs: {s: {type: string}}
      other:
        uses: container@v1
        with: {image: bash:5, args: [bash, -c, 'sleep "$(cat /inputs/d)" & wait; echo other > /outputs/o']}
        inputs: {d: workflow.inputs.delay}
        outputs: {o: {type: string}}
      last:
        needs: [slow, other]
        uses: script@v1
        with: {image: bash:5, script: 'cat /inputs/s /inputs/o > /outputs/l'}
        inputs: {s: slow.outputs.s, o: other.outputs.o}
        outputs: {l: {type: string}}
    """


@pytest.fixture(autouse=True)
def _bwrap() -> None:
    need_bwrap()


def default_signals() -> None:
    """In the child: SIGINT back to its default. A shell cannot trap a signal that was ignored
    when it started, and pytest started in the background (`pytest &`) ignores SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sleepers() -> list[int]:
    """Processes sleeping DELAY seconds (the jobs' sleeps, seen from outside their sandboxes)."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                argv = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[:1] == [b"sleep"] and DELAY.encode() in argv:
                found.append(int(d.name))
    return found


def both_running(state: Path) -> bool:
    runs = state / "runs" / "wf"
    if not (runs / "latest").is_file():
        return False
    run = latest_run(state)
    try:
        st = statuses(run)
    except OSError:
        return False
    return st.get("slow") == "running" and st.get("other") == "running" and len(sleepers()) >= 2


def check_stopped(state: Path) -> Path:
    run = latest_run(state)
    assert statuses(run) == {"quick": "ok", "slow": "interrupted", "other": "interrupted", "last": "pending"}
    wait_for(lambda: not sleepers(), timeout=5, what="the jobs' processes to end")
    assert not (run / ".lock").exists()
    return run


def check_resumed(state: Path, run: Path) -> None:
    assert latest_run(state) == run
    assert statuses(run) == {"quick": "cached", "slow": "ok", "other": "ok", "last": "ok"}
    assert output(run, "last", "l") == b"slept\nother\n"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_run_sh_then_resume(tmp_path: Path, sig: signal.Signals) -> None:
    script = compile_text(WF, tmp_path)
    proc = subprocess.Popen(["bash", str(script), "--input", f"delay={DELAY}"], cwd=tmp_path,
                            env={"PATH": PATH, "HOME": os.environ.get("HOME", "/root")},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=default_signals)
    try:
        wait_for(lambda: both_running(tmp_path / ".gwfc"), what="two running jobs")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig, (out, err)
    assert b"continue it with --resume" in out
    run = check_stopped(tmp_path / ".gwfc")
    again = run_script(script, "--resume", "--input", "delay=0", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    check_resumed(tmp_path / ".gwfc", run)


def test_sigterm_to_gwfc_run_then_resume(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    import textwrap

    wf.write_text(textwrap.dedent(WF))
    env = {"PATH": PATH, "HOME": os.environ.get("HOME", "/root"), "NO_COLOR": "1"}
    proc = subprocess.Popen([*GWFC, "run", str(wf), "--input", f"delay={DELAY}"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default_signals)
    try:
        wait_for(lambda: both_running(tmp_path / ".gwfc"), what="two running jobs")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert b"continue with --resume" in out
    run = check_stopped(tmp_path / ".gwfc")
    again = subprocess.run([*GWFC, "run", str(wf), "--resume", "--input", "delay=0"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "cached" in again.stdout
    check_resumed(tmp_path / ".gwfc", run)
