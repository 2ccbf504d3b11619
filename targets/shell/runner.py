"""`gwfc run`: check a workflow, compile it with the shell target, and run the script here.

The script does the running (it must work without gwfc); this module prepares it (the
flags checked, values from outside, the run's id, run.sh in a temporary directory) and
watches it: it reads each job's `status` file in the run directory while run.sh works (and
copies run.sh there once run.sh has opened the run), and forwards SIGINT/SIGTERM to it so
that it stops every job and leaves a state that `--resume` continues. A run that run.sh
refuses before it opens leaves nothing behind and shows no summary.
"""

from __future__ import annotations

import difflib
import os
import re
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
from gwfc.targets.base import EmitContext, check_context_flags, parse_options

from . import values
from .emit import run_dir_name
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
    #: The run to create, or (with resume, only or from_job) to continue; None: a new id, or the last run.
    run_id: str | None = None
    #: Print the jobs' output as it comes (run.sh --verbose).
    verbose: bool = False


@dataclass(slots=True)
class Prepared:
    """A run ready to start, or the diagnostics that stop it."""

    diagnostics: list[Diagnostic]
    source: SourceFile | None = None
    ir: IR | None = None
    notes: list[str] = field(default_factory=list)
    #: run.sh, in a temporary directory: it is copied into the run's directory once run.sh
    #: has made it (a run that its checks refuse leaves nothing behind).
    script: Path | None = None
    run_dir: Path | None = None
    argv: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    dry_run: bool = False
    verbose: bool = False
    temp: tempfile.TemporaryDirectory[str] | None = None
    #: A usage error (exit status 2): the message, without the diagnostics of the check.
    usage: str | None = None
    #: An internal error of the check (a bug): its traceback.
    internal: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the run can start."""
        return (self.script is not None and self.usage is None and self.internal is None
                and not any(d.severity is Severity.ERROR for d in self.diagnostics))

    def cleanup(self) -> None:
        """Remove the temporary directory (run.sh's copy, the inputs given as files)."""
        if self.temp is not None:
            self.temp.cleanup()
            self.temp = None


@dataclass(frozen=True, slots=True)
class JobState:
    """A job's state as its status file says."""

    state: str
    detail: str = ""
    seconds: float | None = None


_last_run_time = 0
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def run_id_problem(run_id: str) -> str | None:
    """Why RUN_ID cannot name a run (a directory under runs/<name>/, as run.sh checks it), or None."""
    if _RUN_ID.fullmatch(run_id):
        return None
    return f"--run-id {run_id}: a run id is letters, digits, '.', '_' and '-', starting with a letter or digit"


def new_run_id() -> str:
    """A run id: UTC time to the microsecond (ids sort as runs started; two made in one
    microsecond by this process still differ and sort), then a random suffix."""
    global _last_run_time
    now = max(time.time_ns() // 1000, _last_run_time + 1)
    _last_run_time = now
    seconds, micro = divmod(now, 1_000_000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds)) + f".{micro:06d}Z-" + secrets.token_hex(3)


def _job_words(ir: IR, words: dict[str, str], flag: str, given: list[str]) -> tuple[list[str], str | None]:
    """The script's words for the jobs of --only/--from (a job's name, or its word), or a
    usage error naming the flag, with the closest job name."""
    out: list[str] = []
    known = set(words.values())
    for job in given:
        if job in words:
            out.append(words[job])
        elif job in known:
            out.append(job)
        else:
            close = difflib.get_close_matches(job, [s.name for s in ir.steps], n=1)
            hint = f"; did you mean \"{close[0]}\"?" if close else ""
            jobs = ", ".join(s.name for s in ir.steps)
            return [], f"{flag} {job}: the workflow has no job \"{job}\"{hint} (its jobs: {jobs})"
    return out, None


def dir_problem(flag: str, path: Path, create: bool) -> str | None:
    """Why PATH cannot be the state directory (not a directory; with `create`, one that
    cannot be made or written), or None. A directory made to find out is removed again: a
    run that stops before it starts leaves nothing behind."""
    if path.is_dir():
        if create and not os.access(path, os.W_OK | os.X_OK):
            return f"{flag} {path}: the directory is not writable"
        return None
    if path.exists() or path.is_symlink():
        return f"{flag} {path}: not a directory"
    if not create:
        return None
    made: list[Path] = []
    p = path.absolute()
    while not p.exists() and not p.is_symlink():
        made.append(p)
        p = p.parent
    try:
        for d in reversed(made):
            d.mkdir()
    except OSError as exc:
        return f"{flag} {path}: cannot create the directory: {exc.strerror or exc}"
    finally:
        for d in made:
            try:
                d.rmdir()
            except OSError:
                pass
    return None


def _owner(runs: Path, ir: IR, source: str) -> str | None:
    """A usage error when runs/<name>/ holds the runs of another workflow or file."""
    for fname, want, what in (("workflow", ir.name, "the workflow"), ("source", source, "")):
        f = runs / fname
        try:
            have = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if have != want:
            other = f"{what} \"{have}\"" if what else have
            this = f"{what} \"{want}\"" if what else want
            return (f"{runs} holds the runs of {other}, not of {this}: their results are not this "
                    "workflow's; choose another --state, or another --name for this workflow")
    return None


def prepare(req: RunRequest) -> Prepared:
    """Check and compile the workflow, gather the values from outside, write run.sh into the
    run directory and build its command line. Nothing runs yet."""
    sink = Sink()
    cfg: Config = load_config(req.config, sink)
    result = check_path(req.file, Options(config=cfg, want_ir=True, name=req.name), display=str(req.file))
    out = Prepared(list(sink.items) + result.diagnostics, result.source, result.ir, dry_run=req.dry_run,
                   verbose=req.verbose)
    if result.internal:
        out.internal = result.internal
        return out
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
    # A path that the workflow does not read (a misspelling) would be dropped without a word.
    check_context_flags(ir, list(ctx_given), tsink)
    ctx = values.context_values(ir, ctx_given, req.file)
    out.notes.extend(ctx.notes)
    ectx = EmitContext(profile=cfg.profile(), sink=tsink)
    placement = trivial_placement(ir)
    target.support(ir, placement, options, ectx)
    out.diagnostics = sorted(out.diagnostics + finish(tsink.items, result.source, Options(config=cfg)),
                             key=Diagnostic.sort_key)
    if any(d.severity is Severity.ERROR for d in out.diagnostics):
        return out
    names = target.job_words(ir, Sink())
    out.jobs = [names[s.name] for s in ir.steps]
    only, problem = _job_words(ir, names, "--only", req.only)
    from_job: str | None = None
    if problem is None and req.from_job is not None:
        words, problem = _job_words(ir, names, "--from", [req.from_job])
        from_job = words[0] if words else None
    if problem is not None:
        out.usage = problem
        return out
    bundle = target.emit(ir, placement, options, ectx)
    text = bundle.files["run.sh"].text

    problem = dir_problem("--state" if req.state is not None else "the state directory", Path(options.state),
                          create=not req.dry_run)
    if problem is not None:
        out.usage = problem
        return out
    state = Path(options.state).absolute()
    runs = state / "runs" / run_dir_name(ir.name)
    source = str(req.file.resolve())
    problem = _owner(runs, ir, source)
    if problem is not None:
        out.usage = problem
        return out
    run_id = ""
    continuing = req.resume or req.only or req.from_job
    if req.run_id is not None:
        run_id = req.run_id
        if not continuing and (runs / run_id / "steps").is_dir():
            out.usage = (f"--run-id {run_id}: run {run_id} of \"{ir.name}\" exists in {state}; continue it "
                         "with --resume, or choose another --run-id")
            return out
        if req.resume and not (runs / run_id / "steps").is_dir():
            known = sorted(p.name for p in runs.iterdir() if (p / "steps").is_dir()) if runs.is_dir() else []
            out.usage = (f"--resume --run-id {run_id}: \"{ir.name}\" has no run {run_id} in {state} to continue"
                         + (f" (its runs: {', '.join(known[-5:])})" if known else "")
                         + "; leave out --resume to start it")
            return out
    elif continuing:
        latest = runs / "latest"
        if latest.is_file():
            run_id = latest.read_text(encoding="utf-8", errors="replace").strip()
            if not _RUN_ID.fullmatch(run_id):
                out.usage = f"{latest} does not name a run (\"{run_id}\"): remove it to start a new run"
                return out
    out.temp = tempfile.TemporaryDirectory(prefix="gwfc-run.")
    temp = Path(out.temp.name)
    run_id = run_id or new_run_id()
    run_dir = temp if req.dry_run else runs / run_id
    script = temp / "run.sh"
    script.write_text(text, encoding="utf-8")
    script.chmod(0o755)
    argv = ["bash", str(script), "--state", str(state), "--runtime", options.runtime, "--run-id", run_id]
    if not req.dry_run:
        argv += ["--workflow-file", source]
    if req.jobs is not None:
        argv += ["--jobs", str(req.jobs)]
    if req.timeout is not None:
        argv += ["--timeout", str(req.timeout)]
    kinds = {i.name: i.kind for i in ir.inputs}
    for name, value in given.items():
        if kinds.get(name) == "string":
            # A file, byte for byte: no limit of a command line's size, any character.
            given_dir = temp / "given"
            given_dir.mkdir(exist_ok=True)
            (given_dir / name).write_bytes(value.encode("utf-8"))
            argv += ["--input-from", f"{name}={given_dir / name}"]
        else:
            argv += ["--input", f"{name}={value}"]
    for path, value in ctx.values.items():
        argv += ["--context", f"{path}={value}"]
    if req.secrets_file is not None:
        argv += ["--secrets-file", str(req.secrets_file.absolute())]
    for job in only:
        argv += ["--only", job]
    if from_job is not None:
        argv += ["--from", from_job]
    if req.resume:
        argv.append("--resume")
    if req.dry_run:
        argv.append("--dry-run")
    if req.verbose:
        argv.append("--verbose")
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

    def job_output(self, line: str) -> None:
        """A line of a job's output, after its name (`JOB| text`; with --verbose only)."""

    def close(self, states: dict[str, JobState], code: int, run_dir: Path | None) -> None:
        """The run has ended with exit status `code`."""


def execute(prep: Prepared, display: Display, env: dict[str, str] | None = None,
            on_start: Callable[[subprocess.Popen[bytes]], None] | None = None) -> int:
    """Run the prepared script and watch it; the exit status of `gwfc run`."""
    assert prep.script is not None and prep.run_dir is not None
    last = read_states(prep.run_dir, prep.jobs)
    before = _stamp(prep.run_dir / "status")
    saved = prep.dry_run
    display.begin(last)
    # GW511 (reported by the check before the run) already says what run.sh's host note says.
    env = {**(os.environ if env is None else env), "GWFC_HOST_NOTED": "1"}
    prefixes = tuple(f"{job}| " for job in prep.jobs) if prep.verbose else ()

    def show(line: str) -> None:
        # run.sh --verbose prints each line of a job's output as `JOB| text` among its own.
        if prefixes and line.startswith(prefixes):
            display.job_output(line)
        else:
            display.output(line)

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
                show(line)
            if not saved and _stamp(prep.run_dir / "status") != before:
                saved = _save_script(prep)  # run.sh has opened the run
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
                show(line)
    finally:
        if in_main:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    rc = proc.returncode
    code = EXIT_OK if rc == 0 else EXIT_STOPPED if rc in (130, 143) else EXIT_USAGE if rc == 2 else EXIT_FAILED
    states = read_states(prep.run_dir, prep.jobs)
    opened = not prep.dry_run and _stamp(prep.run_dir / "status") != before
    if opened and not saved:
        _save_script(prep)
    # A run that run.sh did not open (a usage error, a missing value: it said why) has no
    # summary: the table would be an earlier run's.
    display.close(states, code, prep.run_dir if opened else None)
    prep.cleanup()
    return code


def _stamp(path: Path) -> tuple[int, int] | None:
    """What changes when gw_write replaces a file (a new inode, a new time)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _save_script(prep: Prepared) -> bool:
    """Copy run.sh into the run's directory (replacing an earlier run's copy atomically)."""
    assert prep.script is not None and prep.run_dir is not None
    target = prep.run_dir / "run.sh"
    tmp = prep.run_dir / f".run.sh.{os.getpid()}"
    try:
        shutil.copyfile(prep.script, tmp)
        tmp.chmod(0o755)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


__all__ = ["JobState", "Prepared", "RunRequest", "execute", "prepare", "read_states"]
