"""The dataset store (store.py) and the values from outside (values.py), and that run.sh
reads the store exactly as `gwfc dataset` writes it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from gwfc.compiler.diagnostics import Sink
from gwfc.targets.shell.store import Store, StoreError, valid_name
from gwfc.targets.shell.values import context_values, input_flags, inputs_file

from .helpers import compile_text, lower, need_bwrap, run_script


def make(tmp_path: Path, text: str) -> Path:
    d = tmp_path / f"src-{text}"
    d.mkdir()
    (d / "f.txt").write_text(text)
    return d


def test_add_resolve_and_list(tmp_path: Path) -> None:
    store = Store(tmp_path / "state")
    assert store.add("pics", make(tmp_path, "one")) == "v1"
    assert store.add("pics", make(tmp_path, "two"), tag="best") == "v2"
    assert store.add("team/pics", make(tmp_path, "three")) == "v1"
    read = lambda ref: (store.resolve(ref) / "f.txt").read_text()  # noqa: E731
    assert [read(r) for r in ("pics", "pics:latest", "pics:v1", "pics:1", "pics:best", "team/pics")] == \
        ["two", "two", "one", "one", "two", "three"]
    assert [(d.name, d.latest, d.versions, d.tags) for d in store.entries()] == [
        ("pics", "v2", ("v1", "v2"), (("best", "v2"),)), ("team/pics", "v1", ("v1",), ())]
    with pytest.raises(StoreError, match="gwfc dataset add nope DIR"):
        store.resolve("nope")
    with pytest.raises(StoreError, match=r"no version or tag \"v9\" \(versions: v1 v2\)"):
        store.resolve("pics:v9")
    with pytest.raises(StoreError, match="not a version or tag"):
        store.resolve("pics:../../etc")


def test_names(tmp_path: Path) -> None:
    assert valid_name("a") and valid_name("team/a.b_c-1") and valid_name("dsr8k5qzn401lb5")
    for bad in ("", "../x", "/abs", "a//b", ".hidden", "a/v2", "tags", "a b", "a:b"):
        assert not valid_name(bad), bad
    with pytest.raises(StoreError):
        Store(tmp_path).add("a/v3", tmp_path)
    with pytest.raises(StoreError, match="not a directory"):
        Store(tmp_path).add("a", tmp_path / "missing")


def test_run_sh_reads_the_store_as_gwfc_writes_it(tmp_path: Path) -> None:
    need_bwrap()
    store = Store(tmp_path / ".gwfc")
    store.add("team/pics", make(tmp_path, "one"), tag="gold")
    store.add("team/pics", make(tmp_path, "two"))
    script = compile_text("""
        inputs:
          d: {type: dataset, with: {ref: team/pics}}
        jobs:
          read:
            uses: script@v1
            with: {image: bash:5, script: 'cat /inputs/d/f.txt > /outputs/r'}
            inputs: {d: workflow.inputs.d}
            outputs:
              r: {type: string}
              copy: {type: dataset, with: {ref: team/pics}}
        """, tmp_path / "out")
    bad = run_script(script, "--input", "d=team/pics:../../x", cwd=tmp_path)
    assert bad.returncode == 1 and "is not a version or tag" in bad.stderr
    for ref, want in (("team/pics", "two"), ("team/pics:gold", "one"), ("team/pics:v2", "two")):
        out = run_script(script, "--input", f"d={ref}", cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert (tmp_path / ".gwfc" / "runs" / "wf").is_dir()
        run = tmp_path / ".gwfc" / "runs" / "wf" / (tmp_path / ".gwfc/runs/wf/latest").read_text()
        assert (run / "steps" / "read" / "outputs" / "r").read_text() == want
    # the job's dataset output took the versions after gwfc's, and gwfc goes on after them
    assert store.versions("team/pics") == ["v1", "v2", "v3", "v4", "v5"]
    assert store.add("team/pics", make(tmp_path, "six")) == "v6"


def ir_with_inputs():  # type: ignore[no-untyped-def]
    return lower("""
        inputs:
          data: {type: dataset, with: {ref: a}}
          text: {type: string}
          vol: {type: volume}
        jobs:
          j:
            uses: container@v1
            with: {image: bash:5, args: [ls, /inputs]}
            inputs: {d: workflow.inputs.data, t: workflow.inputs.text, v: workflow.inputs.vol}
        """)


def test_inputs_file_forms(tmp_path: Path) -> None:
    ir = ir_with_inputs()
    f = tmp_path / "in.yaml"
    for text in ("data: {ref: x}\ntext: {value: hi}\n", "inputs:\n  data: {id: x}\n  text: {value: hi}\n",
                 '{"inputs": {"data": {"ref": "x"}, "text": {"value": "hi"}}}'):
        f.write_text(text)
        sink = Sink()
        assert inputs_file(f, ir, sink) == {"data": "x", "text": "hi"}
        assert not sink.items


@pytest.mark.parametrize(("text", "message"), [
    ("nope: {value: 1}\n", 'the workflow has no input "nope"'),
    ("data: {ref: x, id: y}\n", "both `ref` and `id`"),
    ("data: x\n", "takes a map such as {ref: DATASET}"),
    ("text: {value: 5}\n", "`value` must be a string; quote it"),
    ("text: {ref: x}\n", 'takes no "ref"'),
    ("vol: {value: x}\n", "is a volume"),
    ("- a\n", "a map of input names"),
])
def test_inputs_file_errors_are_gw604(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "in.yaml"
    f.write_text(text)
    sink = Sink()
    inputs_file(f, ir_with_inputs(), sink)
    assert [d.code for d in sink.items] == ["GW604"] and message in sink.items[0].message, sink.items


def test_input_flags() -> None:
    sink = Sink()
    got = input_flags(["text=a=b", "data=x:v2", "nope=1", "broken", "vol=x"], ir_with_inputs(), sink)
    assert got == {"text": "a=b", "data": "x:v2"}
    assert [d.code for d in sink.items] == ["GW604"] * 3


def test_context_values(tmp_path: Path) -> None:
    ir = lower("""
        jobs:
          co:
            uses: git-checkout@v1
            with: {url: context.event.github.url, ref: context.event.github.ref}
            outputs: {repo: {type: volume}}
        """)
    wf = tmp_path / "wf.yaml"
    wf.write_text("")
    assert context_values(ir, {}, wf).values == {}  # not in a git repository: run.sh names the flag
    given = context_values(ir, {"context.event.github.url": "https://x"}, wf)
    assert given.values == {"event.github.url": "https://x"}
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
                    "--allow-empty", "-m", "x"], check=True)
    found = context_values(ir, {"event.github.ref": "main"}, wf)
    assert found.values == {"event.github.ref": "main", "event.github.url": f"file://{tmp_path}"}
    assert len(found.notes) == 1 and "the git repository of wf.yaml" in found.notes[0]
    block = lower(textwrap.dedent("""
        context:
          event: {github: {url: "https://example.com/r.git", ref: main}}
        jobs:
          co:
            uses: git-checkout@v1
            with: {url: context.event.github.url, ref: context.event.github.ref}
            outputs: {repo: {type: volume}}
        """))
    assert context_values(block, {}, wf).values == {}  # the block is in run.sh already
