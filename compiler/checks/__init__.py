"""Checks over a resolved workflow: one module per concern, each a `check(ctx)` function.

They read the AST and the `Resolution` and only add diagnostics; nothing here changes the
workflow. The order of the list is the order they run in (their output is sorted anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..ast import Workflow
from ..diagnostics import Sink
from ..profiles import Profile
from ..resolve import Resolution
from ..schema import StructureReporter
from ..source import SourceFile


@dataclass(slots=True)
class Context:
    """What every check reads."""

    wf: Workflow
    source: SourceFile
    sink: Sink
    res: Resolution
    profile: Profile

    @property
    def file(self) -> str:
        """The file name diagnostics are reported in."""
        return self.source.name

    @property
    def reporter(self) -> StructureReporter:
        """Curated type messages (GW203)."""
        return StructureReporter(self.sink, self.source.name)


def all_checks() -> list[Callable[[Context], None]]:
    """Every check, in the order they run."""
    from . import actions, commands, dataflow, values

    return [actions.check, dataflow.check, values.check, commands.check]


def run_checks(ctx: Context) -> None:
    """Run every check on one workflow."""
    for check in all_checks():
        check(ctx)
