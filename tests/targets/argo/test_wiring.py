"""Semantics, not shape: for every workflow we have (examples, golden cases, the valid corpus)
and every way of moving data, the generated DAG has exactly the IR's dependencies and each
input at /inputs/<name> is fed by what the IR says it reads."""

from __future__ import annotations

import posixpath
from typing import Any

import pytest
from gwfc.compiler.ir import IR, Step

from .corpus import all_workflows
from .helpers import Compiled, compile_ir, eval_key, input_origin, job_tasks, parameters

MODES = [{}, {"strings": "artifacts"}, {"volumes": "pvc"}, {"volumes": "pvc", "strings": "artifacts"}]


def _mount_path(step: Step, *, input: str = "", output: str = "") -> str:
    m = next(m for m in step.run.mounts if (input and m.input == input) or (output and m.output == output))
    return m.path


def _mounts(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in template["container"].get("volumeMounts", [])}


def _ancestors(ir: IR, name: str) -> set[str]:
    out: set[str] = set()
    todo = list(ir.step(name).after)
    while todo:
        a = todo.pop()
        if a not in out:
            out.add(a)
            todo += ir.step(a).after
    return out


def _key(task: dict[str, Any]) -> str:
    return str(task["arguments"]["parameters"][0]["value"])


def check_dependencies(ir: IR, c: Compiled) -> None:
    tasks = job_tasks(c)
    assert set(tasks) == {s.name for s in ir.steps}
    assert c.templates["workflow"]["dag"]["failFast"] is False
    snapshots = {n for n, t in c.tasks.items() if t["template"] == "gwfc-snapshot"}
    for step in ir.steps:
        task = c.tasks[tasks[step.name]]
        deps = task.get("dependencies", [])
        # the IR's order, then the snapshots of the datasets the step reads (and nothing else)
        assert deps[:len(step.after)] == [tasks[a] for a in step.after], step.name
        read = {a["from"].split(".")[1] for a in task.get("arguments", {}).get("artifacts", []) if "from" in a}
        assert set(deps[len(step.after):]) == read & snapshots, step.name
    for name in snapshots:
        assert "dependencies" not in c.tasks[name]
    # a commit waits for the step whose output it commits, earlier commits of its key and the
    # snapshots taken of its key
    by_task = {t: s for s, t in tasks.items()}
    commits = {n: t for n, t in c.tasks.items() if t["template"] == "gwfc-commit"}
    assert set(c.tasks) == set(tasks.values()) | snapshots | set(commits)
    for name, task in commits.items():
        producer, *rest = task["dependencies"]
        assert task["arguments"]["artifacts"][0]["from"].startswith(f"{{{{tasks.{producer}.outputs.artifacts.")
        for other in rest:
            if other in snapshots:
                key = _key(c.tasks[other])
                assert key == _key(task) or key.startswith("gwfc/datasets/{{="), (name, other)
            else:
                assert _key(commits[other]) == _key(task)
                earlier = commits[other]["dependencies"][0]
                assert by_task[earlier] in _ancestors(ir, by_task[producer]) | {by_task[producer]}
        # every earlier commit of the same key is waited for
        for other, ot in commits.items():
            if other != name and _key(ot) == _key(task) and \
                    by_task[ot["dependencies"][0]] in _ancestors(ir, by_task[producer]):
                assert other in rest, (name, other)


