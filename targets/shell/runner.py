"""`gwfc run`: check a workflow, compile it with the shell target, and run the script here.

The script does the running (it must work without gwfc); this module prepares it (values
from outside, the run directory) and watches it: it reads each job's `status` file in the
run directory while run.sh works, and forwards SIGINT/SIGTERM to it so that it stops every
job and leaves a state that `--resume` continues.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from gwfc.compiler.config import Config, load_config
from gwfc.compiler.diagnostics import Diagnostic, Severity, Sink
from gwfc.compiler.ir import IR, trivial_placement
from gwfc.compiler.pipeline import Options, check_path, finish
from gwfc.compiler.source import SourceFile, Span
from gwfc.targets.base import EmitContext, parse_options, shell_word

from . import values
from .target import ShellOptions, ShellTarget

#: Exit statuses of `gwfc run` (run.sh's own, mapped): success, a failed job or a missing
#: value, usage, stopped by a signal.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 130

#: States a job's `status` file can hold (templates/engine/step.sh).
FINAL_OK = ("ok", "cached", "kept")


@dataclass(slots=True)
class RunRequest:
    """What `gwfc run` was asked (its flags)."""

    file: Path
    state: Path | None = None
    runtime: str | None = None
    jobs: int | None = None
    inputs: list[str] = field(default_factory=list)
    inputs_file: Path | None = None
    contexts: list[str] = field(default_factory=list)
    secrets_file: Path | None = None
    only: list[str] = field(default_factory=list)
    from_job: str | None = None
    dry_run: bool = False
    timeout: int | None = None
    resume: bool = False
    config: Path | None = None
    name: str | None = None


@dataclass(slots=True)
class Prepared:
    """A run ready to start, or the diagnostics that stop it."""

    diagnostics: list[Diagnostic]
    source: SourceFile | None = None
    ir: IR | None = None
    notes: list[str] = field(default_factory=list)
    script: Path | None = None
    run_dir: Path | None = None
    argv: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    fresh: bool = False
    temp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def ok(self) -> bool:
        """Whether the run can start."""
        return self.script is not None and not any(d.severity is Severity.ERROR for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class JobState:
    """A job's state as its status file says."""

    state: str
    detail: str = ""
    seconds: float | None = None


def new_run_id() -> str:
    """A run id: UTC time and a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def prepare(req: RunRequest) -> Prepared:
    """Check and compile the workflow, gather the values from outside, write run.sh into the
    run directory and build its command line. Nothing runs yet."""
    sink = Sink()
    cfg: Config = load_config(req.config, sink)
    result = check_path(req.file, Options(config=cfg, want_ir=True, name=req.name), display=str(req.file))
    out = Prepared(list(sink.items) + result.diagnostics, result.source, result.ir)
    if result.ir is None or result.has_errors or sink.has_errors:
        return out
    ir = result.ir
    target = ShellTarget()
    tsink = Sink()
    raw: dict[str, Any] = dict(cfg.targets.get("shell", {}))
    options: ShellOptions = parse_options(ShellOptions, raw, tsink, cfg.path or "gwfc.toml")
    if req.runtime is not None:
        options = replace(options, runtime=req.runtime)
    if req.state is not None:
        options = replace(options, state=str(req.state))
    given: dict[str, str] = {}
    if req.inputs_file is not None:
        given.update(values.inputs_file(req.inputs_file, ir, tsink))
    given.update(values.input_flags(req.inputs, ir, tsink))
    ctx_given = {}
    for pair in req.contexts:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            tsink.report("GW604", Span.point("--context", 1, 1), f"--context takes PATH=VALUE, not \"{pair}\"")
            continue
        ctx_given[key] = value
    ctx = values.context_values(ir, ctx_given, req.file)
    out.notes.extend(ctx.notes)
    ectx = EmitContext(profile=cfg.profile(), sink=tsink)
    placement = trivial_placement(ir)
    target.support(ir, placement, options, ectx)
    out.diagnostics = sorted(out.diagnostics + finish(tsink.items, result.source, Options(config=cfg)),
                             key=Diagnostic.sort_key)
    if any(d.severity is Severity.ERROR for d in out.diagnostics):
        return out
    bundle = target.emit(ir, placement, options, ectx)
    text = bundle.files["run.sh"].text
    names = target.job_words(ir, Sink())
    out.jobs = [names[s.name] for s in ir.steps]

    state = Path(options.state).absolute()
    runs = state / "runs" / shell_word(ir.name)
    run_id = ""
    if req.resume or req.only or req.from_job:
        latest = runs / "latest"
        if latest.is_file():
            run_id = latest.read_text(encoding="utf-8").strip()
    if req.dry_run:
        out.temp = tempfile.TemporaryDirectory(prefix="gwfc-run.")
        run_dir = Path(out.temp.name)
    else:
        out.fresh = not run_id
        run_id = run_id or new_run_id()
        run_dir = runs / run_id
        run_dir.mkdir(parents=True, exist_ok=True)
    script = run_dir / "run.sh"
    tmp = script.with_name(f".run.sh.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, script)
    argv = ["bash", str(script), "--state", str(state), "--runtime", options.runtime]
    if run_id:
        argv += ["--run-id", run_id]
    if req.jobs is not None:
        argv += ["--jobs", str(req.jobs)]
    if req.timeout is not None:
        argv += ["--timeout", str(req.timeout)]
    kinds = {i.name: i.kind for i in ir.inputs}
    for name, value in given.items():
        if kinds.get(name) == "string":
            # A file, byte for byte: no limit of a command line's size, any character.
            given_dir = run_dir / "given"
            given_dir.mkdir(exist_ok=True)
            (given_dir / name).write_bytes(value.encode("utf-8"))
            argv += ["--input-from", f"{name}={given_dir / name}"]
        else:
            argv += ["--input", f"{name}={value}"]
    for path, value in ctx.values.items():
        argv += ["--context", f"{path}={value}"]
    if req.secrets_file is not None:
        argv += ["--secrets-file", str(req.secrets_file.absolute())]
    for job in req.only:
        argv += ["--only", job]
    if req.from_job:
        argv += ["--from", req.from_job]
    if req.resume:
        argv.append("--resume")
    if req.dry_run:
        argv.append("--dry-run")
    out.script, out.run_dir, out.argv = script, run_dir, argv
    return out


def read_states(run_dir: Path, jobs: list[str]) -> dict[str, JobState]:
    """Each job's state from its status and time files (pending when there is none yet)."""
    out: dict[str, JobState] = {}
    for job in jobs:
        d = run_dir / "steps" / job
        state, detail, seconds = "pending", "", None
        try:
            text = (d / "status").read_text(encoding="utf-8").strip()
            state, _, detail = text.partition(" ")
        except OSError:
            pass
        if state not in ("pending", "kept", "unselected"):
            try:
                seconds = float((d / "time").read_text(encoding="utf-8").strip())
            except (OSError, ValueError):
                seconds = None
        out[job] = JobState(state or "pending", detail, seconds)
    return out


