"""Helpers for the shell target's tests: compile a workflow to run.sh, run it, read its state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from gwfc.compiler.diagnostics import Severity, Sink
from gwfc.compiler.ir import IR, trivial_placement
from gwfc.compiler.pipeline import Options, check_bytes
from gwfc.targets.base import EmitContext
from gwfc.targets.shell import ShellOptions, ShellTarget

from ...conftest import SHARED

LINT = SHARED / "tools" / "lint-shell.sh"
_SCRIPT = Path(sys.executable).parent / "gwfc"
GWFC = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "gwfc.compiler.cli"]
#: PATH for scripts: this interpreter's bin (aws from the test extra) before the system's.
PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])


def need_bwrap() -> None:
    """The host runtime needs bubblewrap: fail (never skip) with how to get it."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap (bwrap) is not installed: the host runtime tests need it; "
                    "run .ci/bootstrap or apt-get install bubblewrap")


def lower(text: str | dict[str, Any], name: str = "wf.yaml", dedent: bool = True) -> IR:
    """Check a workflow (YAML text, or a dict written as JSON) and lower it; fail on errors."""
    if isinstance(text, dict):
        data = json.dumps(text, ensure_ascii=False).encode("utf-8")
    else:
        data = (textwrap.dedent(text) if dedent else text).encode("utf-8")
    result = check_bytes(data, name, Options(want_ir=True))
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors and result.ir is not None, [(d.code, d.message) for d in errors]
    return result.ir


def compile_ir(ir: IR, out: Path, **options: Any) -> Path:
    """run.sh of an IR, written into directory `out`."""
    target = ShellTarget()
    ctx = EmitContext(sink=Sink())
    bundle = target.emit(ir, trivial_placement(ir), ShellOptions(**options), ctx)
    out.mkdir(parents=True, exist_ok=True)
    script = out / "run.sh"
    script.write_text(bundle.files["run.sh"].text, encoding="utf-8")
    script.chmod(0o755)
    return script


def compile_text(text: str | dict[str, Any], out: Path, name: str = "wf.yaml", **options: Any) -> Path:
    """Check, lower and compile a workflow text into out/run.sh."""
    return compile_ir(lower(text, name), out, **options)


def run_script(script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """bash run.sh ARGS in cwd (state in cwd/.gwfc unless --state), output captured."""
    full = {"PATH": PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    full.update(env or {})
    return subprocess.run(["bash", str(script), *args], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=timeout, check=False)


def gwfc(*args: str, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The gwfc command line (this interpreter), output captured."""
    full = {"PATH": PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", "NO_COLOR": "1"}
    full.update(env or {})
    return subprocess.run([*GWFC, *args], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=timeout, check=False)


def latest_run(state: Path, workflow: str = "wf") -> Path:
    """The directory of the last run of a workflow."""
    runs = state / "runs" / workflow
    return runs / (runs / "latest").read_text(encoding="utf-8").strip()


def status(run: Path, job: str) -> str:
    """The first word of a job's status."""
    return (run / "steps" / job / "status").read_text(encoding="utf-8").split(" ", 1)[0].strip()


def statuses(run: Path) -> dict[str, str]:
    """Every job's state in a run."""
    return {d.name: status(run, d.name) for d in sorted((run / "steps").iterdir())}


def output(run: Path, job: str, name: str) -> bytes:
    """A string output's bytes (or, for a directory output, raises)."""
    return (run / "steps" / job / "outputs" / name).read_bytes()


def wait_for(predicate: Any, timeout: float = 20, what: str = "a condition") -> None:
    """Poll until predicate() is true."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
