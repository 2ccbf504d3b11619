"""The Argo Workflows target: `gwfc compile FILE --target argo` (docs/targets/argo.md)."""

from __future__ import annotations

from .options import ArgoOptions
from .target import ArgoTarget

__all__ = ["ArgoOptions", "ArgoTarget"]
