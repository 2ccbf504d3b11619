"""Where datasets and models live in the artifact repository (docs/targets/argo.md,
"Datasets").

A Gradient dataset reference `[team/]name[:version-or-tag]` names the key
`<prefix>/datasets/[team/]name/<version-or-tag>.tgz` (`latest` without a version). A step
that writes a dataset stores the new version under
`<prefix>/datasets/<name>/<workflow>-<task>.tgz` (the run's name and the writing task: unique
per run and producer); once the step has succeeded a commit task copies it to `latest.tgz` (and
to the output's tag, when its reference names one). Keys are relative to the artifact
repository (Argo's key-only artifacts), so the bucket and credentials stay in the cluster's
repository configuration.
"""

from __future__ import annotations

import re
from typing import Any

LATEST = "latest"
#: The name of the run (unique per run): the first part of every version a run writes.
RUN_NAME = "{{workflow.name}}"


def run_version(task: str) -> str:
    """The version a task of this run writes: `<workflow name>-<task>`."""
    return f"{RUN_NAME}-{task}"


def dataset_parts(ref: str) -> tuple[str, str]:
    """(name, version-or-tag) of a reference; the version is `latest` when none is given."""
    name, _, version = ref.partition(":")
    return name, version or LATEST


def _join(prefix: str, *parts: str) -> str:
    return "/".join(p.strip("/") for p in (prefix, *parts) if p.strip("/"))


def dataset_key(prefix: str, name: str, version: str) -> str:
    """The key of one version of a dataset."""
    return _join(prefix, "datasets", name, f"{version}.tgz")


def dataset_param_key(prefix: str, param: str) -> str:
    """The key of the dataset a workflow parameter names, worked out when the workflow runs
    (an Argo expression: `name:v2` → `name/v2`, `name` → `name/latest`)."""
    p = f"workflow.parameters['{param}']"
    expr = f"sprig.contains(':', {p}) ? sprig.replace(':', '/', {p}) : {p} + '/{LATEST}'"
    return _join(prefix, "datasets", "{{=" + expr + "}}.tgz")


_KEY_WORD = re.compile(r"[^A-Za-z0-9._-]+")


def model_key(prefix: str, model: str, task: str) -> str:
    """Where create-model stores a model: one key per run and task."""
    return _join(prefix, "models", _KEY_WORD.sub("-", model) or "model", f"{run_version(task)}.tgz")


def location(storage: str, key: str) -> dict[str, Any]:
    """A key-only artifact location in the configured repository (`s3`, `gcs` or `oss`)."""
    return {storage: {"key": key}}
