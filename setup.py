"""Packaging glue that pyproject.toml cannot express: the top-level folders (compiler/,
targets/, grammar/) are installed as the `gwfc.*` namespace (DESIGN.md, Layout), and their
subpackages are discovered here so that a new target package needs no packaging change."""

from __future__ import annotations

from pathlib import Path

from setuptools import Extension, setup

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

# The C YAML node-tree builder on a vendored libyaml (compiler/_yamlc). Optional: without a C
# compiler the build warns and goes on, and the loader keeps its Python builder.
YAMLC = "compiler/_yamlc"
LIBYAML = f"{YAMLC}/libyaml"
fastyaml = Extension(
    "gwfc.compiler._yamlc._fastyaml",
    sources=[f"{YAMLC}/_fastyaml.c", *(f"{LIBYAML}/src/{n}.c" for n in ("api", "reader", "scanner", "parser"))],
    depends=[f"{LIBYAML}/include/yaml.h", f"{LIBYAML}/src/yaml_private.h"],
    include_dirs=[f"{LIBYAML}/include"],
    define_macros=[("YAML_VERSION_MAJOR", "0"), ("YAML_VERSION_MINOR", "2"), ("YAML_VERSION_PATCH", "6"),
                   ("YAML_VERSION_STRING", '"0.2.6"')],
    optional=True,
)

setup(
    packages=packages,
    package_dir=package_dir,
    ext_modules=[fastyaml],
    package_data={
        "gwfc.grammar": ["*.lark", "*.json"],
        "": ["py.typed", "templates/*", "templates/**/*", "*.j2", "*.json", "*.sh"],
        "gwfc.compiler._yamlc": ["libyaml/License", "libyaml/README.md", "*.pyi"],
    },
)
