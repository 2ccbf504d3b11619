"""Quick fixes: the `fix` a diagnostic carries, as a workspace edit.

A gwfc fix is data (a message and edits, DESIGN.md), so the editor applies exactly what a
future `gwfc check --fix` would. Fixes are offered only from the check of the editor's current
text: edits computed for an older text would land in the wrong place.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from .analysis import View
from .diagnostics import overlaps, text_edits


def code_actions(view: View, params: lsp.CodeActionParams,
                 document_changes: bool = False) -> list[lsp.CodeAction] | None:
    """textDocument/codeAction: one quick fix per diagnostic with a fix in the range."""
    a = view.analysis
    if a is None:
        return None
    only = params.context.only
    if only is not None and not any(lsp.CodeActionKind.QuickFix.value.startswith(k) for k in only):
        return None
    wanted = {d.data.get("fingerprint") for d in params.context.diagnostics
              if isinstance(d.data, dict) and d.data.get("fingerprint")}
    out: list[lsp.CodeAction] = []
    for d, ld in zip(a.result.diagnostics, a.diagnostics, strict=True):
        if d.fix is None or not d.fix.edits:
            continue
        if not (overlaps(ld.range, params.range) or d.fingerprint in wanted):
            continue
        edits: list[lsp.TextEdit] = text_edits(d.fix, a.index)
        if document_changes:
            edit = lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=view.uri, version=view.version),
                edits=list(edits))])
        else:
            edit = lsp.WorkspaceEdit(changes={view.uri: edits})
        out.append(lsp.CodeAction(title=d.fix.message, kind=lsp.CodeActionKind.QuickFix,
                                  diagnostics=[ld], edit=edit, is_preferred=True))
    return out or None
