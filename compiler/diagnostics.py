"""Diagnostics: the one error record every stage produces and every renderer consumes.

A `Diagnostic` is frozen: code, severity, message, span, notes, optional fix and a stable
fingerprint. A fix is data (a message and edits), so the editor's quick fixes and a future
`check --fix` apply the same edits. Stages add diagnostics to a `Sink` and go on where they
safely can; exceptions mean bugs.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from .source import Span


class Severity(enum.IntEnum):
    """Ordered so that `max()` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Lower-case name as printed: error, warning, info."""
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Severity:
        """Severity from its printed name."""
        return Severity[text.upper()]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of `span` with `text` (an insertion when the span is empty)."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A suggested change: what it does, and the edits that do it."""

    message: str
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a workflow file."""

    code: str
    severity: Severity
    message: str
    span: Span
    notes: tuple[str, ...] = ()
    fix: Fix | None = None
    fingerprint: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order of output: file, line, column, then code and message."""
        s = self.span
        return (s.file, s.line, s.column, self.code, self.message)

    def with_fingerprint(self, context: str) -> Diagnostic:
        """Set a fingerprint stable under edits elsewhere in the file.

        It hashes the code, the message and `context` (the text of the line the span starts
        on, stripped), not the line number, so inserting lines above keeps it.
        """
        import hashlib

        h = hashlib.sha256(f"{self.code}\0{self.message}\0{context.strip()}".encode()).hexdigest()
        return replace(self, fingerprint=h[:16])


@dataclass(slots=True)
class Sink:
    """Collects diagnostics from every stage of one file's processing."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        """Record one diagnostic."""
        self.items.append(diag)

    def report(self, code: str, span: Span, message: str, *, notes: tuple[str, ...] | list[str] = (),
               fix: Fix | None = None, severity: Severity | None = None) -> Diagnostic:
        """Record a diagnostic of a registered code, at the code's default severity."""
        from .codes import REGISTRY  # late: codes imports this module

        diag = Diagnostic(code, severity or REGISTRY[code].severity, message, span, tuple(notes), fix)
        self.items.append(diag)
        return diag

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        """Record several diagnostics."""
        self.items.extend(diags)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_errors(self) -> bool:
        """Whether any recorded diagnostic is an error."""
        return any(d.severity is Severity.ERROR for d in self.items)
