"""The server's copy of a document: incremental changes applied by LSP's line rules.

pygls' `TextDocument` split lines with `str.splitlines`, which also breaks at NEL, U+2028,
U+2029, \\x0b, \\x0c and \\x1c–\\x1e: each change after such a character landed a line early
(QA). LSP breaks lines only at CR, LF and CRLF.
"""

from __future__ import annotations

import re

import pytest
from gwfc.compiler.lsp.documents import Document, Documents, key, split_lines
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp

#: Characters that `str.splitlines` breaks at and LSP does not.
NOT_LSP_BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def reference_offset(text: str, pos: lsp.Position, encoding: str = "utf-16") -> int:
    """An independent reading of an LSP position: lines split at CRLF, CR, LF; the character
    counted in code units of the encoding; past a line's end → its end, past the last line →
    the end of the text."""
    pieces = re.split(r"(\r\n|\r|\n)", text)
    lines, breaks = pieces[0::2], pieces[1::2]
    if pos.line >= len(lines):
        return len(text)
    offset = sum(len(lines[i]) + len(breaks[i]) for i in range(pos.line))
    line = lines[pos.line]
    width = {"utf-16": lambda c: len(c.encode("utf-16-le")) // 2, "utf-8": lambda c: len(c.encode("utf-8")),
             "utf-32": lambda c: 1}[encoding]
    used = 0
    for i, c in enumerate(line):
        if used + width(c) > pos.character:
            return offset + i
        used += width(c)
    return offset + len(line)


def reference_apply(text: str, change: lsp.TextDocumentContentChangePartial, encoding: str = "utf-16") -> str:
    a = reference_offset(text, change.range.start, encoding)
    b = reference_offset(text, change.range.end, encoding)
    a, b = min(a, b), max(a, b)
    return text[:a] + change.text + text[b:]


def edit(line: int, start: int, end_line: int, end: int, text: str) -> lsp.TextDocumentContentChangePartial:
    return lsp.TextDocumentContentChangePartial(range=lsp.Range(lsp.Position(line, start),
                                                                lsp.Position(end_line, end)), text=text)


@pytest.mark.parametrize("sep", NOT_LSP_BREAKS)
def test_a_change_after_a_character_that_is_no_lsp_line_break(sep: str) -> None:
    # The QA reproducer: `container` (line 5, characters 10–19) replaced by `bogus`.
    text = f'defaults:\n  env:\n    X: "a{sep}b"\njobs:\n  a:\n    uses: container@v1\n    with: {{image: x}}\n'
    doc = Document("untitled:x", text)
    doc.apply(edit(5, 10, 5, 19, "bogus"))
    assert doc.text == text.replace("container@v1", "bogus@v1")
    assert doc.text.split("\n")[5] == "    uses: bogus@v1"


def test_line_breaks_are_lf_cr_and_crlf() -> None:
    assert split_lines("a\r\nb\rc\nd\u2028e\x85f") == ["a\r\n", "b\r", "c\n", "d\u2028e\x85f"]
    assert split_lines("a\n") == ["a\n", ""]
    assert split_lines("") == [""]


def test_a_change_can_join_cr_and_lf() -> None:
    doc = Document("untitled:x", "a\rb\nc")
    doc.apply(edit(1, 0, 1, 1, "\n"))  # "a\r" + "\n" now one CRLF break
    assert doc.text == "a\r\n\nc"
    assert doc.lines == ["a\r\n", "\n", "c"]
    doc.apply(edit(1, 0, 1, 0, "x"))
    assert doc.text == "a\r\nx\nc"


def test_positions_past_the_end() -> None:
    doc = Document("untitled:x", "ab\ncd")
    doc.apply(edit(0, 9, 0, 9, "!"))  # past the line's end: its end
    doc.apply(edit(7, 0, 7, 0, "?"))  # past the last line: the end of the text
    assert doc.text == "ab!\ncd?"


def test_utf16_positions_after_astral_characters() -> None:
    doc = Document("untitled:x", "x: 😀y\n")
    doc.apply(edit(0, 5, 0, 6, "z"))  # 😀 is two UTF-16 units
    assert doc.text == "x: 😀z\n"
    doc = Document("untitled:x", "x: 😀y\n")
    doc.apply(edit(0, 7, 0, 8, "z"), "utf-8")  # and four UTF-8 bytes
    assert doc.text == "x: 😀z\n"


ALPHABET = st.sampled_from(["a", "b", " ", ":", "é", "😀", "\n", "\r", "\r\n", *NOT_LSP_BREAKS])


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, list[lsp.TextDocumentContentChangePartial]]:
    text = "".join(draw(st.lists(ALPHABET, max_size=40)))
    changes = []
    for _ in range(draw(st.integers(1, 12))):
        def position() -> lsp.Position:
            return lsp.Position(draw(st.integers(0, 8)), draw(st.integers(0, 12)))
        changes.append(lsp.TextDocumentContentChangePartial(
            range=lsp.Range(position(), position()), text="".join(draw(st.lists(ALPHABET, max_size=6)))))
    return text, changes


@settings(max_examples=400, deadline=None)
@given(edits(), st.sampled_from(["utf-16", "utf-8", "utf-32"]))
def test_random_changes_agree_with_a_fresh_reading(case: tuple[str, list[lsp.TextDocumentContentChangePartial]],
                                                   encoding: str) -> None:
    text, changes = case
    doc = Document("untitled:x", text)
    expected = text
    for change in changes:
        doc.apply(change, encoding)
        expected = reference_apply(expected, change, encoding)
        assert doc.text == expected
        assert doc.lines == split_lines(expected)


def test_documents_are_found_in_any_escaping() -> None:
    docs = Documents()
    docs.open(lsp.TextDocumentItem("file:///c%3A/Users/me/w.yaml", "yaml", 1, "a"))
    for uri in ("file:///c%3A/Users/me/w.yaml", "file:///c:/Users/me/w.yaml", "file:///c%3a/Users/me/w.yaml"):
        doc = docs.get(uri)
        assert doc is not None and doc.uri == "file:///c%3A/Users/me/w.yaml"  # as opened
    assert key("file:///tmp/sp%20ace/%E4%B8%AD%23.yaml") == "file:///tmp/sp ace/中#.yaml"
    assert docs.get("file:///other.yaml") is None
