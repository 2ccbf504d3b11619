"""Resource limits of the front end (DESIGN.md, Limits): each a GW1xx diagnostic, each
configurable in gwfc.toml under `[limits]`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Defaults as DESIGN.md sets them."""

    file_size: int = 64 * 1024 * 1024
    jobs: int = 50_000
    depth: int = 64
    alias_nodes: int = 10_000
    reference_length: int = 4096


DEFAULT_LIMITS = Limits()
