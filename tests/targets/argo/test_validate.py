"""Every workflow we compile is a valid Argo resource for Argo's own schema, its CRD (with
the CEL rules) and a re-implementation of `argo lint` (shared/tools/validate-argo.py): the
examples, the golden cases and every valid corpus file, in each data mode and as a
WorkflowTemplate. One oracle run for all files keeps it fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from .corpus import corpus, own_workflows
from .helpers import VALIDATOR, compile_ir, validate

VARIANTS = {"default": {}, "pvc": {"volumes": "pvc", "strings": "artifacts"},
            "template": {"kind": "WorkflowTemplate", "artifact_storage": "gcs", "namespace": "ml"}}


@pytest.mark.skipif(not VALIDATOR.exists(), reason="shared/tools is not beside the project")
def test_everything_validates(tmp_path: Path) -> None:
    total, valid = corpus()
    files: list[Path] = []
    for variant, opts in VARIANTS.items():
        workflows = own_workflows() + (valid if variant == "default" else valid[:10])
        for i, (name, ir) in enumerate(workflows):
            path = tmp_path / variant / f"{i:03d}-{Path(name).stem}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(compile_ir(ir, **opts).text, encoding="utf-8")
            files.append(path)
    r = validate(files)
    report = f"corpus: {total} files, {len(valid)} valid, {len(valid)} compiled; {len(files)} files validated"
    print(report)
    assert r.returncode == 0, report + "\n" + r.stdout + r.stderr
    assert r.stderr.count(": OK (") + r.stdout.count(": OK (") == len(files)
    assert len(valid) >= 60
