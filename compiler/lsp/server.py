"""The gwfc language server (pygls): diagnostics, hover, definition, completion, quick fixes.

Documents. The server keeps the open documents itself (`documents.py`: LSP's line rules, keys
with percent-escapes decoded) rather than in pygls' workspace; `GwfcProtocol` replaces pygls'
built-in didOpen/didChange/didClose handlers to do so.

Checks. A check is pure Python and holds the GIL for its whole length (about 90 ms for a file
of 1,000 jobs), so while one runs the event loop reads the client's messages slowly. Checks
therefore start only after a quiet period (`QUIET`) without changes: a burst of edits (typing,
a paste, an undo of many steps) is read at full speed and checked once, on its newest text.
Checks run in one worker thread, so that hover and completion still answer while one runs;
changes that arrive during a check are folded into one more check when it ends (after the
quiet period, counted from the last change), and diagnostics of a text that has already moved
on are not published (their ranges would be wrong). The features answer at once, never
waiting for a check: from the check of the current text when there is one, else from the text
itself (`analysis.View`).

Configuration. Each check looks up the document's gwfc.toml (`analysis.ConfigCache`); a check
made with another version of it is out of date. A save looks for the file again, and the
server asks the client to watch `**/gwfc.toml` and `**/pyproject.toml` (when the client can
register watchers) and checks every open document again when one changes.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import sys
import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from gwfc.compiler.diagnostics import Diagnostic
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCRequest
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path

from . import diagnostics as D
from .analysis import Analysis, ConfigCache, View, analyse, file_name
from .codeactions import code_actions
from .completion import TRIGGER_CHARACTERS, complete
from .documents import Document, Documents, key
from .navigation import definition, hover
from .outline import Entry
from .positions import UTF16, LineIndex
from .symbols import Symbols

log = logging.getLogger("gwfc.lsp")

#: Seconds without a change before a check starts.
QUIET = 0.02
#: The configuration files the server asks the client to watch.
CONFIG_GLOBS = ("**/gwfc.toml", "**/pyproject.toml")
CONFIG_NAMES = ("gwfc.toml", "pyproject.toml")
WATCH_ID = "gwfc-config-files"


def _version() -> str:
    try:
        return metadata.version("gwfc")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class _Answered:
    """A message already answered while it was read (invalid params): nothing to handle."""

    jsonrpc = ""


_ANSWERED = _Answered()


class GwfcProtocol(LanguageServerProtocol):
    """pygls' protocol, with the documents kept by the server and some corners of LSP and
    JSON-RPC that pygls leaves open:

    - a request whose params do not match the method's type is answered with InvalidParams
      (pygls logs it and never answers: the client waits for ever);
    - a request after `shutdown` is answered with InvalidRequest (pygls drops it);
    - `executeCommandProvider` is not advertised: the server has no commands.
    """

    _server: GwfcLanguageServer

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams) -> Generator[Any, Any, lsp.InitializeResult]:
        result: lsp.InitializeResult = yield from super().lsp_initialize(params)
        caps = result.capabilities
        if caps.execute_command_provider is not None and not caps.execute_command_provider.commands:
            caps.execute_command_provider = None
        return result

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        self._server.documents.open(params.text_document)
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        self._server.documents.change(params, self._server.encoding)
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        self._server.documents.close(params.text_document.uri)
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                log.warning("invalid %s request %s: %s", data.get("method"), data.get("id"), exc.__cause__ or exc)
                self._send_response(data["id"], error=exc.to_response_error())
                return _ANSWERED
            raise

    def handle_message(self, message: Any) -> None:
        if message is _ANSWERED:
            return
        if isinstance(message, dict):  # JSON that is no JSON-RPC message (`{}`): pygls passes it on raw
            msg_id = message.get("id")
            log.warning("not a JSON-RPC message: %.200s", json.dumps(message))
            error = lsp.ResponseError(code=lsp.ErrorCodes.InvalidRequest,
                                      message="not a JSON-RPC 2.0 request, response or notification")
            # JSON-RPC answers an invalid request with its id, or null when it has none.
            self._send_response(msg_id if isinstance(msg_id, (int, str)) else None,  # type: ignore[arg-type]
                                error=error)
            return
        if self._shutdown and isinstance(message, RPCRequest) and message.method != lsp.EXIT:
            self._send_response(message.id, error=lsp.ResponseError(
                code=lsp.ErrorCodes.InvalidRequest, message="the server is shutting down"))
            return
        super().handle_message(message)


class GwfcLanguageServer(LanguageServer):
    """A pygls server that keeps the open documents and the last check of each."""

    def __init__(self, files: tuple[str, ...] = ()) -> None:
        super().__init__("gwfc", _version(), text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=GwfcProtocol)
        #: Patterns of the files to serve (`--files`, or `initializationOptions.files`); empty: all.
        self.files = files
        self.documents = Documents()
        #: By document key (`documents.key`).
        self.analyses: dict[str, Analysis] = {}
        self.outlines: dict[str, tuple[str, list[Entry], Symbols]] = {}
        self.configs = ConfigCache()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gwfc-check")
        #: Seconds without a change before a check starts.
        self.quiet = QUIET
        #: Whether `shutdown` was received (the exit code: 0 if so, else 1).
        self.shut_down = False
        self._busy: set[str] = set()
        self._again: set[str] = set()
        self._changed: dict[str, float] = {}
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
        """The view of an open document (the URI in any escaping), or None."""
        doc = self.documents.get(uri)
        if doc is None or not self.wants(doc.uri):
            return None
        k = key(doc.uri)
        return View(doc.uri, doc.text, doc.version, self.encoding, self.analyses.get(k), self.outlines,
                    self.configs.lookup(doc.uri).config)

    # ---- checking ------------------------------------------------------------------------

    def schedule(self, uri: str, changed: bool = False) -> None:
        """Check a document soon: when idle, at once (`changed`: after the quiet period), else
        once more when the running check ends."""
        doc = self.documents.get(uri)
        if doc is None or not self.wants(doc.uri):
            return
        k = key(doc.uri)
        if changed:
            self._changed[k] = asyncio.get_running_loop().time()
        if k in self._busy:
            self._again.add(k)
            return
        self._busy.add(k)
        task = asyncio.get_running_loop().create_task(self._check_loop(k))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _quiet(self, k: str) -> None:
        """Wait until no change of the document has arrived for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        while True:
            last = self._changed.get(k)
            wait = 0.0 if last is None else last + self.quiet - loop.time()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _check_loop(self, k: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self._quiet(k)
                self._again.discard(k)
                doc = self.documents.get_key(k)
                if doc is None:
                    return
                text, version = doc.text, doc.version
                info = self.configs.lookup(doc.uri)
                if info.path is not None:
                    self._publish_config(info.path, info.diagnostics)
                last = self.analyses.get(k)
                if last is not None and last.text == text and last.config_stamp == info.stamp:
                    analysis = last
                else:
                    if last is not None and last.config_stamp != info.stamp:
                        self.clear_stale_config_diagnostics()
                    analysis = await loop.run_in_executor(self.pool, analyse, doc.uri, text, version, info.config,
                                                          self.encoding)
                    analysis.config_stamp = info.stamp
                    log.info("checked %s (version %s) in %.0f ms: %d diagnostics%s", doc.uri, version,
                             analysis.seconds * 1000, len(analysis.diagnostics),
                             " (the text moved on: not published)" if k in self._again else "")
                if k in self._again:
                    if self.documents.get_key(k) is doc:
                        self.analyses[k] = analysis
                    continue  # the text moved on (or the document was opened again): check the newest
                if self.documents.get_key(k) is not doc:
                    return  # closed
                self.analyses[k] = analysis
                self.publish(doc, analysis, version)
                if not self.shut_down:
                    # The symbols of the AST and the lines, built now in the worker rather than
                    # on the event loop by the first hover or completion.
                    self.pool.submit(analysis.warm)
                return
        except Exception:  # a bug in the server: logged, and the next change tries again
            log.exception("checking %s failed", k)
        finally:
            self._busy.discard(k)

    def _publish_config(self, path: Path, diags: list[Diagnostic]) -> None:
        """GW6xx diagnostics of a gwfc.toml, published for that file (once per change)."""
        name = str(path)
        if self._config_published.get(name) is diags:
            return
        self._config_published[name] = diags
        try:
            index = LineIndex(path.read_text(encoding="utf-8"), self.encoding)
        except (OSError, UnicodeDecodeError):
            index = LineIndex("", self.encoding)
        params = lsp.PublishDiagnosticsParams(uri=from_fs_path(name) or name,
                                              diagnostics=[D.to_lsp(d, index) for d in diags])
        self.text_document_publish_diagnostics(params)

    def clear_stale_config_diagnostics(self) -> None:
        """Clear the diagnostics published for a configuration file that is gone."""
        for name in list(self._config_published):
            if not Path(name).is_file():
                del self._config_published[name]
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=from_fs_path(name) or name, diagnostics=[]))

    def publish(self, doc: Document, analysis: Analysis, version: int | None) -> None:
        """Send a document's diagnostics (of its text at `version`)."""
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=doc.uri, diagnostics=analysis.diagnostics, version=version))

    def forget(self, uri: str) -> None:
        """A document was closed: drop its state and clear its diagnostics."""
        k = key(uri)
        self.analyses.pop(k, None)
        for u in [u for u in self.outlines if key(u) == k]:
            del self.outlines[u]
        self._again.discard(k)
        self._changed.pop(k, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def recheck_all(self) -> None:
        """Check every open document again if its configuration changed (a watched file did)."""
        self.configs.clear()
        self.clear_stale_config_diagnostics()
        for doc in self.documents.all():
            self.schedule(doc.uri)

    @property
    def document_changes(self) -> bool:
        """Whether the client takes versioned `documentChanges` in a workspace edit."""
        caps = self.client_capabilities.workspace
        we = caps.workspace_edit if caps is not None else None
        return bool(we is not None and we.document_changes)

    @property
    def can_watch_files(self) -> bool:
        """Whether the client registers file watchers on request."""
        caps = self.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        return bool(watched is not None and watched.dynamic_registration)

    def log_message(self, message: str, kind: lsp.MessageType = lsp.MessageType.Warning) -> None:
        """Write to the client's log (window/logMessage) and to the server's."""
        log.warning("%s", message)
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))


