"""Every target on every valid workflow we have: the corpus, the examples, the golden cases.

- each compiles (no error, a bundle with the target's files);
- compiling the IR read back from its JSON (`compile --from-ir`) gives byte-identical
  bundles — which also shows that two compilations agree (determinism);
- the shell scripts of a sample pass shellcheck (shellcheck takes ~1 s on each script; the
  golden ones are checked in their own tests; Argo output is validated by
  tests/targets/argo/test_validate.py).
The closing count (valid / compiled per target) is printed with -s.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gwfc.compiler.ir import IR, trivial_placement
from gwfc.compiler.pipeline import Options, check_path
from gwfc.targets.base import EmitContext, get_target

from ..conftest import ROOT, SHARED, corpus_files

TARGETS = ("shell", "argo")


def _valid() -> list[tuple[str, IR]]:
    out = []
    for path in [*corpus_files(), *sorted((ROOT / "examples").glob("*.yaml")), *sorted(ROOT.glob("golden/*/workflow.yaml"))]:
        r = check_path(path, Options(want_ir=True))
        if r.ir is not None:
            out.append((path.name if path.parent.name == "gradient" else str(path.relative_to(ROOT)), r.ir))
    return out


VALID = _valid()


def _emit(target: str, ir: IR) -> dict[str, str]:
    tgt = get_target(target)
    assert tgt is not None
    ctx = EmitContext()
    options = tgt.options_model()
    placement = trivial_placement(ir)
    tgt.support(ir, placement, options, ctx)
    errors = [d for d in ctx.sink.items if d.severity.name == "ERROR"]
    assert not errors, [(d.code, d.message) for d in errors]
    bundle = tgt.emit(ir, placement, options, ctx)
    return {p: f.text for p, f in bundle.files.items()}


def test_there_are_valid_corpus_files() -> None:
    assert sum(1 for name, _ in VALID if "/" not in name) >= 60


@pytest.mark.parametrize("target", TARGETS)
def test_every_valid_workflow_compiles_deterministically_and_from_ir(target: str) -> None:
    compiled = 0
    for name, ir in VALID:
        files = _emit(target, ir)
        assert files, name
        again = IR.from_json(json.loads(ir.dumps()))
        assert _emit(target, again) == files, f"{name}: --from-ir differs (or the target is not deterministic)"
        compiled += 1
    print(f"{target}: {compiled} of {len(VALID)} valid workflows compiled")
    assert compiled == len(VALID)


def test_shell_scripts_of_a_sample_pass_shellcheck(tmp_path: Path) -> None:
    lint = SHARED / "tools" / "lint-shell.sh"
    assert lint.exists(), "shared/tools/lint-shell.sh is missing"
    sample = [VALID[0], VALID[len(VALID) // 2], VALID[-1]]
    paths = []
    for name, ir in sample:
        p = tmp_path / (name.replace("/", "_") + ".sh")
        p.write_text(_emit("shell", ir)["run.sh"], encoding="utf-8")
        paths.append(str(p))
    r = subprocess.run([str(lint), "-S", "style", *paths], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
