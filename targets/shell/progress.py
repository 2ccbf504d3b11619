"""What `gwfc run` shows: live progress and a summary table with rich on a terminal; plain
lines and a plain table otherwise (no colour, no redrawing), so logs of CI stay readable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .runner import FINAL_OK, JobState

STYLE = {"ok": "green", "cached": "green", "kept": "green", "running": "yellow", "pending": "dim",
         "failed": "bold red", "timeout": "bold red", "interrupted": "red", "skipped": "red",
         "unselected": "dim"}
FAILED = ("failed", "timeout")
TAIL = 10


def _time(s: JobState) -> str:
    return "" if s.seconds is None else f"{s.seconds:.2f}s"


#: The order of the live table when it must be cut to the terminal's height: what is
#: happening first, then what went wrong, then what is to come, then what is done.
LIVE_ORDER = {"running": 0, "failed": 1, "timeout": 1, "interrupted": 1, "pending": 2, "skipped": 3}


def summary_table(states: dict[str, JobState], plain: bool, max_rows: int | None = None) -> Table:
    """One row per job: name, state, time, detail. With `max_rows`, at most that many rows:
    running jobs first, then failed, pending, skipped and finished ones, and a last row
    counting the jobs left out."""
    table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    shown = [(job, s) for job, s in states.items() if s.state != "unselected"]
    # A row of a cut table is one line (the count of rows is the count of lines): the detail
    # gives way first.
    one_line = max_rows is not None
    for col, justify in (("job", "left"), ("status", "left"), ("time", "right"), ("detail", "left")):
        table.add_column(col, justify=justify, no_wrap=one_line and col != "detail")  # type: ignore[arg-type]
    left_out: list[JobState] = []
    if max_rows is not None and len(shown) > max_rows:
        keep = max(max_rows - 1, 0)
        ranked = sorted(shown, key=lambda js: LIVE_ORDER.get(js[1].state, 4))  # stable: file order within
        shown, left_out = ranked[:keep], [s for _, s in ranked[keep:]]
    for job, s in shown:
        status = Text(s.state) if plain else Text(s.state, style=STYLE.get(s.state, ""))
        detail = Text(s.detail, no_wrap=True, overflow="ellipsis") if one_line else s.detail
        table.add_row(job, status, _time(s), detail)
    if left_out:
        counts: dict[str, int] = {}
        for s in left_out:
            counts[s.state] = counts.get(s.state, 0) + 1
        what = ", ".join(f"{n} {state}" for state, n in counts.items())
        table.add_row("…", "", "", Text(f"{len(left_out)} more jobs: {what}", style="dim", no_wrap=True,
                                        overflow="ellipsis"))
    return table


def verdict(states: dict[str, JobState], code: int, run_dir: Path | None) -> str:
    """The last line: what happened and where the state is."""
    shown = [s for s in states.values() if s.state != "unselected"]
    good = sum(s.state in FINAL_OK for s in shown)
    where = f" (state: {run_dir})" if run_dir is not None else ""
    if code == 130:
        return f"stopped: {good} of {len(shown)} jobs done; continue with --resume{where}"
    if code == 0:
        return f"succeeded: {good} jobs{where}"
    bad = sum(s.state in FAILED for s in shown)
    skipped = sum(s.state in ("skipped", "pending", "interrupted") for s in shown)
    return f"failed: {good} succeeded, {bad} failed, {skipped} not run{where}"


def tails(states: dict[str, JobState], run_dir: Path | None) -> list[tuple[str, Path, list[str]]]:
    """The last lines of the log of each failed job."""
    out: list[tuple[str, Path, list[str]]] = []
    if run_dir is None:
        return out
    for job, s in states.items():
        if s.state in FAILED:
            log = run_dir / "steps" / job / "log"
            try:
                lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-TAIL:]
            except OSError:
                lines = []
            out.append((job, log, lines))
    return out


class PlainDisplay:
    """Line by line: a line when a job starts and when it ends; the summary at the end."""

    def __init__(self, out: Any, err: Any, dry_run: bool = False) -> None:
        self.out, self.err, self.dry_run = out, err, dry_run
        self.seen: dict[str, str] = {}

    def _print(self, text: str, stream: Any = None) -> None:
        stream = stream or self.out
        stream.write(text + "\n")
        stream.flush()

    def begin(self, states: dict[str, JobState]) -> None:
        """Remember the states before the run: only changes are printed."""
        self.seen = {job: s.state for job, s in states.items()}

    def update(self, states: dict[str, JobState]) -> None:
        """Print each change of state."""
        for job, s in states.items():
            if self.seen.get(job) == s.state or s.state in ("pending", "unselected"):
                self.seen[job] = s.state
                continue
            self.seen[job] = s.state
            t = f" ({_time(s)})" if s.seconds is not None and s.state != "running" else ""
            detail = f": {s.detail}" if s.detail and s.state not in FINAL_OK else ""
            self._print(f"{s.state:<11} {job}{t}{detail}")

    def message(self, line: str) -> None:
        """run.sh's stderr, as it comes."""
        self._print(line, self.err)

    def output(self, line: str) -> None:
        """run.sh's stdout: shown for a dry run (the plan); otherwise the table says it all."""
        if self.dry_run:
            self._print(line)

    def job_output(self, line: str) -> None:
        """A line of a job's output (`gwfc run --verbose`), as it comes."""
        self._print(line)

    def close(self, states: dict[str, JobState], code: int, run_dir: Path | None) -> None:
        """The summary table, the end of each failed job's log, the verdict."""
        if self.dry_run or run_dir is None:
            return
        console = Console(file=self.out, force_terminal=False, no_color=True, width=120, highlight=False)
        console.print()
        console.print(summary_table(states, plain=True))
        for job, log, lines in tails(states, run_dir):
            console.print(f"\nlast lines of {job}'s log ({log}):", markup=False, soft_wrap=True)
            for line in lines:
                console.print("  " + line, markup=False, soft_wrap=True)
        console.print()
        console.print(verdict(states, code, run_dir), markup=False, soft_wrap=True)