def build_server(files: tuple[str, ...] = ()) -> GwfcLanguageServer:
    """A server with every feature registered; `files`: patterns of the files to serve."""
    server = GwfcLanguageServer(files)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: GwfcLanguageServer, params: lsp.InitializeParams) -> None:
        opts = params.initialization_options
        if not isinstance(opts, dict) or "files" not in opts:
            return
        files = opts["files"]
        if isinstance(files, list) and all(isinstance(p, str) for p in files):
            ls.files = tuple(files)
        else:
            ls.log_message(f"gwfc: initializationOptions.files must be a list of patterns (strings), "
                           f"not {files!r}: ignored, every document is served")

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: GwfcLanguageServer, params: lsp.InitializedParams) -> None:
        if not ls.can_watch_files:
            return
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=g) for g in CONFIG_GLOBS])
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[
                lsp.Registration(id=WATCH_ID, method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                 register_options=options)]))
        except Exception as exc:  # the client refused: saves still pick changes up
            log.warning("the client did not register the configuration file watchers: %s", exc)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GwfcLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GwfcLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, changed=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GwfcLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        # The configuration is looked for again: a gwfc.toml written next to the file since
        # is found now; the check runs only if the configuration (or the text) changed.
        ls.configs.refresh(params.text_document.uri)
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GwfcLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: GwfcLanguageServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(c.uri.rstrip("/").rsplit("/", 1)[-1] in CONFIG_NAMES for c in params.changes):
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
        ls.shut_down = True
        ls.pool.shutdown(wait=False, cancel_futures=True)

    return server


