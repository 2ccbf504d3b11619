"""The C node-tree builder (`compiler/_yamlc`) against the Python one (`loader._build`): the
same tree (node types, values, positions, sharing of aliased nodes and merged pairs) and the
same diagnostics, in the same order, for every input; and the same raw libyaml events as
PyYAML's CParser, which is what makes the first true."""

from __future__ import annotations

import importlib.util
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from gwfc.compiler import _yamlc, loader
from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.limits import DEFAULT_LIMITS, Limits
from gwfc.compiler.nodes import Map, Scalar, Seq
from gwfc.compiler.source import SourceFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml import events as ev

from ..conftest import ROOT, SHARED, corpus_files

if not _yamlc.AVAILABLE:
    pytest.skip("the C extension is not built (pip install -e . builds it)", allow_module_level=True)
if not hasattr(yaml, "CSafeLoader"):
    pytest.skip("PyYAML has no libyaml binding to compare with", allow_module_level=True)

_fastyaml: Any = _yamlc._fastyaml
_PYYAML_LIBYAML = yaml._yaml.get_version_string()  # type: ignore[attr-defined]
if _PYYAML_LIBYAML != _fastyaml.libyaml_version():
    pytest.skip(f"PyYAML bundles libyaml {_PYYAML_LIBYAML}, the extension {_fastyaml.libyaml_version()}: "
                "error behaviour can differ", allow_module_level=True)


# ---- running both builders ------------------------------------------------------------------

def _run(build: Any, text: str, limits: Limits) -> tuple[Any, Any, list[Any]]:
    sink = Sink()
    source = SourceFile("t.yaml", text)
    try:
        root = build(source, sink, limits)
    except Exception as exc:  # both must fail alike (e.g. an undecodable %-escaped tag)
        return None, (type(exc), str(exc)), sink.items
    return root, None, sink.items


def _walk(root: Any) -> list[Any]:
    """Every node and pair in depth-first order, without recursion (trees can be deep), with
    each object's first-seen index so that sharing can be compared."""
    seen: dict[int, int] = {}
    out: list[Any] = []
    stack = [root]
    while stack:
        obj = stack.pop()
        ident = id(obj)
        if ident in seen:
            out.append(("shared", seen[ident]))
            continue
        seen[ident] = len(seen)
        if isinstance(obj, Map):
            pairs, index = obj[0], obj[1]
            where = {id(p): i for i, p in enumerate(pairs)}
            out.append((Map, obj[2:], [(k, where.get(id(p))) for k, p in index.items()]))
            stack.extend(reversed(pairs))
        elif isinstance(obj, Seq):
            out.append((Seq, obj[1:]))
            stack.extend(reversed(obj[0]))
        elif isinstance(obj, Scalar):
            value = obj[3]
            nan = isinstance(value, float) and math.isnan(value)
            out.append((Scalar, obj[:3], type(value), "nan" if nan else value, obj[4:]))
        elif isinstance(obj, tuple) and len(obj) == 2:  # a (key, value) pair
            out.append(("pair", type(obj)))
            stack.extend(reversed(obj))
        else:
            out.append(("other", type(obj), obj))
    return out


