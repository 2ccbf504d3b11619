"""`--format github`: GitHub Actions workflow commands, one line per diagnostic.

`::error file=F,line=L,col=C,endLine=…,endColumn=…,title=GW303 …::message`; data is escaped
as the runner's toolkit does (`%`, CR, LF; and `:`/`,` in properties).
"""

from __future__ import annotations

from ..diagnostics import Severity
from . import Report, visible

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    """One workflow command per diagnostic."""
    lines = []
    for d in report.diagnostics:
        s = d.span
        props = [f"file={_prop(s.file)}", f"line={s.line}", f"col={s.column}"]
        if s.end_line >= s.line:
            props += [f"endLine={s.end_line}", f"endColumn={s.end_column}"]
        props.append(f"title={_prop(d.code)}")
        msg = d.message + "".join(f"\n{n}" for n in d.notes)
        lines.append(f"::{_LEVEL[d.severity]} {','.join(props)}::{_data(f'[{d.code}] ' + msg)}")
    return "".join(line + "\n" for line in lines)