class Display(Protocol):
    """What watches a run: progress as it goes, run.sh's messages, the end."""

    def begin(self, states: dict[str, JobState]) -> None:
        """The states before run.sh starts (an earlier run's, when continuing one)."""

    def update(self, states: dict[str, JobState]) -> None:
        """Called whenever a job's state may have changed."""

    def message(self, line: str) -> None:
        """A line that run.sh wrote to stderr (errors, notes)."""

    def output(self, line: str) -> None:
        """A line that run.sh wrote to stdout (progress; the plan of a dry run)."""

    def close(self, states: dict[str, JobState], code: int, run_dir: Path | None) -> None:
        """The run has ended with exit status `code`."""


def execute(prep: Prepared, display: Display, env: dict[str, str] | None = None,
            on_start: Callable[[subprocess.Popen[bytes]], None] | None = None) -> int:
    """Run the prepared script and watch it; the exit status of `gwfc run`."""
    assert prep.script is not None and prep.run_dir is not None
    last = read_states(prep.run_dir, prep.jobs)
    display.begin(last)
    # GW511 (reported by the check before the run) already says what run.sh's host note says.
    env = {**(os.environ if env is None else env), "GWFC_HOST_NOTED": "1"}
    proc = subprocess.Popen(prep.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env=env)
    if on_start is not None:
        on_start(proc)

    def pump(stream: Any, sink: Callable[[str], None]) -> None:
        for raw in iter(stream.readline, b""):
            sink(raw.decode("utf-8", errors="replace").rstrip("\n"))
        stream.close()

    lock = threading.Lock()
    out_lines: list[str] = []
    err_lines: list[str] = []

    def keep(store: list[str]) -> Callable[[str], None]:
        def add(line: str) -> None:
            with lock:
                store.append(line)
        return add

    threads = [threading.Thread(target=pump, args=(proc.stdout, keep(out_lines)), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, keep(err_lines)), daemon=True)]
    for t in threads:
        t.start()

    def forward(signum: int, _frame: Any) -> None:
        # run.sh stops every job (their process groups); a second signal makes it kill them.
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    previous = {}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, forward)
    try:
        while True:
            done = proc.poll() is not None
            with lock:
                outs, out_lines[:] = list(out_lines), []
                errs, err_lines[:] = list(err_lines), []
            for line in errs:
                display.message(line)
            for line in outs:
                display.output(line)
            states = read_states(prep.run_dir, prep.jobs)
            if states != last:
                display.update(states)
                last = states
            if done:
                break
            time.sleep(0.05)
        for t in threads:
            t.join(timeout=5)
        with lock:
            for line in err_lines:
                display.message(line)
            for line in out_lines:
                display.output(line)
    finally:
        if in_main:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    rc = proc.returncode
    code = EXIT_OK if rc == 0 else EXIT_STOPPED if rc in (130, 143) else EXIT_USAGE if rc == 2 else EXIT_FAILED
    states = read_states(prep.run_dir, prep.jobs)
    if prep.fresh and not (prep.run_dir / "steps").exists():
        # Stopped before any job started (a missing value): leave no empty run behind.
        for f in ("run.sh", "given"):
            p = prep.run_dir / f
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
        try:
            prep.run_dir.rmdir()
        except OSError:
            pass
        display.close(states, code, None)
    else:
        display.close(states, code, None if prep.temp is not None else prep.run_dir)
    if prep.temp is not None:
        prep.temp.cleanup()
    return code


__all__ = ["JobState", "Prepared", "RunRequest", "execute", "prepare", "read_states"]
