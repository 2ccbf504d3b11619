"""Helpers for front-end tests: check a YAML text and look at the diagnostics."""

from __future__ import annotations

import textwrap

from gwfc.compiler.diagnostics import Diagnostic
from gwfc.compiler.pipeline import Options, Result, check_bytes


def check_text(text: str, name: str = "wf.yaml", dedent: bool = True, **opts: object) -> Result:
    """Check a workflow given as text (dedented)."""
    if dedent:
        text = textwrap.dedent(text)
    return check_bytes(text.encode("utf-8"), name, Options(**opts))  # type: ignore[arg-type]


def codes(result: Result) -> list[str]:
    """The codes reported, in order."""
    return [d.code for d in result.diagnostics]


def find(result: Result, code: str) -> list[Diagnostic]:
    """The diagnostics of one code."""
    return [d for d in result.diagnostics if d.code == code]


def where(d: Diagnostic) -> tuple[int, int]:
    """(line, column) of a diagnostic."""
    return d.span.line, d.span.column
