"""The gwfc language server (pygls): diagnostics, hover, definition, completion, quick fixes.

Checks run in one worker thread, so that hover and completion answer while a large file is
being checked. Changes that arrive during a check are coalesced: when it ends, one more check
runs on the newest text, and diagnostics of a text that has already moved on are not published
(their ranges would be wrong). The features answer from the check of the current text when
there is one, else from the text itself (`analysis.View`).
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from gwfc.compiler.diagnostics import Diagnostic
from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from . import diagnostics as D
from .analysis import Analysis, ConfigCache, View, analyse, file_name
from .codeactions import code_actions
from .completion import TRIGGER_CHARACTERS, complete
from .navigation import definition, hover
from .outline import Entry
from .positions import UTF16, LineIndex
from .symbols import Symbols

log = logging.getLogger("gwfc.lsp")


def _version() -> str:
    try:
        return metadata.version("gwfc")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class GwfcLanguageServer(LanguageServer):
    """A pygls server that keeps the last check of each open document."""

    def __init__(self, files: tuple[str, ...] = ()) -> None:
        super().__init__("gwfc", _version(), text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        #: Patterns of the files to serve (`--files`, or `initializationOptions.files`); empty: all.
        self.files = files
        self.analyses: dict[str, Analysis] = {}
        self.outlines: dict[str, tuple[str, list[Entry], Symbols]] = {}
        self.configs = ConfigCache()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gwfc-check")
        self._busy: set[str] = set()
        self._again: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._config_published: dict[str, list[Diagnostic]] = {}

    @property
    def encoding(self) -> str:
        """The position encoding agreed with the client (UTF-16 unless it offered another)."""
        try:
            enc = self.workspace.position_encoding
        except RuntimeError:  # not initialized yet
            return UTF16
        return str(enc.value if isinstance(enc, lsp.PositionEncodingKind) else enc or UTF16)

    def wants(self, uri: str) -> bool:
        """Whether a document is one to serve: every one, unless `files` patterns are given
        (for clients that can only attach a server to all YAML files)."""
        if not self.files:
            return True
        name = file_name(uri).replace("\\", "/")
        return any(fnmatch.fnmatchcase(name, p) for p in self.files)

    def view(self, uri: str) -> View | None:
        """The view of an open document, or None."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None or not self.wants(uri):
            return None
        return View(uri, doc.source, doc.version, self.encoding, self.analyses.get(uri), self.outlines)

    # ---- checking ------------------------------------------------------------------------

    def schedule(self, uri: str) -> None:
        """Check a document soon: now when idle, else once more when the running check ends."""
        if not self.wants(uri):
            return
        if uri in self._busy:
            self._again.add(uri)
            return
        self._busy.add(uri)
        task = asyncio.get_running_loop().create_task(self._check_loop(uri))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _check_loop(self, uri: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                self._again.discard(uri)
                doc = self.workspace.text_documents.get(uri)
                if doc is None:
                    return
                text, version = doc.source, doc.version
                last = self.analyses.get(uri)
                if last is not None and last.text == text:
                    analysis = last
                else:
                    cfg, cfg_path, cfg_diags = self.configs.get(uri)
                    if cfg_path is not None:
                        self._publish_config(cfg_path, cfg_diags)
                    analysis = await loop.run_in_executor(self.pool, analyse, uri, text, version, cfg,
                                                          self.encoding)
                if uri not in self.workspace.text_documents:
                    return
                self.analyses[uri] = analysis
                if uri in self._again:
                    continue  # the text moved on: check the newest one, publish that
                self.publish(analysis, version)
                log.info("checked %s (version %s) in %.0f ms: %d diagnostics", uri, version,
                         analysis.seconds * 1000, len(analysis.diagnostics))
                return
        except Exception:  # a bug in the server: logged, and the next change tries again
            log.exception("checking %s failed", uri)
        finally:
            self._busy.discard(uri)

    def _publish_config(self, path: Path, diags: list[Diagnostic]) -> None:
        """GW6xx diagnostics of a gwfc.toml, published for that file (once per change)."""
        key = str(path)
        if self._config_published.get(key) is diags:
            return
        self._config_published[key] = diags
        try:
            index = LineIndex(path.read_text(encoding="utf-8"), self.encoding)
        except (OSError, UnicodeDecodeError):
            index = LineIndex("", self.encoding)
        params = lsp.PublishDiagnosticsParams(uri=from_fs_path(key) or key,
                                              diagnostics=[D.to_lsp(d, index) for d in diags])
        self.text_document_publish_diagnostics(params)

    def publish(self, analysis: Analysis, version: int | None) -> None:
        """Send a document's diagnostics (of its text at `version`)."""
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=analysis.uri, diagnostics=analysis.diagnostics, version=version))

    def forget(self, uri: str) -> None:
        """A document was closed: drop its state and clear its diagnostics."""
        self.analyses.pop(uri, None)
        self.outlines.pop(uri, None)
        self._again.discard(uri)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def recheck_all(self) -> None:
        """Check every open document again (the configuration changed)."""
        self.configs.clear()
        self.analyses.clear()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri)

    @property
    def document_changes(self) -> bool:
        """Whether the client takes versioned `documentChanges` in a workspace edit."""
        caps = self.client_capabilities.workspace
        we = caps.workspace_edit if caps is not None else None
        return bool(we is not None and we.document_changes)


def build_server(files: tuple[str, ...] = ()) -> GwfcLanguageServer:
    """A server with every feature registered; `files`: patterns of the files to serve."""
    server = GwfcLanguageServer(files)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: GwfcLanguageServer, params: lsp.InitializeParams) -> None:
        opts = params.initialization_options
        if isinstance(opts, dict) and isinstance(opts.get("files"), list):
            ls.files = tuple(str(p) for p in opts["files"])

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GwfcLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GwfcLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GwfcLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GwfcLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: GwfcLanguageServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(c.uri.endswith(("gwfc.toml", "pyproject.toml")) for c in params.changes):
            ls.recheck_all()

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: GwfcLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        view = ls.view(params.text_document.uri)
        return hover(view, params.position) if view is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: GwfcLanguageServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        view = ls.view(params.text_document.uri)
        return definition(view, params.position) if view is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS, resolve_provider=False))
    def on_completion(ls: GwfcLanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        view = ls.view(params.text_document.uri)
        return complete(view, params.position, params.context) if view is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def on_code_action(ls: GwfcLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        view = ls.view(params.text_document.uri)
        return code_actions(view, params, ls.document_changes) if view is not None else None

    @server.feature(lsp.SHUTDOWN)
    def on_shutdown(ls: GwfcLanguageServer, params: Any) -> None:
        ls.pool.shutdown(wait=False, cancel_futures=True)

    return server


def serve(files: tuple[str, ...] = ()) -> None:
    """Run the server over stdin/stdout until the client exits it."""
    build_server(files).start_io()
