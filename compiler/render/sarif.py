"""`--format sarif`: SARIF 2.1.0, valid against shared/schemas/sarif-schema-2.1.0.json.

One run, the tool's rules from the registry, results with a region in 1-based code-point
columns (`columnKind: unicodeCodePoints`), partial fingerprints and fixes as replacements.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any

from ..codes import REGISTRY, docs_url
from ..diagnostics import Diagnostic, Severity
from . import Report

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _version() -> str:
    try:
        return metadata.version("gwfc")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0.0.0"


def artifact_uri(path: str) -> str:
    """A SARIF artifact URI: a relative path percent-encoded, an absolute one as file://."""
    from pathlib import PurePosixPath
    from urllib.parse import quote

    if path.startswith("/"):
        return PurePosixPath(path).as_uri()
    return quote(path, safe="/")


def _region(line: int, col: int, end_line: int, end_col: int) -> dict[str, int]:
    region = {"startLine": line, "startColumn": col}
    if (end_line, end_col) > (line, col):
        region["endLine"] = end_line
        region["endColumn"] = end_col
    return region


def _result(d: Diagnostic, rule_index: dict[str, int]) -> dict[str, Any]:
    s = d.span
    text = d.message + "".join(f"\n{n}" for n in d.notes)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index[d.code],
        "level": _LEVEL[d.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(s.file)},
            "region": _region(s.line, s.column, s.end_line, s.end_column),
        }}],
    }
    if d.fingerprint:
        result["partialFingerprints"] = {"gwfc/v1": d.fingerprint}
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [{
            "description": {"text": d.fix.message},
            "artifactChanges": [{
                "artifactLocation": {"uri": artifact_uri(e.span.file)},
                "replacements": [{
                    "deletedRegion": {"startLine": e.span.line, "startColumn": e.span.column,
                                      "endLine": e.span.end_line, "endColumn": e.span.end_column},
                    "insertedContent": {"text": e.text},
                }],
            } for e in d.fix.edits],
        }]
    return result


def render(report: Report) -> str:
    """The SARIF log."""
    used = sorted({d.code for d in report.diagnostics})
    rule_index = {code: i for i, code in enumerate(used)}
    rules = []
    for code in used:
        r = REGISTRY[code]
        rules.append({
            "id": code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.explanation},
            "helpUri": docs_url(code),
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
        })
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "gwfc",
                "version": _version(),
                "informationUri": "https://github.com/gwfc/gwfc",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(d, rule_index) for d in report.diagnostics],
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
