"""Datasets in one run: each producer writes a version of its own, commits of one dataset land
in `needs` order, and a step that reads a dataset by name (`latest`, a tag, a workflow input)
gets the version that existed when the run started, even when the run commits that dataset
(SPEC.md §5: such references resolve before the run)."""

from __future__ import annotations

from typing import Any

from gwfc.compiler.diagnostics import Severity

from .helpers import Compiled, compile_text, input_origin, name_problems

TWO_PRODUCERS = """
    jobs:
      a:
        uses: container@v1
        with: {image: bash:5, args: [touch, /outputs/d/a]}
        outputs:
          d: {type: dataset, with: {ref: shared}}
      b:
        needs: [a]
        uses: container@v1
        with: {image: bash:5, args: [touch, /outputs/d/b]}
        outputs:
          d: {type: dataset, with: {ref: shared:nightly}}
      reader:
        needs: [a, b]
        uses: container@v1
        with: {image: bash:5, args: [ls, /inputs/x, /inputs/y]}
        inputs:
          x: a.outputs.d
          y: b.outputs.d
    """


def _commits(c: Compiled) -> dict[str, dict[str, Any]]:
    return {n: t for n, t in c.tasks.items() if t["template"] == "gwfc-commit"}


def _key(task: dict[str, Any]) -> str:
    return str(task["arguments"]["parameters"][0]["value"])


def test_each_producer_writes_a_version_of_its_own() -> None:
    c = compile_text(TWO_PRODUCERS)
    keys = {n: c.templates[n]["outputs"]["artifacts"][0]["s3"]["key"] for n in ("a", "b")}
    assert keys == {"a": "gwfc/datasets/shared/{{workflow.name}}-a.tgz",
                    "b": "gwfc/datasets/shared/{{workflow.name}}-b.tgz"}
    # the reader of a.outputs.d gets a's artifact, not the dataset's key
    assert input_origin(c, "reader", "/inputs/x") == ("artifact", "a", "d")
    assert input_origin(c, "reader", "/inputs/y") == ("artifact", "b", "d")


def test_commits_of_one_dataset_follow_the_needs_order() -> None:
    c = compile_text(TWO_PRODUCERS)
    commits = _commits(c)
    assert {n: _key(t) for n, t in commits.items()} == {
        "a-commit-d": "gwfc/datasets/shared/latest.tgz",
        "b-commit-d": "gwfc/datasets/shared/latest.tgz",
        "b-tag-nightly-d": "gwfc/datasets/shared/nightly.tgz"}
    assert commits["a-commit-d"]["dependencies"] == ["a"]
    assert commits["b-commit-d"]["dependencies"] == ["b", "a-commit-d"]  # latest ends at b's version
    assert commits["b-tag-nightly-d"]["dependencies"] == ["b"]


def test_models_of_one_run_get_keys_of_their_own() -> None:
    c = compile_text("""
        jobs:
          m1:
            uses: create-model@v1
            with: {name: my-model, type: Custom}
            inputs:
              model: {type: dataset, with: {ref: weights}}
            outputs:
              model-id: {type: string}
          m2:
            uses: create-model@v1
            with: {name: my-model, type: Custom}
            inputs:
              model: {type: dataset, with: {ref: weights}}
            outputs:
              model-id: {type: string}
        """)
    keys = [next(a for a in c.templates[t]["outputs"]["artifacts"] if a["name"] == "gwfc-model")["s3"]["key"]
            for t in ("m1", "m2")]
    assert keys == ["gwfc/models/my-model/{{workflow.name}}-m1.tgz", "gwfc/models/my-model/{{workflow.name}}-m2.tgz"]


