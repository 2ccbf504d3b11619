"""Start-up stays light: every `gwfc` invocation imports the CLI and registers the commands of
its extensions (run, dataset, lsp), so none of that may pull in the heavy libraries that only
some commands need. Speed itself is measured by tests/bench/bench_check.py, not asserted."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("jinja2", "rich", "pygls", "lsprotocol", "lark", "jsonschema", "yaml", "gwfc.compiler.ir",
         "gwfc.compiler.lower", "gwfc.targets.shell.emit", "gwfc.targets.argo.build")


def test_cli_start_up_imports_nothing_heavy() -> None:
    code = ("import sys; import gwfc.compiler.cli as c; c._register_extensions(); "
            "print(' '.join(sorted(m for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    loaded = [m for m in HEAVY if m in out or any(x.startswith(m + ".") for x in out)]
    assert loaded == []


def test_checking_a_file_imports_nothing_heavy(tmp_path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    resources: {instance-type: C5}\n")
    code = ("import sys; from pathlib import Path; from gwfc.compiler.pipeline import check_path; "
            f"check_path(Path({str(p)!r})); print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    # PyYAML and lark load only for the fallback builder / malformed references.
    from gwfc.compiler import _yamlc

    heavy = [m for m in HEAVY if m != "yaml" or _yamlc.AVAILABLE]
    assert [m for m in heavy if m in out] == []
