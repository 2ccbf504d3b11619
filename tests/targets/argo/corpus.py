"""The workflows every Argo test sweeps: examples, golden cases and the valid corpus files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from gwfc.compiler.ir import IR
from gwfc.compiler.pipeline import Options, check_bytes

from ...conftest import ROOT, corpus_files


def _ir(path: Path, name: str) -> IR | None:
    r = check_bytes(path.read_bytes(), name, Options(want_ir=True))
    return r.ir


@lru_cache(maxsize=1)
def own_workflows() -> tuple[tuple[str, IR], ...]:
    """examples/*.yaml and golden/*/workflow.yaml, by their path from the project root."""
    out = []
    for path in sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "golden").glob("*/workflow.yaml")):
        rel = path.relative_to(ROOT).as_posix()
        ir = _ir(path, rel)
        assert ir is not None, f"{rel} has errors"
        out.append((rel, ir))
    return tuple(out)


@lru_cache(maxsize=1)
def corpus() -> tuple[int, tuple[tuple[str, IR], ...]]:
    """(number of corpus files, the valid ones with their IR): valid = `gwfc check` reports no
    error, so an IR exists."""
    files = corpus_files()
    out = []
    for path in files:
        ir = _ir(path, path.name)
        if ir is not None:
            out.append((path.name, ir))
    return len(files), tuple(out)


def all_workflows() -> tuple[tuple[str, IR], ...]:
    """Our own workflows and the valid corpus."""
    return own_workflows() + corpus()[1]