class _PipeReader:
    """stdin read by the event loop itself (pygls reads it in a thread: three hand-overs of
    the GIL per message, each waiting for a running check to let go of it)."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        return await self.stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:  # the client went away
            return exc.partial


async def _run_on_pipe(server: GwfcLanguageServer) -> bool:
    """Serve with stdin read by the event loop; False when stdin is not a pipe (a file)."""
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=1 << 20)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), sys.stdin.buffer)
    except (OSError, ValueError):
        return False
    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    await run_async(stop_event=server._stop_event, reader=_PipeReader(stream), protocol=server.protocol,
                    logger=log, error_handler=server.report_server_error)
    return True


def serve(files: tuple[str, ...] = ()) -> None:
    """Run the server over stdin/stdout until the client exits it; the exit code is 0 after
    `shutdown`, else 1 (LSP)."""
    # The event loop (reading the client's messages) waits for the GIL while a check runs in
    # the worker thread: hand it over within 1 ms rather than the default 5.
    sys.setswitchinterval(0.001)
    server = build_server(files)
    served = False
    if sys.platform != "win32":  # the Windows event loop reads only overlapped pipes
        try:
            served = asyncio.run(_run_on_pipe(server))
        except (KeyboardInterrupt, SystemExit, BrokenPipeError):
            served = True  # `exit` (pygls ends the loop with SystemExit), or the client went away
        finally:
            if served:
                server.shutdown()  # type: ignore[no-untyped-call]
    if not served:
        server.start_io()
    sys.exit(0 if server.shut_down else 1)
