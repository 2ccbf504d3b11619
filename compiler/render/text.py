"""`--format text`: file:line:col, severity and code, the message, the source line with a caret
under the span, notes and the suggested fix. Coloured through rich on a terminal; plain
without one or with NO_COLOR set (rich is imported only then).
"""

from __future__ import annotations

import unicodedata

from ..diagnostics import Diagnostic, Severity
from . import Report, visible

#: Longest source line quoted in full; longer ones are cut to a window around the span.
_WIDE = 200

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold cyan"}


def _width(ch: str) -> int:
    if ch == "\t":
        return 1
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def caret_line(line: str, column: int, end_column: int, multi_line: bool) -> tuple[str, str]:
    """(indent, marks) under `line` for columns [column, end_column)."""
    before = line[: column - 1]
    indent = "".join("\t" if ch == "\t" else " " * _width(ch) for ch in before)
    if multi_line:
        end_column = len(line) + 1
    span_text = line[column - 1: max(end_column - 1, column)]
    width = sum(_width(c) for c in span_text) or 1
    return indent, "^" * width


def format_diagnostic(d: Diagnostic, report: Report) -> list[tuple[str, str]]:
    """(text, style) pieces, one list item per output line (style '' for plain)."""
    s = d.span
    out: list[tuple[str, str]] = []
    head = f"{s.file}:{s.line}:{s.column}: "
    out.append((visible(head + f"{d.severity.label}[{d.code}]: " + d.message), _STYLE[d.severity]))
    src = report.sources.get(s.file)
    if src is not None and 1 <= s.line <= src.line_count + 1:
        text = visible(src.line_text(s.line))
        column, end_column = s.column, s.end_column
        if len(text) > _WIDE:  # a window around the span, not a 20,000-character line
            lo = max(0, column - 1 - _WIDE // 3)
            hi = min(len(text), lo + _WIDE)
            text = ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
            shift = lo - (1 if lo else 0)
            column, end_column = column - shift, min(end_column - shift, len(text) + 1)
        if text.strip():
            num = str(s.line)
            pad = " " * len(num)
            indent, marks = caret_line(text, column, end_column, s.end_line > s.line)
            out.append((f" {pad} |", "blue"))
            out.append((f" {num} | {text}", ""))
            out.append((f" {pad} | {indent}{marks}", _STYLE[d.severity]))
    for note in d.notes:
        out.append((visible(f"   = note: {note}"), ""))
    if d.fix is not None:
        out.append((visible(f"   = help: {d.fix.message}"), "green"))
    return out


def summary(report: Report) -> str:
    """`2 errors, 1 warning in 3 files` (or `no problems in N files`)."""
    counts = {sev: 0 for sev in Severity}
    for d in report.diagnostics:
        counts[d.severity] += 1
    parts = []
    for sev, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "info")):
        n = counts[sev]
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 and word != 'info' else ''}")
    files = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''}"
    return (", ".join(parts) + f" in {files}") if parts else f"no problems in {files}"


def render(report: Report, color: bool = False) -> str:
    """The whole report as text (with ANSI colours when `color`)."""
    blocks = [format_diagnostic(d, report) for d in report.diagnostics]
    if not color:
        lines: list[str] = []
        for block in blocks:
            lines.extend(t for t, _ in block)
            lines.append("")
        lines.append(summary(report))
        return "\n".join(lines) + "\n"
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    buf = StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=10_000,
                      highlight=False, soft_wrap=True)
    for block in blocks:
        for text, style in block:
            console.print(Text(text, style=style or ""))
        console.print()
    console.print(Text(summary(report), style="bold"))
    return buf.getvalue()
