"""The registry of diagnostic codes (as mypy's error codes, cfn-lint's rules).

Every code has a name, a default severity, a one-line summary, an explanation and an example
workflow that triggers it. `docs/rules.md` is generated from this table (`gwfc rules --markdown`)
and a test runs every example and asserts its rule fires. Ranges (DESIGN.md): GW1xx load and
YAML, GW2xx structure, GW3xx references, kinds and actions, GW4xx graph, GW5xx target support,
GW6xx configuration, GW9xx internal.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class Rule:
    """One registered diagnostic code."""

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    example: str = ""
    #: Example that only fires with a target's support checks (`gwfc check --target T`).
    target: str = ""
    #: The example is not a whole file: fed to the loader as raw bytes (encoding rules).
    example_bytes: bytes | None = None


_MINIMAL_JOB = """\
    uses: container@v1
    with:
      image: bash:5
      args: ["echo", "hi"]
"""


RULES: tuple[Rule, ...] = (
    # ---- GW1xx: loading and YAML -------------------------------------------------------
    Rule("GW101", "yaml-syntax", E, "the file is not valid YAML",
         "The YAML parser stopped at this position. Gradient's CLI read files with PyYAML "
         "(YAML 1.1); nothing after a syntax error is checked.",
         "jobs:\n  a:\n    uses: container@v1\n   with: {image: x}\n"),
    Rule("GW102", "tab-indentation", E, "a tab is used for indentation",
         "YAML forbids tabs in indentation. Replace the tab with spaces.",
         "jobs:\n\ta:\n    uses: container@v1\n"),
    Rule("GW103", "encoding", E, "the file is not UTF-8 text",
         "Workflow files must be UTF-8 (a byte-order mark is skipped). Re-save the file as "
         "UTF-8.", example_bytes=b"jobs:\n  a:\n    uses: \xff\xfe\n"),
    Rule("GW104", "multiple-documents", E, "the file holds more than one YAML document",
         "A workflow is one YAML document; a `---` line starts a second one, which Gradient "
         "rejected. Split the file or remove the separator.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "---\njobs: {}\n"),
    Rule("GW105", "duplicate-key", E, "a mapping has the same key twice",
         "PyYAML silently keeps the last value of a duplicated key, so one of the two is lost. "
         "gwfc rejects the file instead.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "  a:\n" + _MINIMAL_JOB),
    Rule("GW106", "file-too-large", E, "the file is larger than the configured limit",
         "Files above `limits.file-size` (64 MiB by default) are not read."),
    Rule("GW107", "nesting-too-deep", E, "YAML nesting is deeper than the limit",
         "Collections nested deeper than `limits.depth` (64 by default) are rejected before they "
         "can exhaust the parser.",
         "jobs: " + "[" * 70 + "]" * 70 + "\n"),
    Rule("GW108", "alias-expansion", E, "YAML aliases expand to too many nodes",
         "Anchors and aliases can make a small file expand into a huge tree (a 'billion "
         "laughs' attack). Expansion is limited to `limits.alias-nodes` (10,000) nodes.",
         "".join(f"l{i}: &l{i} [" + ",".join([f"*l{i-1}"] * 9 if i else ["x"] * 9) + "]\n"
                 for i in range(6))
         + "jobs:\n  a:\n" + _MINIMAL_JOB),
    Rule("GW109", "recursive-alias", E, "a YAML alias refers to the node that contains it",
         "A recursive alias describes an infinite tree; it cannot be a workflow.",
         "jobs: &j\n  a: *j\n"),
    Rule("GW110", "too-many-jobs", E, "the workflow has more jobs than the limit",
         "Workflows with more than `limits.jobs` (50,000) jobs are rejected."),
    Rule("GW111", "reference-too-long", E, "a reference is longer than the limit",
         "References longer than `limits.reference-length` (4,096 characters) are not parsed.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    inputs:\n      x: " + "x" * 4100 + "\n"),
    Rule("GW112", "empty-file", E, "the file holds no workflow",
         "An empty file (or one holding only comments) defines no jobs.", "# nothing\n"),
    Rule("GW113", "unsupported-tag", E, "a YAML tag gwfc does not accept",
         "Gradient read files with a safe YAML loader: only the standard tags (`!!str`, "
         "`!!int`, `!!map`, …) are meaningful. Remove the tag.",
         "jobs:\n  a:\n    uses: !python/name:os.system container@v1\n"),
    Rule("GW114", "complex-key", E, "a mapping key is not a plain string",
         "Keys must be scalars (names). A `? ` complex key, a list or a map as a key, or an "
         "empty key cannot name anything in a workflow.",
         "jobs:\n  ? [a, b]\n  : uses: container@v1\n"),
    Rule("GW115", "unreadable", E, "the file cannot be read",
         "The file could not be opened or read (permissions, a directory, a broken link)."),
    # ---- GW2xx: structure ---------------------------------------------------------------
    Rule("GW201", "unknown-key", E, "a key the format does not define",
         "Gradient rejects keys it does not know. The message lists the keys allowed at this "
         "place and suggests the closest one.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    need: [b]\n"),
    Rule("GW202", "missing-key", E, "a required key is missing",
         "The format requires this key here (for example `jobs` at the top, `uses` in a "
         "job, `type` in an input or output definition).",
         "jobs:\n  a:\n    with: {image: bash:5}\n"),
    Rule("GW203", "wrong-type", E, "a value has the wrong type",
         "Gradient checked types on the server (`\"spec.jobs.X.with.args[2]\" must be a "
         "string`). YAML 1.1 reads `5`, `yes`, `on`, `null` and `- -c` as non-strings: quote "
         "them.",
         "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: bash:5\n"
         "      args:\n        - bash\n        - - -c\n"),
    Rule("GW204", "invalid-value", E, "a value is not one the format allows",
         "The value does not match what this key accepts.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    needs: []\n    resources:\n"
         "      instance-type: ''\n"),
    Rule("GW205", "github-actions-syntax", E, "GitHub Actions syntax in a Gradient workflow",
         "Gradient workflows overlap with GitHub Actions but do not support its keywords "
         "(`runs-on`, `steps`, `if`, `strategy`, `timeout-minutes`, `permissions`, "
         "`concurrency`).",
         "jobs:\n  a:\n    runs-on: ubuntu-latest\n" + _MINIMAL_JOB),
    Rule("GW206", "name-key", E, "`name:` is not supported",
         "The Gradient docs: 'using `name:` will fail'. The workflow's name is given when it "
         "is created (gwfc takes it from the file name or `--name`).",
         "name: my workflow\njobs:\n  a:\n" + _MINIMAL_JOB),
    Rule("GW207", "misplaced-parameter", E, "an action parameter written at job level",
         "Keys such as `image`, `script` and `args` are parameters of the action and belong "
         "under the job's `with:`.",
         "jobs:\n  a:\n    uses: script@v1\n    image: bash:5\n    with:\n"
         "      script: echo hi\n"),
    Rule("GW208", "invalid-name", E, "a job, input or output name is not valid",
         "Names match `[A-Za-z0-9][A-Za-z0-9_-]*` and are at most 63 characters. A `.` makes "
         "references ambiguous.",
         "jobs:\n  train.model:\n" + _MINIMAL_JOB),
    Rule("GW209", "no-jobs", E, "the workflow has no jobs",
         "`jobs` must hold at least one job.", "jobs: {}\n"),
    Rule("GW210", "misindented-job", E, "a job's keys look like sibling jobs",
         "A key inside a job that is itself shaped like a job (it has `uses`) is usually a "
         "job indented one level too deep.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    b:\n  " + _MINIMAL_JOB.replace("\n    ", "\n      ")),
    Rule("GW211", "unknown-kind", E, "an input or output type that does not exist",
         "Inputs and outputs are of type `dataset`, `volume` or `string`.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      repo:\n        type: volumes\n"),
    Rule("GW212", "misplaced-with-key", E, "`ref`, `id` or `value` written beside `type`",
         "An input or output definition has only `type` and `with`; the dataset reference or "
         "string value goes under `with:`.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      d:\n        type: dataset\n"
         "        ref: my-dataset\n"),
    Rule("GW213", "ref-and-id", E, "both `ref` and `id` are given",
         "`id` is the docs' older spelling of `ref`; give one of them.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      d:\n        type: dataset\n"
         "        with: {ref: a, id: b}\n"),
    Rule("GW214", "env-name", W, "an environment variable name a shell cannot read",
         "Env names should match `[A-Za-z_][A-Za-z0-9_]*`; other names cannot be read as "
         "`$NAME` in a shell.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    env:\n      MY-VAR: x\n"),
    Rule("GW215", "deprecated-key", W, "a key that the docs removed",
         "Job-level `resources.container-registries` was documented for a day in Dec 2021 "
         "and removed; registries are set in `defaults.resources`.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    resources:\n      instance-type: C5\n"
         "      container-registries: [r]\n"),
    Rule("GW216", "trigger-syntax", E, "an `on:` trigger Gradient does not understand",
         "The documented trigger is `on: {github: {branches: {only: BRANCH}}}`. GitHub Actions "
         "triggers (`push`, `schedule`, `workflow_dispatch`) are not Gradient syntax.",
         "on:\n  push:\n    branches: [main]\njobs:\n  a:\n" + _MINIMAL_JOB),
    Rule("GW217", "trigger-undocumented", W, "an `on:` trigger form the docs do not show",
         "Forms such as `only` as a list or `include` were used in public workflows but are "
         "not documented; Gradient may ignore them.",
         "on:\n  github:\n    branches:\n      include: [main]\njobs:\n  a:\n" + _MINIMAL_JOB),
    Rule("GW218", "context-block", I, "a top-level `context:` block",
         "An undocumented block that hard-codes `context.*` values; gwfc accepts it and "
         "`gwfc run` uses its values.",
         "context:\n  event:\n    github:\n      url: https://github.com/a/b\njobs:\n  a:\n"
         + _MINIMAL_JOB),
    Rule("GW219", "workflow-volume-input", W, "a workflow input of type volume",
         "Nothing feeds a workflow-level volume: it starts empty.",
         "inputs:\n  v:\n    type: volume\njobs:\n  a:\n" + _MINIMAL_JOB
         + "    inputs:\n      v: workflow.inputs.v\n"),
    Rule("GW220", "reserved-job-name", E, "a job named `workflow` or `context`",
         "`workflow.inputs.X` and `context.X` are references, so these names cannot be jobs.",
         "jobs:\n  workflow:\n" + _MINIMAL_JOB),
    Rule("GW221", "invalid-definition", E, "an input or output definition that does not fit its type",
         "A volume or string output takes no `with`; a dataset needs `with: {ref: NAME}`; a "
         "string input gives its value as `with: {value: …}`.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      d:\n        type: dataset\n"),
    Rule("GW223", "env-name-impossible", E, "an environment variable name no environment can hold",
         "A name with `=` or a control character (a newline, a tab) cannot be set in a process "
         "environment; an empty name neither.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    env:\n      \"A=B\": x\n"),
    Rule("GW222", "invalid-defaults", E, "a `defaults` key that Gradient does not have",
         "`defaults` takes `env`, `resources` and `clusterId`. Keys such as `image`, `username` "
         "and `password` belong to a job's `with:`.",
         "defaults:\n  image: bash:5\njobs:\n  a:\n" + _MINIMAL_JOB),
    # ---- GW3xx: references, kinds and actions -------------------------------------------
    Rule("GW301", "reference-syntax", E, "a malformed reference",
         "References are `workflow.inputs.NAME`, `JOB.outputs.NAME`, `secret:NAME` and "
         "`context.PATH`, written as the whole value.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n"
         "    inputs:\n      x: a.outputs.\n"),
    Rule("GW302", "unknown-job", E, "a reference to a job that does not exist",
         "The job named in `JOB.outputs.NAME` is not defined; the message suggests the "
         "closest job name.",
         "jobs:\n  clone:\n" + _MINIMAL_JOB + "    outputs:\n      repo: {type: volume}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [clone]\n    inputs:\n"
         "      repo: clon.outputs.repo\n"),
    Rule("GW303", "unknown-output", E, "a reference to an output the job does not declare",
         "The job exists but declares no output of that name; the message lists its outputs.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      repo: {type: volume}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n    inputs:\n      repo: a.outputs.rep\n"),
    Rule("GW304", "unknown-workflow-input", E, "a reference to an undefined workflow input",
         "`workflow.inputs.NAME` must name a key of the top-level `inputs:`.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    inputs:\n      d: workflow.inputs.data\n"),
    Rule("GW305", "inputs-not-passed-on", E, "a reference to another job's input",
         "A job's inputs are not passed on: reference the output of the job that produced "
         "the data (`JOB.outputs.NAME`).",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      repo: {type: volume}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n    inputs:\n      repo: a.outputs.repo\n"
         "  c:\n" + _MINIMAL_JOB + "    needs: [b]\n    inputs:\n      repo: b.inputs.repo\n"),
    Rule("GW306", "output-subpath", E, "a reference into a path inside an output",
         "Outputs are one level (`JOB.outputs.NAME`); a path inside a dataset or volume is "
         "read from `/inputs/NAME/…` by the consuming job.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      models: {type: volume}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n    inputs:\n"
         "      m: a.outputs.models.lenet\n"),
    Rule("GW307", "not-a-reference", E, "a job input that is neither a reference nor a definition",
         "A job input is `workflow.inputs.NAME`, `JOB.outputs.NAME`, or an inline definition "
         "(`{type: dataset, with: {ref: …}}`). URLs and paths need an action "
         "(`git-checkout@v1`, `s3-download@v1`) or a dataset.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    inputs:\n"
         "      repo: https://github.com/a/b.git\n"),
    Rule("GW308", "secret-as-input", E, "a secret used as a job input",
         "Secrets are not inputs: put `secret:NAME` in the job's `env:` and read the "
         "environment variable.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    inputs:\n      key: secret:API_KEY\n"),
    Rule("GW309", "missing-needs", E, "a job reads an output of a job it does not list in `needs`",
         "The docs: 'You must specify job-1 in the needs section to reference them here.' Being "
         "an ancestor through another job is not enough.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      s: {type: string}\n"
         "  b:\n" + _MINIMAL_JOB + "    inputs:\n      s: a.outputs.s\n"),
    Rule("GW310", "interpolation", W, "`${{ … }}` is not Gradient syntax",
         "Gradient has no `${{ }}` interpolation: the text reaches the container as written. "
         "Read inputs from `/inputs/NAME` and values from `env:` as `$NAME`.",
         "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
         "      script: |-\n        echo ${{ secrets.TOKEN }}\n"),
    Rule("GW311", "unknown-action", E, "an action that does not exist",
         "Gradient has five actions, all `@v1`: `container`, `script`, `git-checkout`, "
         "`s3-download`, `create-model`.",
         "jobs:\n  a:\n    uses: scrip@v1\n    with: {script: echo, image: bash:5}\n"),
    Rule("GW312", "unknown-parameter", E, "a `with` parameter the action does not take",
         "The message lists the action's parameters and suggests the closest.",
         "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
         "      image: alpine/git\n    outputs:\n      repo: {type: volume}\n"),
    Rule("GW313", "missing-parameter", E, "a required `with` parameter is missing",
         "Each action has required parameters (`image` for container and script, `url` for "
         "git-checkout, …).",
         "jobs:\n  a:\n    uses: script@v1\n    with:\n      script: echo hi\n"),
    Rule("GW314", "literal-secret", E, "a secret-only parameter with a literal value",
         "Parameters such as git-checkout's `password` and s3-download's `secret-access-key` "
         "must be `secret:NAME`; a literal would also leak into logs and generated files.",
         "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
         "      username: me\n      password: hunter2\n    outputs:\n      repo: {type: volume}\n"),
    Rule("GW315", "secret-not-substituted", W, "`secret:` where Gradient does not substitute it",
         "Gradient replaces `secret:NAME` in `env` values and secret parameters. In `args` or "
         "`script` the text reaches the container as written; elsewhere in `with` it is "
         "undocumented.",
         "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: bash:5\n"
         "      args: [echo, 'secret:TOKEN']\n"),
    Rule("GW316", "unknown-context", W, "a `context.` path that is not known",
         "Only `context.event.github.url` and `context.event.github.ref` are filled in by "
         "GitHub-triggered runs.",
         "on:\n  github:\n    branches:\n      only: main\njobs:\n  a:\n"
         "    uses: git-checkout@v1\n    with:\n      url: context.event.github.repo\n"
         "    outputs:\n      repo: {type: volume}\n"),
    Rule("GW317", "context-without-trigger", W, "`context.` values in a workflow with no trigger or context block",
         "Context values exist only in GitHub-triggered runs (`on.github`) or when a "
         "top-level `context:` block sets them; a CLI run fails with 'Github url is invalid'.",
         "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: context.event.github.url\n"
         "    outputs:\n      repo: {type: volume}\n"),
    Rule("GW318", "action-contract", E, "a job does not declare what its action reads or writes",
         "`create-model@v1` reads a dataset input `model` and writes a string output "
         "`model-id`; the job must declare both, with those kinds.",
         "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: Tensorflow}\n"
         "    inputs:\n      model: {type: dataset, with: {ref: my-model}}\n"),
    Rule("GW319", "action-target", E, "git-checkout or s3-download has no single place to write",
         "These actions write into the job's one volume or dataset output, or into `path` "
         "(which must lie under `/outputs/<an output>`).",
         "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"),
    Rule("GW320", "output-is-reference", E, "an output written as a reference",
         "Outputs are declared (`{type: volume}`), not referenced; the consumer references "
         "the producer's output.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      repo: {type: volume}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n    outputs:\n      repo: a.outputs.repo\n"),
    Rule("GW321", "unknown-instance-type", W, "an instance type gwfc does not know",
         "Self-hosted clusters define their own machine types, so this is a warning; add the "
         "type to `[instance-types]` in gwfc.toml to map it.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    resources:\n      instance-type: P4001\n"),
    Rule("GW322", "no-instance-type", I, "a job with no instance type",
         "Neither the job nor `defaults.resources` names an instance type; Gradient picked a "
         "default machine.",
         "jobs:\n  a:\n" + _MINIMAL_JOB),
    Rule("GW323", "undeclared-input-path", W, "a command reads `/inputs/X` that the job does not declare",
         "Only declared inputs are mounted under `/inputs`.",
         "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
         "      script: cat /inputs/data/x.txt\n"),
    Rule("GW324", "undeclared-output-path", W, "a command writes `/outputs/X` that the job does not declare",
         "Only declared outputs are collected from `/outputs`; anything else is lost.",
         "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
         "      script: echo hi > /outputs/result\n"),
    Rule("GW325", "relative-io-path", W, "a relative `inputs/X` or `outputs/X` path",
         "Inputs and outputs live at the absolute paths `/inputs/NAME` and `/outputs/NAME`; a "
         "relative path depends on the image's working directory.",
         "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
         "      script: cat inputs/s\n    inputs:\n      s: {type: string, with: {value: x}}\n"),
    Rule("GW326", "undefined-variable", I, "a `$VAR` that no `env` defines",
         "The command reads a variable that neither `env`, `defaults.env` nor the usual image "
         "environment defines.",
         "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
         "      script: echo $API_TOKEN\n"),
    Rule("GW327", "branch-parameter", W, "git-checkout's undocumented `branch` parameter",
         "`branch` is not documented; gwfc treats it as `ref`.",
         "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
         "      branch: main\n    outputs:\n      repo: {type: volume}\n"),
    Rule("GW328", "model-type", E, "a `create-model` type that does not exist",
         "Model types are `Tensorflow`, `ONNX` and `Custom` (`TensorRT` is accepted with GW329).",
         "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: tensorflow}\n"
         "    inputs:\n      model: {type: dataset, with: {ref: m}}\n"
         "    outputs:\n      model-id: {type: string}\n"),
    Rule("GW329", "model-type-tensorrt", W, "`TensorRT` model type",
         "`TensorRT` appears in one tutorial only; the model-type list has `Tensorflow`, "
         "`ONNX`, `Custom`.",
         "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: TensorRT}\n"
         "    inputs:\n      model: {type: dataset, with: {ref: m}}\n"
         "    outputs:\n      model-id: {type: string}\n"),
    Rule("GW330", "inline-volume-input", W, "the early (2021 beta) inline volume input",
         "An inline `{type: volume}` job input is the beta form of a shared volume. Declare it "
         "under the producer's `outputs` and reference it as `JOB.outputs.NAME`.",
         "jobs:\n  clone:\n    uses: git-checkout@v1\n    with: {url: https://x/y.git}\n"
         "    inputs:\n      repo: {type: volume}\n  b:\n" + _MINIMAL_JOB
         + "    needs: [clone]\n    inputs:\n      repo: {type: volume}\n"),
    Rule("GW331", "inline-volume-orphan", E, "an inline volume input that nothing produces",
         "An inline `{type: volume}` input is only meaningful on a checkout job or on a job "
         "that depends on the job that declares it.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    inputs:\n      v: {type: volume}\n"),
    Rule("GW332", "reference-blanks", E, "blanks around a reference",
         "A reference is the whole value; leading or trailing blanks make it a different "
         "string.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      s: {type: string}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n    inputs:\n      s: 'a.outputs.s '\n"),
    Rule("GW333", "secret-name", E, "an invalid secret name",
         "Secret names match `[A-Za-z_][A-Za-z0-9_-]*`.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    env:\n      TOKEN: secret:my.token\n"),
    Rule("GW334", "dataset-ref", E, "a malformed dataset reference",
         "Dataset references are `name`, `name:version` or `name:tag`, optionally with a "
         "namespace (`team/name`).",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    inputs:\n      d:\n        type: dataset\n"
         "        with: {ref: 'my data'}\n"),
    Rule("GW335", "s3-url", E, "s3-download `url` is not an `s3://` URL",
         "`s3-download@v1` copies from `s3://bucket/path`.",
         "jobs:\n  a:\n    uses: s3-download@v1\n    with:\n      url: https://bucket/x\n"
         "      access-key: AK\n      secret-access-key: secret:SK\n"
         "    outputs:\n      data: {type: volume}\n"),
    Rule("GW336", "kind-mismatch", E, "an input used as a kind it is not",
         "The kind of a reference is the kind of what it names; an action that needs a "
         "dataset cannot take a string.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      s: {type: string}\n"
         "  m:\n    uses: create-model@v1\n    with: {name: m, type: Custom}\n    needs: [a]\n"
         "    inputs:\n      model: a.outputs.s\n    outputs:\n      model-id: {type: string}\n"),
    Rule("GW337", "self-reference", E, "a job reads its own output",
         "A job writes `/outputs/NAME` itself; its own outputs are not inputs.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      s: {type: string}\n"
         "    inputs:\n      s: a.outputs.s\n"),
    Rule("GW338", "command-with-arguments", W, "container `command` with blanks in it",
         "`command` replaces the image's entrypoint with one program, as Kubernetes `command` "
         "and Docker's `--entrypoint` do: nothing splits it at blanks, so `python3 -u` names a "
         "program called \"python3 -u\", which does not exist. The program's arguments go in `args`.",
         "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: python:3.11\n"
         "      command: python3 -u\n      args: [train.py]\n"),
    # ---- GW4xx: graph -------------------------------------------------------------------
    Rule("GW401", "needs-unknown", E, "`needs` names a job that does not exist",
         "The message suggests the closest job name, also across case.",
         "jobs:\n  CloneRepo:\n" + _MINIMAL_JOB + "  b:\n" + _MINIMAL_JOB
         + "    needs: [cloneRepo]\n"),
    Rule("GW402", "needs-self", E, "a job needs itself", "A job cannot wait for itself.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    needs: [a]\n"),
    Rule("GW403", "needs-duplicate", W, "`needs` lists a job twice", "Remove the repetition.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "  b:\n" + _MINIMAL_JOB + "    needs: [a, a]\n"),
    Rule("GW404", "cycle", E, "jobs depend on each other in a cycle",
         "The message gives the whole path of the cycle.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    needs: [b]\n  b:\n" + _MINIMAL_JOB
         + "    needs: [a]\n"),
    Rule("GW405", "unused-output", W, "an output that no job reads",
         "A string or volume output that nothing reads is discarded when the run ends. "
         "Datasets persist and are not reported.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      s: {type: string}\n"),
    Rule("GW406", "dataset-write-race", W, "two unordered jobs write the same dataset",
         "Jobs with no `needs` path between them run in parallel and would create clashing "
         "versions.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      d: {type: dataset, with: {ref: d}}\n"
         "  b:\n" + _MINIMAL_JOB + "    outputs:\n      d: {type: dataset, with: {ref: d}}\n"),
    Rule("GW407", "volume-rewrite", E, "a job writes a volume another job created",
         "The docs: volumes cannot be used as an output after the job that created them. "
         "Write a new output instead.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    outputs:\n      repo: {type: volume}\n"
         "  b:\n" + _MINIMAL_JOB + "    needs: [a]\n    inputs:\n      repo: a.outputs.repo\n"
         "    outputs:\n      repo: {type: volume}\n"),
    Rule("GW408", "needs-string", W, "`needs` written as a single string",
         "`needs` is a list; a single string is read as a one-item list.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "  b:\n" + _MINIMAL_JOB + "    needs: a\n"),
    # ---- GW5xx: target support ----------------------------------------------------------
    Rule("GW501", "name-collision", E, "two names map to one identifier on the target",
         "Targets such as Argo need lower-case DNS names; `Train` and `train` would become the "
         "same name. Rename one of them.",
         "jobs:\n  Train:\n" + _MINIMAL_JOB + "  train:\n" + _MINIMAL_JOB, target="argo"),
    Rule("GW502", "metadata-not-mapped", I, "workflow metadata the target does not use",
         "`on` triggers, `clusterId` and similar metadata have no meaning on this target; they "
         "are kept as annotations where the target has them.",
         "defaults:\n  clusterId: cl123\njobs:\n  a:\n" + _MINIMAL_JOB, target="argo"),
    Rule("GW503", "model-registry", I, "create-model registers into a local model store",
         "Gradient's model registry is gone: the model is recorded in the target's store "
         "(`.gwfc/models` locally, the artifact repository on Argo); map it to a real registry "
         "if you need one.",
         "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: Custom}\n"
         "    inputs:\n      model: {type: dataset, with: {ref: m}}\n"
         "    outputs:\n      model-id: {type: string}\n", target="shell"),
    Rule("GW504", "unsupported-feature", E, "the target cannot express this",
         "The target has no equivalent for this part of the workflow; compiling would lose "
         "its meaning."),
    Rule("GW531", "argo-instance-type", I, "an instance type Argo cannot schedule by",
         "The profile has no row for this instance type, so the Argo target sets no resource requests "
         "(the node selector stays); or the name cannot be a Kubernetes label value, so there is no node "
         "selector. Add the type under `[instance-types]` in gwfc.toml.",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    resources:\n      instance-type: my-gpu\n", target="argo"),
    Rule("GW532", "argo-entrypoint-bypassed", W, "args with `{{` run without the image's entrypoint on Argo",
         "Argo reads `{{ }}` as its own template variables, so gwfc carries such args and env values encoded "
         "and decodes them in the pod; the decoder runs args[0] as the command, without the image's "
         "entrypoint. Give `command` if the entrypoint matters.",
         "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: bash:5\n      args: [echo, \"{{x}}\"]\n",
         target="argo"),
    Rule("GW533", "argo-fixed-value", I, "a value with `{{` is fixed in the Argo workflow, not a parameter",
         "Argo would read `{{ }}` in a parameter value as a template; gwfc writes the value into the workflow "
         "(encoded) instead, so it cannot be changed when the workflow is submitted.",
         "inputs:\n  t:\n    type: string\n    with:\n      value: \"{{x}}\"\njobs:\n  a:\n" + _MINIMAL_JOB
         + "    inputs:\n      t: workflow.inputs.t\n", target="argo"),
    Rule("GW534", "argo-large-template", W, "a job's Argo template is larger than 96 KiB",
         "Argo hands each template to its executor in one environment variable, which Kubernetes limits to "
         "128 KiB; a long script or value can keep the pod from starting. Put large files in a dataset."),
    Rule("GW535", "argo-co-location", I, "co-located steps run in pods of their own on Argo",
         "The placement put several steps in one group; the Argo target does not merge them into one pod yet."),
    Rule("GW536", "argo-env-name", W, "an env name only Kubernetes 1.32 and later accept",
         "Kubernetes before 1.32 accepts env names of the form `[-._a-zA-Z][-._a-zA-Z0-9]*`; 1.32 and later "
         "(RelaxedEnvironmentVariableValidation) accept any printable ASCII but `=`, so an older API server "
         "refuses the workflow. Rename the variable to letters, digits and `_` (a name that is not printable "
         "ASCII is GW504: no Kubernetes accepts it).",
         "jobs:\n  a:\n" + _MINIMAL_JOB + "    env:\n      1ST: x\n", target="argo"),
    Rule("GW511", "host-runtime-image", I, "the host runtime does not use the image",
         "`--runtime host` runs steps on this machine in bubblewrap with the `/inputs` and "
         "`/outputs` contract kept, but without the job's image: the tools the step calls must "
         "be installed here."),
    # ---- GW6xx: configuration -----------------------------------------------------------
    Rule("GW601", "config-syntax", E, "gwfc.toml is not valid TOML",
         "The configuration file could not be parsed."),
    Rule("GW602", "config-unknown-key", E, "a configuration key gwfc does not know",
         "The message lists the keys allowed in that table."),
    Rule("GW603", "config-value", E, "a configuration value of the wrong type or range",
         "The value does not fit the key (a number, a size such as `8GiB`, a string)."),
    Rule("GW604", "inputs-file", E, "an inputs file or `--input` value that does not fit the workflow",
         "Names must be workflow inputs; datasets take `{ref: NAME}` (or `id`), strings "
         "`{value: TEXT}`."),
    # ---- GW9xx: internal ----------------------------------------------------------------
    Rule("GW901", "internal-error", E, "gwfc failed on this file",
         "A bug in gwfc. Please report it with the file (run with `--debug` for a traceback)."),
)

REGISTRY: dict[str, Rule] = {r.code: r for r in RULES}


def rule(code: str) -> Rule:
    """The registry entry of a code (KeyError for an unregistered code: a bug)."""
    return REGISTRY[code]


def docs_url(code: str) -> str:
    """Where the rule is documented (docs/rules.md anchors are the lower-case code)."""
    return f"https://github.com/gwfc/gwfc/blob/main/docs/rules.md#{code.lower()}"
