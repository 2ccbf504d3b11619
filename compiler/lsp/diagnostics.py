"""gwfc diagnostics as LSP diagnostics, and their fixes as workspace edits.

The message is gwfc's message with each note on a line of its own (`note: …`), as the text
renderer prints them; `code` and `codeDescription.href` point at docs/rules.md; the
fingerprint travels in `data`, so a client that returns it lets code actions find the fix.
"""

from __future__ import annotations

from gwfc.compiler.codes import docs_url
from gwfc.compiler.diagnostics import Diagnostic, Fix, Severity
from lsprotocol import types as lsp

from .positions import LineIndex

SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}

#: Codes about forms the docs removed: shown struck through.
DEPRECATED = frozenset({"GW215", "GW327", "GW330"})
#: Codes about text that does nothing: shown faded.
UNNECESSARY = frozenset({"GW403", "GW405"})

SOURCE = "gwfc"


def message(d: Diagnostic) -> str:
    """The diagnostic's message with its notes."""
    return d.message + "".join(f"\nnote: {n}" for n in d.notes)


def to_lsp(d: Diagnostic, index: LineIndex) -> lsp.Diagnostic:
    """One gwfc diagnostic for LSP."""
    tags = [lsp.DiagnosticTag.Deprecated] if d.code in DEPRECATED else \
        [lsp.DiagnosticTag.Unnecessary] if d.code in UNNECESSARY else None
    return lsp.Diagnostic(
        range=index.range(d.span),
        message=message(d),
        severity=SEVERITY[d.severity],
        code=d.code,
        code_description=lsp.CodeDescription(href=docs_url(d.code)),
        source=SOURCE,
        tags=tags,
        data={"fingerprint": d.fingerprint} if d.fingerprint else None,
    )


def text_edits(fix: Fix, index: LineIndex) -> list[lsp.TextEdit]:
    """A fix's edits for LSP (empty when the fix has none)."""
    return [lsp.TextEdit(range=index.range(e.span), new_text=e.text) for e in fix.edits]


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    """Whether two ranges touch (an empty range at a boundary counts)."""
    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
