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
from typing import NamedTuple

from gwfc.compiler.config import Config, discover, load_config
from gwfc.compiler.diagnostics import Diagnostic, Sink
from gwfc.compiler.pipeline import Options, Result, check_bytes
from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from . import diagnostics as D
from .cursor import Cursor, text_cursor, tree_cursor
from .outline import Entry, lines_of, scan
from .positions import UTF16, LineIndex
from .symbols import Symbols, from_entries, from_workflow, same_symbols


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
    #: The stamp of the configuration it was checked with (`ConfigInfo.stamp`).
    config_stamp: tuple[str, int, int] | None = None
    _symbols: Symbols | None = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    #: The last newer text compared with this one (`View.symbols`), and whether the symbols
    #: of this check answer for it.
    _same: tuple[str, bool] | None = field(default=None, repr=False)
    #: The symbols and lines are built once, by the first of the worker (right after the check
    #: is published: `warm`) and the event loop (a hover) to ask; the other waits for them.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def warm(self) -> None:
        """Build what the features read (in the worker thread, after publishing)."""
        _ = self.symbols, self.lines

    @property
    def lines(self) -> list[str]:
        """The lines of the text (`outline.lines_of`)."""
        if self._lines is None:
            with self._lock:
                if self._lines is None:
                    self._lines = lines_of(self.text)
        return self._lines

    def symbols_for(self, text: str) -> Symbols | None:
        """This check's symbols when they are also those of a newer `text` (only lines the
        symbols read nothing from changed since: `symbols.same_symbols`), else None."""
        if self.symbols is None:
            return None
        if self._same is None or self._same[0] is not text:
            self._same = (text, same_symbols(self.lines, lines_of(text)))
        return self.symbols if self._same[1] else None

    @property
    def symbols(self) -> Symbols | None:
        """The symbols of the AST (None when the file did not build)."""
        if self._symbols is None and self.result.workflow is not None:
            with self._lock:
                if self._symbols is None:
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


class ConfigInfo(NamedTuple):
    """The configuration of a document."""

    config: Config
    #: Its file (gwfc.toml, or a pyproject.toml with [tool.gwfc]), or None for the defaults.
    path: Path | None
    #: The file's own problems (GW6xx).
    diagnostics: list[Diagnostic]
    #: What identifies this version of the file: (path, modification time, size); None for
    #: the defaults. An analysis made with another stamp is out of date.
    stamp: tuple[str, int, int] | None


_DEFAULTS = ConfigInfo(Config(), None, [], None)


class ConfigCache:
    """The `gwfc.toml` of each folder, read again when it changes (by its modification time
    and size).

    Which file applies to a folder (`config.discover`, a walk up the folders) is remembered for
    `ttl` seconds; `refresh` forgets it at once (a save), `clear` forgets everything (a watched
    configuration file changed). The file itself is stat'ed on every lookup, so an edit of a
    known gwfc.toml shows on the next check.
    """

    def __init__(self) -> None:
        self._found: dict[str, tuple[float, Path | None]] = {}
        self._loaded: dict[Path, tuple[tuple[int, int], Config, list[Diagnostic]]] = {}
        self._lock = threading.Lock()
        #: Seconds during which a folder's discovery is reused without looking again.
        self.ttl = 2.0

    def clear(self) -> None:
        """Forget everything (a watched configuration file changed)."""
        with self._lock:
            self._found.clear()
            self._loaded.clear()

    def refresh(self, uri: str) -> None:
        """Look for the configuration of a document's folder again on the next lookup."""
        folder = _folder(uri)
        if folder is not None:
            with self._lock:
                self._found.pop(folder, None)

    def get(self, uri: str) -> tuple[Config, Path | None, list[Diagnostic]]:
        """The configuration of a document: (config, its file or None, its GW6xx diagnostics)."""
        info = self.lookup(uri)
        return info.config, info.path, info.diagnostics

    def lookup(self, uri: str) -> ConfigInfo:
        """The configuration of a document, with the stamp of its file."""
        folder = _folder(uri)
        if folder is None:  # not a file: the defaults
            return _DEFAULTS
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
                return _DEFAULTS
            try:
                st = cfg_path.stat()
            except OSError:  # deleted since: look again next time
                self._found.pop(folder, None)
                return _DEFAULTS
            version = (st.st_mtime_ns, st.st_size)
            loaded = self._loaded.get(cfg_path)
            if loaded is None or loaded[0] != version:
                sink = Sink()
                cfg = load_config(cfg_path, sink)
                loaded = (version, cfg, list(sink.items))
                self._loaded[cfg_path] = loaded
            return ConfigInfo(loaded[1], cfg_path, loaded[2], (str(cfg_path), *version))


def _folder(uri: str) -> str | None:
    """The folder of a document's file, or None (not a file, or not an absolute path here:
    `file:///c:/w.yaml` on Linux)."""
    path = file_name(uri)
    if path == uri or not Path(path).is_absolute():
        return None
    return str(Path(path).parent)


class View:
    """A document as the features see it."""

    def __init__(self, uri: str, text: str, version: int | None, encoding: str,
                 analysis: Analysis | None, outline_cache: dict[str, tuple[str, list[Entry], Symbols]],
                 config: Config | None = None) -> None:
        self.uri = uri
        #: The configuration of the document (its instance types), or None: the defaults.
        self.config = config
        self.text = text
        self.version = version
        self.file = file_name(uri)
        #: The last check of the document: of this text, or of an older one while the check of
        #: this one waits or runs.
        self.latest = analysis
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
        """Jobs, outputs and inputs: from the AST when current; else from the last check's AST
        when the edits since changed no line the symbols read (a script, a `with` value: the
        features do not wait for the check, nor read 20,000 lines again); else from the text."""
        if self.analysis is not None and self.analysis.symbols is not None:
            return self.analysis.symbols
        if self.latest is not None:
            same = self.latest.symbols_for(self.text)
            if same is not None:
                return same
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
