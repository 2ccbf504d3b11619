"""The text machinery of the Argo target, tested for real: the YAML writer round-trips any
data, Kubernetes' `$` expansion is undone exactly, and the two in-pod scripts (prepare and
exec) are run with a POSIX shell on this machine (a busybox shim for the `base64` applet)."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from gwfc.targets.argo.dump import dump_yaml
from gwfc.targets.argo.literal import BUSYBOX, EXEC_SCRIPT, PREPARE_SCRIPT, b64, expandable, kube_escape, templated
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import kube_expand

HOSTILE = [
    "{{workflow.name}}", "{{inputs.parameters.x}}", "{{=1+1}}", "{{ workflow.uid }}", "a}}b{{c",
    "$(HOME)", "$$", "$$(HOME)", "$", "x$", "$(", "it's", 'say "hi"', "back\\slash", "tab\there",
    "line1\nline2", "trailing\n", "\n\nlead", "  spaces  ", "cr\r\nlf", "ü 🚀 中文", "\u2028sep\x85",
    "y", "n", "yes", "on", "null", "~", "1e3", "+Inf", "-.5", "0x1F", "0o17", "1_000", "2001-12-14", "12:30",
    "- item", "key: value", "# comment", "&anchor", "*alias", "!tag", "%percent", "@at", "`tick`", "",
]


def test_templated() -> None:
    assert templated("a {{x}}") and templated("{{")
    assert not templated("a { {x} }") and not templated("${HOME} }}")


@pytest.mark.parametrize("text", HOSTILE)
def test_kube_escape_round_trip(text: str) -> None:
    assert kube_expand(kube_escape(text), {"HOME": "/root", "A": "a"}) == text


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_kube_escape_round_trip_any(text: str) -> None:
    assert kube_expand(kube_escape(text), {"HOME": "/root"}) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_dump_round_trip(text: str) -> None:
    data = {"k": text, "list": [text, {"v": text}]}
    assert yaml.safe_load(dump_yaml(data)) == data


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_DATA = st.recursive(_TEXT | st.integers() | st.booleans(),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=12)


@given(_DATA)
@settings(max_examples=200, deadline=None)
def test_dump_round_trip_any(data: object) -> None:
    assert yaml.safe_load(dump_yaml(data)) == data


def test_dump_style() -> None:
    text = dump_yaml({"script": "a\nb\n", "num": "1", "word": "y", "size": "4Gi", "q": "it's: here",
                      "long": "x " * 200})
    assert "script: |\n  a\n  b\n" in text
    assert "num: '1'" in text and "word: 'y'" in text and "size: 4Gi" in text
    assert "q: \"it's: here\"" in text
    assert max(len(line) for line in text.splitlines()) > 400  # never wrapped
    assert dump_yaml({"a": [1, {"b": "c"}]}) == dump_yaml({"a": [1, {"b": "c"}]})


def test_dump_keeps_line_separators_escaped() -> None:
    text = dump_yaml({"k": "a\u2028b\x85c\rd"})
    assert "\\L" in text and "\\N" in text and "\\r" in text


# ---- the in-pod scripts ------------------------------------------------------------------

DASH = shutil.which("dash") or shutil.which("sh")


def _shim(tmp: Path) -> Path:
    """A stand-in for /gwfc/bin/busybox: only the `base64` applet is used."""
    shim = tmp / "busybox"
    shim.write_text('#!/bin/sh\ncase "$1" in\n  base64) shift; exec base64 "$@" ;;\n'
                    '  *) echo "shim: no applet $1" >&2; exit 99 ;;\nesac\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return shim


PROBE = "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}))"


@pytest.mark.skipif(DASH is None, reason="no POSIX shell")
@pytest.mark.parametrize("argv0_env", [0, 1, 3])
def test_exec_script_runs_the_decoded_command(tmp_path: Path, argv0_env: int) -> None:
    assert DASH is not None
    shim = _shim(tmp_path)
    script = kube_expand(kube_escape(EXEC_SCRIPT), {})
    assert script == EXEC_SCRIPT and BUSYBOX in script
    script = script.replace(BUSYBOX, str(shim))
    env_values = {"GW_A": "{{workflow.name}}", "GW_B": "line1\nline2\n\n", "GW_C": "$(HOME) $$ 'q' \"dq\" ü"}
    env = list(env_values.items())[:argv0_env]
    argv = [sys.executable, "-c", PROBE, *HOSTILE]
    args = [str(len(env)), *(b64(f"{k}={v}") for k, v in env), *(b64(a) for a in argv)]
    r = subprocess.run([DASH, "-c", script, "gwfc-exec", *args], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["argv"] == HOSTILE
    for k, v in env:
        assert out["env"][k] == v


@pytest.mark.skipif(DASH is None, reason="no POSIX shell")
def test_prepare_script_writes_files_byte_for_byte(tmp_path: Path) -> None:
    assert DASH is not None
    contents = {f"{tmp_path}/gwfc/in/inputs/v{i}": text for i, text in enumerate(HOSTILE)}
    contents[f"{tmp_path}/gwfc/script.sh"] = "#!/bin/bash\necho '{{workflow.name}}' $$ \"$(date)\"\n"
    args: list[str] = []
    for path, text in contents.items():
        args += [path, b64(text)]
    script = kube_expand(kube_escape(PREPARE_SCRIPT), {})
    assert script == PREPARE_SCRIPT
    r = subprocess.run([DASH, "-c", script, "gwfc-prepare", *args], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert r.returncode == 0, r.stderr
    for path, text in contents.items():
        assert Path(path).read_bytes() == text.encode("utf-8"), path


@pytest.mark.skipif(DASH is None, reason="no POSIX shell")
def test_prepare_script_decodes_values_argo_staged(tmp_path: Path) -> None:
    """`PATH @FILE`: a run-time value that Argo staged in base64 (sprig.b64enc) is decoded into
    PATH; a file Argo did not stage (an init-less pod) fails the container with a message."""
    assert DASH is not None
    stage = tmp_path / "gwfc" / "b64"
    stage.mkdir(parents=True)
    args: list[str] = []
    for i, text in enumerate(HOSTILE):
        (stage / f"v{i}").write_text(b64(text), encoding="ascii")
        args += [f"{tmp_path}/gwfc/in/inputs/v{i}", f"@{stage}/v{i}"]
    r = subprocess.run([DASH, "-c", PREPARE_SCRIPT, "gwfc-prepare", *args], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert r.returncode == 0, r.stderr
    for i, text in enumerate(HOSTILE):
        assert (tmp_path / "gwfc" / "in" / "inputs" / f"v{i}").read_bytes() == text.encode("utf-8")
    r = subprocess.run([DASH, "-c", PREPARE_SCRIPT, "gwfc-prepare", f"{tmp_path}/x", f"@{stage}/missing"],
                       capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert r.returncode == 1 and "did not stage" in r.stderr


def test_expandable() -> None:
    for text in ("$$", "a $(HOME)", "$$(X)", "cost $$5"):
        assert expandable(text) and kube_expand(text, {"HOME": "/root", "X": "x"}) != text
    # an unclosed `$(` may meet a `)` further on in ARGO_TEMPLATE's JSON: flagged too
    assert expandable("x$(") and kube_expand('["x$(", "HOME)"]', {'", "HOME': "!"}) == '["x!"]'
    for text in ("$HOME", "${X}", "$", "a$", "$ (x)", "{{x}}"):
        assert not expandable(text) and kube_expand(text, {"HOME": "/root", "X": "x"}) == text
