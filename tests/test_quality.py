"""Code quality gates: ruff on the whole tree, mypy --strict on the package.

mypy reads the package as it is installed (`gwfc.compiler`, `gwfc.targets`, …): a temporary
folder holds a `gwfc/` whose subfolders link to the mapped top-level folders, so no install
is needed and an editable install does not hide them (STYLE.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_ruff() -> None:
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict(tmp_path: Path) -> None:
    pkg = tmp_path / "gwfc"
    pkg.mkdir()
    for folder, name in (("compiler", "compiler"), ("targets", "targets"), ("grammar", "grammar")):
        os.symlink(ROOT / folder, pkg / name)
    env = {**os.environ, "MYPYPATH": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--namespace-packages", "--explicit-package-bases",
                        "--cache-dir", str(ROOT / ".mypy_cache"), "-p", "gwfc.compiler", "-p", "gwfc.targets"],
                       cwd=tmp_path, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
