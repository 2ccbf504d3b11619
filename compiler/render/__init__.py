"""Renderers: one diagnostic record, four output formats (text, json, sarif, github).

Each renderer takes the checked files (name → source, for the source lines) and their
diagnostics and returns the text to print. DESIGN.md fixes the JSON contract and the column
conventions (SARIF: 1-based code points, declared with `columnKind`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..source import SourceFile


@dataclass(slots=True)
class Report:
    """What a renderer needs: every diagnostic, and the sources to quote lines from."""

    diagnostics: Sequence[Diagnostic]
    sources: dict[str, SourceFile]
    files_checked: int = 0


FORMATS = ("text", "json", "sarif", "github")

#: Control characters (but tab) shown as their Unicode control pictures (␀ ␛ …): a workflow's
#: text must never reach a terminal as escape sequences. One character each, so carets align.
_VISIBLE = {c: chr(0x2400 + c) for c in range(0x20) if c != 9}
_VISIBLE[0x7F] = "\u2421"
for _c in range(0x80, 0xA0):  # C1 controls (CSI is 0x9B)
    _VISIBLE[_c] = "\ufffd"


def visible(text: str) -> str:
    """`text` with control characters replaced by visible ones."""
    return text.translate(_VISIBLE)


def renderer(fmt: str) -> Callable[..., str]:
    """The render function of a format name."""
    if fmt == "json":
        from .json import render
    elif fmt == "sarif":
        from .sarif import render
    elif fmt == "github":
        from .github import render
    else:
        from .text import render
    return render
