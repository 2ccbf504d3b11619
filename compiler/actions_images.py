"""Images of the helper steps that actions lower to (configurable; kept apart from the
lowering code so that checking a file does not import it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ActionImages:
    """Images of the helper steps (git-checkout, s3-download, create-model)."""

    git: str = "alpine/git:2.45.2"
    s3: str = "amazon/aws-cli:2.17.0"
    model: str = "busybox:1.36"
