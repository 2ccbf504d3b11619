"""What is at a position, read from the text by indentation and from the node tree."""

from __future__ import annotations

import pytest
from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.loader import load
from gwfc.compiler.lsp.cursor import ITEM, KEY, NONE, VALUE, text_cursor, tree_cursor
from gwfc.compiler.lsp.outline import enclosing, lines_of, scan, sibling_keys, strip_comment

TEXT = """\
jobs:
  a:
    uses: container@v1   # the action
    needs: [b, c]
    inputs:
      x: b.outputs.y
      z: {type: dataset, with: {ref: foo}}
    with:
      image: "x:1"
    outputs:
      o:
        type: volume
  b:
    needs:
    - a
    - c
    with:
      script: |
        for x in a; do
          echo: hi
        done
      image: bash
"""

# (line, column) 1-based code points → (path, role, key, text, offset)
CASES = [
    ((3, 6), (("jobs", "a"), KEY, "uses", "uses", 1)),
    ((3, 11), (("jobs", "a"), VALUE, "uses", "container@v1", 0)),
    ((3, 23), (("jobs", "a"), VALUE, "uses", "container@v1", 12)),
    ((4, 13), (("jobs", "a"), ITEM, "needs", "b", 0)),
    ((4, 17), (("jobs", "a"), ITEM, "needs", "c", 1)),
    ((6, 15), (("jobs", "a", "inputs"), VALUE, "x", "b.outputs.y", 5)),
    ((7, 12), (("jobs", "a", "inputs", "z"), KEY, "type", "type", 1)),
    ((7, 20), (("jobs", "a", "inputs", "z"), VALUE, "type", "dataset", 3)),
    ((9, 16), (("jobs", "a", "with"), VALUE, "image", "x:1", 1)),
    ((12, 15), (("jobs", "a", "outputs", "o"), VALUE, "type", "volume", 0)),
    ((15, 7), (("jobs", "b"), ITEM, "needs", "a", 0)),
    ((16, 8), (("jobs", "b"), ITEM, "needs", "c", 1)),
    ((22, 9), (("jobs", "b", "with"), KEY, "image", "image", 2)),
]


@pytest.mark.parametrize(("where", "expected"), CASES)
def test_text_cursor(where: tuple[int, int], expected: tuple[object, ...]) -> None:
    cur = text_cursor(TEXT, *where)
    assert (cur.path, cur.role, cur.key, cur.text, cur.offset) == expected


@pytest.mark.parametrize(("where", "expected"), CASES)
def test_tree_cursor_agrees(where: tuple[int, int], expected: tuple[object, ...]) -> None:
    doc = load(TEXT.encode(), "f.yaml", Sink())
    assert doc is not None and doc.root is not None
    cur = tree_cursor(doc.root, doc.source, *where)
    assert (cur.path, cur.role, cur.key, cur.text, cur.offset) == expected


def test_inside_a_block_scalar_is_nowhere() -> None:
    assert text_cursor(TEXT, 20, 12).role == NONE
    assert text_cursor(TEXT, 19, 9).role == NONE


def test_comment_is_nowhere() -> None:
    assert text_cursor("# hello\njobs: {}\n", 1, 3).role == NONE


@pytest.mark.parametrize(("text", "line", "col", "path", "role", "word"), [
    # typing a key on its own line: not YAML yet
    ("jobs:\n  a:\n    uses: container@v1\n    with:\n      ima\n", 5, 10, ("jobs", "a", "with"), KEY, "ima"),
    # a blank line: the column decides the map
    ("jobs:\n  a:\n    with:\n      image: x\n\n", 5, 7, ("jobs", "a", "with"), KEY, ""),
    ("jobs:\n  a:\n    with:\n      image: x\n\n", 5, 5, ("jobs", "a"), KEY, ""),
    ("jobs:\n  a:\n    with:\n      image: x\n\n", 5, 1, (), KEY, ""),
    # an open flow list and a dangling list item
    ("jobs:\n  a:\n    needs: [b, \n", 3, 16, ("jobs", "a"), ITEM, ""),
    ("jobs:\n  a:\n    needs:\n      - \n", 4, 9, ("jobs", "a"), ITEM, ""),
    ("jobs:\n  a:\n    needs:\n    - \n", 4, 7, ("jobs", "a"), ITEM, ""),
    # a value straight after the colon
    ("jobs:\n  a:\n    uses:\n", 3, 10, ("jobs", "a"), VALUE, ""),
    ("jobs:\n  a:\n    inputs:\n      d: prep.outputs.\n", 4, 23, ("jobs", "a", "inputs"), VALUE, "prep.outputs."),
    # quoted keys and values
    ('jobs:\n  "a":\n    "uses": \'container@v1\'\n', 3, 15, ("jobs", "a"), VALUE, "container@v1"),
])
def test_broken_text(text: str, line: int, col: int, path: tuple[str, ...], role: str, word: str) -> None:
    cur = text_cursor(text, line, col)
    assert (cur.path, cur.role, cur.text) == (path, role, word)


def test_scan_paths_and_blocks() -> None:
    entries = {e.line: e for e in scan(TEXT)}
    assert entries[3].path == ("jobs", "a") and entries[3].key == "uses" and entries[3].value == "container@v1"
    assert entries[15].path == ("jobs", "b", "needs") and entries[15].item and entries[15].value == "a"
    assert entries[20].block and entries[20].path == ("jobs", "b", "with", "script")
    assert entries[22].path == ("jobs", "b", "with") and entries[22].key == "image"


def test_enclosing_walks_up_only() -> None:
    lines = lines_of(TEXT)
    assert enclosing(lines, 22, 7, False) == (("jobs", "b", "with"), False)
    assert enclosing(lines, 19, 9, False)[1] is True


def test_sibling_keys() -> None:
    lines = lines_of(TEXT)
    assert sibling_keys(lines, 2, 5) == {"needs", "inputs", "with", "outputs"}
    assert sibling_keys(lines, 17, 7) == {"image"}


@pytest.mark.parametrize(("text", "expected"), [
    ("a # c", "a"),
    ("a#b", "a#b"),
    ('"a # b" # c', '"a # b"'),
    ("'it''s # x'", "'it''s # x'"),
    ('"esc \\" # x" # y', '"esc \\" # x"'),
])
def test_strip_comment(text: str, expected: str) -> None:
    assert strip_comment(text) == expected
