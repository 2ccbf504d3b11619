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


@pytest.mark.skipif(not VALIDATOR.exists(), reason="shared/tools is not beside the project")
def test_new_shapes_validate(tmp_path: Path) -> None:
    """The shapes the corpus lacks: dataset snapshots and ordered commits, cut and `j-` task
    names, run-time values staged in base64, options at their edges."""
    import json

    from .helpers import compile_text, ir_of, name_problems
    from .test_datasets import READ_WHILE_COMMITTING, TWO_PRODUCERS
    from .test_text import DOLLAR_WF

    long_job, long_out = "j" * 63, "o" * 63
    texts = {
        "snapshots": READ_WHILE_COMMITTING,
        "producers": TWO_PRODUCERS,
        "names": f"""
            jobs:
              2nd:
                uses: container@v1
                with: {{image: bash:5, args: [echo]}}
                outputs:
                  {long_out}: {{type: dataset, with: {{ref: 'ds:{"t" * 90}'}}}}
              {long_job}:
                needs: [2nd]
                uses: container@v1
                with: {{image: bash:5, args: [echo]}}
                inputs:
                  x: 2nd.outputs.{long_out}
            """,
    }
    files: list[Path] = []
    for name, text in texts.items():
        for i, opts in enumerate(({}, {"volumes": "pvc", "strings": "artifacts", "kind": "WorkflowTemplate"})):
            c = compile_text(text, **opts)
            assert name_problems(c.doc) == [], name
            files.append(tmp_path / f"{name}-{i}.yaml")
            files[-1].write_text(c.text, encoding="utf-8")
    ir = ir_of(json.dumps(DOLLAR_WF), "dollars", dedent=False)
    for i, strings in enumerate(("parameters", "artifacts")):
        files.append(tmp_path / f"dollars-{i}.yaml")
        files[-1].write_text(compile_ir(ir, strings=strings, request_fraction="0.5", name="a.b-c").text, encoding="utf-8")
    r = validate(files)
    assert r.returncode == 0, r.stdout + r.stderr
