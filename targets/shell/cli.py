"""`gwfc run` and `gwfc dataset`: flags in, library calls (runner.py, store.py), exit codes.

Registered by `gwfc.compiler.cli._register_extensions` through `register(app)`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

import typer

# Keep start-up light: this module is imported by every `gwfc` invocation (to register its
# commands), so rich, the store and the target (and jinja2 behind it) load only when a
# command runs (tests/test_startup.py).
if TYPE_CHECKING:
    from .store import Store

from .runtimes import RUNTIMES

DEFAULT_STATE = Path(".gwfc")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _usage(message: str) -> NoReturn:
    """A usage error: exit status 2 (as `gwfc.compiler.cli.usage`)."""
    _err(f"gwfc: error: {message}")
    raise typer.Exit(2)


def _shown(text: str) -> str:
    """Text from the command line as it can be printed (bytes that are not UTF-8 as \\xNN)."""
    return os.fsencode(text).decode("utf-8", errors="backslashreplace")


def _text(flag: str, value: str) -> None:
    """A usage error unless a flag's value is UTF-8 text (what run.sh and the IR hold)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _usage(f"{flag} {_shown(value)}: not UTF-8 text")
    if "\x00" in value:
        _usage(f"{flag}: a NUL character cannot be passed on")


def _state_dir(flag: str, path: Path, create: bool) -> None:
    """A usage error unless PATH is a directory, or one that can be made."""
    from .runner import dir_problem

    _text(flag, str(path))
    problem = dir_problem(flag, path, create)
    if problem:
        _usage(problem)


