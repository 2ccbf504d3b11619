"""The shell target (DESIGN.md, Backends: shell): `run.sh`, a bash script that runs the
workflow here, and `gwfc run` / `gwfc dataset`, which drive it.

The target class loads on first use (module `__getattr__`): `gwfc.targets.shell.cli` is
imported by every `gwfc` invocation to register its commands, and must not pull jinja2 in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .target import ShellOptions, ShellTarget

__all__ = ["ShellOptions", "ShellTarget"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import target

        return getattr(target, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
