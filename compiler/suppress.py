"""Suppression (DESIGN.md): `--ignore CODE` (a code or a prefix such as `GW32`), `--strict`
(warnings fail the check), and comments in the workflow:

    url: https://x  # gwfc: ignore[GW317]          this line
    # gwfc: ignore[GW405, GW326]                   the next line
    # gwfc: ignore                                 the next line, every code
    # gwfc: ignore-file[GW322]                     the whole file (anywhere in it)

A comment applies to diagnostics that start on its line or, when it stands alone on its line,
on the next line. Only real YAML comments count: a `#` at the start of a line or after a blank,
outside every scalar (text inside a script or a quoted value is data that reaches the job, not a
comment). The scalars are looked at only when the text holds `gwfc:` at all.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .nodes import AnyNode, Map, Scalar, Seq
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


def _scalar_ranges(root: AnyNode | None, source: SourceFile) -> tuple[list[int], list[int]]:
    """Sorted (starts, ends) offsets of every scalar of the tree."""
    spans: list[tuple[int, int]] = []
    stack: list[AnyNode] = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        if isinstance(node, Scalar):
            spans.append((source.offset(node.line, node.column), source.offset(node.end_line, node.end_column)))
        elif isinstance(node, Seq):
            stack.extend(node.items)
        elif isinstance(node, Map):
            for k, v in node.pairs:
                stack.append(k)
                stack.append(v)
    spans.sort()
    return [a for a, _ in spans], [b for _, b in spans]


def scan(source: SourceFile, root: AnyNode | None = None) -> Suppressions:
    """Find every `# gwfc: ignore…` comment (with the tree, only real comments)."""
    out = Suppressions()
    text = source.text
    if "gwfc:" not in text:
        return out
    starts, ends = _scalar_ranges(root, source) if root is not None else ([], [])
    for m in _COMMENT.finditer(text):
        at = m.start()
        if at > 0 and text[at - 1] not in " \t\r\n\ufeff":
            continue  # `#` starts a comment only at a line start or after a blank
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and at < ends[i]:
            continue  # inside a scalar: data, not a comment
        if m.group(2) is None:
            codes = {"*"}  # `# gwfc: ignore` without brackets: every code
        else:
            codes = {c.strip().upper() for c in m.group(2).split(",") if c.strip()}
        if m.group(1):
            out.file_codes |= codes
            continue
        line, _ = source.position(m.start())
        out.lines.setdefault(line, set()).update(codes)
        before = source.line_text(line)[: source.position(m.start())[1] - 1]
        if not before.strip():  # a comment on its own line covers the next line too
            out.lines.setdefault(line + 1, set()).update(codes)
    return out


def bad_pattern(pattern: str) -> str | None:
    """Why an ignore pattern is refused (None when it is fine): it must be a code or a prefix
    of registered codes (`GW322`, `GW32`, `GW3`), never empty — an empty pattern would match
    every code, errors included."""
    import re

    from .codes import REGISTRY

    p = pattern.strip().upper()
    if not re.fullmatch(r"GW\d{1,3}", p):
        return f"{pattern!r} is not a code or a code prefix (e.g. GW322, GW32)"
    if not any(code.startswith(p) for code in REGISTRY):
        return f"no code starts with {p!r} (`gwfc rules` lists them)"
    return None


def ignored(code: str, ignore: tuple[str, ...] | list[str]) -> bool:
    """Whether `--ignore`/config `ignore` silences a code (exact or by prefix)."""
    return _matches(code, tuple(i.upper() for i in ignore))
