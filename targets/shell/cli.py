"""`gwfc run` and `gwfc dataset`: flags in, library calls (runner.py, store.py), exit codes.

Registered by `gwfc.compiler.cli._register_extensions` through `register(app)`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

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


def _usage(message: str) -> None:
    """A usage error: exit status 2 (as `gwfc.compiler.cli.usage`)."""
    _err(f"gwfc: error: {message}")
    raise typer.Exit(2)


def _terminal(stream: object, no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


def run_cmd(
    file: Path = typer.Argument(..., help="The workflow file."),
    state: Optional[Path] = typer.Option(None, "--state", help="Local state: datasets, models, runs (default .gwfc)."),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="host (bubblewrap, no image), docker or podman."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=0, help="Jobs at once (default: one per CPU)."),
    inputs: list[str] = typer.Option([], "--input", help="Workflow input NAME=VALUE (a dataset input takes a "
                                     "dataset reference). Repeatable."),
    inputs_file: Optional[Path] = typer.Option(None, "--inputs", help="Inputs file (YAML or JSON): "
                                               "NAME: {ref: DATASET} or NAME: {value: TEXT}."),
    contexts: list[str] = typer.Option([], "--context", help="Context value PATH=VALUE, e.g. "
                                       "event.github.url=URL. Repeatable."),
    secrets_file: Optional[Path] = typer.Option(None, "--secrets-file", help="Secret values, NAME=value lines "
                                                "(else the variables GWFC_SECRET_<NAME>)."),
    only: list[str] = typer.Option([], "--only", help="Run only this job (repeatable); the others' results "
                                   "come from the last run."),
    from_job: Optional[str] = typer.Option(None, "--from", help="Run this job and every job after it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the values and print what would run."),
    timeout: Optional[int] = typer.Option(None, "--timeout", min=0, help="Stop a job after this many seconds."),
    resume: bool = typer.Option(False, "--resume", help="Continue the last run: unchanged jobs are not run again."),
    config: Optional[Path] = typer.Option(None, "--config", help="gwfc.toml to use."),
    name: Optional[str] = typer.Option(None, "--name", help="Workflow name (default: the file's stem)."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain output."),
) -> None:
    """Run a workflow on this machine: each job in bubblewrap (host), docker or podman."""
    from gwfc.compiler.cli import emit_report

    from .progress import LiveDisplay, PlainDisplay
    from .runner import RunRequest, execute, prepare

    if runtime is not None and runtime not in RUNTIMES:
        _usage(f"unknown runtime {runtime!r}; choose {', '.join(RUNTIMES)}")
    if not file.is_file():
        _usage(f"no such file: {file}")
    if inputs_file is not None and not inputs_file.is_file():
        _usage(f"no such inputs file: {inputs_file}")
    if secrets_file is not None and not secrets_file.is_file():
        _usage(f"no such secrets file: {secrets_file}")
    if config is not None and not config.is_file():
        _usage(f"configuration file not found: {config}")
    only = [j for item in only for j in item.split(",") if j]
    req = RunRequest(file=file, state=state, runtime=runtime, jobs=jobs, inputs=list(inputs),
                     inputs_file=inputs_file, contexts=list(contexts), secrets_file=secrets_file, only=only,
                     from_job=from_job, dry_run=dry_run, timeout=timeout, resume=resume, config=config, name=name)
    prep = prepare(req)
    if prep.diagnostics:
        sources = {prep.source.name: prep.source} if prep.source is not None else {}
        emit_report(prep.diagnostics, sources, "text", 1, no_color, stream=sys.stderr)
    for note in prep.notes:
        _err(f"gwfc: note: {note}")
    if not prep.ok:
        raise typer.Exit(1)
    if _terminal(sys.stdout, no_color):
        from rich.console import Console

        display: LiveDisplay | PlainDisplay = LiveDisplay(Console(highlight=False), dry_run=dry_run)
    else:
        display = PlainDisplay(sys.stdout, sys.stderr, dry_run=dry_run)
    raise typer.Exit(execute(prep, display))


def _store_error() -> type[Exception]:
    from .store import StoreError

    return StoreError


def _store(state: Optional[Path]) -> Store:
    from .store import Store

    return Store(state if state is not None else DEFAULT_STATE)


def dataset_add(
    name: str = typer.Argument(..., help="Dataset name (team/name nests)."),
    directory: Path = typer.Argument(..., help="Directory whose content becomes the new version."),
    tag: Optional[str] = typer.Option(None, "--tag", help="Also tag the new version."),
    state: Optional[Path] = typer.Option(None, "--state", help="Local state (default .gwfc)."),
) -> None:
    """Add a directory to the local dataset store as the next version of NAME."""
    try:
        version = _store(state).add(name, directory, tag)
    except _store_error() as exc:
        _err(f"gwfc: error: {exc}")
        raise typer.Exit(1) from None
    sys.stdout.write(f"added {name}:{version}" + (f" (tag {tag})" if tag else "") + f" from {directory}\n")


def dataset_ls(
    state: Optional[Path] = typer.Option(None, "--state", help="Local state (default .gwfc)."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain output."),
) -> None:
    """List the datasets of the local store: versions, latest, tags."""
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
