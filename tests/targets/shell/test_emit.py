"""run.sh as text: golden files, ShellCheck, determinism, quoting, support diagnostics."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import jinja2
import pytest
from gwfc.compiler.diagnostics import Sink
from gwfc.compiler.ir import trivial_placement
from gwfc.compiler.pipeline import Options, check_path
from gwfc.targets.base import SUPPORT_FIELDS, EmitContext, registry
from gwfc.targets.shell import ShellOptions, ShellTarget
from gwfc.targets.shell.emit import UnsafeText, environment, quote

from ...conftest import ROOT
from .helpers import LINT, compile_text, lower

GOLDEN = ROOT / "golden"
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/workflow.yaml"))


def compile_case(case: str) -> str:
    result = check_path(GOLDEN / case / "workflow.yaml", Options(want_ir=True),
                        display=f"golden/{case}/workflow.yaml")
    assert result.ir is not None, [(d.code, d.message) for d in result.diagnostics]
    ctx = EmitContext(sink=Sink())
    target = ShellTarget()
    target.support(result.ir, trivial_placement(result.ir), ShellOptions(), ctx)
    assert not [d for d in ctx.sink.items if d.severity.label == "error"]
    return target.emit(result.ir, trivial_placement(result.ir), ShellOptions(), ctx).files["run.sh"].text


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, update_golden: bool) -> None:
    text = compile_case(case)
    path = GOLDEN / case / "shell" / "run.sh"
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
    assert path.is_file(), f"missing golden file {path}; run: pytest --update-golden tests/targets/shell"
    assert path.read_text(encoding="utf-8") == text, f"{path} is stale; run: pytest --update-golden"


def test_golden_files_pass_shellcheck() -> None:
    # one lint process per file, at once: ShellCheck takes about a second per script
    procs = [subprocess.Popen(["bash", str(LINT), "-S", "style", str(GOLDEN / c / "shell" / "run.sh")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for c in CASES]
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0, out


def test_compile_cli_writes_an_executable_run_sh(tmp_path: Path) -> None:
    from .helpers import gwfc

    out = gwfc("compile", str(GOLDEN / "hello" / "workflow.yaml"), "--target", "shell", "-o", str(tmp_path / "b"),
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    script = tmp_path / "b" / "run.sh"
    assert script.stat().st_mode & 0o777 == 0o755
    assert script.read_text(encoding="utf-8") == (GOLDEN / "hello" / "shell" / "run.sh").read_text(encoding="utf-8")
    assert "info[GW511]" in out.stderr


def test_deterministic_and_free_of_build_paths(tmp_path: Path) -> None:
    a = compile_case("train")
    b = compile_case("train")
    assert a == b
    assert str(ROOT) not in a and "golden/" not in a


HOSTILE = ["it's", 'say "hi"', "$(touch /tmp/pwned)", "`id`", "a\nb\n", "naïve ☃ 日本", "; rm -rf / ;",
           "{{ x }} {% y %} {# z #}", "\\", "'", "$HOME ${HOME} $((1+1))", "\t\r", "-n", ""]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_quote_reads_back_exactly(text: str) -> None:
    words = subprocess.run(["bash", "-c", f"printf '%s\\0' {quote(text)}"], capture_output=True, check=True).stdout
    assert words == text.encode("utf-8") + b"\0"
    assert shlex.split(quote(text)) == [text]


def test_templates_refuse_unquoted_values() -> None:
    env = environment()
    with pytest.raises(jinja2.TemplateError, match="without the q filter"):
        env.from_string("echo {{ x }}").render(x="$(id)")
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("echo {{ y|q }}").render()
    assert env.from_string("echo {{ x|q }}").render(x="a b") == "echo 'a b'"


def test_hostile_text_makes_a_clean_script(tmp_path: Path) -> None:
    wf = {"jobs": {"a": {"uses": "container@v1", "with": {"image": "bash:5", "args": HOSTILE},
                         "env": {"V": "\n".join(HOSTILE)}},
                   "b": {"uses": "script@v1", "with": {"image": "bash:5", "script": "\n".join(HOSTILE)}}}}
    script = compile_text(wf, tmp_path)
    out = subprocess.run(["bash", str(LINT), "-S", "style", str(script)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_secret_values_never_reach_the_script(tmp_path: Path) -> None:
    ir = lower("""
        defaults:
          env:
            TOKEN: secret:api-token
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [bash, -c, 'echo $TOKEN']}
        """)
    text = compile_text("""
        defaults:
          env:
            TOKEN: secret:api-token
        jobs:
          a:
            uses: container@v1
            with: {image: bash:5, args: [bash, -c, 'echo $TOKEN']}
        """, tmp_path).read_text(encoding="utf-8")
    assert ir.secrets == ("api-token",)
    assert "WF_SECRET_VAR['api-token']='GWFC_SECRET_API_TOKEN'" in text
    assert "S_ENV+=('TOKEN' 'secret' 'api-token')" in text


def support(text: str, **options: object) -> list[tuple[str, str]]:
    ir = lower(text)
    ctx = EmitContext(sink=Sink())
    ShellTarget().support(ir, trivial_placement(ir), ShellOptions(**options), ctx)  # type: ignore[arg-type]
    return [(d.code, d.message) for d in ctx.sink.items]


def test_support_reports_metadata_model_and_host_runtime() -> None:
    found = support("""
        on:
          github:
            branches:
              only: main
        defaults:
          clusterId: cl1
          resources:
            instance-type: C5
        jobs:
          make:
            uses: script@v1
            with: {image: bash:5, script: 'mkdir -p /outputs/m'}
            outputs:
              m: {type: dataset, with: {ref: m}}
          reg:
            needs: [make]
            uses: create-model@v1
            with: {name: m, type: Custom}
            inputs:
              model: make.outputs.m
            outputs:
              model-id: {type: string}
        """)
    codes = [c for c, _ in found]
    assert codes.count("GW502") == 3  # trigger, clusterId, instance types
    assert "GW503" in codes
    assert any(c == "GW511" and "bash:5" in m and "busybox" in m for c, m in found)


SECRETS_SHARING_A_VARIABLE = """
    defaults:
      env:
        A: secret:my-key
    jobs:
      show:
        uses: container@v1
        with: {image: bash:5, args: [bash, -c, 'echo "$A$B$C$D"']}
        env:
          B: secret:my_key
          C: secret:My_Key
          D: secret:my-key
      again:
        uses: container@v1
        with: {image: bash:5, args: [bash, -c, 'echo "$B"']}
        env:
          B: secret:my_key
    """


def test_secrets_sharing_a_variable_are_a_collision() -> None:
    """`my-key`, `my_key` and `My_Key` would all read GWFC_SECRET_MY_KEY: GW501 at the first
    reference of each later name (QA d03: they were merged silently)."""
    ir = lower(SECRETS_SHARING_A_VARIABLE)
    ctx = EmitContext(sink=Sink())
    ShellTarget().support(ir, trivial_placement(ir), ShellOptions(), ctx)
    found = [d for d in ctx.sink.items if d.code == "GW501"]
    assert [(d.message, d.span.line, d.span.column) for d in found if d.span is not None] == [
        ('secret "my_key" and "my-key" both become "GWFC_SECRET_MY_KEY" on shell', 10, 10),
        ('secret "My_Key" and "my-key" both become "GWFC_SECRET_MY_KEY" on shell', 11, 10),
    ]
    assert all(d.severity.label == "error" and "rename one of them" in d.notes[0] for d in found)
    with pytest.raises(UnsafeText, match="GWFC_SECRET_MY_KEY"):  # the emitter, asked all the same
        ShellTarget().emit(ir, trivial_placement(ir), ShellOptions(), EmitContext(sink=Sink()))
    distinct = support("jobs:\n  a:\n    uses: container@v1\n    with: {image: bash:5, args: [echo]}\n"
                       "    env: {A: secret:my-key, B: secret:my-key, C: secret:other_key}\n")
    assert "GW501" not in [c for c, _ in distinct]


@pytest.mark.parametrize(("ref", "refused"), [
    ("numbers:3", "names version \"3\""), ("numbers:v3", "names version \"v3\""),
    ("tags:best", "not a name the local dataset store can hold"),
    ("numbers", None), ("numbers:latest", None), ("numbers:best", None), ("team/numbers:best", None),
    ("dsr8k5qzn401lb5", None), ("dsr8k5qzn401lb5:klfoyy9", None),
])
def test_output_dataset_references(ref: str, refused: str | None) -> None:
    """An output may tag its new version (as on Argo), never name one: the store numbers them."""
    found = support("jobs:\n  a:\n    uses: script@v1\n    with: {image: bash:5, script: 'true'}\n"
                    f"    outputs:\n      d: {{type: dataset, with: {{ref: '{ref}'}}}}\n")
    errors = [m for c, m in found if c == "GW504"]
    if refused is None:
        assert errors == []
    else:
        assert len(errors) == 1 and refused in errors[0] and 'dataset output "d"' in errors[0]


def test_no_host_runtime_note_for_docker() -> None:
    found = support("jobs:\n  a:\n    uses: container@v1\n    with: {image: bash:5, args: [echo]}\n",
                    runtime="docker")
    assert "GW511" not in [c for c, _ in found]


def test_compile_time_inputs_must_exist() -> None:
    ir = lower("jobs:\n  a:\n    uses: container@v1\n    with: {image: bash:5, args: [echo]}\n")
    ctx = EmitContext(sink=Sink(), inputs={"nope": "x"})
    ShellTarget().support(ir, trivial_placement(ir), ShellOptions(), ctx)
    assert [d.code for d in ctx.sink.items if d.code == "GW604"] == ["GW604"]


def test_matrix_covers_every_ir_field() -> None:
    target = ShellTarget()
    assert set(target.matrix) == set(SUPPORT_FIELDS)
    assert set(target.matrix.values()) <= {"mapped", "info", "error"}


def test_registered_as_entry_point() -> None:
    target = registry().get("shell")
    assert isinstance(target, ShellTarget)
    assert target.files == ("run.sh",)
