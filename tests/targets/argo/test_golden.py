"""Golden outputs: `golden/<case>/argo/workflow.yaml` is what `gwfc compile
golden/<case>/workflow.yaml --target argo` writes, byte for byte. `pytest --update-golden`
rewrites them (review the diff)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gwfc.compiler.pipeline import Options, check_bytes

from ...conftest import ROOT
from .helpers import compile_ir, golden_cases

CASES = golden_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, update_golden: bool) -> None:
    source = case / "workflow.yaml"
    rel = source.relative_to(ROOT).as_posix()  # as when run from the project root
    r = check_bytes(source.read_bytes(), rel, Options(want_ir=True))
    assert r.ir is not None, [d.message for d in r.diagnostics]
    text = compile_ir(r.ir).text
    expected = case / "argo" / "workflow.yaml"
    if update_golden:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(text, encoding="utf-8", newline="\n")
        return
    assert expected.exists(), f"missing {expected.relative_to(ROOT)}: run pytest --update-golden"
    assert expected.read_text(encoding="utf-8") == text


def test_golden_matches_the_cli() -> None:
    """The golden text is what the command line prints."""
    import subprocess
    import sys

    case = ROOT / "golden" / "hello"
    r = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "compile", "golden/hello/workflow.yaml",
                        "--target", "argo"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (case / "argo" / "workflow.yaml").read_text(encoding="utf-8")
