"""The action catalogue (SPEC.md §6), read from grammar/actions.json.

One entry per action: its parameters (type, required, secret-only, deprecated aliases, enums)
and its I/O contract. A new action is a catalogue entry plus one lowering in `lower_actions.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of an action."""

    name: str
    #: "string" or "string-list".
    type: str
    required: bool = False
    secret: bool = False
    #: For a deprecated alias: the parameter it stands for (git-checkout `branch` → `ref`).
    alias_of: str = ""
    enum: tuple[str, ...] = ()
    #: Values accepted with a warning (create-model `TensorRT`).
    warn: tuple[str, ...] = ()
    #: The value is a command (script@v1 `script`): command lints read it.
    command: bool = False
    #: Never substituted: `secret:`/`context.` text here reaches the job as written (an
    #: image, a command, args, a script: targets need the value itself).
    literal: bool = False
    #: The value names one program (container@v1 `command`): blanks in it are GW338.
    program: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action."""

    name: str
    summary: str
    docs: str
    params: dict[str, ParamSpec]
    #: Writes into the job's single volume/dataset output or `path` (git-checkout, s3-download).
    target: bool = False
    #: Inputs and outputs the action requires, name → kind (create-model).
    contract_inputs: tuple[tuple[str, str], ...] = ()
    contract_outputs: tuple[tuple[str, str], ...] = ()

    @property
    def required(self) -> list[str]:
        """Names of the required parameters."""
        return [p.name for p in self.params.values() if p.required]


def _param(name: str, raw: dict[str, Any]) -> ParamSpec:
    return ParamSpec(
        name=name,
        type=raw.get("type", "string"),
        required=bool(raw.get("required", False)),
        secret=bool(raw.get("secret", False)),
        alias_of=raw.get("deprecated", ""),
        enum=tuple(raw.get("enum", ())),
        warn=tuple(raw.get("warn", ())),
        command=bool(raw.get("command", False)),
        literal=bool(raw.get("literal", False)),
        program=bool(raw.get("program", False)),
        description=raw.get("description", ""),
    )


@lru_cache(maxsize=1)
def catalogue() -> dict[str, ActionSpec]:
    """All actions by their `uses` name (`container@v1`)."""
    text = resources.files("gwfc.grammar").joinpath("actions.json").read_text(encoding="utf-8")
    data = json.loads(text)["actions"]
    out: dict[str, ActionSpec] = {}
    for name, raw in data.items():
        contract = raw.get("contract", {})
        out[name] = ActionSpec(
            name=name,
            summary=raw.get("summary", ""),
            docs=raw.get("docs", ""),
            params={p: _param(p, r) for p, r in raw["params"].items()},
            target=bool(contract.get("target", False)),
            contract_inputs=tuple(contract.get("inputs", {}).items()),
            contract_outputs=tuple(contract.get("outputs", {}).items()),
        )
    return out


@lru_cache(maxsize=1)
def all_param_names() -> dict[str, tuple[str, ...]]:
    """Parameter name → the actions that take it (for misplaced-parameter messages)."""
    out: dict[str, list[str]] = {}
    for spec in catalogue().values():
        for p in spec.params:
            out.setdefault(p, []).append(spec.name)
    return {k: tuple(v) for k, v in out.items()}