def _readable(flag: str, path: Path, what: str, nul: bool = False) -> None:
    """A usage error unless PATH is a file that can be read (and, when `nul`, holds no NUL)."""
    _text(flag, str(path))
    if not path.is_file():
        _usage(f"no such {what}: {path}" if not path.exists() else f"{flag} {path}: not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        _usage(f"{flag} {path}: cannot read it: {exc.strerror or exc}")
    if nul and b"\x00" in data:
        _usage(f"{flag} {path}: holds a NUL byte; it must be text (NAME=value lines)")


def _secrets_file(path: Path) -> None:
    """A usage error unless `--secrets-file` can be read and every line is one that run.sh
    reads: the line numbers of the others are named, never their text (it may be a secret)."""
    from .values import MAX_REPORTED, secrets_file_problems

    _readable("--secrets-file", path, "secrets file", nul=True)
    bad = secrets_file_problems(path.read_bytes())
    for n in bad[:MAX_REPORTED]:
        _err(f"gwfc: error: --secrets-file {path}: line {n} is not NAME=value (one secret a line, NAME as "
             "written in the workflow; blank lines and lines starting with # are skipped)")
    if len(bad) > MAX_REPORTED:
        _err(f"gwfc: error: --secrets-file {path}: {len(bad) - MAX_REPORTED} more lines are not NAME=value")
    if bad:
        raise typer.Exit(2)


def _terminal(stream: object, no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


# Paths are typer.Argument/Option(readable=False): click's own check would answer an
# unreadable path with its boxed "Invalid value" and no `gwfc: error:`; the command reports it
# (a workflow file as GW115, as `gwfc compile` does; a flag's file as a usage error).
def run_cmd(
    file: Path = typer.Argument(..., help="The workflow file.", readable=False),
    state: Optional[Path] = typer.Option(None, "--state", help="Local state: datasets, models, runs (default .gwfc).",
                                         readable=False),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="host (bubblewrap, no image), docker or podman."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=0, max=100_000,
                                       help="Jobs at once (default: one per CPU)."),
    inputs: list[str] = typer.Option([], "--input", help="Workflow input NAME=VALUE (a dataset input takes a "
                                     "dataset reference). Repeatable."),
    inputs_file: Optional[Path] = typer.Option(None, "--inputs", help="Inputs file (YAML or JSON): "
                                               "NAME: {ref: DATASET} or NAME: {value: TEXT}.", readable=False),
    contexts: list[str] = typer.Option([], "--context", help="Context value PATH=VALUE, e.g. "
                                       "event.github.url=URL. Repeatable."),
    secrets_file: Optional[Path] = typer.Option(None, "--secrets-file", help="Secret values, NAME=value lines "
                                                "(else the variables GWFC_SECRET_<NAME>).", readable=False),
    only: list[str] = typer.Option([], "--only", help="Run only this job (repeatable); the others' results "
                                   "come from the last run."),
    from_job: Optional[str] = typer.Option(None, "--from", help="Run this job and every job after it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the values and print what would run."),
    timeout: Optional[int] = typer.Option(None, "--timeout", min=0, max=10**9,
                                          help="Stop a job after this many seconds."),
    resume: bool = typer.Option(False, "--resume", help="Continue the last run (or --run-id's): unchanged jobs "
                                "are not run again."),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="The run to create, or with --resume, --only "
                                         "or --from the run to continue (default: a new id; the last run)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print the jobs' output as it comes, "
                                 "each line after its job's name (it is always in their logs)."),
    config: Optional[Path] = typer.Option(None, "--config", help="gwfc.toml to use.", readable=False),
    name: Optional[str] = typer.Option(None, "--name", help="Workflow name (default: the file's stem)."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """Run a workflow on this machine: each job in bubblewrap (host), docker or podman."""
    from gwfc.compiler.cli import emit_report

    from .progress import LiveDisplay, PlainDisplay
    from .runner import RunRequest, execute, prepare

    if str(file) == "-":
        _usage("gwfc run reads a workflow file, not standard input (-): save the workflow to a file "
               "and give its path (its directory is where the run looks for a git repository)")
    for flag, values in (("--input", inputs), ("--context", contexts), ("--only", only),
                         ("--from", [from_job] if from_job is not None else []),
                         ("--name", [name] if name is not None else []),
                         ("--run-id", [run_id] if run_id is not None else []),
                         ("--runtime", [runtime] if runtime is not None else [])):
        for value in values:
            _text(flag, value)
    if runtime is not None and runtime not in RUNTIMES:
        _usage(f"unknown runtime {runtime!r}; choose {', '.join(RUNTIMES)}")
    if name is not None:
        from gwfc.compiler.pipeline import workflow_name

        try:
            workflow_name("", name)
        except ValueError as exc:
            _usage(str(exc))
    if run_id is not None:
        from .runner import run_id_problem

        problem = run_id_problem(run_id)
        if problem:
            _usage(problem)
    _text("the workflow file", str(file))
    # A directory or an unreadable file is GW115 at FILE:1:1 (exit status 1) from the check,
    # as `gwfc compile` reports it; a FIFO or device would make the check wait for its data.
    if not file.exists():
        _usage(f"no such file: {file}")
    if not file.is_file() and not file.is_dir():
        _usage(f"{file} is not a regular file")
    if inputs_file is not None:
        _readable("--inputs", inputs_file, "inputs file")
    if secrets_file is not None:
        _secrets_file(secrets_file)
    if config is not None:
        _text("--config", str(config))
        from gwfc.compiler.config import config_path_problem

        problem = config_path_problem(config)
        if problem:
            _usage(problem)
    if state is not None:
        _text("--state", str(state))
    only = [j for item in only for j in item.split(",") if j]
    req = RunRequest(file=file, state=state, runtime=runtime, jobs=jobs, inputs=list(inputs),
                     inputs_file=inputs_file, contexts=list(contexts), secrets_file=secrets_file, only=only,
                     from_job=from_job, dry_run=dry_run, timeout=timeout, resume=resume, config=config, name=name,
                     run_id=run_id, verbose=verbose)
    prep = prepare(req)
    if prep.internal is not None:
        prep.cleanup()
        _err(f"gwfc: internal error while checking {file}; this is a bug in gwfc.")
        _err(prep.internal if debug else "Run with --debug to see the traceback.")
        raise typer.Exit(3)
    if prep.usage is not None:
        prep.cleanup()
        _usage(prep.usage)
    if prep.diagnostics:
        sources = {prep.source.name: prep.source} if prep.source is not None else {}
        emit_report(prep.diagnostics, sources, "text", 1, no_color, stream=sys.stderr)
    for note in prep.notes:
        _err(f"gwfc: note: {note}")
    if not prep.ok:
        prep.cleanup()
        raise typer.Exit(1)
    if _terminal(sys.stdout, no_color):
        from rich.console import Console

        display: LiveDisplay | PlainDisplay = LiveDisplay(Console(highlight=False), dry_run=dry_run)
    else:
        display = PlainDisplay(sys.stdout, sys.stderr, dry_run=dry_run)
    raise typer.Exit(execute(prep, display))


def _store(state: Optional[Path]) -> Store:
    from .store import Store

    return Store(state if state is not None else DEFAULT_STATE)


def dataset_add(
    name: str = typer.Argument(..., help="Dataset name (team/name nests)."),
    directory: Path = typer.Argument(..., help="Directory whose content becomes the new version.", readable=False),
    tag: Optional[str] = typer.Option(None, "--tag", help="Also tag the new version."),
    state: Optional[Path] = typer.Option(None, "--state", help="Local state (default .gwfc).", readable=False),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """Add a directory to the local dataset store as the next version of NAME."""
    from .store import name_problem, tag_problem

    _text("NAME", name)
    problem = name_problem(name) or (tag_problem(tag) if tag is not None else None)
    if tag is not None:
        _text("--tag", tag)
    if problem:
        _usage(problem)
    _text("DIR", str(directory))
    if not directory.is_dir():
        _usage(f"DIR {directory}: " + ("not a directory" if directory.exists() else "no such directory"))
    _state_dir("--state", state if state is not None else DEFAULT_STATE, create=True)
    from .store import SourceError, StoreError

    try:
        version = _store(state).add(name, directory, tag)
    except SourceError as exc:  # DIR holds the store, or a FIFO, socket or device: a bad DIR
        _usage(str(exc))
    except StoreError as exc:
        _err(f"gwfc: error: {exc}")
        raise typer.Exit(1) from None
    sys.stdout.write(f"added {name}:{version}" + (f" (tag {tag})" if tag else "") + f" from {directory}\n")


def dataset_ls(
    state: Optional[Path] = typer.Option(None, "--state", help="Local state (default .gwfc).", readable=False),
    no_color: bool = typer.Option(False, "--no-color", help="Plain output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """List the datasets of the local store: versions, latest, tags."""
    _state_dir("--state", state if state is not None else DEFAULT_STATE, create=False)
    items = _store(state).entries()
    plain = not _terminal(sys.stdout, no_color)
    if not items:
        sys.stdout.write("no datasets (add one with: gwfc dataset add NAME DIR)\n")
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for col in ("dataset", "latest", "versions", "tags"):
        table.add_column(col)
    for d in items:
        table.add_row(d.name, d.latest, " ".join(d.versions), " ".join(f"{t}={v}" for t, v in d.tags))
    Console(force_terminal=not plain, no_color=plain, highlight=False, width=None if not plain else 120).print(table)


def register(app: typer.Typer) -> None:
    """Add `gwfc run` and `gwfc dataset add|ls` to the gwfc command line."""
    app.command("run")(run_cmd)
    dataset = typer.Typer(help="The local dataset store (.gwfc/datasets).", no_args_is_help=True)
    dataset.command("add")(dataset_add)
    dataset.command("ls")(dataset_ls)
    app.add_typer(dataset, name="dataset")
