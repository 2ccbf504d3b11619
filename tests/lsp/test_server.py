"""The language server driven by a real LSP client over stdio (pytest-lsp).

One server process (started as `gwfc lsp`) serves the whole module; each test opens its own
document.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from .samples import BROKEN_REFS, VALID, pos

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER = [sys.executable, "-c", "import sys; from gwfc.compiler.cli import main; sys.argv[0] = 'gwfc'; main()", "lsp"]


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    caps = lsp.ClientCapabilities(
        workspace=lsp.WorkspaceClientCapabilities(workspace_edit=lsp.WorkspaceEditClientCapabilities(
            document_changes=True)))
    await lsp_client.initialize_session(lsp.InitializeParams(capabilities=caps))
    yield
    await lsp_client.shutdown_session()


async def open_doc(client: LanguageClient, name: str, text: str) -> str:
    uri = f"untitled:{name}.yaml"
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "yaml", 1, text)))
    await diagnostics_of(client, uri, 1)
    return uri


async def diagnostics_of(client: LanguageClient, uri: str, version: int) -> list[lsp.Diagnostic]:
    """Wait for the diagnostics of a version of a document."""
    async def wait() -> list[lsp.Diagnostic]:
        while True:
            params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)
    return await asyncio.wait_for(wait(), 10)


def summary(diags: list[lsp.Diagnostic]) -> list[tuple[object, ...]]:
    return [(d.code, d.severity, d.range.start.line, d.range.start.character, d.range.end.line,
             d.range.end.character) for d in diags]


async def test_diagnostics_with_exact_utf16_ranges(client: LanguageClient) -> None:
    uri = "untitled:diag.yaml"
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "yaml", 1, BROKEN_REFS)))
    diags = await diagnostics_of(client, uri, 1)
    E = lsp.DiagnosticSeverity.Error
    # Line 7: `    with: {image: "é中😀", bogus: x}` — `bogus` is at code point 25 and UTF-16
    # unit 26 (the emoji takes two units).
    assert summary(diags) == [("GW312", E, 6, 26, 6, 31), ("GW309", E, 16, 12, 16, 16),
                              ("GW303", E, 16, 25, 16, 28)]
    first = diags[0]
    assert first.source == "gwfc"
    assert first.code_description is not None
    assert first.code_description.href == "https://github.com/gwfc/gwfc/blob/main/docs/rules.md#gw312"
    assert first.message == ('`container@v1` has no parameter `bogus`\n'
                             'note: `container@v1` takes "image", "args" and "command"')


async def test_change_updates_diagnostics(client: LanguageClient) -> None:
    uri = await open_doc(client, "change", BROKEN_REFS)
    # Incremental: fix the reference (`dta` → `data`).
    start = pos(BROKEN_REFS, "dta")
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [lsp.TextDocumentContentChangePartial(range=lsp.Range(start, pos(BROKEN_REFS, "dta", 3)), text="data")]))
    diags = await diagnostics_of(client, uri, 2)
    assert [d.code for d in diags] == ["GW312", "GW309"]  # now it resolves, and `needs` is missing
    # Full text: a YAML syntax error still gets a diagnostic.
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=3),
        [lsp.TextDocumentContentChangeWholeDocument(text="jobs:\n  a:\n    uses: [\n")]))
    diags = await diagnostics_of(client, uri, 3)
    assert [(d.code, d.range.start.line) for d in diags] == [("GW101", 3)]


async def test_hover(client: LanguageClient) -> None:
    uri = await open_doc(client, "hover", VALID)
    h = await client.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(uri), pos(VALID, "prep.outputs.data", 14)))
    assert h is not None and isinstance(h.contents, lsp.MarkupContent)
    assert "**volume** output `data` of job `prep`, defined at line 18" in h.contents.value
    h = await client.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(uri), pos(VALID, "script: ls", 1)))
    assert h is not None and isinstance(h.contents, lsp.MarkupContent)
    assert "The script, run by bash" in h.contents.value


async def test_definition(client: LanguageClient) -> None:
    uri = await open_doc(client, "definition", VALID)
    result = await client.text_document_definition_async(lsp.DefinitionParams(
        lsp.TextDocumentIdentifier(uri), pos(VALID, "prep.outputs.data", 15)))
    assert result == [lsp.Location(uri, lsp.Range(pos(VALID, "data:\n        type: volume"),
                                                  pos(VALID, "data:\n        type: volume", 4)))]
    result = await client.text_document_definition_async(lsp.DefinitionParams(
        lsp.TextDocumentIdentifier(uri), pos(VALID, "[prep]", 1)))
    assert result == [lsp.Location(uri, lsp.Range(pos(VALID, "prep:"), pos(VALID, "prep:", 4)))]


async def test_completion(client: LanguageClient) -> None:
    text = VALID.replace("data: prep.outputs.data", "data: prep.outputs.")
    uri = await open_doc(client, "completion", text)
    at = pos(text, "prep.outputs.", 13)
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(uri), at,
        lsp.CompletionContext(trigger_kind=lsp.CompletionTriggerKind.TriggerCharacter, trigger_character=".")))
    assert isinstance(result, lsp.CompletionList)
    assert [(i.label, i.detail) for i in result.items] == [("data", "volume output of prep")]
    assert result.items[0].text_edit == lsp.TextEdit(lsp.Range(at, at), "data")


async def test_code_action(client: LanguageClient) -> None:
    uri = await open_doc(client, "action", BROKEN_REFS)
    at = pos(BROKEN_REFS, "dta", 1)
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(uri), lsp.Range(at, at), lsp.CodeActionContext(diagnostics=[])))
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, lsp.CodeAction)
    assert action.title == 'replace "dta" with "data"'
    assert action.edit is not None and action.edit.document_changes is not None
    doc_edit = action.edit.document_changes[0]
    assert isinstance(doc_edit, lsp.TextDocumentEdit)
    assert doc_edit.text_document.uri == uri
    assert list(doc_edit.edits) == [lsp.TextEdit(lsp.Range(pos(BROKEN_REFS, "dta"), pos(BROKEN_REFS, "dta", 3)),
                                                 "data")]


async def test_close_clears_diagnostics(client: LanguageClient) -> None:
    uri = await open_doc(client, "close", BROKEN_REFS)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))

    async def cleared() -> None:
        while True:
            params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and not params.diagnostics:
                return
    await asyncio.wait_for(cleared(), 10)
