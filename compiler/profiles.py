"""Machine types: the built-in table (grammar/instance-types.json, each row with its source),
rows from gwfc.toml, and profiles that targets map them through (DESIGN.md, Configuration).

A row is cpus, memory, gpus, gpu-kind and a source. Names are matched exactly, then across
case (the docs list `p5000x4`). The front end uses the table for unknown-name warnings
(GW321); each target derives its own fields from it (Kubernetes requests, `--cpus-per-task`,
compose `deploy.resources`). The `local` profile clamps every row to this machine's size
(1 CPU, no GPU) so that the real Slurm of the tests accepts every job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class InstanceType:
    """One machine type."""

    name: str
    cpus: float
    #: Memory in MiB.
    memory_mib: int
    gpus: int = 0
    gpu_kind: str = ""
    source: str = ""

    @property
    def memory_gib(self) -> float:
        """Memory in GiB."""
        return self.memory_mib / 1024


def _row(name: str, raw: dict[str, Any], source: str | None = None) -> InstanceType:
    return InstanceType(
        name=name,
        cpus=raw["cpus"],
        memory_mib=int(raw["memory"] * 1024),
        gpus=int(raw.get("gpus", 0)),
        gpu_kind=raw.get("gpu-kind", ""),
        source=source if source is not None else raw.get("source", ""),
    )


@lru_cache(maxsize=1)
def builtin_table() -> dict[str, InstanceType]:
    """The built-in rows, multi-GPU variants included."""
    data = json.loads(resources.files("gwfc.grammar").joinpath("instance-types.json").read_text(encoding="utf-8"))
    table = {name: _row(name, raw) for name, raw in data["types"].items()}
    for base, counts in data["multi"].items():
        row = table[base]
        for n in counts:
            name = f"{base}x{n}"
            table[name] = replace(row, name=name, cpus=row.cpus * n, memory_mib=row.memory_mib * n,
                                  gpus=row.gpus * n,
                                  source=f"{row.source.split(' ')[0]} multi-GPU list; {n}× the {base} row")
    return table


@dataclass(frozen=True, slots=True)
class Profile:
    """A table of machine types and how a target clamps them."""

    name: str
    table: dict[str, InstanceType]
    #: Clamp every row to at most this many CPUs / this memory / no GPU (the `local` profile).
    max_cpus: float | None = None
    max_memory_mib: int | None = None
    no_gpus: bool = False

    def lookup(self, name: str) -> InstanceType | None:
        """A row by name (exact, then across case), clamped by the profile; None if unknown."""
        row = self.table.get(name)
        if row is None:
            lower = name.lower()
            for key, value in self.table.items():
                if key.lower() == lower:
                    row = value
                    break
        if row is None:
            return None
        if self.max_cpus is not None and row.cpus > self.max_cpus:
            row = replace(row, cpus=self.max_cpus)
        if self.max_memory_mib is not None and row.memory_mib > self.max_memory_mib:
            row = replace(row, memory_mib=self.max_memory_mib)
        if self.no_gpus and row.gpus:
            row = replace(row, gpus=0, gpu_kind="")
        return row

    def known(self, name: str) -> bool:
        """Whether the name is in the table."""
        return self.lookup(name) is not None


def make_profile(name: str, extra: dict[str, InstanceType] | None = None) -> Profile:
    """The `default` profile (the table as is) or `local` (clamped to 1 CPU, 1 GiB, no GPU)."""
    table = dict(builtin_table())
    table.update(extra or {})
    if name == "local":
        return Profile("local", table, max_cpus=1, max_memory_mib=1024, no_gpus=True)
    return Profile(name, table)


PROFILE_NAMES = ("default", "local")
