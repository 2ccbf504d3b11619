"""Suppression (DESIGN.md): `--ignore CODE` (a code or a prefix such as `GW32`), `--strict`
(warnings fail the check), and comments in the workflow:

    url: https://x  # gwfc: ignore[GW317]          this line
    # gwfc: ignore[GW405, GW326]                   the next line
    # gwfc: ignore                                 the next line, every code
    # gwfc: ignore-file[GW322]                     the whole file (anywhere in it)

A comment applies to diagnostics that start on its line or, when it stands alone on its line,
on the next line. Comments are found with one scan of the text (inside a block scalar, such a
line of a script works too, which is handy for command lints).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .source import SourceFile

_COMMENT = re.compile(r"#\s*gwfc:\s*ignore(-file)?(?:\[([^\]]*)\])?")


@dataclass(slots=True)
class Suppressions:
    """The suppression comments of one file."""

    #: line → codes ('*' for all)
    lines: dict[int, set[str]] = field(default_factory=dict)
    file_codes: set[str] = field(default_factory=set)

    def suppresses(self, diag: Diagnostic) -> bool:
        """Whether a comment silences this diagnostic."""
        if _matches(diag.code, self.file_codes):
            return True
        codes = self.lines.get(diag.span.line)
        return codes is not None and _matches(diag.code, codes)


def _matches(code: str, patterns: set[str] | tuple[str, ...]) -> bool:
    return any(p == "*" or code.startswith(p) for p in patterns)


def scan(source: SourceFile) -> Suppressions:
    """Find every `# gwfc: ignore…` comment."""
    out = Suppressions()
    text = source.text
    if "gwfc:" not in text:
        return out
    for m in _COMMENT.finditer(text):
        codes = {c.strip().upper() for c in (m.group(2) or "*").split(",") if c.strip()} or {"*"}
        if m.group(1):
            out.file_codes |= codes
            continue
        line, _ = source.position(m.start())
        out.lines.setdefault(line, set()).update(codes)
        before = source.line_text(line)[: source.position(m.start())[1] - 1]
        if not before.strip():  # a comment on its own line covers the next line too
            out.lines.setdefault(line + 1, set()).update(codes)
    return out


def ignored(code: str, ignore: tuple[str, ...] | list[str]) -> bool:
    """Whether `--ignore`/config `ignore` silences a code (exact or by prefix)."""
    return _matches(code, tuple(i.upper() for i in ignore))
