"""The shared corpus of real public workflows, and the bundled examples.

- every file gets a verdict without an internal error;
- the count of each code per file matches tests/data/corpus_histogram.json (miniwdl's
  approach: a rule change shows up as a diff of this file; `pytest --update-golden` rewrites
  it, and the diff is reviewed);
- every file without errors yields an IR that validates against grammar/ir.schema.json and
  survives a JSON round trip unchanged.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from gwfc.compiler.ir import IR
from gwfc.compiler.irschema import validate_ir
from gwfc.compiler.pipeline import Options, check_path

from ..conftest import ROOT, corpus_files

HISTOGRAM = ROOT / "tests" / "data" / "corpus_histogram.json"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _key(path: Path) -> str:
    return f"examples/{path.name}" if path.parent.name == "examples" else path.name


def test_corpus_is_present() -> None:
    assert len(corpus_files()) >= 100, "the shared corpus (../shared/corpus/gradient) is missing"


def test_histogram(update_golden: bool) -> None:
    actual: dict[str, dict[str, int]] = {}
    for path in [*corpus_files(), *EXAMPLES]:
        result = check_path(path, Options())
        assert not result.internal, f"{path.name}: {result.internal}"
        actual[_key(path)] = dict(sorted(Counter(d.code for d in result.diagnostics).items()))
    if update_golden:
        HISTOGRAM.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(HISTOGRAM.read_text(encoding="utf-8"))
    changed = {k: (expected.get(k), v) for k, v in actual.items() if expected.get(k) != v}
    assert not changed, f"histogram changed (review, then pytest --update-golden): {changed}"
    assert set(expected) == set(actual)


@pytest.mark.parametrize("path", [*corpus_files(), *EXAMPLES], ids=_key)
def test_valid_files_lower_to_schema_valid_ir(path: Path) -> None:
    result = check_path(path, Options(want_ir=True))
    if result.has_errors:
        assert result.ir is None
        return
    assert result.ir is not None
    data = result.ir.to_json()
    assert validate_ir(data) == []
    again = IR.from_json(json.loads(json.dumps(data)))
    assert again == result.ir
    assert again.to_json() == data


def test_every_valid_corpus_file_has_ir() -> None:
    valid = [p for p in corpus_files() if not check_path(p, Options()).has_errors]
    assert len(valid) >= 50
