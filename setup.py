"""Packaging glue that pyproject.toml cannot express: the top-level folders (compiler/,
targets/, grammar/) are installed as the `gwfc.*` namespace (DESIGN.md, Layout), and their
subpackages are discovered here so that a new target package needs no packaging change."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
MAPPED = {"compiler": "gwfc.compiler", "targets": "gwfc.targets", "grammar": "gwfc.grammar"}


def discover() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for folder, name in MAPPED.items():
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            rel = init.parent.relative_to(ROOT)
            if any(part.startswith((".", "__")) for part in rel.parts):
                continue
            pkg = ".".join([name, *rel.parts[1:]])
            packages.append(pkg)
            package_dir[pkg] = rel.as_posix()
    return packages, package_dir


packages, package_dir = discover()

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "gwfc.grammar": ["*.lark", "*.json"],
        "": ["py.typed", "templates/*", "templates/**/*", "*.j2", "*.json", "*.sh"],
    },
)
