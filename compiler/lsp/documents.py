"""The open documents: their text, kept in step with the editor by LSP's own line rules.

The server keeps its own copy of each open document instead of pygls' `Workspace`, for two
reasons:

- Lines. pygls' `TextDocument` splits its text with `str.splitlines`, which also breaks at
  NEL, U+2028, U+2029, `\\x0b`, `\\x0c` and `\\x1c`–`\\x1e`; LSP breaks lines only at CR, LF
  and CRLF. Every incremental change after such a character then landed one line early, and
  the copy stayed wrong for the rest of the session. Here a change's range is read with LSP's
  rules (`positions.lsp_line_starts`) in the negotiated position encoding.
- Cost. pygls splits the whole text into lines on every change (a few milliseconds for a file
  of 20,000 lines, on the event loop); here the document is kept as its lines, a change
  replaces the lines it touches, and the text is joined once when it is next read.

Documents are keyed by their URI with percent-escapes decoded (`key`), as pygls keys its own:
a client may write the same file `file:///c%3A/w.yaml` or `file:///c:/w.yaml`. Each document
keeps the URI as the client opened it, which is the one its diagnostics are published for.
"""

from __future__ import annotations

from urllib.parse import unquote

from lsprotocol import types as lsp

from .positions import UTF16, from_units, lsp_line_starts


def key(uri: str) -> str:
    """The key of a document: its URI with percent-escapes decoded (as pygls keys them)."""
    return unquote(uri)


class Document:
    """One open document, held as its LSP lines (each with its line break; the last one has
    none, and is empty when the text ends with a break): a change replaces only the lines it
    touches, and the text is joined again when it is next read."""

    __slots__ = ("_lines", "_text", "language_id", "uri", "version")

    def __init__(self, uri: str, text: str, version: int | None = None, language_id: str | None = None) -> None:
        #: The URI as the client opened it.
        self.uri = uri
        self.version = version
        self.language_id = language_id
        self._text: str | None = text
        self._lines = split_lines(text)

    @property
    def text(self) -> str:
        """The whole text."""
        if self._text is None:
            self._text = "".join(self._lines)
        return self._text

    @property
    def lines(self) -> list[str]:
        """The LSP lines, each with its line break (do not modify)."""
        return self._lines

    def _point(self, pos: lsp.Position, encoding: str) -> tuple[int, int]:
        """(line, code-point column) of an LSP position, inside the text: a character past the
        end of its line is the end of the line (LSP), a line past the last one the end of the
        text."""
        lines = self._lines
        if pos.line >= len(lines):
            return len(lines) - 1, len(_content(lines[-1]))
        content = _content(lines[pos.line])
        return pos.line, min(from_units(content, pos.character, encoding), len(content))

    def apply(self, change: lsp.TextDocumentContentChangeEvent, encoding: str = UTF16) -> None:
        """Apply one change of a `didChange` (a range and its new text, or the whole text)."""
        if not isinstance(change, lsp.TextDocumentContentChangePartial):
            self._text = change.text
            self._lines = split_lines(change.text)
            return
        (l1, c1), (l2, c2) = sorted((self._point(change.range.start, encoding),
                                     self._point(change.range.end, encoding)))
        lines = self._lines
        # A CR ending the line before can pair with an LF the change starts with: that line is
        # read again too.
        first = max(l1 - 1, 0)
        piece = "".join(lines[first:l1]) + lines[l1][:c1] + change.text + lines[l2][c2:]
        new = split_lines(piece)
        if l2 + 1 < len(lines):  # the piece ends with line l2's break: no line of its own after it
            new.pop()
        lines[first:l2 + 1] = new
        self._text = None


def split_lines(text: str) -> list[str]:
    """The LSP lines of a text, each with its line break; the last has none (it is empty
    when the text ends with a break)."""
    starts = lsp_line_starts(text)
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _content(line: str) -> str:
    """A line without its line break."""
    if line.endswith("\n"):
        return line[:-2] if line.endswith("\r\n") else line[:-1]
    return line[:-1] if line.endswith("\r") else line


class Documents:
    """The open documents, by `key`."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def open(self, item: lsp.TextDocumentItem) -> Document:
        """didOpen: a new document (replacing one of the same URI)."""
        doc = Document(item.uri, item.text, item.version, item.language_id)
        self._docs[key(item.uri)] = doc
        return doc

    def change(self, params: lsp.DidChangeTextDocumentParams, encoding: str = UTF16) -> Document | None:
        """didChange: apply the changes in order; None when the document is not open."""
        doc = self._docs.get(key(params.text_document.uri))
        if doc is None:
            return None
        for change in params.content_changes:
            doc.apply(change, encoding)
        doc.version = params.text_document.version
        return doc

    def close(self, uri: str) -> Document | None:
        """didClose: forget the document."""
        return self._docs.pop(key(uri), None)

    def get(self, uri: str) -> Document | None:
        """The open document of a URI (in any escaping), or None. Never reads the disk."""
        return self._docs.get(key(uri))

    def get_key(self, k: str) -> Document | None:
        """The open document of a key (`key(uri)`), or None."""
        return self._docs.get(k)

    def __contains__(self, uri: object) -> bool:
        return isinstance(uri, str) and key(uri) in self._docs

    def __len__(self) -> int:
        return len(self._docs)

    def all(self) -> list[Document]:
        """Every open document."""
        return list(self._docs.values())
