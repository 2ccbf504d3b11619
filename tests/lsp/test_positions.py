"""The one conversion between gwfc positions (1-based, code points) and LSP (0-based, UTF-16)."""

from __future__ import annotations

import pytest
from gwfc.compiler.lsp.positions import UTF8, UTF16, UTF32, LineIndex, from_units, to_units, units
from gwfc.compiler.source import Span
from lsprotocol import types as lsp

LINE = 'x: "é中😀", bogus'  # é: 1 unit, 中: 1 unit, 😀: 2 units in UTF-16


@pytest.mark.parametrize(("text", "encoding", "expected"), [
    ("abc", UTF16, 3),
    ("é中", UTF16, 2),
    ("😀", UTF16, 2),
    ("é中😀", UTF16, 4),
    ("é中😀", UTF8, 2 + 3 + 4),
    ("é中😀", UTF32, 3),
])
def test_units(text: str, encoding: str, expected: int) -> None:
    assert units(text, encoding) == expected


def test_columns_after_astral_characters() -> None:
    col = LINE.index("bogus")  # 0-based code points
    assert col == 10
    assert to_units(LINE, col) == 11
    assert to_units(LINE, col, UTF8) == len(LINE[:col].encode("utf-8")) == 16
    assert to_units(LINE, col, UTF32) == 10
    assert from_units(LINE, 11) == 10
    assert from_units(LINE, 16, UTF8) == 10


def test_round_trip_every_column() -> None:
    for enc in (UTF16, UTF8, UTF32):
        for col in range(len(LINE) + 3):
            assert from_units(LINE, to_units(LINE, col, enc), enc) == col


def test_inside_a_surrogate_pair_falls_back_to_the_character() -> None:
    emoji = LINE.index("😀")
    assert from_units(LINE, to_units(LINE, emoji) + 1) == emoji


def test_span_to_range_and_back() -> None:
    index = LineIndex("jobs:\n" + LINE + "\n")
    col = LINE.index("bogus") + 1  # gwfc: 1-based
    span = Span("f", 2, col, 2, col + 5)
    rng = index.range(span)
    assert rng == lsp.Range(lsp.Position(1, 11), lsp.Position(1, 16))
    assert index.from_position(rng.start) == (2, col)
    assert index.from_position(rng.end) == (2, col + 5)


def test_crlf_lines() -> None:
    index = LineIndex("a: 1\r\n😀: 2\r\n")
    assert index.line(1) == "😀: 2"
    assert index.range(Span("f", 2, 2, 2, 3)) == lsp.Range(lsp.Position(1, 2), lsp.Position(1, 3))


def test_byte_order_mark_shifts_line_one() -> None:
    # gwfc reads the text without its BOM; the editor's line 0 still has it.
    index = LineIndex("\ufeffjobs: x\nb: 1\n")
    assert index.position(1, 1) == lsp.Position(0, 1)
    assert index.position(2, 1) == lsp.Position(1, 0)
    assert index.from_position(lsp.Position(0, 1)) == (1, 1)


def test_past_the_end() -> None:
    # Positions are clamped to the document: past a line's end → its end; past the last line
    # → the end of the text (LSP clients are not required to accept others).
    index = LineIndex("ab\n")
    assert index.position(1, 5) == lsp.Position(0, 2)
    assert index.position(2, 1) == lsp.Position(1, 0)
    assert index.position(3, 1) == lsp.Position(1, 0)
    assert index.position(3, 7) == lsp.Position(1, 0)


@pytest.mark.parametrize("sep", ["\n", "\r", "\u2028"])
def test_past_the_end_with_other_line_breaks(sep: str) -> None:
    index = LineIndex(f"ab{sep}cd")
    assert index.position(1, 9) == lsp.Position(0, 2)
    assert index.position(2, 9) == lsp.Position(0 if sep == "\u2028" else 1, 5 if sep == "\u2028" else 2)
    assert index.position(5, 1) == index.position(2, 3)


@pytest.mark.parametrize(("text", "code"), [("jobs: [", "GW101"), ("\ufeff", None), ("\n\n\n", None),
                                            ("jobs:\n  a: {uses: [", "GW101"), ("\ufeffjobs: [", "GW101"),
                                            ("jobs: [\u2028", "GW101"), ("jobs: [\r\n  \r\n", "GW101")])
def test_diagnostics_stay_inside_the_document(text: str, code: str | None) -> None:
    """gwfc reports an unclosed flow collection at the start of the line after the last; a
    text without a final line break has no such line (QA: GW101 at line 1 of a 1-line text)."""
    from gwfc.compiler.lsp.analysis import analyse

    a = analyse("untitled:x.yaml", text, 1)
    assert a.diagnostics
    if code is not None:
        assert code in [d.code for d in a.diagnostics]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for d in a.diagnostics:
        for p in (d.range.start, d.range.end):
            assert p.line < len(lines), (d.code, p)
            assert p.character <= len(lines[p.line].encode("utf-16-le")) // 2, (d.code, p)


def test_unknown_encoding_is_utf16() -> None:
    assert LineIndex("", "utf-7").encoding == UTF16


@pytest.mark.parametrize("sep", ["\u2028", "\x85", "\r", "\u2029"])
def test_yaml_line_breaks_that_lsp_does_not_count(sep: str) -> None:
    """libyaml counts NEL, LS, PS and a lone CR as line breaks; LSP counts only CR/LF/CRLF."""
    from gwfc.compiler.pipeline import check_bytes

    text = (f'jobs:\n  a:\n    uses: container@v1\n    with: {{image: "x{sep}y"}}\n'
            "    needs: [zz]\n    resources: {instance-type: C5}\n")
    (d,) = check_bytes(text.encode("utf-8"), "w.yaml").diagnostics
    index = LineIndex(text)
    r = index.range(d.span)
    lsp_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert lsp_lines[r.start.line][r.start.character:r.end.character] == "zz"
    assert index.from_position(r.start) == (d.span.line, d.span.column)


@pytest.mark.parametrize("text", ["ab\ncd", "ab\u2028x\ncd", "\ufeffab\ncd"])
def test_client_positions_past_the_end_are_clamped(text: str) -> None:
    """LSP: a character past the end of its line means the end of the line (QA: a completion
    at character 10**6 of a blank line inserted a million blanks)."""
    index = LineIndex(text)
    last = index.from_position(lsp.Position(1, 2))
    assert index.from_position(lsp.Position(1, 10**6)) == last
    assert index.from_position(lsp.Position(7, 0)) == last
    assert index.from_position(lsp.Position(0, 10**6)) == index.from_position(lsp.Position(0, len(text.split("\n")[0])))
