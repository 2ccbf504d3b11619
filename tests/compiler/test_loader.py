"""The loader: spans, YAML 1.1 typing as PyYAML's safe_load, and every YAML-level check."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.limits import DEFAULT_LIMITS
from gwfc.compiler.loader import load
from gwfc.compiler.nodes import Map, Scalar, Seq, to_python
from gwfc.compiler.pipeline import check_path

from .helpers import check_text, codes, find, where


def _load(text: str, **limits: int):
    sink = Sink()
    doc = load(text.encode("utf-8"), "f.yaml", sink, replace(DEFAULT_LIMITS, **limits))
    return doc, sink


def test_spans_of_keys_and_values_count_code_points() -> None:
    doc, sink = _load("a: 1\né€😀: x\nlist:\n  - 'q'\n")
    assert not sink.items
    root = doc.root
    assert isinstance(root, Map)
    key, value = root.pairs[1]
    assert (key.line, key.column, key.end_line, key.end_column) == (2, 1, 2, 4)
    assert (value.line, value.column, value.end_column) == (2, 6, 7)
    item = root.get("list").items[0]
    assert (item.line, item.column, item.end_column) == (4, 5, 8)
    assert item.style == "'"


def test_crlf_line_ends() -> None:
    doc, sink = _load("a: 1\r\nb:\r\n  c: d\r\n")
    assert not sink.items
    c = doc.root.get("b").pairs[0][1]
    assert (c.line, c.column) == (3, 6)


SCALARS = ["5", "-3", "0x1F", "0o17", "017", "1_000", "1:30", "3.5", "1e3", "1.0e+3", ".inf", "-.Inf", ".NaN",
           "yes", "No", "ON", "off", "true", "False", "y", "n", "~", "null", "", "2021-01-01",
           "2021-01-01 10:00:00", "-c", "--flag", "+x", ".hidden", "0.", "v1", "C5", "P4000", "1.2.3"]


@pytest.mark.parametrize("text", SCALARS)
def test_scalar_typing_matches_safe_load(text: str) -> None:
    src = f"v: {text}\n"
    doc, sink = _load(src)
    expected = yaml.safe_load(src)["v"]
    got = doc.root.get("v").value
    if isinstance(expected, (datetime.date, datetime.datetime)):
        assert got.__class__.__name__ == "Timestamp" and not doc.root.get("v").is_str
    elif isinstance(expected, float) and expected != expected:
        assert got != got
    else:
        assert got == expected and type(got) is type(expected), (text, got, expected)


def test_unquoted_on_key_is_the_text_on() -> None:
    doc, _ = _load("on:\n  github: {}\nyes: 1\n")
    assert doc.root.keys() == ["on", "yes"]


def test_duplicate_key_points_at_the_second() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    uses: script@v1\n")
    (d,) = find(r, "GW105")
    assert where(d) == (4, 5)
    assert "first defined at line 3, column 5" in d.notes[0]


def test_merge_keys_apply_like_safe_load() -> None:
    src = "base: &b {x: 1, y: 2}\nother: &o {z: 3}\nm:\n  <<: [*b, *o]\n  y: 9\n"
    doc, sink = _load(src)
    assert not sink.items
    assert to_python(doc.root)["m"] == yaml.safe_load(src)["m"] == {"x": 1, "y": 9, "z": 3}


def test_aliases_share_nodes() -> None:
    doc, sink = _load("a: &x [1, 2]\nb: *x\n")
    assert not sink.items
    assert doc.root.get("a") is doc.root.get("b")


def test_billion_laughs_is_stopped() -> None:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * 10) + "]")
    doc, sink = _load("\n".join(lines) + "\n")
    assert doc.root is None
    assert [d.code for d in sink] == ["GW108"]


def test_recursive_alias() -> None:
    doc, sink = _load("a: &a\n  b: *a\n")
    assert [d.code for d in sink] == ["GW109"]


@pytest.mark.parametrize("depth", [63, 64, 65, 100_000])
def test_deep_nesting_is_cut_at_the_limit(depth: int) -> None:
    doc, sink = _load("[" * depth + "]" * depth + "\n")
    if depth <= 64:
        assert not sink.items and isinstance(doc.root, Seq)
    else:
        assert [d.code for d in sink] == ["GW107"]
        if depth < 1000:  # deeper, libyaml's scanner (reading ahead) stops first, at 1,000
            assert where(sink.items[0]) == (1, 65)


def test_deep_block_nesting() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200))
    doc, sink = _load(text)
    assert [d.code for d in sink] == ["GW107"]


def test_second_document() -> None:
    doc, sink = _load("a: 1\n---\nb: 2\n")
    assert [d.code for d in sink] == ["GW104"]
    assert doc.root.keys() == ["a"]


def test_explicit_document_markers_are_fine() -> None:
    doc, sink = _load("---\na: 1\n...\n")
    assert not sink.items and doc.root.keys() == ["a"]


def test_bom_is_skipped_and_other_encodings_refused() -> None:
    sink = Sink()
    doc = load(b"\xef\xbb\xbfa: 1\n", "f", sink)
    assert not sink.items and doc.root.keys() == ["a"]
    sink = Sink()
    assert load("a: 1\n".encode("utf-16"), "f", sink) is None
    assert [d.code for d in sink] == ["GW103"]
    sink = Sink()
    assert load(b"a: 1\nb: caf\xe9\n", "f", sink) is None
    assert [(d.code, d.span.line, d.span.column) for d in sink] == [("GW103", 2, 7)]


def test_file_size_limit() -> None:
    sink = Sink()
    assert load(b"a: 1\n" * 100, "f", sink, replace(DEFAULT_LIMITS, file_size=100)) is None
    assert [d.code for d in sink] == ["GW106"]


def test_job_limit() -> None:
    text = "jobs:\n" + "".join(f"  j{i}:\n    uses: container@v1\n    with: {{image: x}}\n" for i in range(5))
    from gwfc.compiler.config import Config
    from gwfc.compiler.pipeline import Options, check_bytes

    r = check_bytes(text.encode(), "f", Options(config=Config(limits=replace(DEFAULT_LIMITS, jobs=4))))
    assert codes(r) == ["GW110"]


def test_reference_length_limit() -> None:
    r = check_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    inputs:\n      x: "
                   + "a" * 5000 + ".outputs.x\n")
    assert "GW111" in codes(r) and "GW901" not in codes(r)


def test_unreadable(tmp_path: Path) -> None:
    r = check_path(tmp_path)
    assert codes(r) == ["GW115"]


def test_tags() -> None:
    doc, sink = _load("a: !!str 5\nb: !!int '7'\nc: !custom x\nd: !!binary aGk=\n")
    assert doc.root.get("a").value == "5"
    assert doc.root.get("b").value == 7
    assert [(d.code, d.span.line) for d in sink] == [("GW113", 3), ("GW113", 4)]


def test_empty_file_and_comment_only() -> None:
    for text in ("", "# x\n", "\n\n"):
        assert codes(check_text(text)) == ["GW112"]


def test_json_is_yaml() -> None:
    r = check_text('{"jobs": {"a": {"uses": "container@v1", "with": {"image": "x"},'
                   ' "resources": {"instance-type": "C5"}}}}')
    assert codes(r) == []


def test_top_level_not_a_map() -> None:
    assert codes(check_text("- a\n- b\n")) == ["GW203"]
    assert codes(check_text("just a string\n")) == ["GW203"]


def test_complex_and_empty_keys() -> None:
    doc, sink = _load("? [a]\n: 1\n? \n: 2\n")
    assert [d.code for d in sink] == ["GW114", "GW114"]


def test_keys_are_scalars_as_written() -> None:
    doc, sink = _load("5: a\ntrue: b\n~: c\n")
    assert doc.root.keys() == ["5", "true", "~"]
    assert isinstance(doc.root.pairs[0][0], Scalar)


def test_tag_that_is_not_utf8() -> None:
    for text in ("a: !%C0%80 x\n", "%TAG !e! tag:%ED%A0%80\n--- !e!x 1\n"):
        r = check_text(text, dedent=False)
        assert codes(r) == ["GW113"] and not r.internal
    # libyaml itself rejects this one while scanning the verbatim tag
    assert codes(check_text("a: !<%FF> [1]\n", dedent=False)) == ["GW101"]


def test_line_breaks_count_as_yaml_counts_them() -> None:
    """libyaml ends a line at CRLF, CR, LF, NEL, U+2028 and U+2029; the source index agrees,
    so the quoted line under a diagnostic is the right one."""
    for sep in ("\u2028", "\x85", "\r", "\u2029", "\r\n", "\n"):
        text = (f'jobs:\n  a:\n    uses: container@v1\n    with: {{image: "x{sep}y"}}\n'
                "    needs: [zz]\n    resources: {instance-type: C5}\n")
        r = check_text(text, dedent=False)
        (d,) = r.diagnostics
        assert r.source.line_text(d.span.line) == "    needs: [zz]", repr(sep)
