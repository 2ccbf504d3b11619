"""`--format json`: an array of objects with code, severity, message, file, line, column,
end_line, end_column, notes and, when present, fix and fingerprint (DESIGN.md)."""

from __future__ import annotations

import json
from typing import Any

from ..diagnostics import Diagnostic
from . import Report


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as JSON data."""
    s = d.span
    out: dict[str, Any] = {
        "code": d.code,
        "severity": d.severity.label,
        "message": d.message,
        "file": s.file,
        "line": s.line,
        "column": s.column,
        "end_line": s.end_line,
        "end_column": s.end_column,
        "notes": list(d.notes),
    }
    if d.fix is not None:
        out["fix"] = {
            "message": d.fix.message,
            "edits": [{"file": e.span.file, "line": e.span.line, "column": e.span.column,
                       "end_line": e.span.end_line, "end_column": e.span.end_column, "text": e.text}
                      for e in d.fix.edits],
        }
    if d.fingerprint:
        out["fingerprint"] = d.fingerprint
    return out


def render(report: Report) -> str:
    """The JSON array, one object per diagnostic."""
    return json.dumps([diagnostic_json(d) for d in report.diagnostics], indent=2, ensure_ascii=False) + "\n"
