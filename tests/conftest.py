"""Shared test fixtures. `pytest --update-golden` rewrites golden files and expected
histograms instead of comparing; review the diff before committing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The shared folder beside the project (corpus, tools, schemas); GWFC_SHARED overrides it.
SHARED = Path(os.environ.get("GWFC_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "gradient"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files and expected histograms")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def corpus_files() -> list[Path]:
    """The shared corpus (empty when the shared folder is not beside the project)."""
    return sorted(CORPUS.glob("*.y*ml")) if CORPUS.is_dir() else []