READ_WHILE_COMMITTING = """
    inputs:
      ds: {type: dataset, with: {ref: shared}}
    jobs:
      write:
        uses: container@v1
        with: {image: bash:5, args: [touch, /outputs/d/x]}
        outputs:
          d: {type: dataset, with: {ref: shared:stable}}
      by-input:
        uses: container@v1
        with: {image: bash:5, args: [ls, /inputs/x]}
        inputs:
          x: workflow.inputs.ds
      after-write:
        needs: [write]
        uses: container@v1
        with: {image: bash:5, args: [ls, /inputs/y, /inputs/t]}
        inputs:
          y: {type: dataset, with: {ref: shared}}
          t: {type: dataset, with: {ref: shared:stable}}
      before-write:
        uses: container@v1
        with: {image: bash:5, args: [ls, /inputs/z]}
        inputs:
          z: {type: dataset, with: {ref: shared}}
      unrelated:
        uses: container@v1
        with: {image: bash:5, args: [ls, /inputs/o]}
        inputs:
          o: {type: dataset, with: {ref: other:v3}}
      rewrite:
        uses: container@v1
        with: {image: bash:5, args: [cp, -r, /inputs/old, /outputs/d]}
        inputs:
          old: {type: dataset, with: {ref: mine}}
        outputs:
          d: {type: dataset, with: {ref: mine}}
    """


def _snapshot(c: Compiled, task: str, path: str) -> str:
    """The key a step's input is a snapshot of (and check the step waits for the snapshot)."""
    origin = input_origin(c, task, path)
    assert origin[0] == "artifact" and origin[2] == "data", origin
    snap = c.tasks[origin[1]]
    assert snap["template"] == "gwfc-snapshot" and "dependencies" not in snap
    assert origin[1] in c.tasks[task]["dependencies"]
    return _key(snap)


def test_datasets_read_by_name_are_fixed_when_the_run_starts() -> None:
    c = compile_text(READ_WHILE_COMMITTING)
    assert not [d for d in c.diags if d.severity is not Severity.INFO]
    # a workflow input may name any dataset, and the run commits one
    assert _snapshot(c, "by-input", "/inputs/x").startswith("gwfc/datasets/{{=sprig.contains(")
    # read by a step that runs after the commit could land: the version from the run's start
    assert _snapshot(c, "after-write", "/inputs/y") == "gwfc/datasets/shared/latest.tgz"
    assert _snapshot(c, "after-write", "/inputs/t") == "gwfc/datasets/shared/stable.tgz"
    assert _snapshot(c, "before-write", "/inputs/z") == "gwfc/datasets/shared/latest.tgz"
    snaps = {n: _key(t) for n, t in c.tasks.items() if t["template"] == "gwfc-snapshot"}
    assert len(snaps) == 3  # one per key: the input's, shared/latest, shared/stable
    # nothing commits `other`; a step reads the dataset it writes before the commit: no copy
    assert input_origin(c, "unrelated", "/inputs/o") == ("key", "gwfc/datasets/other/v3.tgz")
    assert input_origin(c, "rewrite", "/inputs/old") == ("key", "gwfc/datasets/mine/latest.tgz")
    # each commit waits for the snapshots of its key, and of every workflow input
    commits = _commits(c)
    by_input = next(n for n, k in snaps.items() if k.startswith("gwfc/datasets/{{="))
    latest = next(n for n, k in snaps.items() if k == "gwfc/datasets/shared/latest.tgz")
    stable = next(n for n, k in snaps.items() if k == "gwfc/datasets/shared/stable.tgz")
    assert sorted(commits["write-commit-d"]["dependencies"]) == sorted(["write", latest, by_input])
    assert sorted(commits["write-tag-stable-d"]["dependencies"]) == sorted(["write", stable, by_input])
    assert sorted(commits["rewrite-commit-d"]["dependencies"]) == sorted(["rewrite", by_input])
    # a missing dataset fails the steps that read it, not the snapshot (nor the commits after it)
    tmpl = c.templates["gwfc-snapshot"]
    assert tmpl["inputs"]["artifacts"][0]["optional"] is True
    assert tmpl["inputs"]["artifacts"][0]["s3"] == {"key": "{{inputs.parameters.key}}"}
    assert tmpl["outputs"]["artifacts"][0] == {"name": "data", "path": "/gwfc/in/data", "optional": True}
    assert name_problems(c.doc) == []


def test_no_snapshot_without_a_commit() -> None:
    c = compile_text("""
        inputs:
          ds: {type: dataset, with: {ref: shared}}
        jobs:
          r:
            uses: container@v1
            with: {image: bash:5, args: [ls, /inputs/x, /inputs/y]}
            inputs:
              x: workflow.inputs.ds
              y: {type: dataset, with: {ref: shared}}
        """)
    assert "gwfc-snapshot" not in c.templates
    assert input_origin(c, "r", "/inputs/y") == ("key", "gwfc/datasets/shared/latest.tgz")