def check_inputs(ir: IR, c: Compiled, strings: str, volumes: str) -> None:
    tasks = job_tasks(c)
    params = parameters(c)
    for step in ir.steps:
        task = tasks[step.name]
        for inp in step.inputs:
            origin = input_origin(c, task, _mount_path(step, input=inp.name))
            if origin[0] == "artifact" and c.tasks[origin[1]]["template"] == "gwfc-snapshot":
                assert origin[2] == "data"
                origin = ("key", _key(c.tasks[origin[1]]))  # a copy of the key made at the start
            src = inp.source
            if src.kind == "step":
                producer = ir.step(src.step)
                ptask = tasks[src.step]
                pt = c.templates[c.tasks[ptask]["template"]]
                path = _mount_path(producer, output=src.output)
                outs = pt.get("outputs", {})
                if inp.kind == "string":
                    if strings == "parameters":
                        assert origin == ("param", ptask, src.output)
                        (p,) = [p for p in outs["parameters"] if p["name"] == src.output]
                        assert p["valueFrom"] == {"path": path}
                    else:
                        assert origin == ("artifact", ptask, src.output)
                        (a,) = [a for a in outs["artifacts"] if a["name"] == src.output]
                        assert a["path"] == path and a["archive"] == {"none": {}}
                    parent = _mounts(pt)[posixpath.dirname(path)]  # the producer can write the file
                    assert parent["name"] == "gwfc" and not parent.get("readOnly")
                elif volumes == "pvc":
                    assert origin == ("pvc", f"{ptask}/{src.output}")
                    m = _mounts(pt)[path]
                    assert m["name"] == "gwfc-data" and m["subPath"] == f"{ptask}/{src.output}"
                    assert not m.get("readOnly")
                else:
                    assert origin == ("artifact", ptask, src.output)
                    (a,) = [a for a in outs["artifacts"] if a["name"] == src.output]
                    assert a["path"] == path
                    m = _mounts(pt)[path]  # the directory exists when the producer starts
                    assert m["name"] == "gwfc" and m["subPath"] == "out" + path and not m.get("readOnly")
            elif src.kind == "workflow":
                wi = next(i for i in ir.inputs if i.name == src.input)
                if inp.kind == "string":
                    if wi.default is not None and "{{" in wi.default:
                        assert origin == ("text", wi.default)
                    else:
                        assert origin == ("wfparam", src.input)
                        assert params[src.input].get("value") == wi.default
                elif inp.kind == "dataset":
                    assert origin[0] == "key"
                    if wi.default is not None:
                        name, _, version = wi.default.partition(":")
                        assert eval_key(origin[1], params) == f"gwfc/datasets/{name}/{version or 'latest'}.tgz"
                else:
                    assert origin == ("empty",)
            elif src.kind == "dataset":
                name, _, version = src.ref.partition(":")
                assert origin == ("key", f"gwfc/datasets/{name}/{version or 'latest'}.tgz")
            else:
                assert origin == ("text", src.value)


def check_outputs(ir: IR, c: Compiled) -> None:
    """Dataset outputs: a new version keyed by the run, committed to `latest` after success."""
    tasks = job_tasks(c)
    for step in ir.steps:
        t = c.templates[c.tasks[tasks[step.name]]["template"]]
        for out in step.outputs:
            if out.kind != "dataset":
                continue
            name = (out.dataset or out.name).partition(":")[0]
            (a,) = [a for a in t["outputs"]["artifacts"] if a["name"] == out.name]
            assert a["s3"] == {"key": f"gwfc/datasets/{name}/{{{{workflow.name}}}}-{tasks[step.name]}.tgz"}
            commits = [k for k in c.tasks.values() if k["template"] == "gwfc-commit"
                       and k["dependencies"][0] == tasks[step.name]
                       and k["arguments"]["artifacts"][0]["from"].endswith(f".artifacts.{out.name}}}}}")]
            keys = {k["arguments"]["parameters"][0]["value"] for k in commits}
            assert f"gwfc/datasets/{name}/latest.tgz" in keys


WORKFLOWS = all_workflows()


def check_mounts(c: Compiled) -> None:
    """Argo's init container mirrors every mount of the main container, and Kubernetes makes a
    missing sub-path a directory: so gwfc's sub-paths are directories (`in/…` for inputs,
    `out/…` for outputs), never the path of a string file."""
    for t in c.templates.values():
        files = {p["valueFrom"]["path"] for p in t.get("outputs", {}).get("parameters", [])}
        files |= {a["path"] for a in t.get("inputs", {}).get("artifacts", [])}
        for m in t.get("container", {}).get("volumeMounts", []):
            if m["name"] == "gwfc" and "subPath" in m:
                assert m["subPath"].startswith(("in/", "out/")), m
                assert "/gwfc/" + m["subPath"] not in files and m["mountPath"] not in files, m


@pytest.mark.parametrize("mode", MODES, ids=["default", "strings-artifacts", "pvc", "pvc-strings-artifacts"])
def test_wiring_of_every_workflow(mode: dict[str, str]) -> None:
    assert len(WORKFLOWS) > 60
    for name, ir in WORKFLOWS:
        c = compile_ir(ir, **mode)
        try:
            check_dependencies(ir, c)
            check_inputs(ir, c, mode.get("strings", "parameters"), mode.get("volumes", "artifacts"))
            check_outputs(ir, c)
            check_mounts(c)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
