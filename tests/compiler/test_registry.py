"""The code registry: every example fires its rule; docs/rules.md is generated and fresh;
`gwfc explain` prints an entry."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from gwfc.compiler.codes import REGISTRY, RULES
from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.loader import load
from gwfc.compiler.rules_doc import rules_markdown

from ..conftest import ROOT
from .helpers import check_text, codes

EXAMPLES = [r for r in RULES if r.example and not r.target]


@pytest.mark.parametrize("rule", EXAMPLES, ids=[r.code for r in EXAMPLES])
def test_example_fires_its_rule(rule) -> None:
    result = check_text(rule.example, dedent=False)
    assert rule.code in codes(result), (rule.code, [(d.code, d.message) for d in result.diagnostics])


TARGET_EXAMPLES = [r for r in RULES if r.example and r.target]


@pytest.mark.parametrize("rule", TARGET_EXAMPLES, ids=[r.code for r in TARGET_EXAMPLES])
def test_target_example_fires_with_its_target(rule) -> None:
    from gwfc.targets.base import get_target

    if get_target(rule.target) is None:
        pytest.fail(f"target {rule.target} is not installed")
    out = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "check", "--target", rule.target, "--format",
                          "json", "-"], input=rule.example, capture_output=True, text=True)
    import json

    assert rule.code in [d["code"] for d in json.loads(out.stdout)], out.stdout + out.stderr


def test_bytes_examples() -> None:
    for r in RULES:
        if r.example_bytes is not None:
            sink = Sink()
            load(r.example_bytes, "x.yaml", sink)
            assert r.code in [d.code for d in sink], r.code


def test_codes_are_unique_and_in_their_range() -> None:
    assert len(REGISTRY) == len(RULES)
    names = [r.name for r in RULES]
    assert len(set(names)) == len(names)
    for r in RULES:
        assert re.fullmatch(r"GW[1-69]\d\d", r.code)
        assert r.summary and r.explanation and not r.summary.endswith(".")


def test_rules_md_is_fresh() -> None:
    path = ROOT / "docs" / "rules.md"
    assert path.read_text(encoding="utf-8") == rules_markdown(), "run: gwfc rules --markdown > docs/rules.md"


def test_every_code_used_in_source_is_registered() -> None:
    used = set()
    for path in (ROOT / "compiler").rglob("*.py"):
        used |= set(re.findall(r"\"(GW\d{3})\"", path.read_text(encoding="utf-8")))
    for path in (ROOT / "targets").rglob("*.py"):
        used |= set(re.findall(r"\"(GW\d{3})\"", path.read_text(encoding="utf-8")))
    assert used - set(REGISTRY) == set()


def test_explain_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "gwfc.compiler.cli", "explain", "GW309"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("GW309 missing-needs (error)")
    assert "needs" in out and "Example:" in out