class LiveDisplay:
    """A table that redraws as jobs change state (a terminal)."""

    def __init__(self, console: Console, dry_run: bool = False) -> None:
        self.console, self.dry_run = console, dry_run
        self.live: Live | None = None
        self.states: dict[str, JobState] = {}

    def _render(self) -> Group:
        # The table fits the terminal (its header takes two lines, and one is kept free):
        # a taller one could not be erased when the run ends, and a cut copy would stay
        # above the summary.
        rows = max(self.console.size.height - 3, 1)
        return Group(summary_table(self.states, plain=False, max_rows=rows))

    def begin(self, states: dict[str, JobState]) -> None:
        """Nothing to show before the run starts."""

    def update(self, states: dict[str, JobState]) -> None:
        """Redraw the table."""
        self.states = states
        if self.dry_run:
            return
        if self.live is None:
            self.live = Live(self._render(), console=self.console, refresh_per_second=8, transient=True)
            self.live.start()
        else:
            self.live.update(self._render())

    def message(self, line: str) -> None:
        """run.sh's stderr, printed above the table."""
        self.console.print(line, markup=False, highlight=False, style="yellow" if "note:" in line else "red")

    def output(self, line: str) -> None:
        """The plan of a dry run."""
        if self.dry_run:
            self.console.print(line, markup=False, highlight=False)

    def job_output(self, line: str) -> None:
        """A line of a job's output (`gwfc run --verbose`), printed above the table."""
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def close(self, states: dict[str, JobState], code: int, run_dir: Path | None) -> None:
        """Stop redrawing; print the final table, failed logs' ends and the verdict."""
        if self.live is not None:
            self.live.stop()
        if self.dry_run or run_dir is None:
            return
        self.console.print(summary_table(states, plain=False))
        for job, log, lines in tails(states, run_dir):
            self.console.print(f"last lines of {job}'s log ({log}):", style="bold", markup=False)
            for line in lines:
                self.console.print("  " + line, markup=False, highlight=False)
        style = "bold green" if code == 0 else "bold red"
        self.console.print(verdict(states, code, run_dir), style=style, markup=False)
