"""One check of one document, and the view of a document that the features read.

`analyse` runs the same check as `gwfc check` (`pipeline.check_bytes`, with the `gwfc.toml`
found from the file's folder) and converts its diagnostics for LSP. It is a plain function of
the text, so the server can run it in a worker thread. A `View` is what hover, definition,
completion and code actions see: the editor's current text, and the analysis of exactly that
text when there is one (else they read the text by indentation, `outline.py`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from gwfc.compiler.config import Config, discover, load_config
from gwfc.compiler.diagnostics import Diagnostic, Sink
from gwfc.compiler.pipeline import Options, Result, check_bytes
from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from . import diagnostics as D
from .cursor import Cursor, text_cursor, tree_cursor
from .outline import Entry, scan
from .positions import UTF16, LineIndex
from .symbols import Symbols, from_entries, from_workflow


def file_name(uri: str) -> str:
    """The name gwfc gives the document: its path for a `file:` URI, else the URI."""
    if uri.startswith("file:"):
        path = to_fs_path(uri)
        if path:
            return path
    return uri


@dataclass(slots=True)
class Analysis:
    """The check of one version of a document."""

    uri: str
    version: int | None
    text: str
    index: LineIndex
    result: Result
    #: `result.diagnostics` converted, in the same order.
    diagnostics: list[lsp.Diagnostic]
    #: Seconds the check took (for the log and the benchmark).
    seconds: float = 0.0
    _symbols: Symbols | None = field(default=None, repr=False)

    @property
    def symbols(self) -> Symbols | None:
        """The symbols of the AST (None when the file did not build)."""
        if self._symbols is None and self.result.workflow is not None:
            self._symbols = from_workflow(self.result.workflow)
        return self._symbols


def analyse(uri: str, text: str, version: int | None, config: Config | None = None,
            encoding: str = UTF16) -> Analysis:
    """Check one document's text as `gwfc check` would."""
    start = time.perf_counter()
    data = text.encode("utf-8", "surrogatepass")
    # freeze_gc stays off: this process runs for days (see pipeline.Options.freeze_gc).
    result = check_bytes(data, file_name(uri), Options(config=config or Config()))
    index = LineIndex(text, encoding)
    diags = [D.to_lsp(d, index) for d in result.diagnostics]
    return Analysis(uri, version, text, index, result, diags, time.perf_counter() - start)


class ConfigCache:
    """The `gwfc.toml` of each folder, read again when it changes (by its modification time)."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[float, Path | None]] = {}
        self._loaded: dict[Path, tuple[float, Config, list[Diagnostic]]] = {}
        self._lock = threading.Lock()
        #: Seconds during which a folder's discovery is reused without looking again.
        self.ttl = 2.0

    def clear(self) -> None:
        """Forget everything (a watched configuration file changed)."""
        with self._lock:
            self._found.clear()
            self._loaded.clear()

    def get(self, uri: str) -> tuple[Config, Path | None, list[Diagnostic]]:
        """The configuration of a document: (config, its file or None, its GW6xx diagnostics)."""
        path = file_name(uri)
        if path == uri:  # not a file: the defaults
            return Config(), None, []
        folder = str(Path(path).parent)
        now = time.monotonic()
        with self._lock:
            found = self._found.get(folder)
            if found is None or now - found[0] > self.ttl:
                try:
                    cfg_path = discover(Path(folder))
                except OSError:
                    cfg_path = None
                found = (now, cfg_path)
                self._found[folder] = found
            cfg_path = found[1]
            if cfg_path is None:
                return Config(), None, []
            try:
                mtime = cfg_path.stat().st_mtime
            except OSError:
                return Config(), None, []
            loaded = self._loaded.get(cfg_path)
            if loaded is None or loaded[0] != mtime:
                sink = Sink()
                cfg = load_config(cfg_path, sink)
                loaded = (mtime, cfg, list(sink.items))
                self._loaded[cfg_path] = loaded
            return loaded[1], cfg_path, loaded[2]


class View:
    """A document as the features see it."""

    def __init__(self, uri: str, text: str, version: int | None, encoding: str,
                 analysis: Analysis | None, outline_cache: dict[str, tuple[str, list[Entry], Symbols]]) -> None:
        self.uri = uri
        self.text = text
        self.version = version
        self.file = file_name(uri)
        #: The analysis of exactly this text, or None (not checked yet, or the text moved on).
        self.analysis = analysis if analysis is not None and analysis.text == text else None
        self.index = self.analysis.index if self.analysis is not None else LineIndex(text, encoding)
        self._outline_cache = outline_cache

    def _outline(self) -> tuple[list[Entry], Symbols]:
        cached = self._outline_cache.get(self.uri)
        if cached is not None and cached[0] == self.text:
            return cached[1], cached[2]
        entries = scan(self.text)
        symbols = from_entries(entries, self.file)
        self._outline_cache[self.uri] = (self.text, entries, symbols)
        return entries, symbols

    @property
    def symbols(self) -> Symbols:
        """Jobs, outputs and inputs: from the AST when current, else from the text."""
        if self.analysis is not None and self.analysis.symbols is not None:
            return self.analysis.symbols
        return self._outline()[1]

    def position(self, pos: lsp.Position) -> tuple[int, int]:
        """An LSP position as gwfc's (line, column)."""
        return self.index.from_position(pos)

    def cursor(self, pos: lsp.Position, from_text: bool = False) -> Cursor:
        """What is at `pos`: from the node tree when the text is checked and parsed, else
        (or when `from_text`) from the text by indentation."""
        line, col = self.position(pos)
        a = self.analysis
        if not from_text and a is not None and a.result.workflow is not None and a.result.source is not None:
            return tree_cursor(a.result.workflow.node, a.result.source, line, col)
        return text_cursor(self.text, line, col)
