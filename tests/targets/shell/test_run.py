"""run.sh for real on the host runtime (bubblewrap): the runtime contract, datasets, inputs,
parallel branches, failures, timeouts, secrets and hostile text."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from gwfc.targets.shell.store import Store

from .helpers import compile_ir, compile_text, latest_run, lower, need_bwrap, output, run_script, status, statuses

pytestmark = pytest.mark.usefixtures("bwrap")


@pytest.fixture(name="bwrap")
def _bwrap() -> None:
    need_bwrap()


def test_hello_passes_a_string_a_volume_and_an_input(tmp_path: Path) -> None:
    script = compile_text((Path(__file__).parents[3] / "golden" / "hello" / "workflow.yaml").read_text(), tmp_path,
                          name="wf.yaml")
    out = run_script(script, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    assert output(run, "greet", "message") == b"Hello, world!"
    assert (run / "steps" / "shout" / "outputs" / "loud" / "message.txt").read_bytes() == b"HELLO, WORLD!"
    log = (run / "steps" / "report" / "log").read_text()
    assert "quiet: Hello, world!" in log and "loud:  HELLO, WORLD!" in log
    assert statuses(run) == {"greet": "ok", "report": "ok", "shout": "ok"}
    assert "without its image" in out.stderr  # the host runtime's note (GW511 at compile time)


VOLUME_CHAIN = """
    jobs:
      one:
        uses: script@v1
        with: {image: bash:5, script: 'echo 1 > /outputs/v/one.txt'}
        outputs:
          v: {type: volume}
      two:
        needs: [one]
        uses: script@v1
        with:
          image: bash:5
          script: |
            test -d /outputs/w && test -z "$(ls -A /outputs/w)"
            cp /inputs/v/one.txt /outputs/w/ && echo 2 > /outputs/w/two.txt
            ls /inputs/v > /outputs/seen
        inputs:
          v: one.outputs.v
        outputs:
          w: {type: volume}
          seen: {type: string}
      three:
        needs: [one, two]
        uses: script@v1
        with:
          image: bash:5
          script: 'cat /inputs/a/one.txt /inputs/b/one.txt /inputs/b/two.txt > /outputs/all'
        inputs:
          a: one.outputs.v
          b: two.outputs.w
        outputs:
          all: {type: string}
    """


def test_a_volume_across_three_jobs(tmp_path: Path) -> None:
    out = run_script(compile_text(VOLUME_CHAIN, tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    assert output(run, "three", "all") == b"1\n1\n2\n"
    assert output(run, "two", "seen") == b"one.txt\n"


PRODUCE = """
    jobs:
      produce:
        uses: script@v1
        with: {{image: bash:5, script: 'printf "%s" "$V" > /outputs/d/value.txt'}}
        env:
          V: {value}
        outputs:
          d: {{type: dataset, with: {{ref: numbers}}}}
    """
CONSUME = """
    inputs:
      chosen: {{type: dataset, with: {{ref: "numbers:{pick}"}}}}
    jobs:
      read:
        uses: script@v1
        with:
          image: bash:5
          script: 'cat /inputs/latest/value.txt /inputs/chosen/value.txt /inputs/first/value.txt > /outputs/r'
        inputs:
          latest: {{type: dataset, with: {{ref: numbers}}}}
          chosen: workflow.inputs.chosen
          first: {{type: dataset, with: {{ref: "numbers:v1"}}}}
        outputs:
          r: {{type: string}}
    """


def test_dataset_versions_produced_and_consumed(tmp_path: Path) -> None:
    state = tmp_path / ".gwfc"
    for value in ("one", "two"):
        out = run_script(compile_text(PRODUCE.format(value=value), tmp_path / value), cwd=tmp_path)
        assert out.returncode == 0, out.stdout + out.stderr
    assert (state / "datasets" / "numbers" / "v1" / "value.txt").read_text() == "one"
    assert (state / "datasets" / "numbers" / "v2" / "value.txt").read_text() == "two"
    script = compile_text(CONSUME.format(pick="latest"), tmp_path / "c")
    assert run_script(script, cwd=tmp_path).returncode == 0
    assert output(latest_run(state), "read", "r") == b"twotwoone"
    out = run_script(script, "--input", "chosen=numbers:v1", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert output(latest_run(state), "read", "r") == b"twooneone"
    # a tag, as `gwfc dataset add --tag` writes it
    (state / "datasets" / "numbers" / "tags").mkdir()
    (state / "datasets" / "numbers" / "tags" / "gold").write_text("v1")
    assert run_script(script, "--input", "chosen=numbers:gold", cwd=tmp_path).returncode == 0
    assert output(latest_run(state), "read", "r") == b"twooneone"


TAGGED = """
    jobs:
      write:
        uses: script@v1
        with: {{image: bash:5, script: 'printf %s {value} > /outputs/d/value.txt'}}
        outputs:
          d: {{type: dataset, with: {{ref: "{ref}"}}}}
    """
READ_TAG = """
    jobs:
      read:
        uses: script@v1
        with: {image: bash:5, script: 'cat /inputs/t/value.txt > /outputs/r'}
        inputs:
          t: {type: dataset, with: {ref: "numbers:best"}}
        outputs:
          r: {type: string}
    """


def test_an_output_tag_points_at_the_new_version_and_moves(tmp_path: Path) -> None:
    """`ref: NAME:TAG` on an output commits the version, then tags it (QA d02: the tag was dropped)."""
    state = tmp_path / ".gwfc"
    for value in ("one", "two"):
        out = run_script(compile_text(TAGGED.format(value=value, ref="numbers:best"), tmp_path / value),
                         cwd=tmp_path)
        assert out.returncode == 0, out.stdout + out.stderr
    assert (state / "datasets" / "numbers" / "tags" / "best").read_text() == "v2"  # moved from v1
    assert [(d.name, d.versions, d.tags) for d in Store(state).entries()] == \
        [("numbers", ("v1", "v2"), (("best", "v2"),))]
    assert not [f.name for f in (state / "datasets" / "numbers" / "tags").iterdir() if f.name != "best"]
    log = (latest_run(state) / "steps" / "write" / "log").read_text()
    assert 'run.sh: output "d" is dataset numbers:v2 (tagged best)' in log
    # another workflow reads the tag; `latest` writes a version and leaves the tag alone
    out = run_script(compile_text(TAGGED.format(value="three", ref="numbers:latest"), tmp_path / "three"),
                     cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    out = run_script(compile_text(READ_TAG, tmp_path / "read"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert output(latest_run(state), "read", "r") == b"two"
    assert Store(state).resolve("numbers:best") == state / "datasets" / "numbers" / "v2"


def test_an_output_naming_a_version_is_refused_before_any_job(tmp_path: Path) -> None:
    """GW504 at compile time; run.sh of an edited IR refuses it before starting (no run made)."""
    ir = lower(TAGGED.format(value="x", ref="numbers:best"))
    step = ir.steps[0]
    edited = replace(ir, steps=(replace(step, outputs=(replace(step.outputs[0], dataset="numbers:3"),)),))
    out = run_script(compile_ir(edited, tmp_path), cwd=tmp_path)
    assert out.returncode == 1
    assert 'job "write", output "d": output dataset "numbers:3" names version 3' in out.stderr
    assert not (tmp_path / ".gwfc").exists()


def test_missing_dataset_stops_before_any_job(tmp_path: Path) -> None:
    out = run_script(compile_text(CONSUME.format(pick="latest"), tmp_path), cwd=tmp_path)
    assert out.returncode == 1
    assert "gwfc dataset add numbers DIR" in out.stderr
    assert not (tmp_path / ".gwfc" / "runs").exists()


INPUTS = """
    inputs:
      who: {type: string}
      greeting: {type: string, with: {value: Hello}}
    jobs:
      greet:
        uses: container@v1
        with: {image: bash:5, args: [bash, -c, 'printf "%s, %s" "$(cat /inputs/g)" "$(cat /inputs/w)" > /outputs/m']}
        inputs:
          w: workflow.inputs.who
          g: workflow.inputs.greeting
        outputs:
          m: {type: string}
    """


def test_workflow_inputs_from_flags_and_missing_ones(tmp_path: Path) -> None:
    script = compile_text(INPUTS, tmp_path)
    out = run_script(script, cwd=tmp_path)
    assert out.returncode == 1 and "--input who=VALUE" in out.stderr
    assert not (tmp_path / ".gwfc" / "runs").exists()
    out = run_script(script, "--input", "who=Ada", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert output(latest_run(tmp_path / ".gwfc"), "greet", "m") == b"Hello, Ada"
    (tmp_path / "v").write_bytes(b"multi\nline ")
    out = run_script(script, "--input-from", f"who={tmp_path / 'v'}", "--input=greeting=Hi", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert output(latest_run(tmp_path / ".gwfc"), "greet", "m") == b"Hi, multi\nline "
    bad = run_script(script, "--input", "nobody=x", cwd=tmp_path)
    assert bad.returncode == 2 and "its inputs are: who greeting" in bad.stderr


def test_parallel_branches_run_at_once(tmp_path: Path) -> None:
    wf = """
        jobs:
          a:
            uses: script@v1
            with: {image: bash:5, script: 'date +%s.%N > /outputs/t; sleep 0.6; date +%s.%N >> /outputs/t'}
            outputs: {t: {type: string}}
          b:
            uses: script@v1
            with: {image: bash:5, script: 'date +%s.%N > /outputs/t; sleep 0.6; date +%s.%N >> /outputs/t'}
            outputs: {t: {type: string}}
          join:
            needs: [a, b]
            uses: script@v1
            with: {image: bash:5, script: 'cat /inputs/a /inputs/b'}
            inputs: {a: a.outputs.t, b: b.outputs.t}
        """
    out = run_script(compile_text(wf, tmp_path), "--jobs", "2", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    a0, a1 = map(float, output(run, "a", "t").split())
    b0, b1 = map(float, output(run, "b", "t").split())
    assert a0 < b1 and b0 < a1, "the two branches did not overlap"


FAILING = """
    jobs:
      bad:
        uses: container@v1
        with: {image: bash:5, args: [bash, -c, 'echo going wrong; exit 3']}
      after-bad:
        needs: [bad]
        uses: container@v1
        with: {image: bash:5, args: [echo, never]}
      after-after:
        needs: [after-bad]
        uses: container@v1
        with: {image: bash:5, args: [echo, never]}
      independent:
        uses: script@v1
        with: {image: bash:5, script: 'sleep 0.3; echo fine > /outputs/x'}
        outputs: {x: {type: string}}
      writes-inputs:
        needs: [independent]
        uses: script@v1
        with: {image: bash:5, script: 'echo hacked > /inputs/x'}
        inputs: {x: independent.outputs.x}
      forgets-output:
        uses: script@v1
        with: {image: bash:5, script: 'echo no output'}
        outputs: {s: {type: string}}
      links-out:
        uses: script@v1
        with: {image: bash:5, script: 'ln -s /etc/passwd /outputs/s'}
        outputs: {s: {type: string}}
    """


def test_a_failure_skips_dependants_and_lets_others_finish(tmp_path: Path) -> None:
    out = run_script(compile_text(FAILING, tmp_path), cwd=tmp_path)
    assert out.returncode == 1
    run = latest_run(tmp_path / ".gwfc")
    assert statuses(run) == {"after-after": "skipped", "after-bad": "skipped", "bad": "failed",
                             "forgets-output": "failed", "independent": "ok", "links-out": "failed",
                             "writes-inputs": "failed"}
    assert (run / "steps" / "bad" / "status").read_text() == "failed exit status 3\n"
    assert "going wrong" in out.stdout  # the end of the failed job's log
    assert "Read-only file system" in (run / "steps" / "writes-inputs" / "log").read_text()
    assert output(run, "independent", "x") == b"fine\n"
    assert "must create the file /outputs/s" in (run / "steps" / "forgets-output" / "status").read_text()
    assert "is a symbolic link" in (run / "steps" / "links-out" / "status").read_text()
    assert not (run / "steps" / "after-bad" / "log").exists()


def test_timeout_stops_a_job(tmp_path: Path) -> None:
    wf = "jobs:\n  slow:\n    uses: container@v1\n    with: {image: bash:5, args: [sleep, '30']}\n"
    out = run_script(compile_text(wf, tmp_path), "--timeout", "1", cwd=tmp_path, timeout=20)
    assert out.returncode == 1
    run = latest_run(tmp_path / ".gwfc")
    assert status(run, "slow") == "timeout"
    assert float((run / "steps" / "slow" / "time").read_text()) < 10


HOSTILE = ["it's", 'say "hi"', "$(touch /x)", "`id`", "multi\nline\n", "naïve ☃ 日本 🚀", "; rm -rf / ;",
           "{{ workflow.name }} {% if %} {# c #}", "back\\slash\\", "'", "$HOME ${HOME} $((1+1)) $$",
           "\ttab\r", "-n", "--", "*", "~", "", "  spaces  "]


def test_hostile_text_reaches_the_job_byte_for_byte(tmp_path: Path) -> None:
    joined = "\x1f".join(HOSTILE)
    script_text = "# " + " | ".join(HOSTILE).replace("\n", "\n# ") + "\ncat -- \"$0\" > /outputs/s/script\n"
    wf = {
        "inputs": {"given": {"type": "string"}, "dflt": {"type": "string", "with": {"value": joined}}},
        "jobs": {
            "args": {
                "uses": "container@v1",
                "with": {"image": "bash:5",
                         "args": ["bash", "-c", 'for a in "$@"; do printf "%s\\0" "$a"; done > /outputs/o/args; '
                                  'printf "%s" "$HOSTILE" > /outputs/o/env; cp /inputs/g /outputs/o/given; '
                                  'cp /inputs/d /outputs/o/default; cp /inputs/i /outputs/o/inline', "_", *HOSTILE]},
                "env": {"HOSTILE": joined},
                "inputs": {"g": "workflow.inputs.given", "d": "workflow.inputs.dflt",
                           "i": {"type": "string", "with": {"value": joined}}},
                "outputs": {"o": {"type": "volume"}},
            },
            "script": {"uses": "script@v1", "with": {"image": "bash:5", "script": script_text},
                       "outputs": {"s": {"type": "volume"}}},
        },
    }
    script = compile_text(wf, tmp_path)
    out = run_script(script, "--input", f"given={joined}", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    run = latest_run(tmp_path / ".gwfc")
    o = run / "steps" / "args" / "outputs" / "o"
    want = joined.encode("utf-8")
    assert (o / "args").read_bytes() == b"".join(h.encode("utf-8") + b"\0" for h in HOSTILE)
    assert (o / "env").read_bytes() == want
    assert (o / "given").read_bytes() == want
    assert (o / "default").read_bytes() == want
    assert (o / "inline").read_bytes() == want
    assert (run / "steps" / "script" / "outputs" / "s" / "script").read_bytes() == script_text.encode("utf-8")
    assert not Path("/x").exists()


SECRET = "hunter2-Sup3r'$(secret)"
SECRET_WF = """
    defaults:
      env:
        TOKEN: secret:api-token
    jobs:
      leak:
        uses: container@v1
        with: {image: bash:5, args: [bash, -c, 'echo "token is $TOKEN (${#TOKEN})"; echo "$PASSWORDS" >&2']}
        env:
          PASSWORDS: secret:passwords
    """


def test_secrets_are_read_at_run_time_and_masked(tmp_path: Path) -> None:
    script = compile_text(SECRET_WF, tmp_path)
    missing = run_script(script, cwd=tmp_path)
    assert missing.returncode == 1
    assert "GWFC_SECRET_API_TOKEN" in missing.stderr and "--secrets-file" in missing.stderr
    (tmp_path / "secrets.env").write_text("# secrets\npasswords=\"pw-Zq9x7\"\napi-token=from-file\n")
    env = {"GWFC_SECRET_API_TOKEN": SECRET}
    out = run_script(script, "--secrets-file", str(tmp_path / "secrets.env"), cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    run = latest_run(tmp_path / ".gwfc")
    log = (run / "steps" / "leak" / "log").read_text()
    assert f"token is *** ({len(SECRET)})" in log and "***" in log.splitlines()  # the variable wins
    for text in (log, out.stdout, out.stderr, script.read_text()):
        assert SECRET not in text and "pw-Zq9x7" not in text
    for f in run.rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f


def test_missing_context_names_the_flag(tmp_path: Path) -> None:
    wf = """
        jobs:
          co:
            uses: git-checkout@v1
            with: {url: context.event.github.url}
            outputs: {repo: {type: volume}}
        """
    out = run_script(compile_text(wf, tmp_path), cwd=tmp_path)
    assert out.returncode == 1
    assert "give --context event.github.url=VALUE" in out.stderr


def test_only_and_from_reuse_the_last_run(tmp_path: Path) -> None:
    script = compile_text(VOLUME_CHAIN, tmp_path)
    fresh = run_script(script, "--only", "two", cwd=tmp_path)
    assert fresh.returncode == 1 and 'needs the results of job "one"' in fresh.stderr
    assert run_script(script, cwd=tmp_path).returncode == 0
    run = latest_run(tmp_path / ".gwfc")
    before = (run / "steps" / "one" / "time").read_text()
    out = run_script(script, "--only", "three", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert latest_run(tmp_path / ".gwfc") == run
    assert statuses(run) == {"one": "kept", "two": "kept", "three": "ok"}
    assert (run / "steps" / "one" / "time").read_text() == before
    out = run_script(script, "--from", "two", cwd=tmp_path)
    assert out.returncode == 0
    assert statuses(run) == {"one": "kept", "two": "ok", "three": "ok"}


def test_resume_skips_unchanged_jobs(tmp_path: Path) -> None:
    script = compile_text(INPUTS, tmp_path)
    assert run_script(script, "--input", "who=Ada", cwd=tmp_path).returncode == 0
    run = latest_run(tmp_path / ".gwfc")
    again = run_script(script, "--input", "who=Ada", "--resume", cwd=tmp_path)
    assert again.returncode == 0 and status(run, "greet") == "cached"
    changed = run_script(script, "--input", "who=Bob", "--resume", cwd=tmp_path)
    assert changed.returncode == 0 and status(run, "greet") == "ok"
    assert output(run, "greet", "m") == b"Hello, Bob"
    # an output changed behind its back is not intact: the job runs again
    (run / "steps" / "greet" / "outputs" / "m").write_text("tampered")
    assert run_script(script, "--input", "who=Bob", "--resume", cwd=tmp_path).returncode == 0
    assert status(run, "greet") == "ok" and output(run, "greet", "m") == b"Hello, Bob"


def test_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path) -> None:
    out = run_script(compile_text(INPUTS, tmp_path), "--input", "who=Ada", "--dry-run", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "job greet:" in out.stdout and "bwrap" in out.stdout and "--ro-bind" in out.stdout
    assert not (tmp_path / ".gwfc").exists()


def test_help_and_usage_errors(tmp_path: Path) -> None:
    script = compile_text(INPUTS, tmp_path)
    assert "--runtime NAME" in run_script(script, "--help", cwd=tmp_path).stdout
    bad = run_script(script, "--runtime", "lxc", cwd=tmp_path)
    assert bad.returncode == 2 and "choose host, docker or podman" in bad.stderr
    assert run_script(script, "--only", "nope", cwd=tmp_path).returncode == 2
    assert run_script(script, "--jobs", "many", cwd=tmp_path).returncode == 2
    import subprocess

    dash = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=False)
    assert dash.returncode == 2 and "run it with bash" in dash.stderr


def test_verbose_streams_the_jobs_output(tmp_path: Path) -> None:
    out = run_script(compile_text(INPUTS, tmp_path), "--input", "who=Ada", "--verbose", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    script = compile_text(VOLUME_CHAIN, tmp_path / "v")
    out = run_script(script, "--verbose", cwd=tmp_path)
    assert out.returncode == 0 and "two| " not in out.stdout  # nothing printed by these jobs
    wf = "jobs:\n  talk:\n    uses: container@v1\n    with: {image: bash:5, args: [echo, hello there]}\n"
    out = run_script(compile_text(wf, tmp_path / "t"), "-v", cwd=tmp_path)
    assert "talk| hello there" in out.stdout


def test_model_json_is_valid_for_awkward_names(tmp_path: Path) -> None:
    wf = """
        jobs:
          make:
            uses: script@v1
            with: {image: bash:5, script: 'mkdir -p "/outputs/m/sub dir"; echo w > "/outputs/m/sub dir/w \\"1\\".bin"'}
            outputs:
              m: {type: dataset, with: {ref: models-src}}
          reg:
            needs: [make]
            uses: create-model@v1
            with: {name: 'My "odd" model\\ ü', type: Custom}
            inputs:
              model: make.outputs.m
            outputs:
              model-id: {type: string}
        """
    out = run_script(compile_text(wf, tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    (version,) = (tmp_path / ".gwfc" / "models").iterdir()
    meta = json.loads((version / "v1" / "model.json").read_text())
    assert meta["name"] == 'My "odd" model\\ ü'
    assert meta["files"] == ['sub dir/w "1".bin']