def assert_same(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """The C builder gives what `loader._build` gives."""
    py_root, py_exc, py_diags = _run(loader._build, text, limits)
    c_root, c_exc, c_diags = _run(_yamlc.build, text, limits)
    assert c_exc == py_exc
    assert c_diags == py_diags
    assert type(c_root) is type(py_root)
    if py_root is not None:
        assert _walk(c_root) == _walk(py_root)


# ---- raw events: the extension's libyaml against PyYAML's -------------------------------------

_KIND = {ev.StreamStartEvent: 1, ev.StreamEndEvent: 2, ev.DocumentStartEvent: 3, ev.DocumentEndEvent: 4,
         ev.AliasEvent: 5, ev.ScalarEvent: 6, ev.SequenceStartEvent: 7, ev.SequenceEndEvent: 8,
         ev.MappingStartEvent: 9, ev.MappingEndEvent: 10}
_STYLE = {"": 1, "'": 2, '"': 3, "|": 4, ">": 5}


def _m(mark: Any) -> tuple[int, int, int] | None:
    return None if mark is None else (mark.index, mark.line, mark.column)


def _pyyaml_events(text: str) -> Any:
    parser = yaml.CSafeLoader(text)
    out: list[Any] = []
    try:
        while (e := parser.get_event()) is not None:
            kind = _KIND[type(e)]
            implicit: Any = None
            style = -1
            if kind == 6:
                implicit, style = tuple(e.implicit), _STYLE[e.style]
            elif kind in (7, 9):
                implicit, style = e.implicit, {None: 0, False: 1, True: 2}[e.flow_style]
            elif kind in (3, 4):
                implicit = not e.explicit
            out.append((kind, _m(e.start_mark), _m(e.end_mark), getattr(e, "anchor", None),
                        getattr(e, "tag", None), getattr(e, "value", None), implicit, style))
    except yaml.reader.ReaderError as exc:
        return out, ("reader", exc.reason, exc.position, exc.character)
    except yaml.MarkedYAMLError as exc:
        kind_name = "scanner" if isinstance(exc, yaml.scanner.ScannerError) else "parser"
        return out, (kind_name, exc.context, _m(exc.context_mark), exc.problem, _m(exc.problem_mark))
    except Exception as exc:
        return out, (type(exc), str(exc))
    return out, None


def assert_same_events(text: str) -> None:
    """The extension's libyaml gives the events and the error PyYAML's CParser gives."""
    py_events, py_error = _pyyaml_events(text)
    try:
        c_events, c_error = _fastyaml.events(text)
    except Exception as exc:  # raised where PyYAML raises: compare the error only
        assert (type(exc), str(exc)) == py_error
        return
    assert c_error == py_error
    assert c_events == py_events


# ---- inputs -----------------------------------------------------------------------------------

def _block_maps(n: int) -> str:
    return "".join(" " * i + "k:\n" for i in range(n)) + " " * n + "v\n"


def _block_seqs(n: int) -> str:
    return "".join(" " * (2 * i) + "-\n" for i in range(n)) + " " * (2 * n) + "x\n"


def _laughs(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [x, y]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


SNIPPETS: dict[str, str] = {
    "empty": "",
    "comment only": "# nothing\n",
    "null document": "~\n",
    "plain scalar root": "hello\n",
    "explicit empty document": "---\n...\n",
    "duplicate keys": "a: 1\nb: 2\na: 3\nb:\n  c: 1\n  c: 2\n",
    "duplicate keys in flow": "{a: 1, a: 2, 'a': 3}\n",
    "merge": "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  z: 4\n",
    "merge list": "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    "merge twice": "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n  x: 0\n",
    "merge scalar": "a:\n  <<: 5\n  b: 1\n",
    "merge list of scalars and lists": "a: &a [1]\nb:\n  <<: [x, *a, [1], {k: v}, ~, yes, 2021-01-01]\n",
    "merge quoted key is not a merge": "a: &a {x: 1}\nb:\n  '<<': *a\n",
    "merge tagged key is not a merge": "a: &a {x: 1}\nb:\n  !!str <<: *a\n",
    "merge inline": "a: {<<: {x: 1}, x: 2}\n",
    "merge of a map with a merge": "a: &a {<<: {p: 1}, q: 2}\nb: {<<: *a, r: 3}\n",
    "anchors and aliases": "a: &x [1, 2]\nb: *x\nc: &s str\nd: *s\ne: [*x, *s, *x]\n",
    "alias as a key": "a: &k key\n*k : value\n",
    "alias of a map as a key": "a: &m {x: 1}\n? *m\n: v\n",
    "anchor redefined": "a: &x 1\nb: *x\nc: &x 2\nd: *x\n",
    "nested same anchor": "a: &x [&x [1], *x]\n",
    "scalar anchor inside collection anchor": "a: &x [&x s, *x]\n",
    "recursive alias": "a: &x [1, *x]\n",
    "recursive alias in map": "a: &x\n  b: *x\n",
    "undefined alias": "a: *nope\n",
    "undefined alias after diagnostics": "a: 1\na: 2\nb: !foo x\nc: *nope\n",
    "billion laughs": _laughs(9),
    "billion laughs small": _laughs(3, 3),
    "tags": "a: !!int \"5\"\nb: !!str 5\nc: !!float 1\nd: !!bool yes\ne: !!null ''\nf: !!timestamp 2021-01-01\n",
    "bad typed tags": "a: !!int abc\nb: !!float x\nc: !!bool maybe\nd: !!int 99999999999999999999999999\n",
    "custom tags": "a: !custom x\nb: !!binary aGVsbG8=\nc: !<tag:yaml.org,2002:str> v\nd: !!python/object x\n",
    "non-specific tag": "a: ! 5\nb: ! [1]\nc: ! {x: 1}\n",
    "collection tags": "a: !!map {x: 1}\nb: !!seq [1]\nc: !!set {x}\nd: !!omap [a: 1]\ne: !!map [1]\n",
    "tag directive": "%TAG !e! tag:example.com,2000:\n---\na: !e!foo x\nb: !e!bar [1]\n",
    "yaml directive": "%YAML 1.1\n---\na: 1\n",
    "complex keys": "? [a, b]\n: 1\n? {x: 1}\n: 2\n",
    "empty keys": ": 1\n'': 2\n\"\": 3\n? \n: 4\n",
    "null key": "~: 1\nnull: 2\n",
    "bad key then value": "? [a]\n: {deep: [1, 2]}\nb: 1\n",
    "multi document": "a: 1\n---\nb: 2\n",
    "multi document explicit": "---\na: 1\n...\n---\nb: 2\n",
    "second document with error": "a: 1\n---\n[b\n",
    "tab indentation": "a:\n\tb: 1\n",
    "tab in value": "a:\tb\nc: \"x\ty\"\n",
    "syntax error unclosed flow": "a: [1, 2\nb: 3\n",
    "syntax error unclosed quote": "a: 'abc\n",
    "syntax error bad indentation": "a:\n  b: 1\n c: 2\n",
    "syntax error mapping values": "a: b: c\n",
    "syntax error after content": "a: 1\nb: 2\n- c\n",
    "syntax error cannot start token": "a: @x\n",
    "syntax error bad escape": "a: \"\\q\"\n",
    "syntax error late": "a: 1\n" * 50 + "b: [\n",
    "reader error control character": "a: \x01\n",
    "reader error late": "a: 1\n" * 10 + "b: \x7f\x02\n",
    "crlf": "a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\n",
    "bom": "\ufeffa: 1\n",
    "non-ascii before values": "é: 1\n😀😀: 2\nk: é😀x\nl: [😀, é]\n",
    "non-ascii keys duplicate": "😀: 1\n😀: 2\n",
    "block scalars": "a: |\n  x\n  y\nb: |-\n  x\nc: >\n  x\n  y\nd: >+\n  x\n\ne: |2\n    x\nf: >-\n\n  x\n",
    "quoted scalars": "a: 'it''s'\nb: \"\\u00e9\\t\\x41\"\nc: \"multi\n  line\"\nd: ''\ne: \"\"\n",
    "typed plain scalars": "a: [5, -3, 0x1F, 017, 1_000, '1', 1:30, 3.5, 1e3, .inf, -.Inf, .NaN, yes, No, ON, off, "
                           "~, null, 2021-01-01, 2021-01-01 10:00:00, -c, +x, .hidden, 0., v1, 1.2.3, '', y, n]\n",
    "empty plain values": "a:\nb: \nc: []\nd: {}\ne: [,]\n",
    "flow in block": "a: {b: [1, {c: d}], e: f}\n",
    "explicit key in flow seq": "[ ? ]\n",
    "explicit key in flow seq closed twice": "[ ? ] ]\n",
    "long line": "a: " + "x" * 100_000 + "\n",
    "long key": "k" * 2000 + ": 1\n",
    "many keys": "".join(f"k{i}: {i}\n" for i in range(3000)),
    "many lines": "a:\n" + "".join(f"  - item {i}\n" for i in range(5000)),
    "big ints": "a: 1" + "0" * 5000 + "\nb: 0x" + "f" * 500 + "\n",
    "nul": "a: \x00\n",
    "only spaces": "   \n  \n",
    "document end marker": "a: 1\n...\n",
    "stray document end": "...\n",
    "anchor on empty": "a: &x\nb: *x\n",
    "deep alias reuse": "a: &a {b: &b {c: &c [1, 2]}}\nd: [*a, *b, *c]\n",
}

for _n in (63, 64, 65, 100, 999, 1000, 1001, 100_000):
    SNIPPETS[f"flow seq depth {_n}"] = "[" * _n + "]" * _n
    SNIPPETS[f"flow map depth {_n}"] = "{a: " * _n + "x" + "}" * _n
    SNIPPETS[f"flow seq depth {_n} in a map"] = "a: " + "[" * _n + "]" * _n + "\n"
for _n in (63, 64, 65, 100, 999, 1000, 1001):
    SNIPPETS[f"block map depth {_n}"] = _block_maps(_n)
    SNIPPETS[f"block seq depth {_n}"] = _block_seqs(_n)
SNIPPETS["compact seq depth 1000"] = "- " * 1000 + "x\n"
SNIPPETS["unclosed deep flow"] = "[" * 100_000


def _bench() -> Any:
    path = SHARED / "bench" / "gen_workloads.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("gen_workloads", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files() -> list[Path]:
    return [*corpus_files(), *sorted((ROOT / "examples").glob("*.y*ml")), *sorted((ROOT / "golden").rglob("*.y*ml"))]


# ---- tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SNIPPETS))
def test_snippets(name: str) -> None:
    text = SNIPPETS[name]
    assert_same(text)
    assert_same_events(text)


@pytest.mark.parametrize("name", ["merge list", "billion laughs small", "anchors and aliases", "deep alias reuse",
                                  "flow seq depth 65", "block map depth 65", "duplicate keys"])
@pytest.mark.parametrize("limits", [{"depth": 0}, {"depth": 1}, {"depth": 3}, {"depth": -1}, {"alias_nodes": 0},
                                    {"alias_nodes": 4}, {"alias_nodes": -1}, {"alias_nodes": -12345},
                                    {"alias_nodes": 1234567}, {"depth": 10**30, "alias_nodes": 10**30}])
def test_other_limits(name: str, limits: dict[str, int]) -> None:
    assert_same(SNIPPETS[name], replace(DEFAULT_LIMITS, **limits))


def test_files() -> None:
    files = _files()
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        assert_same(text)


@pytest.mark.parametrize("n", [1, 7, 50])
def test_workloads(n: int) -> None:
    bench = _bench()
    if bench is None:
        pytest.skip("shared/bench is not beside the project")
    _, _, deps = bench.make_dag(n)
    assert_same(bench.emit_gradient(n, deps))
    assert_same(bench.emit_gha(n, deps))


def test_undecodable_tag_fails_alike() -> None:
    for text in ("a: !%C0%80 x\n", "%TAG !e! tag:%ED%A0%80\n--- !e!x 1\n", "a: !<%FF> [1]\n"):
        assert_same(text)
        assert_same_events(text)


def test_aliased_nodes_are_shared() -> None:
    root, _, diags = _run(_yamlc.build, SNIPPETS["anchors and aliases"], DEFAULT_LIMITS)
    assert not diags
    assert root.get("a") is root.get("b") is root.get("e").items[0] is root.get("e").items[2]
    root, _, _ = _run(_yamlc.build, SNIPPETS["merge"], DEFAULT_LIMITS)
    assert root.get("d").pairs[2] is root.get("base").pairs[0]


def test_repeated_builds_do_not_leak_references() -> None:
    import sys

    text = SNIPPETS["merge list"] + SNIPPETS["anchors and aliases"].replace("a:", "aa:")
    sentinel = "k: v\n"
    before = sys.getrefcount(sentinel)
    for _ in range(200):
        _run(_yamlc.build, text, DEFAULT_LIMITS)
        _run(_yamlc.build, SNIPPETS["recursive alias"], DEFAULT_LIMITS)
        _run(_yamlc.build, SNIPPETS["syntax error late"], DEFAULT_LIMITS)
        _run(_yamlc.build, sentinel, DEFAULT_LIMITS)
    assert sys.getrefcount(sentinel) == before


def test_bad_arguments_raise() -> None:
    with pytest.raises(TypeError):
        _fastyaml.build(b"bytes", 64, 10)
    with pytest.raises(TypeError):
        _fastyaml.build("a: 1", "64", 10)
    with pytest.raises(TypeError):
        _fastyaml.build("a: 1", 64.0, 10)


_ALPHABET = list("abkxy015.-+~:?[]{},'\"|>&*!#%@`<\t\n \r\\") + [
    "\n  ", "\n    ", "- ", ": ", "&a ", "*a", "&b ", "*b", "<<: ", "!!int ", "!!str ", "!x ", "! ", "---\n",
    "...\n", "%TAG ! tag:x,1:\n", "yes", "null", "0x1F", "1:30", ".inf", "2021-01-01", "é", "😀", "\ufeff",
    "\x00", "\x85", "\u2028", "jobs:\n", "uses: ", "? ", "|-\n  ", ">+\n  "]
_SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.lists(st.sampled_from(_ALPHABET), max_size=60))
def test_random_yaml_shaped_text(parts: list[str]) -> None:
    text = "".join(parts)
    assert_same(text)
    assert_same_events(text)


@_SETTINGS
@given(st.lists(st.sampled_from(_ALPHABET), max_size=40), st.integers(0, 6), st.integers(0, 12))
def test_random_text_small_limits(parts: list[str], depth: int, aliases: int) -> None:
    assert_same("".join(parts), Limits(depth=depth, alias_nodes=aliases))


@_SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    assert_same(text)
    assert_same_events(text)
